"""What ``scan`` can read, turned into the records the engine stand-in sends to the pack.

- a Pulumi Python program folder: run under mocks (``engine.capture``);
- a ``pulumi stack export`` file (deployment version 3 or 4): each resource's ``inputs`` go to
  Analyze and its ``outputs`` to AnalyzeStack, as ``pulumi policy analyze`` does; resources marked
  ``delete`` are skipped; a secret is ``{"4dabf…": "1b47…", "ciphertext": …}`` (a secret whose value is
  unknown) or, exported with ``--show-secrets``, ``{"4dabf…": "1b47…", "plaintext": "<JSON text>"}``;
- a ``pulumi preview --json`` file: each step's ``newState.inputs`` (outputs are not reliable there),
  ``delete`` steps skipped, ``"[secret]"`` for every secret, the engine's unknown sentinels for
  unknowns; judged as a preview.

Field names follow the Pulumi CLI's own types (``sdk/go/common/apitype/core.go`` for the deployment,
``pkg/display/json.go`` for the preview). Every problem is an ``InputError`` with one line.
"""
from __future__ import annotations

import gc
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Iterable, Iterator
from urllib.parse import unquote, urlparse

from .core.values import SECRET_SIG, SIG_KEY
from .engine.capture import Record

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_UNKNOWN = {SIG_KEY: SECRET_SIG, "value": UNKNOWN_STRING}
KINDS = ("program", "stack-export", "preview-json")
MAX_INPUT_BYTES = 512 << 20


class InputError(Exception):
    """The input cannot be scanned: the message names the file and what is wrong."""


@dataclass
class Loaded:
    kind: str
    records: list
    mode: str             # "update" or "preview"
    project: str
    base_dir: str         # where source positions are relative to
    pending: Iterator | None = None   # records still to be read from a streamed file
    language: str | None = None       # a program's own: "typescript" for a Node.js program

    def stream(self) -> Iterator:
        """Every record, reading the rest of a streamed file as they are consumed (each is appended to
        ``records``, so the reports have them all afterwards). An input problem found on the way is an
        ``InputError``, as at load time."""
        yield from list(self.records)
        while self.pending is not None:
            record = next(self.pending, None)
            if record is None:
                self.pending = None
                return
            self.records.append(record)
            yield record


def detect(path: str) -> str:
    if os.path.isdir(path):
        return "program"
    return _kind_of(path, _read_json(path)[0])


def _kind_of(path: str, data) -> str:
    if isinstance(data, dict) and "steps" in data:
        return "preview-json"
    if isinstance(data, dict) and "deployment" in data and "version" in data:
        return "stack-export"
    raise InputError(f"{_shown(path)}: not a Pulumi program folder, a `pulumi stack export` file or a "
                     "`pulumi preview --json` file")


def _shown(text: str) -> str:
    from .core.safety import one_line

    return one_line(str(text), 300)


def read_capped(path: str, limit: int, what: str = "", json_object: bool = False) -> bytes:
    """``files.read_capped`` with its problem as an ``InputError``."""
    from .core.files import FileProblem, read_capped as read

    try:
        return read(path, limit, f"{what} {_shown(path)}" if what else "", json_object)
    except FileProblem as exc:
        raise InputError(str(exc)) from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _read_json(path: str) -> tuple:
    """(the JSON value of ``path``, whether its strings need checking for lone surrogates)."""
    raw = read_capped(path, MAX_INPUT_BYTES, json_object=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{_shown(path)}: not UTF-8 text (byte {exc.start})") from None
    del raw
    collecting = gc.isenabled()
    gc.disable()   # parsing makes millions of acyclic containers; collections would cost more than the parse
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(f"{_shown(path)}: not valid JSON (nested deeper than Python can parse)") from None
    except ValueError as exc:
        raise InputError(f"{_shown(path)}: not valid JSON ({_shown(str(exc).splitlines()[0])})") from None
    finally:
        if collecting:
            gc.enable()
    # A JSON text can hold a lone surrogate only as an escape: strings are checked one by one only then.
    return data, bool(_ESCAPED_SURROGATE.search(text))


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
MAX_DEPTH = 64            # levels of nesting in one property value (the engine's Struct allows 100)
MAX_NUMBER = sys.float_info.max  # a JSON number the engine's float64 values can hold


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


class _Bad(Exception):
    def __init__(self, what: str, trail: tuple):
        super().__init__(what)
        self.what, self.trail = what, trail


def _path_of(trail) -> str:
    """``inputs.environment.variables.TOKEN`` / ``outputs.policy[2]`` from a ``_clean`` trail."""
    keys: list = []
    while trail:
        trail, key = trail
        keys.append(key)
    keys.reverse()
    if len(keys) > 12:
        keys = keys[:6] + ["…"]
    return _shown(str(keys[0]) + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys[1:]))


def _clean(root, field: str, check_text: bool):
    """``root`` (one resource's inputs or outputs) checked and with its secrets in the engine's form,
    in place and without recursion: a value nested deeper than ``MAX_DEPTH``, a number the engine's
    float64 cannot hold (or NaN/Infinity), a lone surrogate (when the file escaped one), or a secret of
    an unknown shape raises ``_Bad`` naming where. An export secret becomes ``{sig, value}`` (its
    ``plaintext`` parsed), ciphertext or ``"[secret]"`` a secret whose value is unknown, so a hidden
    value can never become a finding or reach a message."""
    holder = {field: root}
    stack: list = [(holder, field, 0, None)]
    while stack:
        container, key, depth, parent = stack.pop()
        value = container[key]
        trail = (parent, key)
        if isinstance(value, (dict, list)):
            if depth >= MAX_DEPTH:
                raise _Bad(f"nested deeper than {MAX_DEPTH} levels", trail)
            if isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
                container[key] = secret = _export_secret(value)
                if secret != SECRET_UNKNOWN:   # a value to check in turn
                    stack.append((secret, "value", depth + 1, trail))
                continue
            for k in (value if isinstance(value, dict) else range(len(value))):
                if check_text and isinstance(k, str):
                    _check_text(k, trail)
                stack.append((value, k, depth + 1, trail))
        else:
            _check_scalar(container, key, value, trail, check_text)
    return holder[field]


def _export_secret(value: dict) -> dict:
    """A secret of a stack export or preview in the engine's form: its ``plaintext`` parsed (or its ``value``);
    ciphertext alone is a secret whose value is unknown."""
    if isinstance(value.get("plaintext"), str):
        try:
            inner = json.loads(value["plaintext"], parse_constant=_no_constant)
        except (ValueError, RecursionError):
            inner = value["plaintext"]
    elif "value" in value:
        inner = value["value"]
    else:
        return dict(SECRET_UNKNOWN)
    return {SIG_KEY: SECRET_SIG, "value": inner}


def _check_scalar(container, key, value, trail, check_text: bool) -> None:
    if isinstance(value, str):
        if value == "[secret]":
            container[key] = dict(SECRET_UNKNOWN)
        elif check_text:
            _check_text(value, trail)
    elif isinstance(value, float):
        if not -MAX_NUMBER <= value <= MAX_NUMBER:
            raise _Bad("a number a 64-bit float cannot hold", trail)
    elif isinstance(value, int) and not isinstance(value, bool) and not -MAX_NUMBER <= value <= MAX_NUMBER:
        raise _Bad(f"a {len(str(abs(value)))}-digit number a 64-bit float cannot hold", trail)


def _check_text(text: str, trail) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Bad(f"text with a lone surrogate (\\u{ord(text[exc.start]):04x}), which is not Unicode", trail) from None


_LINE = re.compile(r"[0-9]{1,9}")


def _source(position, base_dir: str, where: str) -> tuple:
    """``project:///path#line,col`` (relative to the project folder) -> (absolute file, line). A position
    outside the project folder is kept (the reports fall back to the project file for it)."""
    if position is None or position == "":
        return "", 0
    if not isinstance(position, str):
        raise InputError(f"{where}: sourcePosition is {_kind(position)}, not a string")
    parsed = urlparse(position)
    line_text = parsed.fragment.split(",")[0]
    if line_text and not _LINE.fullmatch(line_text):
        raise InputError(f"{where}: sourcePosition {_shown(position)[:120]!r} has no valid line number")
    line = int(line_text) if line_text else 0
    if parsed.scheme == "file":
        return unquote(parsed.path), line
    path = unquote(parsed.path).lstrip("/")
    return (os.path.join(base_dir, path), line) if path else ("", 0)


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


_FIELDS = {   # field -> (accepted types, what to call them); None is accepted for every field
    "delete": ((bool,), "true or false"),
    "custom": ((bool,), "true or false"),
    "inputs": ((dict,), "an object"),
    "outputs": ((dict,), "an object"),
    "parent": ((str,), "a URN string"),
    "provider": ((str,), "a string"),
    "dependencies": ((list,), "a list of URN strings"),
    "propertyDependencies": ((dict,), "an object of lists of URN strings"),
}


class _Where:
    """Where a record comes from (``FILE: deployment.resources[12] (name)``), written only for an error."""

    __slots__ = ("path", "items", "index", "urn")

    def __init__(self, path: str, items: str, index: int):
        self.path, self.items, self.index = path, items, index
        self.urn: str | None = None

    def __str__(self) -> str:
        text = f"{_shown(self.path)}: {self.items}[{self.index}]"
        return text if self.urn is None else f"{text} ({_shown(_name(self.urn))[:100]})"

    __format__ = lambda self, spec: format(str(self), spec)  # noqa: E731 - f-strings call __format__


def _check_fields(state: dict, where) -> None:
    for field, (types, wanted) in _FIELDS.items():
        value = state.get(field)
        if value is None or (type(value) in types):
            continue
        if not isinstance(value, types) or isinstance(value, bool) != (bool in types):
            raise InputError(f"{where}: {field} is {_kind(value)}, not {wanted}")
    for urn in state.get("dependencies") or ():
        if not isinstance(urn, str):
            raise InputError(f"{where}: dependencies holds {_kind(urn)}, not a URN string")
    for prop, urns in (state.get("propertyDependencies") or {}).items():
        if not isinstance(urns, list) or not all(isinstance(u, str) for u in urns):
            raise InputError(f"{where}: propertyDependencies.{_shown(prop)} is not a list of URN strings")


def _record(type_: str, urn: str, state: dict, inputs, outputs, base_dir: str, where, check_text: bool) -> Record:
    _check_fields(state, where)
    if check_text:
        for field in ("urn", "type", "parent", "provider"):
            if isinstance(state.get(field), str):
                try:
                    _check_text(state[field], None)
                except _Bad as bad:
                    raise InputError(f"{where}: {field} holds {bad.what}") from None
    src_file, src_line = _source(state.get("sourcePosition"), base_dir, where)
    try:
        inputs = _clean(inputs if inputs is not None else {}, "inputs", check_text)
        outputs = inputs if outputs is inputs else _clean(outputs if outputs is not None else {}, "outputs",
                                                           check_text)
    except _Bad as bad:
        raise InputError(f"{where}: {_path_of(bad.trail)} is {bad.what}") from None
    return Record(
        type=type_, name=_name(urn), urn=urn, parent=state.get("parent") or "",
        dependencies=list(state.get("dependencies") or ()),
        property_dependencies=dict(state.get("propertyDependencies") or {}),
        inputs=inputs, outputs=outputs,
        custom=state.get("custom", True) is not False, provider=state.get("provider") or "",
        source_file=src_file, source_line=src_line)


def _project_of(urn: str) -> str:
    parts = urn.split("::")
    return parts[1] if len(parts) > 2 else "app"


def load_stack_export(path: str, base_dir: str, read: tuple | None = None) -> Loaded:
    data, check_text = read or _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("deployment"), dict):
        raise InputError(f"{_shown(path)}: not a `pulumi stack export` file (no deployment object)")
    version = data.get("version")
    if type(version) is not int or version not in (3, 4):
        raise InputError(f"{_shown(path)}: deployment version {_shown(repr(version))[:40]} is not supported (3 or 4)")
    resources = data["deployment"].get("resources")
    if resources is None:
        resources = []
    if not isinstance(resources, list):
        raise InputError(f"{_shown(path)}: deployment.resources is {_kind(resources)}, not a list")
    records = list(_export_records(path, _released(resources), base_dir, check_text))
    project = _project_of(records[0].urn) if records else "app"
    return Loaded("stack-export", records, "update", project, base_dir)


def _released(items: list) -> Iterator:
    """The items of a parsed list, each released from the list as it is handed out."""
    for i in range(len(items)):
        item, items[i] = items[i], None
        yield item


def _export_records(path: str, resources: Iterable, base_dir: str, check_text: bool = False) -> Iterator:
    for i, r in enumerate(resources):
        where = _Where(path, "deployment.resources", i)
        if not isinstance(r, dict) or not isinstance(r.get("urn"), str) or not isinstance(r.get("type"), str):
            raise InputError(f"{where} has no urn or type string")
        where.urn = r["urn"]
        if r.get("delete") is not None and not isinstance(r.get("delete"), bool):
            raise InputError(f"{where}: delete is {_kind(r['delete'])}, not true or false")
        if r.get("delete") or r["type"].startswith("pulumi:providers:"):
            continue
        yield _record(r["type"], r["urn"], r, r.get("inputs"), r.get("outputs"), base_dir, where, check_text)


_SKIPPED_OPS = ("delete", "discard", "delete-replaced", "discard-replaced", "remove-pending-replace", "read-discard")


def load_preview_json(path: str, base_dir: str, read: tuple | None = None) -> Loaded:
    data, check_text = read or _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InputError(f"{_shown(path)}: not a `pulumi preview --json` file (no steps list)")
    records = list(_preview_records(path, _released(data["steps"]), base_dir, check_text))
    project = _project_of(records[0].urn) if records else "app"
    return Loaded("preview-json", records, "preview", project, base_dir)


def _preview_records(path: str, steps: Iterable, base_dir: str, check_text: bool = False) -> Iterator:
    for i, step in enumerate(steps):
        where = _Where(path, "steps", i)
        if not isinstance(step, dict):
            raise InputError(f"{where} is {_kind(step)}, not an object")
        op = step.get("op")
        if op is not None and not isinstance(op, str):
            raise InputError(f"{where}: op is {_kind(op)}, not a string")
        if op in _SKIPPED_OPS:
            continue
        state = step.get("newState")
        if state is None:
            continue
        if not isinstance(state, dict):
            raise InputError(f"{where}: newState is {_kind(state)}, not an object")
        urn = state.get("urn") or step.get("urn")
        if not isinstance(state.get("type"), str) or not isinstance(urn, str):
            raise InputError(f"{where}: newState has no urn or type string")
        if state["type"].startswith("pulumi:providers:"):
            continue
        where.urn = urn
        inputs = state.get("inputs")
        yield _record(state["type"], urn, state, inputs, inputs, base_dir, where, check_text)


# --- reading a large file one resource at a time ----------------------------------------------------

STREAM_FROM_BYTES = 8 << 20   # smaller files are parsed whole


def _streamable(path: str) -> bool:
    """A regular file large enough to be worth streaming, without an escaped lone surrogate anywhere
    (the streaming parser would turn one into "?" silently; such a file is parsed whole and refused)."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) < STREAM_FROM_BYTES \
                or os.path.getsize(path) > MAX_INPUT_BYTES:
            return False
        import ijson  # noqa: F401 - the command's own dependency; without it, files are parsed whole
    except (OSError, ImportError):
        return False
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            if _ESCAPED_SURROGATE_BYTES.search(tail + chunk):
                return False
            tail = chunk[-8:]
    return True


_ESCAPED_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_problem(path: str, exc: Exception) -> InputError:
    # the parser's first line only: the lines after it quote the text around the error, which could
    # hold a secret's plaintext
    text = exc.args[0] if exc.args else type(exc).__name__
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return InputError(f"{_shown(path)}: not valid JSON ({_shown(text.strip().splitlines()[0] if text.strip() else text)})")


def _top_level(path: str) -> dict:
    """The top-level keys of a JSON object file up to the list a stream reads (``steps`` or
    ``deployment.resources``), with ``version`` when it comes first: what kind of file this is, read
    without building the file's content."""
    import ijson

    found: dict = {"keys": []}
    try:
        with open(path, "rb") as f:
            events = ijson.parse(f, use_float=True)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise InputError(f"{_shown(path)}: not a JSON object")
            for prefix, event, value in events:
                if prefix == "" and event == "map_key":
                    found["keys"].append(value)
                elif prefix == "version" and event in ("number", "string", "boolean", "null"):
                    found["version"] = value
                elif (prefix, event) in (("steps", "start_array"), ("deployment.resources", "start_array")):
                    found["list"] = prefix
                    break
                elif prefix in ("steps", "deployment", "deployment.resources") and event in (
                        "start_map", "string", "number", "boolean", "null") and prefix != "deployment":
                    found["bad"] = (prefix, event)
                    break
                elif prefix == "deployment" and event in ("start_array", "string", "number", "boolean", "null"):
                    found["bad"] = (prefix, event)
                    break
    except ijson.JSONError as exc:
        raise _json_problem(path, exc) from None
    return found


_EVENT_KIND = {"start_map": "an object", "start_array": "a list", "string": "a string", "number": "a number",
               "boolean": "a boolean", "null": "null"}


def _stream_loaded(path: str, kind: str | None, base_dir: str | None) -> Loaded | None:
    """A stack export or preview read one resource at a time, or None when the file is better parsed
    whole (small, or it needs the whole-file checks)."""
    if not _streamable(path):
        return None
    import ijson

    top = _top_level(path)
    seen = top["keys"]
    detected = "preview-json" if "steps" in seen else "stack-export" if "deployment" in seen else None
    kind = kind or detected
    if kind is None or kind != detected:
        return None   # parsed whole: the same checks and messages as a small file
    if "bad" in top:
        _bad_top(path, kind, *top["bad"])
    base = os.path.abspath(base_dir or os.getcwd())
    if kind == "stack-export":
        _check_version(path, top.get("version", _MISSING), ijson)
    if "list" not in top:
        return Loaded(kind, [], "update" if kind == "stack-export" else "preview", "app", base)
    items = "steps.item" if kind == "preview-json" else "deployment.resources.item"
    convert = _preview_records if kind == "preview-json" else _export_records
    pending = convert(path, _items(path, items), base)
    first = next(pending, None)
    records = [first] if first is not None else []
    project = _project_of(first.urn) if first is not None else "app"
    return Loaded(kind, records, "update" if kind == "stack-export" else "preview", project, base,
                  pending if first is not None else None)


_MISSING = object()


def _bad_top(path: str, kind: str, prefix: str, event: str):
    """Raise what is wrong with the top of a streamed file."""
    if kind == "stack-export" and prefix == "deployment":
        raise InputError(f"{_shown(path)}: not a `pulumi stack export` file (no deployment object)")
    if kind == "preview-json" and prefix == "steps":
        raise InputError(f"{_shown(path)}: not a `pulumi preview --json` file (no steps list)")
    raise InputError(f"{_shown(path)}: deployment.resources is {_EVENT_KIND[event]}, not a list")


def _check_version(path: str, version, ijson) -> None:
    """A stack export's deployment version must be one this reader knows (read from the file if the top
    level scan did not see it)."""
    if version is _MISSING:
        with open(path, "rb") as f:
            try:
                version = next(ijson.items(f, "version", use_float=True), None)
            except ijson.JSONError as exc:
                raise _json_problem(path, exc) from None
    if type(version) is not int or version not in (3, 4):
        raise InputError(f"{_shown(path)}: deployment version {_shown(repr(version))[:40]} is not supported (3 or 4)")


def _items(path: str, prefix: str) -> Iterator:
    import ijson

    with open(path, "rb") as f:
        try:
            yield from ijson.items(f, prefix, use_float=True)
        except ijson.JSONError as exc:
            raise _json_problem(path, exc) from None


def load(path: str, kind: str | None = None, mode: str = "update", stack: str = "dev",
         stack_config: str | None = None, base_dir: str | None = None, timeout: float = 300,
         stream: bool = False, organization: str = "organization", stack_outputs: str | None = None) -> Loaded:
    """Whatever ``path`` is (or ``kind`` says it is), as records. With ``stream``, a large stack export
    or preview is read one resource at a time as ``Loaded.stream()`` is consumed."""
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown input kind {_shown(kind)!r} (one of {', '.join(KINDS)})")
    read = None
    if stream and kind != "program" and not os.path.isdir(path):
        streamed = _stream_loaded(path, kind, base_dir)
        if streamed is not None:
            return streamed
    if kind != "program" and not os.path.isdir(path):
        read = _read_json(path)   # read once: the kind is seen in the content
        kind = kind or _kind_of(path, read[0])
    kind = kind or "program"
    base = os.path.abspath(base_dir or (path if kind == "program" else os.getcwd()))
    if kind == "stack-export":
        return load_stack_export(path, base, read)
    if kind == "preview-json":
        return load_preview_json(path, base, read)
    return _load_program(path, mode, stack, stack_config, timeout, base, organization, stack_outputs)


_MOCKS = re.compile(r"(?i)setMocks|set_mocks|test mode|\bmocks?\b")


def _program_failure(text: str) -> str:
    """A program's failure as the user can act on it: an SDK message about test mocks (which scan's runner
    uses, and the user has not written) becomes what scan could not model and what to scan instead."""
    from .core.safety import one_line

    if _MOCKS.search(text):
        return ("it asked for something scan's model of the Pulumi engine cannot give it (the SDK said: "
                f"{one_line(text, 200)}); if `pulumi preview` runs it, scan `pulumi preview --json` output or "
                "a `pulumi stack export` instead")
    return one_line(text)


def _load_program(path: str, mode: str, stack: str, stack_config: str | None, timeout: float, base: str,
                  organization: str = "organization", stack_outputs: str | None = None) -> Loaded:
    """A program folder, run fenced (its own process, a time limit) under the runner of its language."""
    from .core.safety import one_line
    from .engine import capture, fence

    if not os.path.isdir(path):
        raise InputError(f"{path}: not a folder, so not a Pulumi program")
    try:
        project, _, _, runtime = capture.program_settings(os.path.abspath(path))
        records = fence.run_fenced(path, mode=mode, stack=stack, config_file=stack_config, timeout=timeout,
                                   organization=organization, stack_outputs=stack_outputs)
    except FileNotFoundError as exc:
        raise InputError(one_line(str(exc))) from None
    except ValueError as exc:
        raise InputError(one_line(str(exc).splitlines()[0] if str(exc) else "bad program settings")) from None
    except capture.ProgramError as exc:
        raise InputError(f"the Pulumi program in {one_line(path, 200)} failed: {_program_failure(str(exc))}") from None
    return Loaded("program", records, mode, str(project), base,
                  language="typescript" if runtime == "nodejs" else "python")
