"""Enforcement levels, per-stack settings and exemptions: what the pack's settings say at run time.

The start-up half (profiles, category/severity levels, stack-name overrides, stack config that may
only tighten) is compiled into the pack's ``initial_config`` by ``settings.compile_initial_config``.
This module holds the run-time half, which the engine cannot express: overrides chosen by stack tags
(known only after ConfigureStack) and exemptions with a reason and an expiry date.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from functools import lru_cache
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from .rule import STRICTER

EXEMPT_TAG_PREFIX = "serverless-guard:exempt:"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_REASON = 100  # an exemption reason longer than this is cut in messages



SEVERITIES = ("critical", "high", "medium", "low", "info")
MAX_JUDGED_REASON = 1000   # a longer reason is refused before any pattern runs on it


@dataclass(frozen=True)
class ExemptionRules:
    """What the publisher allows of an exemption (settings ``exemptionRules``; a stack owner cannot set it).
    The defaults: a resource tag may exempt every severity but critical (a critical finding is exempted only
    in the settings file), a reason of at least 3 characters, any expiry or none."""

    from_tags: tuple = ("high", "medium", "low", "info")   # severities a resource tag may exempt
    keep_level: tuple = ()          # severities whose findings no exemption lowers
    require_expiry: bool = False    # an exemption must say "until YYYY-MM-DD" (settings: expires)
    max_days: int | None = None     # ... at most this many days ahead
    reason_pattern: str | None = None   # the reason must contain a match (a ticket id)
    min_reason_length: int = 3

    @classmethod
    def from_settings(cls, data: dict | None) -> ExemptionRules:
        data = data or {}
        return cls(from_tags=tuple(data.get("fromTags", cls.from_tags)), keep_level=tuple(data.get("keepLevel", ())),
                   require_expiry=bool(data.get("requireExpiry", False)), max_days=data.get("maxDays"),
                   reason_pattern=data.get("reasonPattern"), min_reason_length=int(data.get("minReasonLength", 3)))

    def broken(self, severity: str, reason: str, until: _dt.date | None, today: _dt.date, by_tag: bool) -> str | None:
        """Why an exemption of a finding of ``severity`` is not allowed (naming the setting), or None."""
        if by_tag and severity not in self.from_tags:
            return (f"a resource tag may not exempt a {severity} finding (exemptionRules.fromTags); "
                    "only the pack's settings can")
        if severity in self.keep_level:
            return f"{severity} findings keep their level whatever is exempted (exemptionRules.keepLevel)"
        if self.require_expiry and until is None:
            return "it gives no expiry date (\"... until YYYY-MM-DD\"), which exemptionRules.requireExpiry asks for"
        if self.max_days is not None and until is not None and (until - today).days > self.max_days:
            return f"it expires more than {self.max_days} days ahead (exemptionRules.maxDays)"
        if len(reason) < self.min_reason_length:
            return (f"its reason has {len(reason)} characters, fewer than the {self.min_reason_length} "
                    "exemptionRules.minReasonLength asks for")
        if self.reason_pattern is not None:
            if len(reason) > MAX_JUDGED_REASON:
                return f"its reason is longer than {MAX_JUDGED_REASON} characters"
            if not re.search(self.reason_pattern, reason):
                return f"its reason does not contain what exemptionRules.reasonPattern asks for ({self.reason_pattern})"
        return None


@dataclass(frozen=True)
class Context:
    """What the pack's settings say at run time, compiled once at start (``settings.Compiled.context``)
    and handed to the servicer, which gives it to every resource and stack it evaluates. Frozen: no
    module-level state, nothing changes it after start.

    ``today`` fixes the clock (tests, reproducible runs); None means the real date."""

    exemptions: tuple = ()
    tag_overrides: tuple = ()
    initial: Mapping = field(default_factory=lambda: MappingProxyType({}))
    fail_closed: bool = True
    notices: tuple = ()
    today: _dt.date | None = None
    language: str = "python"   # how messages name properties: pulumi-aws Python or TypeScript arguments
    # A key only the process that started the pack knows (``scan``): each exempted finding then also
    # carries its exemption as data in a trailer line signed with it, so a writer never parses prose and
    # no resource name can pose as an exemption. Empty under the Pulumi engine.
    report_key: str = ""
    exemption_rules: ExemptionRules = field(default_factory=ExemptionRules)

    def clock(self) -> _dt.date:
        return self.today or _dt.date.today()


DEFAULT_CONTEXT = Context()

PROFILES = {
    # severity -> level
    "default": {"critical": "mandatory", "high": "advisory", "medium": "advisory", "low": "advisory",
                "info": "advisory"},
    "strict": {"critical": "mandatory", "high": "mandatory", "medium": "mandatory", "low": "advisory",
               "info": "advisory"},
    "audit": {"critical": "advisory", "high": "advisory", "medium": "advisory", "low": "advisory",
              "info": "advisory"},
}
LEVEL_RANK = {"disabled": 0, "advisory": 1, "remediate": 2, "mandatory": 3}


# Hygiene rules (declared with ``hygiene=True``): right for some organisations, noise for most (VPC
# placement, code signing and an error alarm on every function, customer-managed keys everywhere).
# The default profile leaves them off; strict and audit judge them by severity like every rule.
HYGIENE_OFF_IN = ("default",)


def profile_level(profile: str, rule) -> str:
    if getattr(rule, "hygiene", False) and profile in HYGIENE_OFF_IN:
        return "disabled"
    return PROFILES[profile][rule.severity.value]


def default_level(rule) -> str:
    return profile_level("default", rule)




def name_matches(resource, patterns) -> bool:
    """Whether one of the glob ``patterns`` matches the resource: the one matcher behind
    ``ignoreResources``, ``allowedNames`` and exemptions.

    A pattern is matched against the resource's logical name, whole. A pattern that starts with
    ``urn:pulumi:`` is a URN pattern: it and the resource's URN are both read as their four fields (stack,
    project, type chain, name) and each field is matched on its own, so a glob never runs from one field
    into another. Never a substring of the URN text: a stack owner chooses the project name and a
    component's type token, and ``*stripe-webhook*`` must not match every resource of a project or a
    component so named."""
    if isinstance(patterns, Patterns):
        return patterns.matches(resource.name, resource.urn)
    return _matcher(tuple(p for p in patterns if isinstance(p, str)))(resource.name, resource.urn)


URN_PREFIX = "urn:pulumi:"


def urn_fields(urn: str) -> tuple | None:
    """``urn:pulumi:<stack>::<project>::<type chain>::<name>`` -> (stack, project, type chain, name), or None
    for text that is not such a URN. The name is everything after the third ``::`` (a name may hold ``::``)."""
    if not isinstance(urn, str) or not urn.startswith(URN_PREFIX):
        return None
    parts = urn[len(URN_PREFIX):].split("::", 3)
    return tuple(parts) if len(parts) == 4 else None


class Patterns:
    """Pattern lists (``ignoreResources``, ``allowedNames``) as one matcher, built once per list object
    (a rule's config lists are the same objects from one resource to the next)."""

    _built: dict = {}

    def __init__(self, *lists):
        self.lists = lists

    def __bool__(self) -> bool:
        return any(self.lists)

    def __iter__(self):
        return (p for lst in self.lists for p in lst if isinstance(p, str))

    def matches(self, name: str, urn: str) -> bool:
        key = tuple(id(lst) for lst in self.lists)
        hit = Patterns._built.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], self.lists)):
            if len(Patterns._built) > 1024:
                Patterns._built.clear()
            hit = Patterns._built[key] = (self.lists, _matcher(tuple(self)))
        return hit[1](name, urn)


@lru_cache(maxsize=256)
def _matcher(patterns: tuple):
    """One matcher per pattern list, built once: name patterns (``_name_matcher``) and URN patterns, four
    field matchers each (``_urn_matcher``)."""
    urns = [fields for fields in map(urn_fields, patterns) if fields is not None]
    by_name = _name_matcher([p for p in patterns if urn_fields(p) is None])
    if not urns:
        return lambda name, urn: isinstance(name, str) and by_name(name)
    by_urn = _urn_matcher(urns)
    return lambda name, urn: (isinstance(name, str) and by_name(name)) or by_urn(urn)


def _name_matcher(patterns: list):
    """A pattern without a glob character is a set lookup; the others are filed under their literal prefix
    (the text before the first ``*``, ``?`` or ``[``), so a name is tried only against the patterns whose
    prefix it starts with. Before, every pattern was matched one by one through ``fnmatch``'s cache of
    32,768 entries, which a longer list thrashed: 40,000 patterns cost 13.7 times what 20,000 did."""
    literal = set()
    by_prefix: dict = {}
    for p in patterns:
        glob = _GLOB.search(p)
        if glob is None:
            literal.add(p)
        else:
            by_prefix.setdefault(p[:glob.start()], []).append(re.compile(fnmatch.translate(p), re.S).match)
    lengths = sorted({len(k) for k in by_prefix})

    def one(text: str) -> bool:
        if text in literal:
            return True
        for n in lengths:
            if n > len(text):
                break
            if any(match(text) for match in by_prefix.get(text[:n], ())):
                return True
        return False

    return one


def _urn_matcher(patterns: list):
    """URN patterns read as fields: each field matched on its own; the type field matches the resource's own
    type (after the last ``$``) or its whole type chain."""
    compiled = [tuple(_field_matcher(f) for f in fields) for fields in patterns]

    def by_urn(urn: str) -> bool:
        fields = urn_fields(urn)
        if fields is None:
            return False
        own = (*fields[:2], fields[2].rpartition("$")[2], fields[3])
        return any(all(m(f) for m, f in zip(matchers, fields)) or all(m(f) for m, f in zip(matchers, own))
                   for matchers in compiled)

    return by_urn


def _field_matcher(pattern: str):
    if _GLOB.search(pattern) is None:
        return pattern.__eq__
    return re.compile(fnmatch.translate(pattern), re.S).match


_GLOB = re.compile(r"[*?\[]")


def exemption_for(rule, resource, context: Context = DEFAULT_CONTEXT) -> str | None:
    """The exemption of this finding (an ``Exemption``), one that does not apply and says why (an
    ``Expired``: past its date, or ``Refused``: against the organisation's ``exemptionRules``), or None."""
    key = EXEMPT_TAG_PREFIX + rule.id
    tag = resource.tags.get(key)
    by_tag = None
    if isinstance(tag, str):
        secret = resource.is_secret("tags") or resource.is_secret(f"tags.{key}")
        by_tag = _judge(tag.strip(), f"tag {key}", context, rule, by_tag=True, show_reason=not secret)
        if isinstance(by_tag, Exemption):
            return by_tag
    for ex in context.exemptions:   # the publisher's own, when no tag exemption applies
        if rule.id in ex["policies"] and name_matches(resource, ex["resources"]):
            return _judge(ex["reason"] + (f" until {ex['expires']}" if ex.get("expires") else ""),
                          "pack settings", context, rule, by_tag=False, since=ex.get("since"))
    return by_tag


class Expired(str):
    """An exemption that does not apply (past its date, no reason, a bad date): reported as such."""


class Refused(Expired):
    """An exemption the organisation's ``exemptionRules`` do not allow: reported, naming the rule, not applied."""


class Exemption(str):
    """An exemption that applies: its text for the message, and its reason, date and source as data."""

    reason: str
    until: str | None
    source: str
    since: str | None

    def __new__(cls, text: str, reason: str, until: str | None, source: str, since: str | None = None):
        obj = super().__new__(cls, text)
        obj.reason, obj.until, obj.source, obj.since = reason, until, source, since
        return obj

    def as_data(self) -> dict:
        return {"reason": self.reason, "expires": self.until, "source": self.source, "since": self.since}


def split_until(text: str) -> tuple:
    """``"reason until 2027-01-31"`` -> ``("reason", "2027-01-31")``; no date -> ``(text, None)``.
    Linear in the text (the tag value is user input of any length)."""
    i = text.lower().rfind("until")
    if i >= 0:
        date = text[i + 5:].strip()
        head = text[:i]
        if (not head or not head[-1].isalnum()) and text[i + 5:i + 6].isspace() and _DATE.fullmatch(date):
            return head.rstrip(), date
    return text, None


def _judge(text: str, source: str, context: Context, rule, by_tag: bool, show_reason: bool = True,
           since: str | None = None) -> str | None:
    today = context.clock()
    reason, until = split_until(text)
    if not reason:
        return Expired(f"the exemption in {source} gives no reason, so it does not apply")
    date = None
    if until:
        try:
            date = _dt.date.fromisoformat(until)
        except ValueError:
            return Expired(f"the exemption in {source} has an invalid date, so it does not apply")
        if date < today:
            return Expired(f"the exemption in {source} expired on {until} and no longer applies")
    severity = getattr(getattr(rule, "severity", None), "value", "info")
    why = context.exemption_rules.broken(severity, reason, date, today, by_tag)
    if why:
        return Refused(f"the exemption in {source} is not applied: {why}")
    if not show_reason:
        reason = f"the reason in {source} is a secret value and is not shown"
    elif _credential_shaped(reason):
        reason = f"the reason in {source} looks like a credential and is not shown"
    elif len(reason) > MAX_REASON:
        reason = reason[:MAX_REASON - 1].rstrip() + "…"
    return Exemption(reason + (f" (exempted until {until})" if until else ""), reason, until, source, since)


def _credential_shaped(text: str) -> bool:
    """Whether a text a person will read holds a credential the secret detector recognises (per word, and
    as a whole)."""
    from .secrets import detect

    return bool(detect("", text)) or any(detect("", w) for w in text.split() if len(w) >= 16)


def apply_tag_overrides(rule, cfg: dict, stack_tags: dict, context: Context = DEFAULT_CONTEXT,
                        level: str = "advisory") -> bool:
    """Apply the settings' per-stack overrides chosen by stack tags to a rule's config (in place);
    True when one of them disables the rule for this stack.

    Stack tags are the stack owner's, so what they choose never lowers what the publisher or the platform
    made binding: a rule running at ``level`` mandatory (or remediate) is never disabled by a tag entry, and
    its thresholds change only in the stricter direction the setting declares (``x-stricter``). A value the
    platform's config set is never changed (only keys still at the pack's value are)."""
    binding = level in ("mandatory", "remediate")
    disabled = False
    for entry in context.tag_overrides:
        want = entry["tags"]
        if not all(fnmatch.fnmatchcase(str(stack_tags.get(k, "")), str(v)) for k, v in want.items()):
            continue
        if (rule.id in entry.get("disable", ()) or rule.category in entry.get("disable", ())) and not binding:
            disabled = True
        for key, value in (entry.get("policies", {}).get(rule.id) or {}).items():
            initial = context.initial.get(rule.id, {})
            pack_value = initial.get(key, rule.config.get(key, {}).get("default"))
            # The platform's own config wins: only keys it left at the pack's value are changed.
            if cfg.get(key) != pack_value:
                continue
            if binding and tightens(rule.config.get(key, {}), cfg.get(key), value) is not True:
                continue
            cfg[key] = value
    return disabled


def tightens(schema: dict, old, new) -> bool | None:
    """True if ``new`` is at least as strict as ``old``, in the direction the setting declares
    (``x-stricter``); False if it loosens; None when it declares none: only the publisher may change it."""
    if old == new:
        return True
    direction = schema.get(STRICTER)
    if direction in ("lower", "higher") and isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return new <= old if direction == "lower" else new >= old
    if direction in ("subset", "superset") and isinstance(old, list) and isinstance(new, list):
        return set(new) <= set(old) if direction == "subset" else set(new) >= set(old)
    if direction in ("true", "false") and isinstance(new, bool):
        return new is (direction == "true")
    return None
