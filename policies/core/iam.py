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

from . import callmemo
from .values import UNKNOWN, as_list, contains_unknown


class Malformed:
    """A policy document that could not be read; ``reason`` never contains the document's text."""

    def __init__(self, reason: str):
        self.reason = reason

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Malformed({self.reason})"


MAX_ACTION = 256     # no IAM action is longer; a longer string is not an action
MAX_DEPTH = 32       # policy documents nest a few levels; deeper is not a policy


class Statement:
    """One statement, normalised: every field has one type, whatever the program wrote.

    ``actions``/``not_actions``/``resources``/``not_resources`` are lists of strings (``UNKNOWN``
    items kept); ``principals`` is ``{kind: [strings]}``; ``condition`` is ``{operator: {key:
    [strings]}}`` (numbers and booleans as the strings IAM compares them as). What cannot be read is
    dropped and ``malformed`` is set.
    """

    __slots__ = ("raw", "index", "effect", "actions", "not_actions", "resources", "not_resources", "principals",
                 "not_principal", "condition", "sid", "malformed", "unknown", "_matchers", "_granted", "allows", "denies")

    def __init__(self, raw: dict, index: int = 0):
        self.raw = raw
        self.index = index
        self.malformed = False
        get = _ci_getter(raw)
        sid = get("Sid")
        self.sid = sid if isinstance(sid, str) else None
        effect = get("Effect")
        self.unknown = any(contains_unknown(get(k)) for k in ("Effect", "Principal", "NotPrincipal", "Condition"))
        self.effect = effect if isinstance(effect, str) else None
        self.allows = self.effect is not None and self.effect.lower() == "allow"
        self.denies = self.effect is not None and self.effect.lower() == "deny"
        self.actions = self._strings(get("Action"), MAX_ACTION)
        self.not_actions = self._strings(get("NotAction"), MAX_ACTION)
        self.resources = self._strings(get("Resource"))
        self.not_resources = self._strings(get("NotResource"))
        principal = get("Principal")
        self.not_principal = get("NotPrincipal") is not None
        self.principals = self._principals(principal if principal is not None else get("NotPrincipal"))
        self.condition = self._condition(get("Condition"))
        self._matchers: dict = {}
        self._granted: dict = {}   # action -> granted: each rule asks about the same actions

    @property
    def label(self) -> str:
        """How messages name the statement: by position (a Sid is the program's text)."""
        return f"statement {self.index + 1}"

    def _strings(self, value: Any, limit: int = 0) -> list:
        out: list = []
        for v in as_list(value):
            if v is UNKNOWN or (isinstance(v, str) and (not limit or len(v) <= limit)):
                out.append(v)
            else:
                self.malformed = True
        return out

    def _principals(self, principal: Any) -> dict:
        if principal is None:
            return {}
        if principal is UNKNOWN:
            return {"*": [UNKNOWN]}
        if isinstance(principal, str):
            return {"*": ["*"]} if principal == "*" else {"AWS": [principal]}
        if isinstance(principal, dict):
            return {k: self._strings(v) for k, v in principal.items() if isinstance(k, str)}
        self.malformed = True
        return {}

    def _condition(self, condition: Any) -> dict:
        if condition is None or condition is UNKNOWN:
            return {}
        if not isinstance(condition, dict):
            self.malformed = True
            return {}
        out: dict = {}
        for op, block in condition.items():
            if not isinstance(op, str) or not isinstance(block, dict):
                self.malformed = True
                continue
            clean = {}
            for key, values in block.items():
                if not isinstance(key, str):
                    self.malformed = True
                    continue
                clean[key] = self._condition_values(values)
            out[op] = clean
        return out

    def _condition_values(self, values: Any) -> list:
        """A condition key's values as the strings IAM compares (``true``, ``12``); anything else is malformed."""
        vals: list = []
        for v in as_list(values):
            if isinstance(v, bool):
                vals.append("true" if v else "false")
            elif isinstance(v, str) or v is UNKNOWN:
                vals.append(v)
            elif isinstance(v, (int, float)):
                vals.append(str(v))
            else:
                self.malformed = True
        return vals

    def grants(self, action: str) -> bool:
        """Whether this Allow statement grants ``action`` (wildcards and NotAction considered)."""
        hit = self._granted.get(action)
        if hit is None:
            if not self.allows:
                hit = False
            elif self.not_actions:
                hit = not self._matches("not_actions", action)
            else:
                hit = self._matches("actions", action)
            self._granted[action] = hit
        return hit

    def _matches(self, field: str, action: str) -> bool:
        m = self._matchers.get(field)
        if m is None:
            m = self._matchers[field] = action_matcher(getattr(self, field))
        return m.matches(action)

    def grants_any(self, actions: Iterable[str]) -> list:
        """The actions of ``actions`` this statement grants, in their order. A statement that names its
        services (no NotAction, no wildcard service) is asked only about the actions of those services: the
        rules ask about lists of a thousand actions (policy_sentry's), and a statement names a few."""
        if not self.allows:
            return []
        if self.not_actions or not isinstance(actions, (list, tuple)) or len(actions) < 32:
            return [a for a in actions if self.grants(a)]
        services = action_matcher(self.actions).services()
        if services is None:
            return [a for a in actions if self.grants(a)]
        groups = _by_service(tuple(actions))
        hits = [(i, a) for svc in (*services, WILD_SERVICE) for i, a in groups.get(svc, ()) if self.grants(a)]
        return [a for _, a in sorted(hits)]

    @property
    def all_resources(self) -> bool:
        """Applies to every resource: ``Resource: "*"``, a pattern for every resource of a service or of one
        of its kinds (``every_resource``: ``arn:aws:s3:::*``, ``arn:aws:dynamodb:*:*:table/*``), or a
        ``NotResource``."""
        return bool(self.not_resources) or any(every_resource(r) for r in self.resources)

    @property
    def everything(self) -> str:
        """How a message names the every-resource this statement applies to: ``Resource "*"``,
        ``Resource "arn:aws:s3:::*"`` (as the policy writes it), or its ``NotResource``."""
        found = next((r for r in self.resources if every_resource(r)), None)
        if found is not None:
            return f'Resource "{found}"'
        return "every resource but its NotResource" if self.not_resources else 'Resource "*"'

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
        return {k.lower() for block in self.condition.values() for k in block}

    def open_to_anyone(self) -> bool | None:
        """Allow to everyone with no condition that restricts who the caller is; None when the
        effect, principal or condition is not known yet (preview).

        Decided by policyuniverse's ``is_internet_accessible`` (its conditions catalogue: source
        ARN/account/owner, principal org id/paths/account/ARN, user id, source IP, VPC, VPC endpoint,
        kms:CallerAccount; negated operators and wildcard values do not restrict), given the
        normalised statement so that it cannot meet a shape it does not expect. Should it raise all
        the same, a statement with no condition at all is open and any other is undecided.
        """
        if self.unknown:
            return None
        if not self.allows or not self.public_principal:
            return False
        try:
            return bool(_pu_statement(self.normalised()).is_internet_accessible())
        except Exception:  # noqa: BLE001 - the library's own limits; judged conservatively here
            return True if not self.condition else None

    def normalised(self) -> dict:
        """The statement as a plain, well-typed IAM dict (what policyuniverse is given)."""
        def text(values):
            return [v if isinstance(v, str) else "unknown" for v in values]

        out: dict = {"Effect": self.effect or "Deny"}
        for key, vals in (("Action", self.actions), ("NotAction", self.not_actions),
                          ("Resource", self.resources), ("NotResource", self.not_resources)):
            if vals:
                out[key] = text(vals)
        principal: Any = {k: text(vs) for k, vs in self.principals.items()}
        if principal == {"*": ["*"]}:
            principal = "*"
        out["NotPrincipal" if self.not_principal else "Principal"] = principal
        if self.condition:
            out["Condition"] = {op: {k: text(vs) for k, vs in block.items()} for op, block in self.condition.items()}
        return out


def every_resource(res) -> bool:
    """Whether a Resource pattern covers every resource a grant could name: ``*``; an ARN whose resource part
    is only wildcards (``arn:aws:s3:::*``, ``arn:aws:s3:::*/*``, ``arn:aws:sqs:*:*:*``); or every resource of
    one kind in every region and account (``arn:aws:dynamodb:*:*:table/*``, ``arn:aws:lambda:*:*:function:*``,
    ``arn:aws:iam::*:role/*``). Not a bucket's objects (``arn:aws:s3:::uploads/*``): in S3 the first part is
    the bucket's name, not a kind. The one reading of "on everything" every rule shares."""
    if not isinstance(res, str):
        return False
    if res.strip("*") == "":
        return True
    parts = res.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return False
    rest = parts[5]
    if rest.strip("*/") == "":
        return True
    if parts[2] == "s3" or parts[3] not in ("", "*") or parts[4] not in ("", "*"):
        return False
    kind, sep, tail = rest.partition("/") if "/" in rest else rest.partition(":")
    return bool(sep) and bool(kind) and tail.strip("*/:") == "" and not any(c in kind for c in "*?")


def action_matcher(patterns) -> ActionMatcher:
    """The matcher of an action list, shared by every statement with the same list (the same role policy
    on a hundred functions, an AWS managed policy attached everywhere): built, and each action decided,
    once per distinct list. A list too long to be worth keeping gets a matcher of its own."""
    if isinstance(patterns, list) and len(patterns) <= 256 and all(isinstance(p, str) for p in patterns):
        return _shared_matcher(tuple(patterns))
    return ActionMatcher(patterns)


@lru_cache(maxsize=2048)
def _shared_matcher(patterns: tuple) -> ActionMatcher:
    return ActionMatcher(patterns)


@lru_cache(maxsize=64)
def _by_service(actions: tuple) -> dict:
    """An action list (the rules' constants) by lower-case service: service -> [(position, action)]."""
    out: dict = {}
    for i, a in enumerate(actions):
        if isinstance(a, str):
            service = a.partition(":")[0].lower()
            out.setdefault(WILD_SERVICE if "*" in service or "?" in service else service, []).append((i, a))
    return out


WILD_SERVICE = "\x00wild"   # the group of asked actions whose service is a wildcard: asked of every statement


class ActionMatcher:
    """Which actions a list of IAM action patterns covers: case-insensitive, ``*`` and ``?``.

    Exact names are a set lookup. Wildcard patterns are grouped by their service prefix and a group
    is compiled (with ``fnmatch.translate``, whose output does not backtrack catastrophically) only
    when an action of that service is asked about; patterns whose service part is itself a wildcard
    form one more group. So the cost is linear in the patterns however many distinct ones a document
    has (``fnmatch`` recompiles on every call once its cache of 32,768 patterns is full), and a
    document of 40,000 patterns compiles only the groups the rules ask about.
    """

    __slots__ = ("exact", "by_service", "compiled", "answers")

    def __init__(self, patterns: Iterable):
        pats = {p.lower() for p in patterns if isinstance(p, str)}
        self.exact = {p for p in pats if "*" not in p and "?" not in p}
        self.by_service: dict = {}
        for p in sorted(pats - self.exact):
            service, sep, _ = p.partition(":")
            key = service if sep and "*" not in service and "?" not in service else "*"
            self.by_service.setdefault(key, []).append(p)
        self.compiled: dict = {}
        self.answers: dict = {}   # action -> covered: the rules ask about the same few hundred actions

    def _group(self, key: str):
        regex = self.compiled.get(key)
        if regex is None and key in self.by_service:
            regex = self.compiled[key] = re.compile(
                "|".join(f"(?:{fnmatch.translate(p)})" for p in self.by_service[key]), re.S)
        return regex

    def _hit(self, action: str) -> bool:
        if action in self.exact:
            return True
        for key in (action.partition(":")[0], "*"):
            regex = self._group(key)
            if regex is not None and regex.match(action) is not None:
                return True
        return False

    def services(self) -> frozenset | None:
        """The lower-case services the patterns can match, or None when a pattern's service is itself a
        wildcard (``*``, ``s3*:Get*``): then any action may match."""
        if "*" in self.by_service:
            return None
        return frozenset({p.partition(":")[0] for p in self.exact} | set(self.by_service))

    def matches(self, action: str) -> bool:
        hit = self.answers.get(action)
        if hit is None:
            if len(self.answers) > 4096:
                self.answers.clear()
            hit = self.answers[action] = self._matches(action)
        return hit

    def _matches(self, action: str) -> bool:
        a = action.lower()
        if self._hit(a):
            return True
        if "*" in a or "?" in a:  # asking "does it grant any s3:Put*": any concrete action of that set
            return any(self._hit(x) for x in _expand(a))
        return False


class Document:
    def __init__(self, statements: list, unknown: bool = False):
        self.statements = statements
        self.unknown = unknown  # some part of the document is not known yet (preview)
        self.source = ""        # set for an AWS managed policy: how messages name it
        self.managed_arn: str | None = None   # set for an AWS managed policy: which one (decisions read this)

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
    ``Malformed`` when it cannot be read, else a ``Document``. Never raises, whatever the input.
    """
    if value is None or value == "":
        return None
    if value is UNKNOWN:
        return UNKNOWN  # type: ignore[return-value]
    if isinstance(value, str):
        # within a stack call, a text is parsed once: a Document is read-only and follows from its text alone
        memo = callmemo.current()
        if memo is not None:
            found = memo.get(("policy", value))
            if found is None:
                found = memo[("policy", value)] = _parse(value)
            return found
    return _parse(value)


def _parse(value: Any) -> Document | Malformed:
    value = _json_object(value)
    if isinstance(value, Malformed):
        return value
    statements = _ci_getter(value)("Statement")
    if statements is UNKNOWN:
        return Document([], unknown=True)
    if statements is None:
        return Malformed("has no Statement")
    stmts = []
    unknown = False
    for i, raw in enumerate(as_list(statements)):
        if raw is UNKNOWN:
            unknown = True
            continue
        if not isinstance(raw, dict):
            return Malformed(f"has a Statement entry (number {i + 1}) that is not an object")
        st = Statement(raw, i)
        unknown = unknown or st.has_unknowns()
        stmts.append(st)
    return Document(stmts, unknown)


def _json_object(value: Any) -> Any:
    """The policy as an object (parsed when it is JSON text), or why it cannot be one (a ``Malformed``)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            return Malformed(f"is not valid JSON ({type(exc).__name__} at position {getattr(exc, 'pos', '?')})")
        except RecursionError:
            return Malformed("is nested too deeply to be a policy")
    if not isinstance(value, dict):
        return Malformed(f"is a JSON {type(value).__name__}, not an object")
    if _depth(value) > MAX_DEPTH:
        return Malformed("is nested too deeply to be a policy")
    return value


def _depth(value: Any) -> int:
    """Nesting depth, without recursion (a JSON string can nest a thousand levels)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > MAX_DEPTH:
            break
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


# --- actions ----------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _expand(pattern: str) -> tuple:
    """The concrete actions a wildcard names, from policyuniverse's action catalogue (only patterns
    the rules ask about, a fixed set, come here)."""
    from policyuniverse.expander_minimizer import expand_policy  # lazy: loads the action catalogue

    doc = expand_policy({"Statement": [{"Effect": "Allow", "Action": [pattern], "Resource": "*"}]})
    return tuple(a.lower() for a in as_list(doc["Statement"][0]["Action"]))


# --- helpers ----------------------------------------------------------------------------------

def _ci_getter(raw: dict):
    lowered = {k.lower(): k for k in raw} if isinstance(raw, dict) else {}

    def get(key: str):
        k = lowered.get(key.lower())
        return raw[k] if k is not None else None
    return get



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
