"""The pack's settings file and the stack's own config, compiled into per-policy levels and config.

Precedence, lowest first (each layer overrides the ones above it):

| # | layer | chosen by | may change |
|---|---|---|---|
| 1 | built-in default profile | severity | level |
| 2 | settings `profile` | severity | level |
| 3 | settings `severities` | severity | level |
| 4 | settings `categories` | SAS category | level |
| 5 | settings `policies.<id>` | policy | level, thresholds |
| 6 | settings `stacks[]` entries matched by org/project/stack name (in file order), each applying its own profile, severities, categories, policies | stack identity | level, thresholds |
| 7 | the stack's config (`serverless-guard:*` keys) | the stack owner | only tighter levels and stricter thresholds, unless the matched settings allow loosening |
| 8 | `--policy-pack-config` / Pulumi Cloud policy-group config (`all`, then per policy) | the platform | anything: the engine merges it last |

Layers 1-7 become the pack's ``initial_config`` at start. Settings ``stacks[]`` entries matched by
stack *tags* apply at run time (tags arrive after start): they may disable policies or categories
and change thresholds, never levels (the engine fixes a finding's level before a rule runs), and
they never override a value the platform config set. Exemptions are applied at run time.
"""
from __future__ import annotations

import copy
import fnmatch
import json
import os
from dataclasses import dataclass, field

from . import custom, governance
from .errors import SettingsError
from .rule import CATEGORIES, COMMON_CONFIG, REGISTRY, STRICTER, Rule, Sev

SETTINGS_FILE = "serverless-guard.yaml"
CONFIG_NAMESPACE = "serverless-guard"
LEVELS = ["advisory", "mandatory", "remediate", "disabled"]
PATTERN = r"^[^\s\[\]]+$|^\S*\[[^\]\s]+\]\S*$"


def _level_map(keys):
    return {"type": "object", "additionalProperties": False,
            "properties": {k: {"enum": LEVELS} for k in keys}}


def _policies_schema() -> dict:
    props = {}
    for rule in REGISTRY.values():
        props[rule.id] = {"type": "object", "additionalProperties": False,
                          "properties": {"enforcementLevel": {"enum": LEVELS},
                                         **copy.deepcopy({k: {kk: vv for kk, vv in v.items()
                                                              if kk not in ("description", STRICTER)}
                                                          for k, v in _all_config(rule).items()})}}
    return {"type": "object", "additionalProperties": False, "properties": props}


def _all_config(rule: Rule) -> dict:
    return {**COMMON_CONFIG, **rule.config}


def _layer_props() -> dict:
    return {
        "profile": {"enum": sorted(governance.PROFILES)},
        "severities": _level_map([s.value for s in Sev]),
        "categories": _level_map(list(CATEGORIES)),
        "policies": _policies_schema(),
    }


# The language of the programs the pack judges: messages name properties as that language's pulumi-aws
# writes them (point_in_time_recovery / pointInTimeRecovery) and each policy's fix is shown in it.
LANGUAGE = {"enum": ["python", "typescript"]}


def settings_schema() -> dict:
    pattern = {"type": "string", "minLength": 1, "pattern": PATTERN}
    policy_names = {"type": "string", "enum": sorted(REGISTRY) + ["*"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object", "additionalProperties": False,
        "properties": {
            **_layer_props(),
            "failClosed": {"type": "boolean"},
            "language": LANGUAGE,
            "customRules": {"type": "array"},   # checked, and loaded, before the rest (core/custom.py)
            "allowLoosening": {"type": "boolean"},
            "allowWildcardExemptions": {"type": "boolean"},
            "stacks": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["match"],
                "properties": {
                    "match": {"type": "object", "additionalProperties": False, "minProperties": 1,
                              "properties": {"organization": pattern, "project": pattern, "stack": pattern,
                                             "tags": {"type": "object", "minProperties": 1,
                                                      "additionalProperties": pattern}}},
                    **_layer_props(),
                    "disable": {"type": "array", "items": {"type": "string",
                                                           "enum": sorted(REGISTRY) + list(CATEGORIES)}},
                    "allowLoosening": {"type": "boolean"},
                    "language": LANGUAGE,
                }}},
            "exemptions": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["policies", "resources", "reason"],
                "properties": {
                    "policies": {"type": "array", "minItems": 1, "items": policy_names},
                    "resources": {"type": "array", "minItems": 1, "items": pattern},
                    "reason": {"type": "string", "minLength": 3},
                    "expires": {"type": "string", "format": "date"},
                    "since": {"type": "string", "format": "date"},
                }}},
            "exemptionRules": {
                "type": "object", "additionalProperties": False,
                "properties": {
                    "fromTags": {"type": "array", "uniqueItems": True, "items": {"enum": [s.value for s in Sev]}},
                    "keepLevel": {"type": "array", "uniqueItems": True, "items": {"enum": [s.value for s in Sev]}},
                    "requireExpiry": {"type": "boolean"},
                    "maxDays": {"type": "integer", "minimum": 1},
                    "reasonPattern": {"type": "string", "minLength": 1, "maxLength": 500},
                    "minReasonLength": {"type": "integer", "minimum": 1, "maximum": 1000},
                }},
        },
    }


def stack_config_schema() -> dict:
    layer = _layer_props()
    return {"type": "object", "additionalProperties": False, "properties": layer}


def _validate(data, schema: dict, source: str, echo: bool = True) -> None:
    """``data`` against ``schema``; the first problem as one ``SettingsError`` naming ``source`` and the key
    path. With ``echo`` false (the stack's config, which may hold a secret value), the message says what was
    expected and never shows the value given."""
    import jsonschema  # lazy: only when there is something to validate

    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        path = ".".join(_shown_key(p) for p in e.absolute_path) or "(top level)"
        msg = e.message if echo else _unechoed(e)
        if e.validator == "additionalProperties":
            msg = f"unknown key: {msg}"
        elif echo and e.validator == "enum" and len(e.validator_value) > 12:
            msg = f"{e.instance!r} is not a known name here"
        raise SettingsError(f"{source}: at '{path}': {msg}" + (f" (and {len(errors) - 1} more problem(s))"
                                                             if len(errors) > 1 else ""))


def _shown_key(part) -> str:
    from .safety import one_line

    return one_line(str(part), 120)


def _unechoed(e) -> str:
    """What a schema error expected, without the value that broke it."""
    if e.validator == "additionalProperties":
        extra = sorted(set(e.instance) - set(e.schema.get("properties", {}))) if isinstance(e.instance, dict) else []
        return ", ".join(repr(_shown_key(k)) for k in extra[:5]) + " is not allowed here"
    if e.validator == "enum":
        values = list(e.validator_value)
        return "the value is not one of " + (", ".join(map(str, values)) if len(values) <= 12 else "the known names")
    if e.validator == "type":
        return f"the value must be of type {e.validator_value}"
    return f"the value breaks the '{e.validator}' requirement"


MAX_SETTINGS_BYTES = 1 << 20


def load_settings(path: str) -> dict:
    """Read and validate a settings file; a missing file means no settings. Every failure is one
    ``SettingsError`` naming the file (and the line or key), never a traceback."""
    if not os.path.exists(path):
        return {}
    from .files import FileProblem, dates_as_text, load_yaml_file

    try:
        data = load_yaml_file(path, MAX_SETTINGS_BYTES, path, what="the settings")
    except FileProblem as exc:
        raise SettingsError(str(exc)) from None
    data = dates_as_text(data if data is not None else {})
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: the settings must be a mapping of keys, not a {type(data).__name__}")
    if "customRules" in data:
        # the organisation's rules join the registry first, so the rest of the file may name them
        _validate({"customRules": data["customRules"]}, {"type": "object", "properties": {
            "customRules": custom.SCHEMA}}, path)
        custom.load(data["customRules"], path)
    _validate(data, settings_schema(), path)
    for i, ex in enumerate(data.get("exemptions", [])):
        if "*" in ex["policies"] and not data.get("allowWildcardExemptions"):
            raise SettingsError(f"{path}: at 'exemptions.{i}.policies': '*' would silence every policy; "
                                "name the policies, or set allowWildcardExemptions: true")
    _check_patterns(data, path)
    pattern = data.get("exemptionRules", {}).get("reasonPattern")
    if pattern is not None:
        import re

        try:
            re.compile(pattern)
        except re.error as exc:
            raise SettingsError(f"{path}: at 'exemptionRules.reasonPattern': not a regular expression ({exc})") from None
    return data


def _check_patterns(data: dict, path: str) -> None:
    """A pattern that starts with ``urn:pulumi:`` is matched field by field (``governance.name_matches``),
    so it must have all four: ``urn:pulumi:<stack>::<project>::<type chain>::<name>``."""
    def check(patterns, where):
        for j, p in enumerate(patterns if isinstance(patterns, list) else []):
            if isinstance(p, str) and p.startswith(governance.URN_PREFIX) and governance.urn_fields(p) is None:
                raise SettingsError(f"{path}: at '{where}.{j}': a URN pattern needs all four fields: "
                                    "urn:pulumi:<stack>::<project>::<type chain>::<name> (each may be a glob)")

    for i, ex in enumerate(data.get("exemptions", [])):
        check(ex.get("resources"), f"exemptions.{i}.resources")
    layers = [("", data)] + [(f"stacks.{i}.", e) for i, e in enumerate(data.get("stacks", []))]
    for prefix, layer in layers:
        for pid, pol in (layer.get("policies") or {}).items():
            for key in ("ignoreResources", "allowedNames"):
                check(pol.get(key), f"{prefix}policies.{pid}.{key}")


def read_stack_config(environ) -> dict:
    """The ``serverless-guard:*`` keys of the stack's config (PULUMI_CONFIG), validated."""
    raw = environ.get("PULUMI_CONFIG") or "{}"
    try:
        config = json.loads(raw)
    except ValueError:
        raise SettingsError("PULUMI_CONFIG: not valid JSON") from None
    out = {}
    for key, value in (config or {}).items():
        ns, _, name = key.partition(":")
        if ns != CONFIG_NAMESPACE:
            continue
        if isinstance(value, str) and name != "profile":
            try:
                value = json.loads(value)
            except ValueError:
                raise SettingsError(f"stack config '{_shown_key(key)}': expected a JSON object") from None
        out[name] = value
    _validate(out, stack_config_schema(), "stack config (serverless-guard:*)", echo=False)
    return out


@dataclass
class Compiled:
    levels: dict = field(default_factory=dict)            # rule id -> level string
    props: dict = field(default_factory=dict)             # rule id -> {key: value} (changed from defaults)
    origin: dict = field(default_factory=dict)            # rule id -> {"level"|key: layer description}
    initial_config: dict = field(default_factory=dict)
    notices: list = field(default_factory=list)           # refused loosening and the like
    tag_overrides: list = field(default_factory=list)
    exemptions: list = field(default_factory=list)
    fail_closed: bool = True
    language: str = "python"
    exemption_rules: governance.ExemptionRules = field(default_factory=governance.ExemptionRules)


def _match(value: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatchcase(value or "", pattern)


def _stricter(schema: dict, old, new) -> bool | None:
    """True if ``new`` is at least as strict as ``old`` (``governance.tightens``, the one comparison)."""
    return governance.tightens(schema, old, new)


def compile_settings(data: dict, stack: str = "", project: str = "", organization: str = "",
                     stack_config: dict | None = None, source: str = SETTINGS_FILE) -> Compiled:
    c = Compiled(fail_closed=bool(data.get("failClosed", True)), language=data.get("language", "python"))
    entries = []
    allow_loosening = bool(data.get("allowLoosening"))
    for i, entry in enumerate(data.get("stacks", [])):
        m = entry["match"]
        if "tags" in m:
            c.tag_overrides.append(_tag_override(entry, i, source))
        elif _match(organization, m.get("organization")) and _match(project, m.get("project")) and \
                _match(stack, m.get("stack")):
            entries.append((i, entry))
            allow_loosening = entry.get("allowLoosening", allow_loosening)
            c.language = entry.get("language", c.language)
    # tag entries that also name the stack only apply to matching stacks
    c.tag_overrides = [t for t in c.tag_overrides if _match(organization, t["org"]) and
                       _match(project, t["project"]) and _match(stack, t["stack"])]

    def layers(rule: Rule):
        yield "default profile", {"level": governance.profile_level("default", rule)}
        yield from _layer(data, rule, f"{source}")
        for i, entry in entries:
            yield from _layer(entry, rule, f"{source} stacks.{i}")
            if rule.id in entry.get("disable", ()) or rule.category in entry.get("disable", ()):
                yield f"{source} stacks.{i}.disable", {"level": "disabled"}

    for rule in REGISTRY.values():
        c.levels[rule.id], c.props[rule.id], c.origin[rule.id] = _merge_layers(layers(rule))

    if stack_config:
        _apply_stack_config(c, stack_config, allow_loosening)
    c.exemptions.extend(_exemption(ex) for ex in data.get("exemptions", []))
    c.exemption_rules = governance.ExemptionRules.from_settings(data.get("exemptionRules"))
    c.initial_config.update({rule.id: {"enforcementLevel": c.levels[rule.id], **c.props[rule.id]}
                             for rule in REGISTRY.values()})
    return c


def _exemption(ex: dict) -> dict:
    return {"policies": ex["policies"] if "*" not in ex["policies"] else sorted(REGISTRY),
            "resources": ex["resources"], "reason": ex["reason"], "expires": ex.get("expires"),
            "since": ex.get("since")}


def _tag_override(entry: dict, i: int, source: str) -> dict:
    """A ``stacks`` entry matched by stack tags: settings only (the engine fixes levels before tags are known)."""
    m = entry["match"]
    bad = [k for k in ("profile", "severities", "categories") if k in entry] + [
        f"policies.{p}.enforcementLevel" for p, v in entry.get("policies", {}).items() if "enforcementLevel" in v]
    if bad:
        raise SettingsError(f"{source}: at 'stacks.{i}': an entry matched by stack tags cannot set "
                            f"{', '.join(bad)}: the engine fixes levels before stack tags are known; "
                            "match by organization/project/stack name instead")
    return {"tags": m["tags"], "policies": entry.get("policies", {}), "disable": entry.get("disable", []),
            "name": m, "index": i, "org": m.get("organization"), "project": m.get("project"),
            "stack": m.get("stack")}


def _merge_layers(layers) -> tuple:
    """(level, settings, where each came from) after the layers, later ones winning."""
    level, origin, props = None, {}, {}
    for layer, change in layers:
        if "level" in change:
            level, origin["level"] = change["level"], layer
        for k, v in change.get("props", {}).items():
            props[k], origin[k] = v, layer
    return level, props, origin


def _layer(layer: dict, rule: Rule, where: str):
    if "profile" in layer:
        yield f"{where} profile {layer['profile']}", {"level": governance.profile_level(layer["profile"], rule)}
    if rule.severity.value in layer.get("severities", {}):
        yield f"{where} severities.{rule.severity.value}", {"level": layer["severities"][rule.severity.value]}
    if rule.category in layer.get("categories", {}):
        yield f"{where} categories.{rule.category}", {"level": layer["categories"][rule.category]}
    pol = layer.get("policies", {}).get(rule.id)
    if pol:
        change = {"props": {k: v for k, v in pol.items() if k != "enforcementLevel"}}
        if "enforcementLevel" in pol:
            change["level"] = pol["enforcementLevel"]
        yield f"{where} policies.{rule.id}", change


def _apply_stack_config(c: Compiled, cfg: dict, allow_loosening: bool) -> None:
    where = "stack config"
    for rule in REGISTRY.values():
        wanted = []
        for layer, change in _layer(cfg, rule, where):
            wanted.append((layer, change))
        for layer, change in wanted:
            if "level" in change:
                old, new = c.levels[rule.id], change["level"]
                if allow_loosening or governance.LEVEL_RANK[new] >= governance.LEVEL_RANK[old]:
                    c.levels[rule.id], c.origin[rule.id]["level"] = new, layer
                elif new != old:
                    c.notices.append(f"{layer} asks to lower '{rule.id}' from {old} to {new}; "
                                     "stack owners may only tighten, so it stays " + old)
            for k, v in change.get("props", {}).items():
                old = c.props[rule.id].get(k, _all_config(rule).get(k, {}).get("default"))
                ok = _stricter(_all_config(rule).get(k, {}), old, v)
                if allow_loosening or ok:
                    c.props[rule.id][k], c.origin[rule.id][k] = v, layer
                else:
                    c.notices.append(f"{layer} asks to change '{rule.id}' setting '{k}' in a way that "
                                     f"{'loosens it' if ok is False else 'is not known to tighten it'}; "
                                     "stack owners may only tighten, so it is ignored")


IGNORED_ENVIRONMENT = ("SERVERLESS_GUARD_SETTINGS", "SERVERLESS_GUARD_LANGUAGE")


def compile_for_launch(pack_dir: str | None, environ, launch: dict | None = None) -> Compiled:
    """What the pack runs at start: the publisher's settings + the stack's identity + the stack's config.

    The settings file is the one beside the published pack's ``__main__.py`` (``pack_dir``) under the
    engine, or the one ``scan`` named in its launch line (``launch``); never one the environment or the
    working folder names (see ``policies/pack.py``). With neither, the built-in defaults."""
    notices = []
    if launch is not None:
        path, language = launch.get("settings"), launch.get("language")
    else:
        path = os.path.join(pack_dir, SETTINGS_FILE) if pack_dir else None
        language = None
        notices = [f"{name} is set in the environment and ignored: the pack reads only its publisher's "
                   f"{SETTINGS_FILE}, and a stack owner may tighten it only through the stack's config"
                   for name in IGNORED_ENVIRONMENT if environ.get(name)]
    data = load_settings(path) if path else {}
    if language:
        if language not in LANGUAGE["enum"]:
            raise SettingsError(f"language: {language!r} is not one of {', '.join(LANGUAGE['enum'])}")
        data = {**data, "language": language}
    c = compile_settings(data, stack=environ.get("PULUMI_STACK", ""), project=environ.get("PULUMI_PROJECT", ""),
                         organization=environ.get("PULUMI_ORGANIZATION", ""),
                         stack_config=read_stack_config(environ),
                         source=os.path.basename(path) if path else "built-in defaults")
    c.notices.extend(notices)
    return c


def sdk_initial_config(c: Compiled) -> dict:
    """``initial_config`` as the SDK wants it: levels as EnforcementLevel members, never strings."""
    from pulumi_policy import EnforcementLevel

    return {k: {**v, "enforcementLevel": EnforcementLevel(v["enforcementLevel"])} for k, v in c.initial_config.items()}


def context_of(c: Compiled, report_key: str | None = "") -> governance.Context:
    """The run-time half of the settings (tag overrides, exemptions, fail-closed, notices), frozen."""
    from types import MappingProxyType

    return governance.Context(
        exemptions=tuple(c.exemptions), tag_overrides=tuple(c.tag_overrides),
        initial=MappingProxyType({k: dict(v) for k, v in c.initial_config.items()}),
        fail_closed=c.fail_closed, notices=tuple(c.notices), language=c.language,
        exemption_rules=c.exemption_rules,
        report_key=report_key or "")
