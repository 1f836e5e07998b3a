"""An organisation's own rules, loaded from the settings file's ``customRules`` and then governed exactly
like the pack's: levels, profiles, per-stack overrides, exemptions, ``config explain``, the reports and
the docs all read the one registry they join.

    customRules:
      - path: rules/acme_rules.py      # a file, relative to the settings file
      - path: rules/                   # every *.py module of a folder
      - module: acme_guard.rules       # an installed package's module

A custom module declares its rules with ``policies.api`` (the same declaration the pack's rules use).
Whatever goes wrong while loading it (a missing file, a syntax or import error, an exception at import,
a rule name already taken, a declaration the registry refuses) is one ``SettingsError`` naming the
settings file, the entry and the cause, so the pack stops before any resource is analyzed; a check that
raises later is the runtime's internal-error finding at that rule's level, like any rule's.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
import traceback

from .errors import SettingsError
from .rule import REGISTRY

MAX_MODULES = 200
_LOADED: dict = {}    # (kind, target) -> the rule ids it declared (a module is imported once per process)

SCHEMA = {"type": "array", "maxItems": MAX_MODULES, "items": {
    "type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
    "properties": {"path": {"type": "string", "minLength": 1},
                   "module": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"}}}}


def load(entries: list, settings_path: str) -> list:
    """Import each entry's modules (once per process) and return the ids of the rules they declared."""
    base = os.path.dirname(os.path.realpath(settings_path))
    ids: list = []
    for i, entry in enumerate(entries):
        where = f"{settings_path}: at 'customRules.{i}'"
        if "module" in entry:
            ids += _load_once(("module", entry["module"]), where)
            continue
        target = os.path.normpath(os.path.join(base, entry["path"]))
        if os.path.isdir(target):
            files = sorted(os.path.join(target, f) for f in os.listdir(target)
                           if f.endswith(".py") and not f.startswith(("_", "test_")))
            if not files:
                raise SettingsError(f"{where} ({entry['path']}): the folder has no rule modules (*.py)")
            for file in files[:MAX_MODULES]:
                ids += _load_once(("file", file), where)
        elif os.path.isfile(target):
            ids += _load_once(("file", target), where)
        else:
            raise SettingsError(f"{where}: {entry['path']} does not exist (relative to {base})")
    return ids


def _load_once(key: tuple, where: str) -> list:
    if key not in _LOADED:
        _LOADED[key] = _import(key, where)
    return _LOADED[key]


def _import(key: tuple, where: str) -> list:
    kind, target = key
    shown = os.path.basename(target) if kind == "file" else target
    REGISTRY.seal()   # what is already declared is not this module's
    try:
        if kind == "module":
            importlib.import_module(target)
        else:
            name = "serverless_guard_custom_" + hashlib.sha1(target.encode()).hexdigest()[:12]
            spec = importlib.util.spec_from_file_location(name, target)
            if spec is None or spec.loader is None:
                raise ImportError(f"not a Python module: {target}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - any failure of the organisation's code is a settings error
        REGISTRY.discard(REGISTRY.seal())   # what it declared before failing does not stay half-loaded
        raise SettingsError(f"{where} ({shown}): cannot be loaded: {_cause(exc, target)}") from None
    added = sorted(REGISTRY.seal())
    if not added:
        raise SettingsError(f"{where} ({shown}): declares no rule (use policies.api.resource_rule or stack_rule)")
    return added


def _cause(exc: Exception, target: str) -> str:
    """The exception's type and first line, and the line of the custom module it came from."""
    text = str(exc).strip().splitlines()
    line = ""
    if isinstance(exc, SyntaxError) and exc.lineno:
        line = f" (line {exc.lineno})"
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if os.path.abspath(frame.filename) == os.path.abspath(target):
                line = f" (line {frame.lineno})"
                break
    return f"{type(exc).__name__}: {text[0] if text else ''}{line}"
