"""Running rules: one evaluation path for every rule, and the conversion into Pulumi policies.

``evaluate`` is the only place a check is called. It applies the rule's config defaults, runs the
check, turns what it returns into ``Outcome``s, applies exemptions, and contains every exception:
- ``Undecided`` (a value unknown during preview) propagates, so the caller reports it the way the
  SDK reports unknowns (advisory "can't run policy during preview");
- any other exception becomes a ``crash`` outcome naming the rule, the resource and the exception
  type (never its text, which may quote a property value).
"""
from __future__ import annotations

import fnmatch
from typing import Any, Iterable, NamedTuple

from . import governance
from .resource import Resource, Undecided
from .rule import CATEGORIES, REGISTRY, Rule, Sev
from .stack import StackIndex
from .values import decode


class Outcome(NamedTuple):
    message: str
    urn: str = ""
    exempt: str | None = None   # the exemption that downgrades this finding to advisory
    crash: bool = False


def rule_config(rule: Rule, engine_config: dict | None, stack_tags: dict | None = None) -> dict:
    """Rule defaults, then what the engine merged (schema defaults, initial config, platform config),
    then per-stack settings chosen by stack tags (which may only tighten)."""
    cfg = rule.defaults()
    if engine_config:
        cfg.update(decode(engine_config))  # the engine sends every number as a float
    if stack_tags:
        governance.apply_tag_overrides(rule, cfg, stack_tags)
    return cfg


def evaluate(rule: Rule, subject: Resource | StackIndex, engine_config: dict | None = None,
             stack_tags: dict | None = None) -> list:
    """Run one rule on one resource (resource rules) or on the stack index (stack rules)."""
    cfg = rule_config(rule, engine_config, stack_tags)
    if cfg.get("__disabled_by_tag__"):
        return []
    try:
        if rule.stack:
            raw = list(rule.check(subject, cfg) or ())
            # A stack check may yield an Undecided for one pair it cannot judge in preview: the rule
            # then reports "can't decide" only if it found nothing certain anywhere in the stack.
            found = [item for item in raw if not isinstance(item, Undecided)]
            undecided = [item for item in raw if isinstance(item, Undecided)]
            if undecided and not found:
                raise undecided[0]
        else:
            result = rule.check(subject, cfg)
            msgs = [result] if isinstance(result, str) else list(result or ())
            found = [(subject, m) for m in msgs]
    except Undecided:
        raise
    except Exception as exc:  # the error boundary: a rule bug never fails the engine's call
        where = subject.label() if isinstance(subject, Resource) else "the stack"
        return [Outcome(f"internal error in policy '{rule.id}' while checking {where}: {type(exc).__name__}. "
                        "The rule could not decide; please report this to the pack's maintainers.",
                        subject.urn if isinstance(subject, Resource) else "", crash=True)]
    out = []
    for resource, message in found:
        if not isinstance(message, str) or not message:
            continue
        if _name_allowed(resource, cfg.get("ignoreResources") or ()):
            continue
        exempt = governance.exemption_for(rule.id, resource)
        text = f"{resource.label()}: {message}"
        if isinstance(exempt, governance.Expired):
            text, exempt = f"{text} (Note: {exempt}.)", None
        elif exempt is not None:
            text = f"{text} (Exempted: {exempt}.)"
        out.append(Outcome(text, resource.urn if rule.stack else "", exempt))
    return out


def _name_allowed(resource: Resource, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(resource.name, p) or fnmatch.fnmatchcase(resource.urn, p) for p in patterns)


# --- conversion into pulumi_policy policies ---------------------------------------------------

COMMON_CONFIG = {
    "ignoreResources": {
        "type": "array", "items": {"type": "string"}, "default": [],
        "description": "Resource names or URNs (glob patterns) this policy does not check. Prefer "
                       "exemptions with a reason (see the README's governance section).",
    },
}


def _sdk_severity(sev: Sev):
    from pulumi_policy import Severity

    return {Sev.CRITICAL: Severity.CRITICAL, Sev.HIGH: Severity.HIGH, Sev.MEDIUM: Severity.MEDIUM,
            Sev.LOW: Severity.LOW, Sev.INFO: Severity.LOW}[sev]


def build_policies(rules: Iterable[Rule] | None = None, levels: dict | None = None) -> list:
    """Pulumi policies for ``rules`` (all registered rules by default).

    ``levels`` maps rule id -> EnforcementLevel (the pack's defaults from its settings).
    """
    from pulumi_policy import (EnforcementLevel, PolicyComplianceFramework, PolicyConfigSchema,
                               ResourceValidationPolicy, StackValidationPolicy)

    policies = []
    for rule in (rules if rules is not None else REGISTRY.values()):
        level = (levels or {}).get(rule.id) or governance.default_level(rule)
        common: dict[str, Any] = dict(
            description=rule.description,
            enforcement_level=EnforcementLevel(level) if isinstance(level, str) else level,
            config_schema=PolicyConfigSchema(properties={**COMMON_CONFIG, **rule.config}),
            display_name=rule.title,
            severity=_sdk_severity(rule.severity),
            framework=PolicyComplianceFramework(
                name="Serverless Top 10", version="1.0", reference=rule.category,
                specification=CATEGORIES.get(rule.category, "serverless-guard pack settings")),
            tags=[f"service:{rule.service}", f"category:{rule.category}", f"severity:{rule.severity.value}",
                  *[f"peer:{p}" for p in rule.peers]],
            remediation_steps=rule.remediation,
            url=rule.url,
        )
        if rule.stack:
            policy = StackValidationPolicy(name=rule.id, validate=_stack_validate(rule), **common)
        else:
            policy = ResourceValidationPolicy(name=rule.id, validate=_resource_validate(rule), **common)
        policy.rule = rule  # the fast path dispatches on this
        policies.append(policy)
    return policies


# The validate callbacks below are what the stock SDK servicer would call. The pack normally runs
# through ``fastpath.GuardServicer``, which calls ``evaluate`` directly with values decoded once.

def _unwrap(value: Any) -> Any:
    """The SDK's read-only proxies back to plain values, unknown sentinels kept (``["__target"]``
    is the SDK's own way to reach a proxy's contents, used by its serializer too)."""
    from pulumi_policy.proxy import _DictProxy, _ListProxy

    if isinstance(value, _DictProxy):
        return {k: _unwrap(v) for k, v in value["__target"].items()}
    if isinstance(value, _ListProxy):
        return [_unwrap(v) for v in value["__target"]]
    return value


def _raise_unknown(exc: Undecided):
    from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

    err = UnknownValueError(UNKNOWN_STRING_VALUE, exc.path.split("."))
    err.message = exc.message
    raise err


def _report(outcomes: list, report_violation) -> None:
    for o in outcomes:
        if o.exempt is None:  # the stock SDK cannot lower a level: exempted findings are not reported
            report_violation(o.message, o.urn or None)


def _resource_validate(rule: Rule):
    def validate(args, report_violation):
        if args.resource_type not in rule.types:  # the stock SDK calls every policy for every resource
            return
        resource = Resource.from_wire(args.resource_type, args.name, args.urn, _unwrap(args.props))
        try:
            _report(evaluate(rule, resource, args.get_config(), dict(args.stack_tags)), report_violation)
        except Undecided as exc:
            _raise_unknown(exc)
    return validate


def _stack_validate(rule: Rule):
    def validate(args, report_violation):
        index = StackIndex(
            Resource.from_wire(r.resource_type, r.name, r.urn, _unwrap(r.props),
                               dependencies=tuple(d.urn for d in r.dependencies),
                               property_dependencies={k: [d.urn for d in v]
                                                      for k, v in r.property_dependencies.items()})
            for r in args.resources)
        try:
            _report(evaluate(rule, index, args.get_config(), dict(args.stack_tags)), report_violation)
        except Undecided as exc:
            _raise_unknown(exc)
    return validate
