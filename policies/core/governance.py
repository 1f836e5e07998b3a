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

EXEMPT_TAG_PREFIX = "serverless-guard:exempt:"
_UNTIL = re.compile(r"^(?P<reason>.*?)\s*\buntil\s+(?P<date>\d{4}-\d{2}-\d{2})\s*$", re.I)

# Set by __main__.py (from the pack's settings) and by tests; read by rules at run time.
STATE: dict = {"exemptions": [], "tag_overrides": [], "initial": {}, "today": None, "fail_closed": False,
               "notices": []}

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


def default_level(rule) -> str:
    return PROFILES["default"][rule.severity.value]


def today() -> _dt.date:
    return STATE["today"] or _dt.date.today()


def exemption_for(rule_id: str, resource) -> str | None:
    """The reason this finding is exempted, or None. Expired exemptions do not apply (and say so)."""
    tag = resource.tags.get(EXEMPT_TAG_PREFIX + rule_id)
    if isinstance(tag, str):
        return _check_expiry(tag.strip(), f"tag {EXEMPT_TAG_PREFIX + rule_id}")
    for ex in STATE["exemptions"]:
        if rule_id in ex["policies"] and any(
                fnmatch.fnmatchcase(resource.name, p) or fnmatch.fnmatchcase(resource.urn, p)
                for p in ex["resources"]):
            return _check_expiry(ex["reason"] + (f" until {ex['expires']}" if ex.get("expires") else ""),
                                 "pack settings")
    return None


class Expired(str):
    """An exemption whose date has passed: reported as such, not applied."""


def _check_expiry(text: str, source: str) -> str | None:
    m = _UNTIL.match(text)
    reason, until = (m.group("reason"), m.group("date")) if m else (text, None)
    if not reason:
        return Expired(f"the exemption in {source} gives no reason, so it does not apply")
    if until:
        try:
            date = _dt.date.fromisoformat(until)
        except ValueError:
            return Expired(f"the exemption in {source} has an invalid date, so it does not apply")
        if date < today():
            return Expired(f"the exemption in {source} expired on {until} and no longer applies")
    return reason + (f" (exempted until {until})" if until else "")


def apply_tag_overrides(rule, cfg: dict, stack_tags: dict) -> None:
    """Apply the settings' per-stack overrides chosen by stack tags to a rule's config."""
    for entry in STATE["tag_overrides"]:
        want = entry["tags"]
        if not all(fnmatch.fnmatchcase(str(stack_tags.get(k, "")), str(v)) for k, v in want.items()):
            continue
        if rule.id in entry.get("disable", ()) or rule.category in entry.get("disable", ()):
            cfg["__disabled_by_tag__"] = True
        for key, value in (entry.get("policies", {}).get(rule.id) or {}).items():
            initial = STATE["initial"].get(rule.id, {})
            # The platform's own config wins: only keys it left at the pack's value are changed.
            if cfg.get(key) == initial.get(key, rule.config.get(key, {}).get("default")):
                cfg[key] = value
