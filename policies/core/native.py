"""aws-native resources, seen as the pulumi-aws resources the rules read.

A rule is written once, against pulumi-aws's shapes. The aws-native provider (CloudControl) names the
same settings as CloudFormation does, nests some that pulumi-aws keeps apart (a bucket's public access
block, a rule's targets, a stage's method settings) and spells some values differently (canned ACLs,
tags as key/value lists). ``translate`` turns one aws-native resource into one *view* of the pulumi-aws
type that means the same thing, plus a *satellite* view for each setting pulumi-aws keeps in a
resource of its own. The table in ``native_shapes.py`` is the whole mapping; this module only applies it.

Every view keeps the native resource's name, URN (a satellite's URN is the native URN plus ``#`` and a
suffix, mapped back before a finding is reported) and kind, so messages name the resource the program
declared. Properties keep their secret marks: a secret under a native path is secret under the path it
maps to (a converted value as a whole). Messages name the aws-native property path
(``naming``): ``accessLogSettings.destinationArn`` of a REST stage reads ``accessLogSetting.destinationArn``.
Fixes are not applied to aws-native resources (a view's type has none of its fixes' wire paths).
"""
from __future__ import annotations


import re
from typing import Any, Callable, Iterable

from .native_forms import PREFIX, Origin, Satellite, is_native, native_terms, tags
from .native_shapes import SPECS
from .resource import Resource
from .values import UNKNOWN

__all__ = ["PREFIX", "Origin", "has_view", "is_native", "native_terms", "translate", "types", "views"]
_MISSING = object()


def _get(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.split("."):
        if cur is UNKNOWN:
            return UNKNOWN
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


def _put(obj: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    cur = obj
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = cur[part] = {}
        cur = nxt
    cur[parts[-1]] = value


def _move(src: Any, native: str, dst: dict, classic: str, convert: Callable | None) -> None:
    """Copy ``native`` of ``src`` to ``classic`` of ``dst`` (``[]``: each item of a list)."""
    n_head, n_each, n_rest = native.partition("[].")
    c_head, c_each, c_rest = classic.partition("[].")
    value = src if native == "" else _get(src, n_head)   # "": the item itself (a satellite's source)
    if value is _MISSING:
        return
    if n_each and c_each and isinstance(value, list):
        existing = _get(dst, c_head)
        out = existing if isinstance(existing, list) and len(existing) == len(value) else \
            [{} if isinstance(item, dict) else item for item in value]
        for i, item in enumerate(value):
            if isinstance(item, dict) and isinstance(out[i], dict):
                _move(item, n_rest, out[i], c_rest, convert)
        _put(dst, c_head, out)
        return
    if n_each or c_each:   # a mistyped value where a list belongs: kept as it came, so rules see it mistyped
        _put(dst, c_head, value)
        return
    if convert is not None and value is not UNKNOWN:
        value = convert(value)
    if value is not None and value is not _MISSING:
        _put(dst, classic, value)


def _join(base: str, native: str) -> str:
    return f"{base}.{native}" if base and native else base or native


def _pattern(path: str) -> re.Pattern:
    return re.compile("^" + re.escape(path).replace(r"\[\]", r"\.(\d+)") + r"(?=\.|$)")


def _remap_secrets(secrets: frozenset, fields: tuple, base: str = "", src: Any = None) -> set:
    """The view's secret paths: a native secret at or under a field's native path is secret at the
    field's classic path (the whole of a converted value, but a tag's value alone, under its key); a
    secret *above* a field (a block marked secret as a whole) makes the field secret."""
    out: set = set()
    if not secrets:
        return out
    for classic, native, convert in fields:
        if convert is tags and not base:
            out |= _tag_secrets(secrets, native, classic, src)
            continue
        native_full = _join(base, native)
        pat = _pattern(native_full)
        head = native_full.split("[]")[0].rstrip(".")
        for s in secrets:
            m = pat.match(s)
            if m:
                target = classic
                for index in m.groups():
                    target = target.replace("[]", "." + index, 1)
                rest = s[m.end():]
                out.add(target.replace("[]", "") if convert is not None else target + rest)
            elif head.startswith(s + ".") or head == s or s == base:
                out.add(classic.split("[]")[0].rstrip("."))
    return out


def _tag_secrets(secrets: frozenset, native: str, classic: str, src: Any) -> set:
    """``tags.3.value`` (a key/value list) secret -> ``tags.<its key>``; the key stays readable, as a
    pulumi-aws map's key does. Anything else secret under the tags makes them secret as a whole."""
    out = set()
    items = _get(src, native) if src is not None else _MISSING
    for s in secrets:
        if s != native and not s.startswith(native + "."):
            continue
        parts = s[len(native) + 1:].split(".")
        if isinstance(items, list) and len(parts) == 2 and parts[0].isdigit() and parts[1] == "value" \
                and int(parts[0]) < len(items) and isinstance(items[int(parts[0])], dict) \
                and isinstance(items[int(parts[0])].get("key"), str):
            out.add(f"{classic}.{items[int(parts[0])]['key']}")
        elif isinstance(items, dict) and len(parts) == 1 and parts[0]:
            out.add(f"{classic}.{parts[0]}")
        else:
            out.add(classic)
    return out


def _deps(resource: Resource, fields: tuple, base: str = "") -> dict:
    deps: dict = {}
    for classic, native, _ in fields:
        top = (_join(base, native)).split(".")[0].split("[]")[0]
        urns = resource.property_dependencies.get(top)
        if urns:
            key = classic.split(".")[0].split("[]")[0]
            deps[key] = tuple(dict.fromkeys(deps.get(key, ()) + tuple(urns)))
    return deps


def _naming(fields: tuple, base: str = "") -> dict:
    """pulumi-aws wire path -> the aws-native path, for messages."""
    names = {}
    for classic, native, _ in fields:
        c = classic.replace("[]", "")
        n = (_join(base, native)).replace("[]", "")
        if c != n:
            names[c] = n
    return names


def translate(resource: Resource) -> list:
    """The pulumi-aws views of one aws-native resource (empty for a type the rules have no view of)."""
    spec = SPECS.get(resource.type)
    if spec is None:
        return []
    props = resource.props
    view_props: dict = {}
    copied: tuple = ()
    if spec.copy:
        renamed = {n.split(".")[0].split("[]")[0] for _, n, _ in spec.fields} | spec.drop
        copied = tuple((k, k, None) for k in props if k not in renamed)
        view_props.update({k: props[k] for k, _, _ in copied})
    for classic, native, convert in spec.fields:
        _move(props, native, view_props, classic, convert)
    all_fields = spec.fields + copied
    deps = {k: v for k, v in resource.property_dependencies.items() if any(k == c for c, _, _ in copied)}
    deps.update(_deps(resource, spec.fields))
    view = _view(resource, spec.type, resource.urn, view_props,
                 _remap_secrets(resource.secret_paths, all_fields, "", props),
                 deps, _naming(spec.fields), spec.words)
    views = [view]
    for sat in spec.satellites:
        views.extend(_satellites(resource, view, sat, spec.words))
    return views


def _satellites(resource: Resource, parent: Resource, sat: Satellite, words: dict) -> list:
    source = _get(resource.props, sat.source) if sat.source else resource.props
    if source is _MISSING or source is None or (source is UNKNOWN and not sat.each):
        return []
    # a list not known yet (preview) stands for one satellite whose values are unknown: its joins
    # still hold through the engine's property dependencies
    items = list(enumerate(source)) if sat.each and isinstance(source, list) else [(None, source)]
    out = []
    for index, item in items:
        if item is None or (sat.when is not None and (not isinstance(item, dict) or not sat.when(item))):
            continue
        base = sat.source + (f".{index}" if index is not None else "")
        own = tuple(f for f in sat.fields if not f[1].startswith("^"))
        suffix = sat.suffix + (f"/{index}" if index is not None else "")
        out.append(_view(resource, sat.type, f"{resource.urn}#{suffix}", _satellite_props(item, parent, sat),
                         _remap_secrets(resource.secret_paths, own, base), _satellite_deps(resource, parent, sat, base),
                         _naming(own, base), words))
    return out


def _satellite_props(item: Any, parent: Resource, sat: Satellite) -> dict:
    """A satellite's properties: its fields from its item, ``^`` fields from the parent view, and its links
    to the parent (the parent's ``ref`` value; unknown when the parent's is)."""
    props: dict = {}
    for classic, native, convert in sat.fields:
        if native.startswith("^"):   # a property of the parent view
            value = _get(parent.props, native[1:])
            if value is not _MISSING and value is not None:
                _put(props, classic, value)
        else:
            _move(item, native, props, classic, convert)
    link_value = parent.props.get(sat.ref, parent.props.get("name"))
    for key in sat.link:
        props.setdefault(key, link_value if link_value is not None else UNKNOWN)
    return props


def _satellite_deps(resource: Resource, parent: Resource, sat: Satellite, base: str) -> dict:
    deps = _deps(resource, tuple(f for f in sat.fields if not f[1].startswith("^")), base)
    for classic, native, _ in sat.fields:
        top = native[1:].split(".")[0]
        if native.startswith("^") and top in parent.property_dependencies:
            deps[classic.split(".")[0]] = parent.property_dependencies[top]
    for key in sat.link:
        deps[key] = (resource.urn,)
    return deps


def _view(resource: Resource, type_: str, urn: str, props: dict, secrets: Iterable[str], deps: dict,
          naming: dict, words: dict) -> Resource:
    return Resource(type_, resource.name, urn, props, frozenset(secrets), parent=resource.parent,
                    dependencies=resource.dependencies, property_dependencies=deps, truncated=resource.truncated,
                    context=resource.context, origin=Origin(resource.type, resource.urn, naming, words))


def views(resources: Iterable[Resource]) -> Iterable[Resource]:
    """Every resource, with each aws-native one replaced by its views (an aws-native type the rules have no
    view of is kept as it came, its tags read as a map, and judged only by the rules of every type)."""
    for r in resources:
        if is_native(r.type):
            translated = translate(r)
            if translated:
                yield from translated
                continue
            if isinstance(r.props.get("tags"), list):   # still judged for what every type has: its tags
                yield _view(r, r.type, r.urn, {**r.props, "tags": tags(r.props["tags"])},
                            {p for p in r.secret_paths if not p.startswith("tags.") and p != "tags"}
                            | _tag_secrets(r.secret_paths, "tags", "tags", r.props),
                            r.property_dependencies, {}, {})
                continue
        yield r


def has_view(type_: str) -> bool:
    return type_ in SPECS


def types() -> dict:
    """aws-native type -> the pulumi-aws types it is seen as (for the rules' docs)."""
    return {t: (s.type, *(sat.type for sat in s.satellites)) for t, s in SPECS.items()}
