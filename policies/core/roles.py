"""IAM resolution over the stack index: which identity policies grant a role its permissions, and whether
a role (or a function, through its execution role) may perform an action on a resource.

A role's permissions come from its inline policies, ``RolePolicy`` resources, and the policies attached
to it (``RolePolicyAttachment``/``PolicyAttachment`` of in-stack ``Policy`` resources, or AWS managed
policies, judged by their published documents). The resolution is built once per stack index, on first
use (``StackIndex.cached``), from the index's joins; nothing here indexes the stack itself.
"""
from __future__ import annotations

import fnmatch
from collections import defaultdict
from typing import TYPE_CHECKING

from . import aws, iam, managed
from .values import UNKNOWN, as_list

if TYPE_CHECKING:
    from .resource import Resource
    from .stack import StackIndex


def documents(stack: StackIndex, role: Resource) -> list:
    """Every identity-policy document that grants permissions to ``role``, as ``(holder, document)``:
    inline policies, RolePolicy, RolePolicyAttachment/PolicyAttachment of in-stack Policies, and AWS
    managed policies by their published documents (their ARNs also in ``managed_arns``)."""
    return _entry(stack, role)["docs"]


def managed_arns(stack: StackIndex, role: Resource) -> list:
    """The ARNs of the policies attached to ``role`` that are not in the stack (AWS managed, or another
    stack's)."""
    return _entry(stack, role)["managed"]


def function_roles(stack: StackIndex, fn: Resource) -> list:
    return stack.targets(fn, "role", aws.ROLE)


def role_can(stack: StackIndex, role: Resource, action: str, target: Resource, named: bool = False) -> bool | None:
    """Whether ``role``'s identity policies allow ``action`` on ``target``: a statement granting the
    action whose Resource is ``*``, names the target's ARN/name (``<arn>/*`` too), or - in preview,
    when the ARN is unknown - whose policy was computed from the target (property dependency).
    None when a policy of the role is unknown (preview) and nothing known grants it. With ``named``,
    only a statement that names the target counts: not ``*`` nor a pattern for every resource of the
    service (``arn:aws:s3:::*``), which say nothing about what the code does with this one."""
    names = _names_target(target)
    undecided = False
    for holder, doc in documents(stack, role):
        if doc is UNKNOWN:
            undecided = True
        if not isinstance(doc, iam.Document):
            continue
        from_target = target.urn in holder.property_dependencies.get("policy", ()) or \
            target.urn in holder.property_dependencies.get("inlinePolicies", ())
        if _grants(doc, action, names, from_target, named):
            return True
    return None if undecided else False


def function_can(stack: StackIndex, fn: Resource, action: str, target: Resource, named: bool = False) -> bool | None:
    """``role_can`` over the function's execution role(s)."""
    answers = [role_can(stack, role, action, target, named) for role in function_roles(stack, fn)]
    return True if True in answers else None if None in answers else False


def _grants(doc: iam.Document, action: str, names, from_target: bool, named: bool) -> bool:
    for st in doc.allows():
        if not st.grants(action):
            continue
        if st.all_resources and not named:
            return True
        for res in st.resources:
            if res is UNKNOWN and from_target:
                return True
            if isinstance(res, str) and names(res) and not (named and iam.every_resource(res)):
                return True
    return False


def _entry(stack: StackIndex, role: Resource) -> dict:
    return stack.cached("roles", lambda: _resolve(stack)).get(role.urn, {"docs": [], "managed": []})


def _resolve(stack: StackIndex) -> dict:
    out: dict = defaultdict(lambda: {"docs": [], "managed": []})
    for role in stack.of_type(aws.ROLE):
        entry = out[role.urn]
        for inline in as_list(role.get("inlinePolicies")):
            if isinstance(inline, dict):
                entry["docs"].append((role, iam.parse(inline.get("policy"))))
        for arn in as_list(role.get("managedPolicyArns")):
            _attach(stack, entry, role, arn)
    for rp in stack.of_type(aws.ROLE_POLICY):
        for role in stack.targets(rp, "role", aws.ROLE):
            out[role.urn]["docs"].append((rp, rp.document("policy")))
    for type_, prop in ((aws.ROLE_POLICY_ATTACHMENT, "role"), (aws.POLICY_ATTACHMENT, "roles")):
        for att in stack.of_type(type_):
            for role in stack.targets(att, prop, aws.ROLE):
                _attach(stack, out[role.urn], att, att.get("policyArn"))
    return dict(out)


def _attach(stack: StackIndex, entry: dict, via: Resource, arn) -> None:
    policies = stack.targets(via, "policyArn", aws.IAM_POLICY) if via.type != aws.ROLE else []
    if not policies and isinstance(arn, str):
        policies = stack.carrying(aws.IAM_POLICY, arn)
    if policies:
        for p in policies:
            entry["docs"].append((p, p.document("policy")))
    elif isinstance(arn, str):
        entry["managed"].append(arn)
        doc = managed.document(arn)  # an AWS managed policy grants what its published document says
        if doc is not None:
            entry["docs"].append((via, doc))


def _names_target(target: Resource):
    """A test of whether a statement's Resource names ``target``: its ARN, an ARN under it
    (``<bucket arn>/*``), or a wildcard pattern matching either. A target whose ARN is not known is
    matched by name at the end of the ARN's resource part. Never a substring: a policy on
    ``arn:aws:s3:::uploads-thumbnails/*`` does not name the bucket ``uploads``, nor one on the queue
    ``jobs-dlq`` the queue ``jobs``."""
    arns = {v for v in (target.props.get("arn"),) if isinstance(v, str) and v.startswith("arn:")}
    if target.type in aws.BUCKETS:
        arns |= {f"arn:aws:s3:::{v}" for f in ("bucket", "id", "name")
                 if isinstance(v := target.props.get(f), str) and v and not v.startswith("arn:")}
    others = {v for f in aws.IDENTITY_FIELDS if isinstance(v := target.props.get(f), str) and v and not v.startswith("arn:")}

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
