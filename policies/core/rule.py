"""Rule declarations and the registry of every rule in the pack.

A rule is data (id, category, severity, the resource types it applies to, documentation, peers,
config schema) plus one small check function. Modules under ``policies/`` declare rules with the
``resource_rule`` and ``stack_rule`` decorators; the runtime turns the registry into Pulumi
policies and owns dispatch, unknowns, exemptions and the error boundary, so a check only states
its rule.

A resource check is ``check(resource, config) -> None | str | Iterable[str]``: each string is one
violation message about that resource. A stack check is ``check(stack, config) ->
Iterable[(resource, str)]``, and may also yield ``Undecided(resource, path)`` for a case it cannot
judge during preview (reported only when the rule found nothing certain). Messages name the resource and the setting and say what to do; they
never include a property value unless the value is an enum or a name (never a secret).
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator, Mapping

CATEGORIES = {
    "SAS-1": "Function event-data injection",
    "SAS-2": "Broken authentication",
    "SAS-3": "Insecure serverless deployment configuration",
    "SAS-4": "Over-privileged function permissions and roles",
    "SAS-5": "Inadequate function monitoring and logging",
    "SAS-6": "Insecure third-party dependencies",
    "SAS-7": "Insecure application secrets storage",
    "SAS-8": "Denial of service and financial resource exhaustion",
    "SAS-9": "Function execution flow manipulation",
    "SAS-10": "Improper exception handling and verbose error messages",
}

# What each category's risk is (PureSec SAS Top 10) and the practice its rules enforce.
CATEGORY_RISK = {
    "SAS-1": "Untrusted input reaches an interpreter through any event source, not only web APIs.",
    "SAS-2": "Some functions, triggers or APIs have no authentication: an unauthenticated entry point.",
    "SAS-3": "Insecure defaults and misconfigured storage, queues and keys expose or lose data.",
    "SAS-4": "Functions get more IAM privilege than their task needs; a compromise gets all of it.",
    "SAS-5": "Without a security audit trail, reconnaissance and attacks go unnoticed.",
    "SAS-6": "Vulnerable runtimes, layers and images run inside the function with its role.",
    "SAS-7": "Secrets kept in plain configuration or unencrypted stores leak.",
    "SAS-8": "Unbounded scaling and slow calls turn an attack or a bug into an outage and a bill.",
    "SAS-9": "Functions invoked out of order or by unintended callers bypass the checks before them.",
    "SAS-10": "Debug output, stack traces and verbose logs leak internals and data.",
}
CATEGORY_PRACTICE = {
    "SAS-1": "Put functions behind API Gateway and a WAF, and validate input before it reaches them.",
    "SAS-2": "Authenticate every entry point: IAM, an authorizer or a scoped permission.",
    "SAS-3": "Deploy with secure settings by default: private, encrypted, versioned, recoverable.",
    "SAS-4": "Give each function a minimal role of its own.",
    "SAS-5": "Log and trace every entry point and function, and keep the logs.",
    "SAS-6": "Keep runtimes and dependencies current, and scan what you deploy.",
    "SAS-7": "Keep secrets in Secrets Manager or SSM SecureString, encrypted with keys you control.",
    "SAS-8": "Cap concurrency, set timeouts and throttle, against denial of service and of wallet.",
    "SAS-9": "Let only the intended callers invoke each function, and pin every grant to its source.",
    "SAS-10": "Return generic errors and keep debug settings out of production.",
}
# Where a policy's url points: the Security Hub control page of its FSBP peer, else the service's
# AWS security documentation.
SERVICE_DOCS = {
    "lambda": "https://docs.aws.amazon.com/lambda/latest/dg/lambda-security.html",
    "apigateway": "https://docs.aws.amazon.com/apigateway/latest/developerguide/security.html",
    "apigatewayv2": "https://docs.aws.amazon.com/apigateway/latest/developerguide/security.html",
    "iam": "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
    "s3": "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
    "cognito": "https://docs.aws.amazon.com/cognito/latest/developerguide/security.html",
    "appsync": "https://docs.aws.amazon.com/appsync/latest/devguide/security.html",
    "dynamodb": "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/best-practices-security.html",
    "sns": "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html",
    "sqs": "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html",
    "ecr": "https://docs.aws.amazon.com/AmazonECR/latest/userguide/security.html",
    "kms": "https://docs.aws.amazon.com/kms/latest/developerguide/best-practices.html",
    "cloudwatch": "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/security.html",
    "sfn": "https://docs.aws.amazon.com/step-functions/latest/dg/security.html",
    "secretsmanager": "https://docs.aws.amazon.com/secretsmanager/latest/userguide/best-practices.html",
    "wafv2": "https://docs.aws.amazon.com/waf/latest/developerguide/security.html",
    "ssm": "https://docs.aws.amazon.com/systems-manager/latest/userguide/security-best-practices.html",
}
SECURITY_HUB = "https://docs.aws.amazon.com/securityhub/latest/userguide/{svc}-controls.html#{svc}-{n}"


class Keyed(str):
    """A finding's message about parts of a resource: ``key`` names the part, as a path into it (a policy
    document ``("inline_policies[0]",)``, its statement ``("inline_policies[0]", 2)``), and ``also`` the
    other parts it is about (the statements that together make a privilege-escalation path). Where rules
    declare ``superseded_by``, a keyed finding is dropped only when a superseding rule reported one of its
    parts of the same resource, or a part containing it (a key that is a prefix of its key), or the whole
    resource with a finding that names no part. So two rules that report two statements of one policy both
    report, and one statement is reported once."""

    key: tuple
    also: tuple
    fix: str | None

    def __new__(cls, text: str, key: tuple, also=(), fix: str | None = None) -> Keyed:
        message = super().__new__(cls, text)
        message.key = tuple(key)
        message.also = tuple(tuple(k) for k in also)
        message.fix = fix if fix is not None else getattr(text, "fix", None)
        return message

    @property
    def parts(self) -> tuple:
        return (self.key, *self.also)


class Fixed(str):
    """A finding's message with the fix for the case found (pulumi-aws Python, like ``Rule.remediation``):
    the function's own runtime family, the actions actually granted. ``scan`` shows it as that finding's fix
    (in the program's language); the rule's declared fix stays the pack's remediation steps."""

    fix: str | None

    def __new__(cls, text: str, fix: str | None = None) -> Fixed:
        message = super().__new__(cls, text)
        message.fix = fix
        return message


class ComponentBuilt(Fixed):
    """A finding about what a published component built that the program cannot change (its website routes):
    reported only where its rule runs mandatory. Component types are names a program can give its own
    components, so only a publisher's or platform's level, never a type name, decides that it is dropped."""


def literal(text: str) -> str:
    """``text`` (a resource's name, say) as a string literal of a fix: quotes, newlines and control characters
    escaped, so the fix stays one valid statement in Python and in the TypeScript it is translated to."""
    import json

    return json.dumps(text)


def variable(name: str, prefix: str) -> str:
    """A fix's variable for a resource of that name (``orders-fn`` -> ``orders_fn``; ``prefix`` before one that
    would start with a digit)."""
    import re

    ident = re.sub(r"\W+", "_", name, flags=re.ASCII).strip("_") or prefix
    return f"{prefix}_{ident}" if ident[0].isdigit() else ident


class Sev(enum.Enum):
    """Catalog severities. INFO is sent to the engine as low and is never mandatory by default."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: Sev
    title: str
    description: str
    remediation: str
    check: Callable
    types: tuple = ()
    stack: bool = False
    peers: tuple = ()
    config: dict = field(default_factory=dict)  # JSON-schema properties, each with a default
    service: str = "aws"
    hygiene: bool = False  # off in the default profile (see governance.profile_level)
    # A safe, property-only fix for the ``remediate`` level: ``fix(resource, config)`` returns
    # ``{dotted wire path: new value}`` for a resource of ``fix_types`` (see runtime.remediation).
    fix: Callable | None = None
    fix_types: tuple = ()
    # Policies whose finding stands for this one's on the same resource (one exposure, one finding). The
    # runtime drops this rule's finding on a resource only when one of them reported it there (enabled,
    # not suppressed, not exempted); a superseding stack check names the other resources its finding
    # stands for by yielding ``(resource, message, covers)``.
    superseded_by: tuple = ()
    # Where a resource rule runs: "resource" (Analyze, one resource at a time as it is registered) or "stack"
    # (AnalyzeStack, still one resource at a time): a resource rule related by ``superseded_by`` (either way,
    # through any chain) to a stack rule must run with the stack, and declares so (``Registry.freeze`` checks).
    phase: str = "resource"
    # The properties of the resource found that the fix sets (a property rule's own path needs no declaring): a
    # finding on a resource a published component built without passing them on is not reported, since the
    # program cannot set them (core/components.py).
    sets: tuple = ()
    # A one-property rule's declaration (``core/property.py``), from which its check, fix and remediation follow.
    declared: Any = None
    # The words its findings are known by (one of them in every finding): each violating case of the rule
    # asserts its finding says one (``core/cases.py``). A property rule's follows from its declaration.
    phrase: tuple = ()

    def __post_init__(self) -> None:
        if self.stack:   # a stack rule runs with the stack, whatever it declared
            object.__setattr__(self, "phase", "stack")
        if isinstance(self.phrase, str):
            object.__setattr__(self, "phrase", (self.phrase,))

    @property
    def phrases(self) -> tuple:
        """The key phrases of its findings: declared, or a property rule's message up to its value."""
        if self.declared is not None:
            return (self.declared.phrase(),)
        return self.phrase

    @property
    def url(self) -> str:
        """An authoritative public reference for the risk (shown by Pulumi Cloud on every violation)."""
        for peer in self.peers:
            parts = peer.split()
            if len(parts) == 2 and parts[0] == "FSBP" and "." in parts[1]:
                svc, _, n = parts[1].partition(".")
                if n.isdigit():
                    return SECURITY_HUB.format(svc=svc.lower(), n=n)
        return SERVICE_DOCS.get(self.service, "https://docs.aws.amazon.com/lambda/latest/dg/lambda-security.html")

    @cached_property
    def settings(self) -> frozenset:
        """The names of this rule's settings and of those every policy has (a message shows them as written;
        every finding's message asks, so it is worked out once)."""
        return frozenset(self.config) | COMMON_SETTINGS

    def defaults(self) -> dict:
        return {k: v["default"] for k, v in self.config.items() if "default" in v}


COMMON_CONFIG = {
    "ignoreResources": {
        "type": "array", "items": {"type": "string"}, "default": [], "x-stricter": "subset",
        "description": "Resource names or URNs (glob patterns) this policy does not check. Prefer "
                       "exemptions with a reason (see the README's governance section).",
    },
}
COMMON_SETTINGS = frozenset(COMMON_CONFIG)

class Registry(Mapping):
    """Every rule, by id: each declared once, complete with its fix, and never replaced.

    A module declares its rules (``resource_rule``, ``stack_rule``) and their fixes (``fixes``) as it is
    imported. A declaration is pending until the registry is next read (or ``seal`` is called: by
    ``policies.load_rules`` and, for an organisation's module, by the custom-rules loader); then it becomes
    its ``Rule``, fix included, and is never changed again. A fix declared for a rule already sealed is an
    error, not a replacement. ``freeze`` (when the pack starts serving) closes the registry: any later
    declaration raises.
    """

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._pending: dict[str, Rule] = {}
        self._frozen = False

    # --- reading (seals what was declared before) ------------------------------------------------
    def __getitem__(self, rule_id: str) -> Rule:
        self.seal()
        return self._rules[rule_id]

    def __iter__(self) -> Iterator[str]:
        self.seal()
        return iter(list(self._rules))

    def __len__(self) -> int:
        self.seal()
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules or rule_id in self._pending

    # --- declaring ----------------------------------------------------------------------------
    def declare(self, rule: Rule) -> Rule:
        self._open(f"rule {rule.id!r}")
        if rule.id in self:
            raise ValueError(f"rule id {rule.id!r} is declared twice")
        if rule.category not in CATEGORIES:
            raise ValueError(f"rule {rule.id!r}: unknown category {rule.category!r}")
        if not rule.stack and not rule.types:
            raise ValueError(f"resource rule {rule.id!r} declares no resource types")
        for key, schema in rule.config.items():
            if "default" not in schema:
                raise ValueError(f"rule {rule.id!r}: config property {key!r} has no default")
        self._pending[rule.id] = rule
        return rule

    def declare_fix(self, rule_id: str, fn: Callable, types: Iterable[str] | None) -> None:
        self._open(f"the fix of {rule_id!r}")
        rule = self._pending.get(rule_id)
        if rule is None:
            if rule_id in self._rules:
                raise ValueError(f"the fix of {rule_id!r} is declared after the rule was first used; declare it in "
                                 "the module that declares the rule, right after its check")
            raise ValueError(f"@fixes({rule_id!r}): no rule {rule_id!r} is declared before it")
        if rule.fix is not None:
            raise ValueError(f"rule {rule_id!r} declares its fix twice")
        fix_types = tuple(types) if types is not None else rule.types
        self._pending[rule_id] = dataclasses.replace(rule, fix=fn, fix_types=fix_types)   # not yet published

    def seal(self) -> list:
        """Publish the pending declarations; return their ids, in declaration order."""
        if not self._pending:
            return []
        ids = list(self._pending)
        self._rules.update(self._pending)
        self._pending.clear()
        return ids

    def discard(self, ids: Iterable[str]) -> None:
        """Take back rules a module declared before it failed to load (``core/custom.py``), before the
        registry is frozen."""
        self._open("a rollback")
        for rule_id in ids:
            self._pending.pop(rule_id, None)
            self._rules.pop(rule_id, None)

    def freeze(self) -> None:
        self.seal()
        problems = phase_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        self._frozen = True

    @property
    def frozen(self) -> bool:
        return self._frozen

    def _open(self, what: str) -> None:
        if self._frozen:
            raise RuntimeError(f"{what}: the registry is frozen once the pack serves; rules and fixes are "
                               "declared before")


REGISTRY = Registry()


def with_stack(rule: Rule, registry: Mapping | None = None) -> bool:
    """Whether ``rule`` is evaluated with the stack (in AnalyzeStack): a stack rule, or a resource rule
    related (``superseded_by``, in either direction, through any chain of relations) to a stack rule, so
    that every pair of related findings is weighed in the same call (a finding the engine has received
    from Analyze cannot be taken back). Such a resource rule still judges one resource at a time, every
    resource of its types; only the phase differs."""
    registry = REGISTRY if registry is None else registry
    return any(getattr(registry.get(r), "stack", False) for r in _related(rule.id, registry))


def phase_problems(registry: Mapping) -> list:
    """Resource rules whose declared ``phase`` is not the one their relations give them (``with_stack``)."""
    out = []
    for rule in registry.values():
        if rule.stack:
            continue
        stack_rules = sorted(r for r in _related(rule.id, registry) if getattr(registry.get(r), "stack", False))
        if stack_rules and rule.phase != "stack":
            out.append(f"resource rule {rule.id!r} is related by superseded_by to the stack rule(s) "
                       f"{', '.join(map(repr, stack_rules))}, so it runs with the stack: declare phase=\"stack\"")
        elif not stack_rules and rule.phase != "resource":
            out.append(f"resource rule {rule.id!r} declares phase={rule.phase!r} but is related to no stack rule; "
                       "only such a relation makes a resource rule run with the stack")
    return out


def _related(rule_id: str, registry: Mapping) -> set:
    """``rule_id`` and every rule connected to it by ``superseded_by``, either way."""
    neighbours: dict = {}
    for r in registry.values():
        for other in r.superseded_by:
            neighbours.setdefault(r.id, set()).add(other)
            neighbours.setdefault(other, set()).add(r.id)
    seen, todo = {rule_id}, [rule_id]
    while todo:
        for n in neighbours.get(todo.pop(), ()):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _declare(stack: bool, id: str, category: str, severity: Sev, *, types: Iterable[str] = (), title: str,
             description: str, remediation: str, peers: Iterable[str] = (), config: dict | None = None,
             service: str | None = None, hygiene: bool = False, superseded_by: Iterable[str] = (),
             phase: str = "resource", sets: Iterable[str] = (), phrase: str | tuple = ()):
    if phase not in ("resource", "stack") or (stack and phase != "resource"):
        raise ValueError(f"rule {id!r}: phase is \"resource\" or \"stack\", and only a resource rule declares it")

    def wrap(fn: Callable) -> Callable:
        svc = service or _service_of(types)
        REGISTRY.declare(Rule(id=id, category=category, severity=severity, title=title, description=description,
                              remediation=remediation.strip(), check=fn, types=tuple(types), stack=stack,
                              peers=tuple(peers), config=dict(config or {}), service=svc, hygiene=hygiene,
                              superseded_by=tuple(superseded_by), phase="stack" if stack else phase,
                              sets=tuple(sets), phrase=(phrase,) if isinstance(phrase, str) else tuple(phrase)))
        return fn
    return wrap


def fixes(rule_id: str, types: Iterable[str] | None = None):
    """Declare the ``remediate`` fix of a rule, beside its check (in the same module, after it):

        @fixes("kms-rotation")
        def _(key, cfg):
            return {"enableKeyRotation": True}

    It returns ``{dotted wire path: value}`` for the properties it changes (nothing else changes), or
    None. It must only change the resource it is given, need no other resource, break no caller,
    and make the rule pass (the runtime drops a fix after which the rule still reports). ``types``
    (by default the rule's own) names the resources it fixes, so a stack rule can fix a satellite.
    The fix becomes part of the rule when the rule is sealed (``Registry``); it never replaces one.
    """
    def wrap(fn: Callable) -> Callable:
        REGISTRY.declare_fix(rule_id, fn, types)
        return fn
    return wrap


def resource_rule(id: str, category: str, severity: Sev, **kw):
    """Declare a rule that looks at one resource of the given ``types`` at a time."""
    return _declare(False, id, category, severity, **kw)


def stack_rule(id: str, category: str, severity: Sev, **kw):
    """Declare a rule that needs several resources; it gets the stack index once per analysis."""
    return _declare(True, id, category, severity, **kw)


def _service_of(types: Iterable[str]) -> str:
    for t in types:
        parts = t.split(":")
        if len(parts) == 3:
            return parts[1].split("/")[0].rstrip("_")
    return "aws"


# Reusable config-schema fragments ---------------------------------------------------------------

# Each setting declares which change makes it stricter (``STRICTER`` in its schema): a stack owner may
# only make that change (settings._stricter reads it; nothing is guessed from the setting's name).
STRICTER = "x-stricter"
DIRECTIONS = ("lower", "higher", "subset", "superset", "true", "false", "fixed")


def names_allowlist(what: str) -> dict:
    return {"allowedNames": {
        "type": "array", "items": {"type": "string"}, "default": [], STRICTER: "subset",
        "description": f"Names or URNs (glob patterns) of {what} that are allowed on purpose, e.g. a public "
                       "webhook: the runtime reports nothing on them (the same matcher as ignoreResources; "
                       "prefer an exemption with a reason)."}}


def int_setting(name: str, default: int, description: str, minimum: int = 0, *, stricter: str) -> dict:
    """``stricter``: "lower" (a maximum) or "higher" (a minimum), or "fixed" (the publisher's only)."""
    assert stricter in ("lower", "higher", "fixed"), stricter
    return {name: {"type": "integer", "minimum": minimum, "default": default, "description": description,
                   STRICTER: stricter}}


def list_setting(name: str, default: list, description: str, *, stricter: str = "subset") -> dict:
    """``stricter``: "subset" for an allow-list (fewer entries is stricter), "superset" for a deny-list."""
    assert stricter in ("subset", "superset", "fixed"), stricter
    return {name: {"type": "array", "items": {"type": "string"}, "default": default, "description": description,
                   STRICTER: stricter}}


def bool_setting(name: str, default: bool, description: str, *, stricter: str = "true") -> dict:
    """``stricter``: "true" when turning it on is stricter, "false" when turning it off is."""
    assert stricter in ("true", "false", "fixed"), stricter
    return {name: {"type": "boolean", "default": default, "description": description, STRICTER: stricter}}


def engine_schema(config: dict) -> dict:
    """A rule's config schema as the engine gets it (without the pack's own annotations)."""
    return {k: {kk: vv for kk, vv in v.items() if kk != STRICTER} for k, v in config.items()}
