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

EXEMPT_TAG_PREFIX = "serverless-guard:exempt:"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_REASON = 100  # an exemption reason longer than this is cut in messages



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
    """Whether the resource's logical name or URN matches one of the glob ``patterns``: the one
    matcher behind ``ignoreResources``, ``allowedNames`` and exemptions."""
    if isinstance(patterns, Patterns):
        return patterns.matches(resource.name, resource.urn)
    return _matcher(tuple(p for p in patterns if isinstance(p, str)))(resource.name, resource.urn)


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
    """One matcher per pattern list, built once. A pattern without a glob character is a set lookup;
    the others are filed under their literal prefix (the text before the first ``*``, ``?`` or ``[``),
    so a name is tried only against the patterns whose prefix it starts with. Before, every pattern was
    matched one by one through ``fnmatch``'s cache of 32,768 entries, which a longer list thrashed:
    40,000 patterns cost 13.7 times what 20,000 did."""
    literal = set()
    by_prefix: dict = {}
    for p in patterns:
        glob = _GLOB.search(p)
        if glob is None:
            literal.add(p)
        else:
            by_prefix.setdefault(p[:glob.start()], []).append(re.compile(fnmatch.translate(p)).match)
    lengths = sorted({len(k) for k in by_prefix})

    def one(text: str) -> bool:
        if text in literal:
            return True
        for n in lengths:
            if n > len(text):
                break
            for match in by_prefix.get(text[:n], ()):
                if match(text):
                    return True
        return False

    return lambda name, urn: one(name) or one(urn)


_GLOB = re.compile(r"[*?\[]")


def exemption_for(rule_id: str, resource, context: Context = DEFAULT_CONTEXT) -> str | None:
    """The reason this finding is exempted, or None. Expired exemptions do not apply (and say so)."""
    key = EXEMPT_TAG_PREFIX + rule_id
    tag = resource.tags.get(key)
    if isinstance(tag, str):
        secret = resource.is_secret("tags") or resource.is_secret(f"tags.{key}")
        return _check_expiry(tag.strip(), f"tag {key}", context.clock(), show_reason=not secret)
    for ex in context.exemptions:
        if rule_id in ex["policies"] and name_matches(resource, ex["resources"]):
            return _check_expiry(ex["reason"] + (f" until {ex['expires']}" if ex.get("expires") else ""),
                                 "pack settings", context.clock())
    return None


class Expired(str):
    """An exemption whose date has passed: reported as such, not applied."""


class Exemption(str):
    """An exemption that applies: its text for the message, and its reason, date and source as data."""

    reason: str
    until: str | None
    source: str

    def __new__(cls, text: str, reason: str, until: str | None, source: str):
        obj = super().__new__(cls, text)
        obj.reason, obj.until, obj.source = reason, until, source
        return obj

    def as_data(self) -> dict:
        return {"reason": self.reason, "expires": self.until, "source": self.source}


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


def _check_expiry(text: str, source: str, today: _dt.date, show_reason: bool = True) -> str | None:
    reason, until = split_until(text)
    if not reason:
        return Expired(f"the exemption in {source} gives no reason, so it does not apply")
    if until:
        try:
            date = _dt.date.fromisoformat(until)
        except ValueError:
            return Expired(f"the exemption in {source} has an invalid date, so it does not apply")
        if date < today:
            return Expired(f"the exemption in {source} expired on {until} and no longer applies")
    if not show_reason:
        reason = f"the reason in {source} is a secret value and is not shown"
    elif len(reason) > MAX_REASON:
        reason = reason[:MAX_REASON - 1].rstrip() + "…"
    return Exemption(reason + (f" (exempted until {until})" if until else ""), reason, until, source)


def apply_tag_overrides(rule, cfg: dict, stack_tags: dict, context: Context = DEFAULT_CONTEXT) -> bool:
    """Apply the settings' per-stack overrides chosen by stack tags to a rule's config (in place);
    True when one of them disables the rule for this stack."""
    disabled = False
    for entry in context.tag_overrides:
        want = entry["tags"]
        if not all(fnmatch.fnmatchcase(str(stack_tags.get(k, "")), str(v)) for k, v in want.items()):
            continue
        if rule.id in entry.get("disable", ()) or rule.category in entry.get("disable", ()):
            disabled = True
        for key, value in (entry.get("policies", {}).get(rule.id) or {}).items():
            initial = context.initial.get(rule.id, {})
            # The platform's own config wins: only keys it left at the pack's value are changed.
            if cfg.get(key) == initial.get(key, rule.config.get(key, {}).get("default")):
                cfg[key] = value
    return disabled
