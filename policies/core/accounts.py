"""Which AWS accounts and principals are the stack's own: what ``resource-policy-cross-account`` (and any
rule that asks "another account?") must not call foreign.

An account is the stack's own when a resource the stack declares lives in it (the account in its own
``arn`` output) or when the stack's AWS provider is pinned to it (``allowedAccountIds``). A principal is
the stack's own when it is the ARN of a role or user the stack declares. In preview, ARNs of new resources
are unknown, so fewer accounts are known to be the stack's own, never more.
"""
from __future__ import annotations

import json

from . import aws, iam


def own_accounts(stack) -> frozenset:
    """The accounts the stack lives in, computed once per stack index."""
    def build() -> frozenset:
        found = set()
        for r in stack.resources:
            arn = r.top_string("arn")
            if arn is not None and arn.startswith("arn:"):
                parts = arn.split(":", 5)
                if len(parts) > 4 and iam.ACCOUNT_ID.match(parts[4]):
                    found.add(parts[4])
        for provider in stack.of_type(aws.AWS_PROVIDER):
            ids = provider.get("allowedAccountIds")
            if isinstance(ids, str):
                try:
                    ids = json.loads(ids)
                except ValueError:
                    ids = [ids]
            found.update(i for i in (ids if isinstance(ids, list) else []) if isinstance(i, str) and iam.ACCOUNT_ID.match(i))
        return frozenset(found)
    return stack.cached(("own-accounts",), build)


def own_principals(stack) -> frozenset:
    """The ARNs of the roles and users the stack declares."""
    def build() -> frozenset:
        return frozenset(arn for r in stack.of_type(aws.ROLE, aws.USER)
                         if isinstance(arn := r.get("arn"), str))
    return stack.cached(("own-principals",), build)


def foreign_accounts(stack, principals, trusted) -> list:
    """The accounts ``principals`` (principal values of one statement) name that are neither the stack's own,
    a principal the stack declares, nor in ``trusted``; sorted."""
    out = set()
    for p in principals:
        if not isinstance(p, str):
            continue
        account = iam.principal_account(p)
        if account is not None and account not in trusted and p not in own_principals(stack) \
                and account not in own_accounts(stack):
            out.add(account)
    return sorted(out)
