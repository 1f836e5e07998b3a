"""The stack index: every resource of one AnalyzeStack call, indexed once and shared by all stack rules.

Joins work in both modes the engine runs in:
- preview: ARNs, ids and auto-names of new resources are unknown, so resources are joined through
  the property dependencies the engine sends (``A.prop`` was computed from ``B``);
- update: values are known, so a property holding another resource's ARN, id or name (possibly
  written as a literal, or inside a longer ARN) also joins.
Every index is built at most once per call (lazily, on first use) and every join is a dict lookup,
so no stack rule scans the stack itself and no join is quadratic.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from . import aws, roles
from .governance import DEFAULT_CONTEXT, Context
from .resource import Resource
from .values import UNKNOWN, as_list

JOIN_FIELDS = aws.IDENTITY_FIELDS
# A value that more than this many resources of one type carry joins none of them by value: AWS names and
# ARNs are unique in an account and region, so such a stack is generated or hostile, and joining every
# pair would cost the square of the stack. Joins through the engine's dependencies (URNs) are exact and
# never capped.
MAX_VALUE_FANOUT = 32


class StackIndex:
    def __init__(self, resources: Iterable[Resource], context: Context = DEFAULT_CONTEXT):
        self.resources = list(resources)
        self.context = context
        mixed = next((r for r in self.resources if r.context is not context), None)
        if mixed is not None:   # a programming error, never input: every resource is decoded with the one Context
            raise ValueError(f"{mixed!r} was made with another run-time context than the stack's")
        self.by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict = defaultdict(list)
        for r in self.resources:
            self._by_type[r.type].append(r)
        self._referrers: dict | None = None
        self._values: dict = {}
        self._memo: dict = {}

    # --- lookups ------------------------------------------------------------------------------
    def of_type(self, *types: str) -> list:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for t in types for r in self._by_type.get(t, [])]

    def has_type(self, type_: str) -> bool:
        return bool(self._by_type.get(type_))

    def _referrer_index(self) -> dict:
        """target URN -> [(referring resource, property)] over all property dependencies."""
        if self._referrers is None:
            idx: dict = defaultdict(list)
            for r in self.resources:
                for prop, urns in r.property_dependencies.items():
                    for u in urns:
                        idx[u].append((r, prop))
            self._referrers = idx
        return self._referrers

    def _value_index(self, type_: str) -> dict:
        """known ARN/id/name value -> resources of ``type_`` carrying it."""
        idx = self._values.get(type_)
        if idx is None:
            idx = defaultdict(list)
            for r in self._by_type.get(type_, []):
                for v in _join_keys(r):
                    idx[v].append(r)
            self._values[type_] = idx
        return idx

    def targets(self, source: Resource, prop: str, *types: str) -> list:
        """Resources of ``types`` that ``source.prop`` refers to.

        Through the property dependency first; else by the known value(s) of the property being
        equal to a target's ARN, id or name, or being an ARN under it (``<bucket arn>/*``,
        ``<stage arn>``...).
        """
        top = prop.split(".")[0]
        found = [self.by_urn[u] for u in source.property_dependencies.get(top, ())
                 if u in self.by_urn and (not types or self.by_urn[u].type in types)]
        if found:
            return found
        values = _all_strings(source.get(prop))
        out: dict = {}
        for t in types:
            idx = self._value_index(t)
            for v in values:
                hits = idx.get(v)
                if hits is None and ("/" in v or v.startswith("arn:")):
                    hits = idx.get(v.split("/")[0]) or idx.get(_arn_resource_name(v))
                if hits and len(hits) <= MAX_VALUE_FANOUT:
                    for h in hits:
                        out.setdefault(h.urn or id(h), h)
        return list(out.values())

    def referrers(self, target: Resource, *types: str, prop: str | None = None) -> list:
        """Resources of ``types`` whose ``prop`` (any property when None) refers to ``target``.

        Through property dependencies, else by a known value equal to the target's ARN, id or name
        (or an ARN under it): both are dict lookups.
        """
        out: dict = {}
        top = prop.split(".")[0] if prop else None
        for r, p in self._referrer_index().get(target.urn, ()):
            if (not types or r.type in types) and (top is None or p == top):
                out.setdefault(r.urn or id(r), r)
        keys = _join_keys(target)
        for t in types:
            idx = self._prop_value_index(t, prop)
            for k in keys:
                hits = idx.get(k, ())
                if len(hits) <= MAX_VALUE_FANOUT:
                    for r in hits:
                        out.setdefault(r.urn or id(r), r)
        return list(out.values())

    def _prop_value_index(self, type_: str, prop: str | None) -> dict:
        """string value (and its part before the first "/") of ``prop`` -> resources of ``type_``."""
        key = (type_, prop)
        idx = self._values.get(key)
        if idx is None:
            idx = defaultdict(list)
            for r in self._by_type.get(type_, []):
                values = _strings(r.get(prop)) if prop else _all_strings(r.props)
                for v in set(values) | {v.split("/")[0] for v in values}:
                    idx[v].append(r)
            self._values[key] = idx
        return idx

    def joined(self, resource: Resource) -> list:
        """``resource`` and the resources joined with it: what it refers to (dependencies and property
        dependencies) and what refers to it."""
        related = {resource.urn: resource}
        for urn in (*resource.dependencies, *(u for us in resource.property_dependencies.values() for u in us)):
            if urn in self.by_urn:
                related.setdefault(urn, self.by_urn[urn])
        for r, _ in self._referrer_index().get(resource.urn, ()):
            related.setdefault(r.urn, r)
        return list(related.values())

    def carrying(self, type_: str, value: str) -> list:
        """Resources of ``type_`` whose ARN, id or name is ``value`` (none when more than
        ``MAX_VALUE_FANOUT`` carry it)."""
        hits = self._value_index(type_).get(value, [])
        return hits if len(hits) <= MAX_VALUE_FANOUT else []

    def cached(self, key, build):
        """What ``build()`` returns, computed once per index: the memo of what other modules derive from
        the stack (``roles``' IAM resolution, ``messages``' redactors), so each is built once per call."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def role_documents(self, role: Resource) -> list:
        """``roles.documents`` (the public API's name for it, ``policies.api``)."""
        return roles.documents(self, role)


def _join_keys(r: Resource) -> frozenset:
    """The known ARN, id and name of ``r``: what a value that refers to it equals (read once per resource)."""
    keys = r.memo(_JOIN_KEYS)
    if keys is None:
        keys = r.memo(_JOIN_KEYS, frozenset(r.top_texts(JOIN_FIELDS)))
    return keys


_JOIN_KEYS = ("join keys",)


def _strings(value) -> list:
    if value is None or value is UNKNOWN:
        return []
    return [v for v in as_list(value) if isinstance(v, str)]


def _all_strings(value) -> list:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _all_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _all_strings(v)]
    return []


def _arn_resource_name(arn: str) -> str:
    # arn:aws:s3:::bucket/key -> bucket ; arn:aws:sqs:region:acct:queue -> arn itself
    if arn.startswith("arn:aws:s3:::"):
        return arn[len("arn:aws:s3:::"):].split("/")[0]
    return arn
