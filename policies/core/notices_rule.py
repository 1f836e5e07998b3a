"""The pack's own advisory policy: tells the stack what the pack refused to apply from its config
(a stack owner asking to loosen a level or threshold). Not a catalog rule."""
from __future__ import annotations

from .resource import Resource
from .rule import Rule, Sev

STACK_TYPE = "pulumi:pulumi:Stack"


def _check(stack, cfg):
    if not stack.context.notices:
        return
    roots = stack.of_type(STACK_TYPE)
    anchor = roots[0] if roots else Resource(STACK_TYPE, "stack", "", {}, context=stack.context)
    for notice in stack.context.notices:
        yield anchor, notice


RULE = Rule(
    id="serverless-guard-settings", category="pack", severity=Sev.LOW,
    title="serverless-guard settings notices",
    description="Reports configuration the pack refused to apply, such as a stack config that loosens a policy.",
    remediation="Remove the loosening keys from the stack's `serverless-guard:*` config, or ask the pack's "
                "publisher to allow loosening for this stack in serverless-guard.yaml.",
    check=_check, stack=True)
