"""IAM and resource-policy documents, as rules need them.

A pulumi-aws ``policy`` / ``assumeRolePolicy`` input is a JSON string or an object, and within a
statement ``Action``, ``Resource`` and ``Principal`` are a string or a list. ``parse`` turns any of
those into a ``Document`` of normalised ``Statement``s; a string that is not a JSON policy becomes a
``Malformed`` result that a rule reports, never an exception.

Whether a statement is open to anyone (principal ``*`` with no condition that pins the caller to an
account, organisation, source ARN, VPC or endpoint) is decided by policyuniverse, the policy analysis
library Netflix maintains for Security Monkey/Repokid, imported only when a policy is first analysed.
Action wildcards (``s3:Put*``) are expanded with its bundled action catalogue.
"""
from __future__ import annotations

import fnmatch
import json
import re
from functools import lru_cache
from typing import Any, Iterable

from .values import UNKNOWN, as_list, contains_unknown


class Malformed:
    """A policy document that could not be read; ``reason`` never contains the document's text."""

    def __init__(self, reason: str):
        self.reason = reason

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Malformed({self.reason})"


class Statement:
    __slots__ = ("raw", "effect", "actions", "not_actions", "resources", "not_resources", "principals",
                 "not_principal", "condition", "sid")

    def __init__(self, raw: dict):
        self.raw = raw
        get = _ci_getter(raw)
        self.sid = get("Sid")
        self.effect = get("Effect")
        self.actions = [a for a in as_list(get("Action"))]
        self.not_actions = [a for a in as_list(get("NotAction"))]
        self.resources = [r for r in as_list(get("Resource"))]
        self.not_resources = [r for r in as_list(get("NotResource"))]
        principal = get("Principal")
        self.not_principal = get("NotPrincipal") is not None
        self.principals = _principals(principal if principal is not None else get("NotPrincipal"))
        condition = get("Condition")
        self.condition = condition if isinstance(condition, dict) else {}

    @property
    def allows(self) -> bool:
        return isinstance(self.effect, str) and self.effect.lower() == "allow"

    @property
    def denies(self) -> bool:
        return isinstance(self.effect, str) and self.effect.lower() == "deny"

    def grants(self, action: str) -> bool:
        """Whether this Allow statement grants ``action`` (wildcards and NotAction considered)."""
        if not self.allows:
            return False
        if self.not_actions:
            return not any(_action_match(p, action) for p in self.not_actions if isinstance(p, str))
        return any(_action_match(p, action) for p in self.actions if isinstance(p, str))

    def grants_any(self, actions: Iterable[str]) -> list:
        return [a for a in actions if self.grants(a)]

    @property
    def all_resources(self) -> bool:
        """Applies to every resource: ``Resource: "*"`` or a ``NotResource``."""
        return bool(self.not_resources) or "*" in self.resources

    def has_unknowns(self) -> bool:
        return contains_unknown(self.raw)

    def principal_values(self, kind: str | None = None) -> list:
        if kind is None:
            return [v for vals in self.principals.values() for v in vals]
        return self.principals.get(kind, [])

    @property
    def public_principal(self) -> bool:
        return self.not_principal or "*" in self.principal_values()

    def condition_keys(self) -> set:
        keys = set()
        for block in self.condition.values():
            if isinstance(block, dict):
                keys.update(k.lower() for k in block)
        return keys

    def open_to_anyone(self) -> bool | None:
        """Allow to everyone with no condition that restricts who the caller is; None when the
        effect, principal or condition is not known yet (preview).

        Decided by policyuniverse's ``is_internet_accessible`` (its conditions catalogue: source
        ARN/account/owner, principal org id/paths/account/ARN, user id, source IP, VPC, VPC endpoint,
        kms:CallerAccount; negated operators and wildcard values do not restrict).
        """
        get = _ci_getter(self.raw)
        if any(contains_unknown(get(k)) for k in ("Effect", "Principal", "NotPrincipal", "Condition")):
            return None
        if not self.allows or not self.public_principal:
            return False
        return _pu_statement(_known_only(self.raw)).is_internet_accessible()


class Document:
    def __init__(self, statements: list, unknown: bool = False):
        self.statements = statements
        self.unknown = unknown  # some part of the document is not known yet (preview)

    def __bool__(self) -> bool:
        return True

    def allows(self) -> list:
        return [s for s in self.statements if s.allows]

    def open_statements(self, actions: Iterable[str] | None = None) -> tuple:
        """(statements open to anyone [granting any of ``actions``], whether some could not be decided)."""
        found, undecided = [], False
        for s in self.statements:
            is_open = s.open_to_anyone()
            if is_open is None:
                undecided = True
            elif is_open and (actions is None or s.grants_any(actions)):
                found.append(s)
        return found, undecided


def parse(value: Any) -> Document | Malformed | None:
    """Parse a policy given as a JSON string or an object.

    Returns None when there is no policy, ``UNKNOWN`` when the whole policy is unknown, a
    ``Malformed`` when it cannot be read, else a ``Document``.
    """
    if value is None or value == "":
        return None
    if value is UNKNOWN:
        return UNKNOWN  # type: ignore[return-value]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            return Malformed(f"is not valid JSON ({type(exc).__name__} at position {getattr(exc, 'pos', '?')})")
    if not isinstance(value, dict):
        return Malformed(f"is a JSON {type(value).__name__}, not an object")
    statements = _ci_getter(value)("Statement")
    if statements is UNKNOWN:
        return Document([], unknown=True)
    if statements is None:
        return Malformed("has no Statement")
    stmts = []
    unknown = False
    for raw in as_list(statements):
        if raw is UNKNOWN:
            unknown = True
            continue
        if not isinstance(raw, dict):
            return Malformed("has a Statement entry that is not an object")
        st = Statement(raw)
        unknown = unknown or st.has_unknowns()
        stmts.append(st)
    return Document(stmts, unknown)


# --- actions ----------------------------------------------------------------------------------

def _action_match(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, ``*`` and ``?`` wildcards, on either side."""
    p, a = pattern.lower(), action.lower()
    if "*" in a or "?" in a:  # asking "does it grant any s3:Put*": compare the wildcard sets
        return fnmatch.fnmatchcase(p, a) or fnmatch.fnmatchcase(a, p) or bool(
            set(_expand(p)) & set(_expand(a)))
    return fnmatch.fnmatchcase(a, p)


@lru_cache(maxsize=4096)
def _expand(pattern: str) -> tuple:
    from policyuniverse.expander_minimizer import expand_policy  # lazy: loads the action catalogue

    doc = expand_policy({"Statement": [{"Effect": "Allow", "Action": [pattern], "Resource": "*"}]})
    return tuple(a.lower() for a in as_list(doc["Statement"][0]["Action"]))


SERVICE_WILDCARD = re.compile(r"^([a-z0-9-]+):\*$", re.I)


# --- helpers ----------------------------------------------------------------------------------

def _ci_getter(raw: dict):
    lowered = {k.lower(): k for k in raw} if isinstance(raw, dict) else {}

    def get(key: str):
        k = lowered.get(key.lower())
        return raw[k] if k is not None else None
    return get


def _principals(principal: Any) -> dict:
    """Principal as ``{kind: [values]}``; ``"*"`` becomes ``{"*": ["*"]}``."""
    if principal is None:
        return {}
    if isinstance(principal, str):
        return {"*": [principal]} if principal == "*" else {"AWS": [principal]}
    if isinstance(principal, dict):
        return {k: as_list(v) for k, v in principal.items()}
    return {}


def _known_only(value):
    """A copy policyuniverse can read: unknown values (only in Action/Resource here) become "unknown"."""
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, dict):
        return {k: _known_only(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known_only(v) for v in value]
    return value


def _pu_statement(raw: dict):
    from policyuniverse.statement import Statement as PUStatement  # lazy import

    return PUStatement(raw)


ACCOUNT_ID = re.compile(r"^\d{12}$")
ACCOUNT_IN_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


def principal_account(value: Any) -> str | None:
    """The account id named by a principal value (a bare id or an ``arn:aws:iam::<id>:...``)."""
    if not isinstance(value, str):
        return None
    if ACCOUNT_ID.match(value):
        return value
    m = ACCOUNT_IN_ARN.match(value)
    return m.group(1) if m else None
