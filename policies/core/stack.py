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

from . import aws, iam, managed
from .governance import DEFAULT_CONTEXT
from .resource import Resource
from .values import UNKNOWN, as_list

# The type tokens have one home, aws.py.
ROLE, ROLE_POLICY, ROLE_POLICY_ATTACHMENT = aws.ROLE, aws.ROLE_POLICY, aws.ROLE_POLICY_ATTACHMENT
POLICY_ATTACHMENT, POLICY = aws.POLICY_ATTACHMENT, aws.IAM_POLICY

JOIN_FIELDS = ("arn", "id", "name", "bucket", "url", "executionArn")
# A value that more than this many resources of one type carry joins none of them by value: AWS names and
# ARNs are unique in an account and region, so such a stack is generated or hostile, and joining every
# pair would cost the square of the stack. Joins through the engine's dependencies (URNs) are exact and
# never capped.
MAX_VALUE_FANOUT = 32


class StackIndex:
    def __init__(self, resources: Iterable[Resource], context=None):
        self.resources = list(resources)
        self.context = context if context is not None else DEFAULT_CONTEXT
        for r in self.resources:
            r.context = self.context
        self.by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict = defaultdict(list)
        for r in self.resources:
            self._by_type[r.type].append(r)
        self._referrers: dict | None = None
        self._values: dict = {}
        self._role_docs: dict | None = None
        self._redactors: dict = {}

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
                for f in JOIN_FIELDS:
                    v = r.props.get(f)
                    if isinstance(v, str) and v:
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
        keys = {v for f in JOIN_FIELDS if isinstance(v := target.props.get(f), str) and v}
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

    def redactor_for(self, resource: Resource):
        """The message sanitizer for a finding on ``resource``: it hides the values of that resource
        and of the resources joined with it (what it refers to, and what refers to it)."""
        red = self._redactors.get(resource.urn)
        if red is None:
            from .messages import Redactor, merge_leaves

            related = {resource.urn: resource}
            for urn in (*resource.dependencies, *(u for us in resource.property_dependencies.values() for u in us)):
                if urn in self.by_urn:
                    related.setdefault(urn, self.by_urn[urn])
            for r, _ in self._referrer_index().get(resource.urn, ()):
                related.setdefault(r.urn, r)
            values: dict = {}
            for r in related.values():
                merge_leaves(values, r.leaves())
            red = self._redactors[resource.urn] = Redactor(values, [r.name for r in related.values()])
        return red

    # --- IAM ----------------------------------------------------------------------------------
    def role_documents(self, role: Resource) -> list:
        """Every identity-policy document that grants permissions to ``role``: inline policies,
        RolePolicy, RolePolicyAttachment/PolicyAttachment of in-stack Policies. AWS-managed policy
        ARNs are returned as strings (``managed_policy_arns``)."""
        return self._role_entry(role)["docs"]

    def managed_policy_arns(self, role: Resource) -> list:
        return self._role_entry(role)["managed"]

    def _role_entry(self, role: Resource) -> dict:
        if self._role_docs is None:
            self._build_role_docs()
        assert self._role_docs is not None
        return self._role_docs.get(role.urn, {"docs": [], "managed": []})

    def _build_role_docs(self) -> None:
        out: dict = defaultdict(lambda: {"docs": [], "managed": []})
        for role in self.of_type(ROLE):
            entry = out[role.urn]
            for inline in as_list(role.get("inlinePolicies")):
                if isinstance(inline, dict):
                    entry["docs"].append((role, iam.parse(inline.get("policy"))))
            for arn in as_list(role.get("managedPolicyArns")):
                self._attach(entry, role, arn)
        for rp in self.of_type(ROLE_POLICY):
            for role in self.targets(rp, "role", ROLE):
                out[role.urn]["docs"].append((rp, rp.document("policy")))
        for type_, prop in ((ROLE_POLICY_ATTACHMENT, "role"), (POLICY_ATTACHMENT, "roles")):
            for att in self.of_type(type_):
                for role in self.targets(att, prop, ROLE):
                    self._attach(out[role.urn], att, att.get("policyArn"))
        self._role_docs = dict(out)

    def _attach(self, entry: dict, via: Resource, arn) -> None:
        policies = self.targets(via, "policyArn", POLICY) if via.type != ROLE else []
        if not policies and isinstance(arn, str):
            policies = self._value_index(POLICY).get(arn, [])
            policies = policies if len(policies) <= MAX_VALUE_FANOUT else []
        if policies:
            for p in policies:
                entry["docs"].append((p, p.document("policy")))
        elif isinstance(arn, str):
            entry["managed"].append(arn)
            doc = managed.document(arn)  # an AWS managed policy grants what its published document says
            if doc is not None:
                entry["docs"].append((via, doc))


    def function_roles(self, fn: Resource) -> list:
        return self.targets(fn, "role", ROLE)

    def role_can(self, role: Resource, action: str, target: Resource, named: bool = False) -> bool | None:
        """Whether ``role``'s identity policies allow ``action`` on ``target``: a statement granting the
        action whose Resource is ``*``, names the target's ARN/name (``<arn>/*`` too), or - in preview,
        when the ARN is unknown - whose policy was computed from the target (property dependency).
        None when a policy of the role is unknown (preview) and nothing known grants it. With ``named``,
        only a statement that names the target counts: not ``*`` nor a pattern for every resource of the
        service (``arn:aws:s3:::*``), which say nothing about what the code does with this one."""
        names = _names_target(target)
        undecided = False
        for holder, doc in self.role_documents(role):
            if doc is UNKNOWN:
                undecided = True
            if not isinstance(doc, iam.Document):
                continue
            from_target = target.urn in holder.property_dependencies.get("policy", ()) or \
                target.urn in holder.property_dependencies.get("inlinePolicies", ())
            for st in doc.allows():
                if not st.grants(action):
                    continue
                if st.all_resources and not named:
                    return True
                for res in st.resources:
                    if res is UNKNOWN and from_target:
                        return True
                    if isinstance(res, str) and names(res) and not (named and _every_resource(res)):
                        return True
        return None if undecided else False

    def function_can(self, fn: Resource, action: str, target: Resource, named: bool = False) -> bool | None:
        """``role_can`` over the function's execution role(s)."""
        answers = [self.role_can(role, action, target, named) for role in self.function_roles(fn)]
        return True if True in answers else None if None in answers else False


def _every_resource(res: str) -> bool:
    """``*``, or an ARN pattern whose resource part is only wildcards (``arn:aws:s3:::*``,
    ``arn:aws:sqs:*:*:*``)."""
    parts = res.split(":", 5)
    return res.strip("*") == "" or (len(parts) == 6 and parts[0] == "arn" and parts[5].strip("*/") == "")


def _names_target(target: Resource):
    """A test of whether a statement's Resource names ``target``: its ARN, an ARN under it
    (``<bucket arn>/*``), or a wildcard pattern matching either. A target whose ARN is not known is
    matched by name at the end of the ARN's resource part. Never a substring: a policy on
    ``arn:aws:s3:::uploads-thumbnails/*`` does not name the bucket ``uploads``, nor one on the queue
    ``jobs-dlq`` the queue ``jobs``."""
    import fnmatch

    arns = {v for v in (target.props.get("arn"),) if isinstance(v, str) and v.startswith("arn:")}
    if target.type in aws.BUCKETS:
        arns |= {f"arn:aws:s3:::{v}" for f in ("bucket", "id", "name")
                 if isinstance(v := target.props.get(f), str) and v and not v.startswith("arn:")}
    others = {v for f in JOIN_FIELDS if isinstance(v := target.props.get(f), str) and v and not v.startswith("arn:")}

    def names(res: str) -> bool:
        for arn in arns:
            if res == arn or res.startswith(arn + "/"):
                return True
            if ("*" in res or "?" in res) and (fnmatch.fnmatchcase(arn, res) or fnmatch.fnmatchcase(arn + "/x", res)):
                return True
        if arns:
            return False
        return any(res == k or res.endswith((":" + k, "/" + k)) or f":{k}/" in res for k in others)
    return names


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
