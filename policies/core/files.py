"""Reading files the user gives: bounded while reading, YAML without aliases, one-line errors.

Every file the project reads from its user (a stack export, a preview, a settings file, a stack's
``Pulumi.<stack>.yaml``, a ``Pulumi.yaml``, an OpenAPI body) goes through here:
- ``read_capped`` checks the size while reading, so a device (``/dev/zero``), a pipe or a growing file
  cannot make a read go on without end (a file's reported size is 0 for a device);
- ``yaml_loader`` is a SafeLoader that refuses aliases (a few hundred bytes of nested aliases expand to
  gigabytes: a "billion laughs"), refuses duplicate keys (YAML would keep the last silently) and keeps
  dates as strings (schemas check their format and name the key);
- a problem is a ``FileProblem`` whose text names the file and, for YAML, the line.
"""
from __future__ import annotations

from functools import cache


class FileProblem(ValueError):
    """The file cannot be used: the message names it and what is wrong, in one line."""


def shown(text) -> str:
    from .safety import one_line

    return one_line(str(text), 300)


def size_text(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB" if n >= 1 << 10 else f"{n} bytes"


def read_capped(path: str, limit: int, label: str = "", json_object: bool = False) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them (checked while reading). With ``json_object``,
    reading stops after the first chunk when it cannot start a JSON object (the parser then says what
    is wrong), so ``/dev/zero`` given as a stack export costs one chunk."""
    label = label or shown(path)
    try:
        with open(path, "rb") as f:
            chunks, total = [], 0
            while True:
                chunk = f.read(min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > limit:
                    raise FileProblem(f"{label}: larger than {size_text(limit)}")
                if json_object and len(chunks) == 1 and chunk.lstrip()[:1] not in (b"{", b""):
                    break
    except FileNotFoundError:
        raise FileProblem(f"{label}: no such file or folder") from None
    except IsADirectoryError:
        raise FileProblem(f"{label}: is a folder") from None
    except OSError as exc:
        raise FileProblem(f"{label}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    return b"".join(chunks)


def read_text(path: str, limit: int, label: str = "") -> str:
    raw = read_capped(path, limit, label)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{label or shown(path)}: not UTF-8 text (byte {exc.start})") from None


@cache
def yaml_loader(what: str = "this file"):
    """A SafeLoader without aliases, duplicate keys or timestamps (see the module's docstring)."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.events.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, f"aliases (*name) are not allowed in {what}",
                                                  event.start_mark)
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:   # an unhashable key: the SafeLoader itself refuses it below
                    continue
                if duplicate:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            return super().construct_mapping(node, deep)

    Loader.yaml_implicit_resolvers = {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


def load_yaml_text(text: str, label: str, what: str = "this file"):
    """The YAML value of ``text``; a ``FileProblem`` naming ``label`` and the line otherwise."""
    import yaml

    try:
        return yaml.load(text, Loader=yaml_loader(what))  # noqa: S506 - a SafeLoader subclass
    except RecursionError:
        raise FileProblem(f"{label}: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise FileProblem(f"{label}:{where} not valid YAML ({shown(problem)})") from None


def dates_as_text(value):
    """YAML's dates (``expires: 2027-06-30`` is a date to YAML) as the ``YYYY-MM-DD`` text the settings schema
    and a settings file written back expect, everywhere in ``value``."""
    import datetime as _dt

    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, dict):
        return {k: dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dates_as_text(v) for v in value]
    return value


def load_yaml_file(path: str, limit: int, label: str = "", what: str = "this file"):
    label = label or shown(path)
    return load_yaml_text(read_text(path, limit, label), label, what)
