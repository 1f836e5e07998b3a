"""Running rules: one evaluation path for every rule, and the conversion into Pulumi policies.

``evaluate`` is the only place a check is called. It applies the rule's config defaults, runs the
check, turns what it returns into ``Outcome``s, applies exemptions, and contains every exception:
- ``Undecided`` (a value unknown during preview) propagates, so the caller reports it the way the
  SDK reports unknowns (advisory "can't run policy during preview");
- any other exception becomes a ``crash`` outcome naming the rule, the resource and the exception
  type (never its text, which may quote a property value).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, NamedTuple

from . import buckets, components, governance, messages
from .resource import Resource, Undecided
from .native_forms import native_terms
from .rule import CATEGORIES, COMMON_CONFIG, REGISTRY, ComponentBuilt, Rule, Sev, engine_schema
from .stack import StackIndex
from .values import as_list, contains_unknown, decode


class Outcome(NamedTuple):
    message: str
    urn: str = ""
    exempt: str | None = None   # the exemption that downgrades this finding to advisory
    crash: bool = False
    covers: tuple = ()          # URNs of other resources this finding stands for (Rule.superseded_by)
    parts: tuple | None = None  # the parts of the resource the finding is about (rule.Keyed), if it names any
    pending: Any = None         # evaluate(..., deferred=True): what makes the message (``formatted``)


def formatted(outcome: Outcome) -> Outcome:
    """The outcome with its message made (redacted, in the user's terms): ``evaluate(..., deferred=True)``
    leaves that to after ``supersede``, so a finding another one stands for costs no formatting."""
    if outcome.pending is None:
        return outcome
    return outcome.pending()._replace(covers=outcome.covers, parts=outcome.parts)


def rule_config(rule: Rule, engine_config: dict | None, stack_tags: dict | None = None,
                context: governance.Context = governance.DEFAULT_CONTEXT, level: str = "advisory") -> tuple:
    """(config, disabled): rule defaults, then what the engine merged (schema defaults, initial config,
    platform config), then per-stack settings chosen by stack tags (which may change thresholds or disable
    the rule for this stack while it is advisory, and only tighten a rule that runs at ``level`` mandatory
    or remediate: the publisher's and the platform's levels win over stack tags).

    Memoized on the identity of its arguments (the servicer keeps one config object per policy between
    Configure calls): decoding a config of 40,000 ``ignoreResources`` patterns once per resource made
    the cost grow with patterns times resources. Each caller gets its own copy of the dict."""
    key = (rule.id, id(engine_config), id(stack_tags), id(context), level)
    hit = _CONFIGS.get(key)
    if hit is not None and hit[0][0] is engine_config and hit[0][1] is stack_tags and hit[0][2] is context:
        return dict(hit[1]), hit[2]
    cfg = rule.defaults()
    if engine_config:
        cfg.update(decode(engine_config))  # the engine sends every number as a float
    disabled = governance.apply_tag_overrides(rule, cfg, stack_tags, context, level) if stack_tags else False
    if len(_CONFIGS) > 4096:
        _CONFIGS.clear()
    _CONFIGS[key] = ((engine_config, stack_tags, context), cfg, disabled)
    return dict(cfg), disabled


_CONFIGS: dict = {}   # rule_config's memo: key -> ((the arguments, kept alive so ids stay theirs), cfg, disabled)


def evaluate(rule: Rule, subject: Resource | StackIndex, engine_config: dict | None = None,
             stack_tags: dict | None = None, level: str = "advisory", deferred: bool = False) -> list:
    """Run one rule on one resource (resource rules) or on the stack index (stack rules).

    Four steps, each a function of its own: configure, run the check inside the error boundary,
    suppress (ignoreResources, exemptions), format (the message sanitizer). Raises ``Undecided``
    when the rule found nothing certain but could not decide something (preview). With ``deferred``, the
    outcomes' messages are made only when ``formatted`` is called on them.
    """
    try:
        cfg, disabled = rule_config(rule, engine_config, stack_tags, subject.context, level)
    except Exception as exc:  # a config the engine did not validate (no engine, or a hand-made request)
        return [_crash(rule, subject, exc)]
    if disabled:
        return []
    try:
        found = run_check(rule, subject, cfg)
    except Undecided:
        raise
    except Exception as exc:  # the error boundary: a rule bug never fails the engine's call
        return [_crash(rule, subject, exc)]
    in_stack = isinstance(subject, StackIndex)
    redactor = (lambda r: messages.redactor_in(subject, r)) if in_stack else (lambda r: r.redactor())
    covers = getattr(found, "covers", {})
    out = []
    for resource, message, exempt in suppress(rule, found, cfg, level):
        def make(resource=resource, message=message, exempt=exempt) -> Outcome:
            return format_outcome(rule, resource, message, exempt, redactor(resource), in_stack)
        outcome = Outcome("", resource.report_urn if rule.stack or in_stack else "",
                          None if isinstance(exempt, governance.Expired) else exempt,
                          covers=covers.get((resource.urn, message), ()), parts=getattr(message, "parts", None),
                          pending=make)
        out.append(outcome if deferred else formatted(outcome))
    return out


class Found(list):
    """``run_check``'s findings, with the resources each stands for besides its own (``covers``)."""

    covers: dict


def covered_by(results: list) -> dict:
    """rule id -> what its findings in ``results`` (``[(rule, outcomes)]``) stand for: urn -> the parts
    (``rule.Keyed`` keys), ``None`` for the whole resource. A finding about a part stands for that part;
    any other for its whole resource and each resource it covers. Crashed and exempted findings stand for
    nothing."""
    covered: dict = {}
    for rule, outcomes in results:
        for o in outcomes:
            if not o.crash and o.exempt is None:
                parts = covered.setdefault(rule.id, {})
                parts.setdefault(o.urn, set()).update(o.parts if o.parts else (None,))
                for u in o.covers:
                    parts.setdefault(u, set()).add(None)
    return covered


def _stands_for(o: Outcome, parts: dict) -> bool:
    """Whether findings standing for ``parts`` stand for ``o``: its whole resource, or its part or one
    containing it."""
    keys = parts.get(o.urn)
    if not keys:
        return False
    return None in keys or any(part[:len(k)] == k for part in (o.parts or ()) for k in keys if k is not None)


def moot(rule: Rule, undecided: Undecided, covered: dict) -> bool:
    """Whether a rule that could not decide on a resource (preview) need not say so: a rule that
    supersedes it reported that resource as a whole."""
    return any(None in covered.get(r, {}).get(undecided.urn, ()) for r in rule.superseded_by)


def supersede(results: list) -> list:
    """``[(rule, outcomes)]`` of one subject with the findings other findings stand for dropped: a rule's
    finding on a resource goes when a rule named in its ``superseded_by`` reported that resource (its
    own, or one its finding covers) or, for a finding about a part (``rule.Keyed``), that same part; not
    exempted. A superseding rule that is disabled, suppressed for that resource, exempted or undecided
    reports nothing there, so the other one reports."""
    covered = covered_by(results)
    if not covered:
        return results
    out = []
    for rule, outcomes in results:
        over = [covered[r] for r in rule.superseded_by if r in covered]
        if over:
            outcomes = [o for o in outcomes if o.crash or not any(_stands_for(o, parts) for parts in over)]
        out.append((rule, outcomes))
    return out


def run_check(rule: Rule, subject: Resource | StackIndex, cfg: dict) -> list:
    """The check's findings as ``[(resource, message)]``, at most ``MAX_FINDINGS`` per resource,
    duplicates dropped. A stack check's ``Undecided`` items are raised only when it found nothing."""
    covers: dict = {}
    found: list = []
    if not rule.stack and isinstance(subject, StackIndex):
        found = _each_resource(rule, subject, cfg)
    elif rule.stack:
        undecided: list = []
        for item in rule.check(subject, cfg) or ():
            if isinstance(item, tuple) and len(item) == 3:   # (resource, message, resources it stands for)
                resource, message, others = item
                if isinstance(resource, Resource):
                    covers[(resource.urn, message)] = tuple(o.report_urn for o in others if isinstance(o, Resource))
                item = (resource, message)
            (undecided if isinstance(item, Undecided) else found).append(item)
        if undecided and not any(isinstance(m, str) and m for _, m in found):
            raise undecided[0]
    else:
        result = rule.check(subject, cfg)
        found = [(subject, m) for m in ([result] if isinstance(result, str) else list(result or ()))]
    by_resource: dict = {}
    for resource, message in found:
        if isinstance(message, str) and message and isinstance(resource, Resource):
            msgs = by_resource.setdefault(resource.urn or id(resource), (resource, []))[1]
            if message not in msgs:
                msgs.append(message)
    result = Found((resource, m) for resource, msgs in by_resource.values() for m in messages.cap_findings(msgs))
    result.covers = covers
    return result


def _each_resource(rule: Rule, stack: StackIndex, cfg: dict) -> list:
    """A resource rule evaluated with the stack (it declares ``phase="stack"``): its check on every resource of its
    types, as Analyze would run it. Undecided on some resources is raised only when nothing was found
    (as for a stack check), so preview gives either the findings or the "can't run" notice."""
    found: list = []
    undecided: list = []
    for resource in stack.of_type(*rule.types):
        try:
            result = rule.check(resource, cfg)
        except Undecided as exc:
            undecided.append(exc)
            continue
        if not result:   # nothing found (None, "", an empty list; a generator is truthy and is read)
            continue
        found += [(resource, m) for m in ([result] if isinstance(result, str) else list(result))]
    if undecided and not any(isinstance(m, str) and m for _, m in found):
        raise undecided[0]
    return found


def suppression_patterns(cfg: dict) -> governance.Patterns:
    """The one place that decides which resources a rule leaves alone: ``ignoreResources`` (every rule)
    and ``allowedNames`` (rules that declare it) are the same glob patterns on a resource's logical
    name or URN (governance.name_matches); a finding on such a resource is not reported, and such a
    resource is not remediated. Exemptions, which carry a reason, are reported instead (advisory)."""
    return governance.Patterns(as_list(cfg.get("ignoreResources")), as_list(cfg.get("allowedNames")))


def suppress(rule: Rule, found: list, cfg: dict, level: str = "advisory") -> Iterable[tuple]:
    """Drop findings on ignored resources, and, while the rule runs advisory, findings nobody can act on: on
    what a component built that only a property it does not pass on would fix (``Rule.sets``,
    ``core/components.py``) or that the rule marked ``ComponentBuilt``; attach exemptions (a finding that is
    exempted stays, advisory). A component's type is a name the program gives, so it never drops a finding of a
    rule the publisher or the platform made mandatory."""
    patterns = suppression_patterns(cfg)
    sets = rule.sets or ((rule.declared.path,) if rule.declared is not None else ())
    for resource, message in found:
        if patterns and governance.name_matches(resource, patterns):
            continue
        if level != "mandatory" and (isinstance(message, ComponentBuilt) or resource.component_types and (
                components.untouchable(resource) or (sets and all(components.unsettable(resource, p) for p in sets))
                or buckets.internal(resource, rule.config, cfg))):
            continue   # a component built it and passes none of what the fix sets: nobody can act on it
        yield resource, message, governance.exemption_for(rule, resource, resource.context)


def format_outcome(rule: Rule, resource: Resource, message: str, exempt, redact, in_stack: bool = False) -> Outcome:
    fix = getattr(message, "fix", None)   # the fix for the case found (rule.Fixed, rule.Keyed), if the rule gave one
    message = redact(message)
    if resource.origin is not None:   # an aws-native resource: its own property names
        message = native_terms(message, resource.origin)
    text = f"{resource.label()}: {messages.user_terms(message, resource.context.language, rule.settings)}"
    data: dict = {}
    if isinstance(exempt, governance.Expired):
        text, exempt = f"{text} (Note: {exempt}.)", None
    elif exempt is not None:
        text = f"{text} (Exempted: {exempt}.)"
        if isinstance(exempt, governance.Exemption):
            data["exempted"] = exempt.as_data()
    if isinstance(fix, str) and fix and resource.context.report_key:   # the trailer is for ``scan`` alone
        data["fix"] = redact(fix)
    if data and resource.context.report_key:
        text += "\n" + trailer(resource.context.report_key, data)
    return Outcome(text, resource.report_urn if rule.stack or in_stack else "", exempt)


TRAILER_PREFIX = "[serverless-guard "


def trailer(key: str, data: dict) -> str:
    """The last line of a message that carries its finding's fields as data, for ``scan`` alone."""
    import json

    return f"{TRAILER_PREFIX}{key} {json.dumps(data, sort_keys=True, ensure_ascii=True)}]"


def split_trailer(message: str, key: str) -> tuple:
    """``(message without the trailer, its data)``; the data is ``{}`` unless the last line carries
    exactly ``key`` (which no input can know)."""
    import json

    head, sep, last = message.rpartition("\n")
    prefix = f"{TRAILER_PREFIX}{key} "
    if not key or not sep or not last.startswith(prefix) or not last.endswith("]"):
        return message, {}
    try:
        data = json.loads(last[len(prefix):-1])
    except ValueError:
        return message, {}
    return head, data if isinstance(data, dict) else {}


def remediation(rule: Rule, resource: Resource, engine_config: dict | None = None,
                stack_tags: dict | None = None, level: str = "remediate") -> dict | None:
    """The fix (``{dotted wire path: value}``) the rule would make to ``resource`` at level remediate,
    or None. Config, tag overrides, ``ignoreResources`` and exemptions apply exactly as to findings; a
    resource rule fixes only what it reports; nothing is fixed on an unknown value (preview). Raises
    what the fix raises (the servicer turns it into a diagnostic)."""
    cfg, disabled = rule_config(rule, engine_config, stack_tags, resource.context, level)
    if disabled or rule.fix is None:
        return None
    patterns = suppression_patterns(cfg)
    if patterns and governance.name_matches(resource, patterns):
        return None
    exempt = governance.exemption_for(rule, resource, resource.context)
    if exempt is not None and not isinstance(exempt, governance.Expired):
        return None
    try:
        if not rule.stack and not run_check(rule, resource, cfg):
            return None  # nothing to fix (and so a second Remediate changes nothing)
        changes = rule.fix(resource, cfg)
    except Undecided:
        return None
    if not changes or contains_unknown(list(changes.values())):
        return None
    return dict(changes)


def fix_passes(rule: Rule, resource: Resource, engine_config: dict | None = None) -> bool:
    """Whether the rule (a resource rule) no longer reports ``resource``: a fix is kept only if so."""
    if rule.stack:
        return True
    try:
        return not run_check(rule, resource, rule_config(rule, engine_config, None, resource.context)[0])
    except Exception:  # noqa: BLE001 - undecided or a bug: not proven to pass, so not applied
        return False


def _crash(rule: Rule, subject, exc: Exception) -> Outcome:
    where = subject.label() if isinstance(subject, Resource) else "the stack"
    return Outcome(f"internal error in policy '{rule.id}' while checking {where}: {type(exc).__name__}. "
                   "The rule could not decide, so this is reported at the policy's level; please report it "
                   "to the pack's maintainers.", subject.report_urn if isinstance(subject, Resource) else "", crash=True)


# --- conversion into pulumi_policy policies ---------------------------------------------------

def _sdk_severity(sev: Sev):
    from pulumi_policy import Severity

    return {Sev.CRITICAL: Severity.CRITICAL, Sev.HIGH: Severity.HIGH, Sev.MEDIUM: Severity.MEDIUM,
            Sev.LOW: Severity.LOW, Sev.INFO: Severity.LOW}[sev]


def build_policies(rules: Iterable[Rule] | None = None, levels: dict | None = None,
                   fix_text: Callable[[Rule], str] | None = None) -> list:
    """Pulumi policies for ``rules`` (all registered rules by default).

    ``levels`` maps rule id -> EnforcementLevel (the pack's defaults from its settings); ``fix_text``
    gives each policy's remediation steps (its fix) as the program's language writes it
    (``policies.presentation``; by default the fix as declared, in pulumi-aws Python).
    """
    from pulumi_policy import (EnforcementLevel, PolicyComplianceFramework, PolicyConfigSchema,
                               ResourceValidationPolicy, StackValidationPolicy)

    policies = []
    for rule in (rules if rules is not None else REGISTRY.values()):
        level = (levels or {}).get(rule.id) or governance.default_level(rule)
        common: dict[str, Any] = dict(
            description=rule.description,
            enforcement_level=EnforcementLevel(level) if isinstance(level, str) else level,
            config_schema=PolicyConfigSchema(properties=engine_schema({**COMMON_CONFIG, **rule.config})),
            display_name=rule.title,
            severity=_sdk_severity(rule.severity),
            framework=PolicyComplianceFramework(
                name="Serverless Top 10", version="1.0", reference=rule.category,
                specification=CATEGORIES.get(rule.category, "serverless-guard pack settings")),
            tags=[f"service:{rule.service}", f"category:{rule.category}", f"severity:{rule.severity.value}",
                  *[f"peer:{p}" for p in rule.peers]],
            remediation_steps=fix_text(rule) if fix_text is not None else rule.remediation,
            url=rule.url,
        )
        policy: Any = (StackValidationPolicy if rule.stack else ResourceValidationPolicy)(
            name=rule.id, validate=_not_served(rule), **common)
        policy.rule = rule  # the fast path dispatches on this
        policies.append(policy)
    return policies


def _not_served(rule: Rule):
    """The ``validate`` the SDK requires of a policy. serverless-guard policies are run by
    ``fastpath.GuardServicer`` (``policies.pack``), which calls ``evaluate`` and never this; a pack that
    put these policies on the SDK's own servicer would be told so instead of silently finding nothing."""
    def validate(_args, _report_violation):
        raise RuntimeError(f"policy '{rule.id}' runs only in the serverless-guard pack (policies.pack), whose "
                           "servicer evaluates it; it cannot be added to another PolicyPack")
    return validate
