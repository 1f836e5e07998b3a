"""What a message may say: the formatting step every finding goes through.

Rules write messages that name the resource and the setting, and quote plain values as the program
wrote them (a role name, an action, a managed policy's name, a runtime), as Pulumi's own diff does.
This module enforces, for every rule at once, the one thing a message must never carry: a secret.
Whatever a rule put in its text, a string that is a value of the resources involved is replaced by
``VALUE_HIDDEN`` when
- it was marked secret by the program (``pulumi.Output.secret``, ``config.require_secret``), or
- a secret detector (detect-secrets, with the map key it stands under) says it looks like a
  credential,
wherever it stands in the text, also as ``repr()`` or JSON would escape it, and so is every long
enough piece of it (an account id cut out of a secret ARN). Every other value is shown. A message is
cut at ``MAX_MESSAGE`` characters. What is secret is decided from the resource's own data; nothing
here depends on the pack's source or on any state.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable

from . import callmemo
from .rule import Keyed
from .values import ARCHIVE_SIG, ASSET_SIG, MAX_DEPTH, MAX_NODES, SIG_KEY, UNKNOWN_SENTINELS

VALUE_HIDDEN = "<value hidden>"
MAX_MESSAGE = 800
MIN_PIECE = 8          # a word of a message that is part of a secret is hidden from this length on
MAX_FINDINGS = 10      # per rule per resource; the rest are summarised
_SPLIT = re.compile(r"[\s\"'`()\[\]{}<>,;]+")
_STRIP = "\"'`()[]{}<>,.;:!?"
_LONG_WORD = re.compile(r"[^\s\"'`()\[\]{}<>,;]{" + str(MIN_PIECE) + ",}")


def leaf_strings(props: Any, secret_paths: Iterable[str] = ()) -> dict:
    """Every string in ``props`` (and in JSON text inside it) -> ``True`` when it is (inside) a value
    marked secret, else the key it stands under (the set of them if several), from which ``must_hide``
    decides whether a detector finds a credential in it. The detector runs only on a value a message
    contains."""

    out: dict = {}
    secret_paths = frozenset(secret_paths)
    if secret_paths:
        _marked_leaves(props, secret_paths, out)
    else:
        _open_leaves(props, out)
    return out


def _marked_leaves(props: Any, secret_paths: frozenset, out: dict) -> None:
    """``leaf_strings`` of a value with something marked secret in it: the paths followed to find it."""
    stack = [(props, "", "", False, 0)]
    while stack:
        value, path, key, secret, depth = stack.pop()
        secret = secret or (path in secret_paths)
        if isinstance(value, str):
            _note(out, value, True if secret else key)
            if value[:1] in "{[" and depth < 2:  # a policy document written as JSON text: its strings too
                try:
                    stack.append((json.loads(value), path, key, secret, depth + 1))
                except (ValueError, RecursionError):
                    pass
        elif isinstance(value, dict):
            for k, v in value.items():
                stack.append((v, f"{path}.{k}" if path else str(k), str(k), secret, depth))
                if secret and isinstance(k, str):  # the keys of a map marked secret as a whole
                    out[k] = True
        elif isinstance(value, list):
            for i, v in enumerate(value):
                stack.append((v, f"{path}.{i}", key, secret, depth))


def _open_leaves(props: Any, out: dict, depth: int = 0, key: str = "") -> None:
    """``leaf_strings`` of a value with nothing marked secret in it: no paths to follow. A value found under
    one key is recorded with that key (a string), under several with the set of them. Iterative (a policy
    document's JSON text may nest deeper than the interpreter's recursion limit); only containers are put on
    the stack, and a container's strings are recorded as it is read."""
    stack: list = [([props], key, depth)]
    pop, push = stack.pop, stack.append
    while stack:
        container, key, depth = pop()
        items = container.items() if isinstance(container, dict) else [(key, v) for v in container]
        for k, value in items:
            if isinstance(value, str):
                k = k if isinstance(k, str) else str(k)
                _note_open(out, value, k)
                if value[:1] in "{[" and depth < 2:
                    try:
                        doc = json.loads(value)
                    except (ValueError, RecursionError):
                        continue
                    if isinstance(doc, (dict, list)):
                        push((doc, k, depth + 1))
            elif isinstance(value, (dict, list)):
                push((value, k if isinstance(k, str) else str(k), depth))


def _note_open(out: dict, value: str, key: str) -> None:
    seen = out.get(value)
    if seen is None:
        out[value] = key
    elif seen != key:
        out[value] = {seen, key} if isinstance(seen, str) else seen | {key}


def wire_leaves(struct: Any) -> dict | None:
    """``leaf_strings`` of the properties the engine sent (a protobuf ``Struct``), read straight from the wire
    without decoding them, when nothing in them is marked secret: what a redactor needs of a resource no rule
    decoded. None when the properties hold a secret, a resource reference or an output value, or reach the
    decode boundary's limits (``values.MAX_DEPTH``, ``MAX_NODES``): then the caller decodes them. Equal to
    ``leaf_strings`` of the decoded properties (tested)."""
    out: dict = {}
    documents: list = []
    fields = struct.fields
    stack: list = [(fields[k], k, 1) for k in fields]
    nodes = 0
    while stack:
        value, key, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            return None
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            text = value.string_value
            if text not in UNKNOWN_SENTINELS:
                _note_open(out, text, key)
                if text[:1] in "{[":
                    documents.append((text, key))
        elif kind in _CONTAINERS and not _wire_children(value, kind, key, depth, stack):
            return None
    for text, key in documents:   # a policy document written as JSON text: its strings too
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            continue
        if isinstance(doc, (dict, list)):
            _open_leaves(doc, out, 1, key)
    return out


_CONTAINERS = frozenset({"struct_value", "list_value"})


def _wire_children(value: Any, kind: str | None, key: str, depth: int, stack: list) -> bool:
    """``wire_leaves``' step into an object or a list: its values put on ``stack``; False for a signed object
    the decoder must read (an asset or archive has no strings to read)."""
    if kind == "struct_value":
        inner = value.struct_value.fields
        sig = inner.get(SIG_KEY)
        if sig is not None:
            return sig.string_value in (ASSET_SIG, ARCHIVE_SIG)
        stack.extend((inner[k], k, depth + 1) for k in inner)
    elif kind == "list_value":
        stack.extend((item, key, depth + 1) for item in value.list_value.values)
    return True


def _note(out: dict, value: str, mark) -> None:
    """Record that ``value`` is secret (``mark`` True) or stands under the key ``mark`` (as ``_note_open``)."""
    if mark is True:
        out[value] = True
    elif out.get(value) is not True:
        _note_open(out, value, mark)


def must_hide(value: str, mark) -> bool:
    """Whether a value ``leaf_strings`` found must never be shown: marked secret, or a credential (``mark`` is
    the key it stands under, or the set of them)."""
    if isinstance(mark, bool):
        return mark
    if isinstance(mark, str):
        return _looks_secret(mark, value)
    return any(_looks_secret(key, value) for key in (mark or ("",)))


def _looks_secret(key: str, value: str) -> bool:
    """A plain value that a reader must not see either: a credential format or keyword detected by
    detect-secrets, or any value under a key that names a secret (``API_TOKEN``, ``dbPassword``)."""
    memo = callmemo.current()   # within a stack call, once per key and value (an ARN stands in several resources)
    if memo is None:
        return _judge_secret(key, value)
    found = memo.get(("hide", key, value))
    if found is None:
        found = memo[("hide", key, value)] = _judge_secret(key, value)
    return found


def _judge_secret(key: str, value: str) -> bool:
    from . import secrets

    if secrets.is_reference(value):
        return False
    return bool(secrets.detect(key, value)) or (len(value) >= 4 and bool(key) and secrets.names_a_secret(key))


class Redactor:
    """Makes messages about a set of resources safe. Built lazily, once per resource or stack, from
    ``leaf_strings`` (a value -> ``True``/``False``, or the keys it stands under). Whether a value
    that is not marked secret looks like a credential is decided only when a message contains it (or
    a long piece of it), once per value."""

    def __init__(self, values: dict):
        marked = [v for v, mark in values.items() if mark is True]
        if marked or False in values.values():
            self.marked = [v for v in marked if v]
            self.open = {v: mark for v, mark in values.items() if v and mark is not True and mark is not False}
        else:   # what ``leaf_strings`` gives for a resource with nothing marked secret: every value is open
            self.marked, self.open = [], values if "" not in values else {v: m for v, m in values.items() if v}
        self.decided: dict = {}
        self._forms_of_marked = sorted({f for v in self.marked for f in _forms(v)}, key=len, reverse=True) \
            if self.marked else []
        # what ``_found`` asks of every open value, worked out once: the values a message can only contain as
        # written, and those it may contain escaped too (rare: looked for only when some value needs it); and
        # all of them joined by spaces, in which a word of a message (which has no space) is found when it is a
        # piece of one of them
        self._joined = " ".join(self.open)
        joined = self._joined
        self._plain: Any = self.open
        self._escaped: list = []    # values a message may contain escaped; their forms made when first needed
        self._escaped_forms: dict = {}
        if "\\" in joined or '"' in joined or "'" in joined or not joined.isprintable():
            self._plain = []
            for v in self.open:
                if "\\" in v or '"' in v or "'" in v or not v.isprintable():
                    self._escaped.append(v)
                else:
                    self._plain.append(v)

    def _found(self, text: str, words: list) -> list:
        """The open values that ``text`` contains (as written or escaped, or a long piece of: one of its
        ``words``) and that must be hidden."""
        # the open values the text contains, as written or escaped ...
        shown = {v for v in self._plain if v in text}
        if self._escaped:
            shown.update(v for v in self._escaped if self._contains_escaped(text, v))
        # ... and the long ones a word of the text is a piece of (a secret ARN's account id)
        joined = self._joined
        for w in words:
            if w in joined:
                shown.update(v for v in self.open if w in v)
        found = []
        for value in shown:
            hide = self.decided.get(value)
            if hide is None:
                hide = self.decided[value] = must_hide(value, self.open[value])
            if hide:
                found.append(value)
        return found

    def _contains_escaped(self, text: str, value: str) -> bool:
        """Whether ``text`` contains ``value`` as written or escaped. No form is shorter than the value, so a
        value longer than the text (a policy document's JSON) is not looked for, nor its forms made."""
        if len(value) > len(text):
            return False
        forms = self._escaped_forms.get(value)
        if forms is None:
            forms = self._escaped_forms[value] = _forms(value)
        return any(f in text for f in forms)

    def _hidden_forms(self, text: str) -> list:
        found = self._found(text, _long_words(text))
        if not found:
            return self._forms_of_marked
        return sorted({*self._forms_of_marked, *(f for v in found for f in _forms(v))}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        if len(text) > 4 * MAX_MESSAGE:
            text = text[:4 * MAX_MESSAGE]
        forms = self._hidden_forms(text)
        pieces = [f for f in forms if len(f) >= MIN_PIECE]
        # 1. hidden values wherever they stand (longest first, so a value inside another goes too); a
        #    very short one only as a word of its own, so it does not eat prose
        for form in forms:
            if form in text:
                if len(form) >= 4:
                    text = text.replace(form, VALUE_HIDDEN)
                else:
                    text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", VALUE_HIDDEN, text)
        # 2. words of the text that are a piece of a hidden value (a secret ARN's account id...)
        if pieces:
            for word in {w.strip(_STRIP) for w in _SPLIT.split(text)}:
                if len(word) >= MIN_PIECE and word != VALUE_HIDDEN and any(word in p for p in pieces):
                    text = text.replace(word, VALUE_HIDDEN)
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE - 1].rstrip() + "…"
        return text


class JoinedRedactor(Redactor):
    """A ``Redactor`` for several resources at once, made of each resource's own (built once per resource,
    however many findings name it): a value is hidden when any of them would hide it, which is what one
    redactor of all their values together decides."""

    def __init__(self, parts: list):   # super().__init__ is not called: every part keeps its own values
        self.parts = list({id(p): p for p in parts}.values())
        self._forms_of_marked = sorted({f for p in self.parts for f in p._forms_of_marked}, key=len, reverse=True)

    def _found(self, text: str, words: list) -> list:
        return [v for p in self.parts for v in p._found(text, words)]


def _long_words(text: str) -> list:
    """The words of ``text`` long enough that a piece of a hidden value that long is hidden too (the words
    ``_SPLIT`` separates, stripped of ``_STRIP``; one shorter than ``MIN_PIECE`` before it is stripped is
    shorter after)."""
    return [w for w in {w.strip(_STRIP) for w in _LONG_WORD.findall(text)} if len(w) >= MIN_PIECE]


def redactor_in(stack, resource) -> Redactor:
    """The sanitizer for a finding on ``resource`` of a stack (a ``StackIndex``): it hides the values of
    that resource and of the resources joined with it (``StackIndex.joined``: what it refers to, and what
    refers to it), built once per resource per index."""
    return stack.cached(("redactor", resource.urn),
                        lambda: JoinedRedactor([r.redactor() for r in stack.joined(resource)]))


def _forms(value: str) -> tuple:
    """A value as a message could contain it: as is, and escaped by repr() or JSON."""
    if value.isprintable() and "\\" not in value and '"' not in value and "'" not in value:
        return (value,)
    return tuple({value, repr(value)[1:-1], json.dumps(value)[1:-1]})


# A wire path in a message; one in single quotes is a name shown as written (a policy's setting, which
# the settings notices quote for any policy).
_WIRE_PATH = re.compile(r"(?<![\w:/$.'-])[a-z][A-Za-z0-9]*(?:\.(?:\d+|[a-z][A-Za-z0-9]*))*(?![\w/(-]|:\w)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# ``name=True`` / ``name="DISABLED"`` / ``name=7`` in a message: a keyword argument as Python writes it
_ASSIGNMENT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)=(True|False|None|\"[^\"\n]*\"|-?\d+)")
_TS_LITERALS = {"True": "true", "False": "false", "None": "undefined"}


def _ts_argument(m: re.Match) -> str:
    """``deletionProtectionEnabled=True`` as TypeScript's args object writes it: ``deletionProtectionEnabled: true``."""
    return f"{m.group(1)}: {_TS_LITERALS.get(m.group(2), m.group(2))}"


@lru_cache(maxsize=4096)  # the same few message templates recur on every resource of a kind
def user_terms(text: str, language: str = "python", settings: frozenset = frozenset()) -> str:
    """Wire property paths (``pointInTimeRecovery.enabled``) as the pulumi-aws Python arguments the
    program writes (``point_in_time_recovery.enabled``). The policy's own ``settings`` (``maxApiKeyDays``)
    stay as they are. In
    TypeScript the program writes the wire names; only keyword arguments are rewritten as object
    properties (``deletionProtectionEnabled: true``)."""
    if language != "python":
        return _ASSIGNMENT.sub(_ts_argument, text)
    def snake(m: re.Match) -> str:
        word = m.group(0)
        if word.islower() or word.split(".")[0] in settings:
            return word
        return ".".join(_CAMEL.sub("_", part).lower() for part in word.split("."))
    return _WIRE_PATH.sub(snake, text)


def cap_findings(messages: list) -> list:
    """At most ``MAX_FINDINGS`` identical-rule findings per resource; the rest summarised in one. Where the
    findings are about parts of the resource (``rule.Keyed``), so is the summary (a part of its own), so it
    never stands for the whole resource in a relation."""
    if len(messages) <= MAX_FINDINGS:
        return messages
    summary = f"and {len(messages) - MAX_FINDINGS + 1} more findings of this policy on the same resource."
    if any(isinstance(m, Keyed) for m in messages):
        summary = Keyed(summary, ("more findings",))
    return messages[:MAX_FINDINGS - 1] + [summary]
