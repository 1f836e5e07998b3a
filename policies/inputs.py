"""What ``scan`` can read, turned into the records the engine stand-in sends to the pack.

- a Pulumi Python program folder: run under mocks (``harness.capture``);
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

import json
import os
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from .core.values import SECRET_SIG, SIG_KEY
from .harness.capture import Record

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


def detect(path: str) -> str:
    if os.path.isdir(path):
        return "program"
    data = _read_json(path)
    if isinstance(data, dict) and isinstance(data.get("steps"), list):
        return "preview-json"
    if isinstance(data, dict) and isinstance(data.get("deployment"), dict) and "version" in data:
        return "stack-export"
    raise InputError(f"{path}: not a Pulumi program folder, a `pulumi stack export` file or a "
                     "`pulumi preview --json` file")


def _read_json(path: str):
    try:
        if os.path.getsize(path) > MAX_INPUT_BYTES:
            raise InputError(f"{path}: larger than {MAX_INPUT_BYTES >> 20} MB")
        with open(path, "rb") as f:
            return json.loads(f.read().decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or folder") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder without Pulumi.yaml") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({type(exc).__name__})") from None


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _decode_secrets(value, show_plaintext: bool = True):
    """Export secrets -> the engine's secret form; ciphertext (and "[secret]") -> a secret whose value
    is unknown, so a hidden value can never become a finding or reach a message."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            if "plaintext" in value and isinstance(value["plaintext"], str):
                try:
                    inner = json.loads(value["plaintext"])
                except ValueError:
                    inner = value["plaintext"]
                return {SIG_KEY: SECRET_SIG, "value": _decode_secrets(inner)}
            if "value" in value:
                return {SIG_KEY: SECRET_SIG, "value": _decode_secrets(value["value"])}
            return dict(SECRET_UNKNOWN)
        return {k: _decode_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_secrets(v) for v in value]
    if value == "[secret]":
        return dict(SECRET_UNKNOWN)
    return value


def _source(position, base_dir: str) -> tuple:
    """``project:///path#line,col`` (relative to the project folder) -> (absolute file, line)."""
    if not isinstance(position, str) or not position:
        return "", 0
    parsed = urlparse(position)
    frag = parsed.fragment.split(",")[0]
    line = int(frag) if frag.isdigit() else 0
    path = unquote(parsed.path).lstrip("/")
    if parsed.scheme == "file":
        return unquote(parsed.path), line
    return (os.path.join(base_dir, path), line) if path else ("", 0)


def _record(type_: str, urn: str, state: dict, inputs, outputs, base_dir: str) -> Record:
    src_file, src_line = _source(state.get("sourcePosition"), base_dir)
    deps = state.get("propertyDependencies") or {}
    return Record(
        type=type_, name=_name(urn), urn=urn, parent=state.get("parent") or "",
        dependencies=[d for d in state.get("dependencies") or [] if isinstance(d, str)],
        property_dependencies={k: [u for u in v if isinstance(u, str)] for k, v in deps.items() if isinstance(v, list)},
        inputs=_decode_secrets(inputs if isinstance(inputs, dict) else {}),
        outputs=_decode_secrets(outputs if isinstance(outputs, dict) else {}),
        custom=bool(state.get("custom", True)), provider=state.get("provider") or "",
        source_file=src_file, source_line=src_line)


def _project_of(urn: str) -> str:
    parts = urn.split("::")
    return parts[1] if len(parts) > 2 else "app"


def load_stack_export(path: str, base_dir: str) -> Loaded:
    data = _read_json(path)
    version = data.get("version")
    if version not in (3, 4):
        raise InputError(f"{path}: deployment version {version!r} is not supported (3 or 4)")
    resources = data["deployment"].get("resources") or []
    if not isinstance(resources, list):
        raise InputError(f"{path}: deployment.resources is not a list")
    records = []
    for i, r in enumerate(resources):
        if not isinstance(r, dict) or not isinstance(r.get("urn"), str) or not isinstance(r.get("type"), str):
            raise InputError(f"{path}: deployment.resources[{i}] has no urn or type")
        if r.get("delete") or r["type"].startswith("pulumi:providers:"):
            continue
        records.append(_record(r["type"], r["urn"], r, r.get("inputs"), r.get("outputs"), base_dir))
    project = _project_of(records[0].urn) if records else "app"
    return Loaded("stack-export", records, "update", project, base_dir)


def load_preview_json(path: str, base_dir: str) -> Loaded:
    data = _read_json(path)
    records = []
    for i, step in enumerate(data["steps"]):
        if not isinstance(step, dict):
            raise InputError(f"{path}: steps[{i}] is not an object")
        if step.get("op") in ("delete", "discard", "delete-replaced", "discard-replaced", "remove-pending-replace"):
            continue
        state = step.get("newState")
        if not isinstance(state, dict) or not isinstance(state.get("type"), str):
            continue
        urn = state.get("urn") or step.get("urn")
        if not isinstance(urn, str) or state["type"].startswith("pulumi:providers:"):
            continue
        inputs = state.get("inputs") or {}
        records.append(_record(state["type"], urn, state, inputs, inputs, base_dir))
    project = _project_of(records[0].urn) if records else "app"
    return Loaded("preview-json", records, "preview", project, base_dir)


def load(path: str, kind: str | None = None, mode: str = "update", stack: str = "dev",
         stack_config: str | None = None, base_dir: str | None = None, timeout: float = 300) -> Loaded:
    """Whatever ``path`` is (or ``kind`` says it is), as records."""
    kind = kind or detect(path)
    base = os.path.abspath(base_dir or (path if kind == "program" else os.getcwd()))
    if kind == "stack-export":
        return load_stack_export(path, base)
    if kind == "preview-json":
        return load_preview_json(path, base)
    if kind != "program":
        raise InputError(f"unknown input kind {kind!r} (one of {', '.join(KINDS)})")
    from .core.safety import one_line
    from .harness import capture, fence

    if not os.path.isdir(path):
        raise InputError(f"{path}: not a folder, so not a Pulumi program")
    try:
        project = capture._program_settings(os.path.abspath(path))[0]
        records = fence.run_fenced(path, mode=mode, stack=stack, config_file=stack_config, timeout=timeout)
    except FileNotFoundError as exc:
        raise InputError(one_line(str(exc))) from None
    except ValueError as exc:
        raise InputError(one_line(str(exc).splitlines()[0] if str(exc) else "bad program settings")) from None
    except capture.ProgramError as exc:
        raise InputError(f"the Pulumi program in {one_line(path, 200)} failed: {one_line(str(exc))}") from None
    return Loaded("program", records, mode, str(project), base)
