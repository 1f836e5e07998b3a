"""What a message may say: the formatting step every finding goes through.

Rules write messages that name the resource and the setting. This module enforces, for every rule at
once, that a message never carries a value of the program's: whatever a rule put in its text, a
string that is a property value of the resources involved is replaced by ``VALUE_HIDDEN`` unless it
is provably safe to show, which means all of:
- it was not marked secret (a secret is never shown, whatever it is);
- it is a word of the pack's own vocabulary: a string literal of the rule modules (enum values such
  as ``NONE``, ``public-read``, ``python3.8``, action names the rules look for), so it says nothing
  the pack did not already know;
- it is short (``MAX_QUOTE`` characters).
Logical resource names and the keys of the maps that name settings (an environment variable's name,
a stage variable's, a tag key) are shown: they identify the finding and the setting; they are hidden
inside a map marked secret as a whole. A message is cut at ``MAX_MESSAGE`` characters.

The vocabulary is read (with ``ast``) from the rule modules the first time a message needs it, not
at pack start.
"""
from __future__ import annotations

import ast
import json
import os
import re
from functools import cache, lru_cache
from typing import Any, Iterable

VALUE_HIDDEN = "<value hidden>"
MAX_QUOTE = 64
MAX_MESSAGE = 800
MIN_CHECKED = 4        # shorter values ("a", "on", "1") are too common to be told apart from prose
MAX_FINDINGS = 10      # per rule per resource; the rest are summarised

# Maps whose keys are names the user must see to act (which variable, which tag).
NAME_MAPS = frozenset({"environment.variables", "variables", "stageVariables", "tags", "tagsAll"})
_STRIP = "\"'`()[]{}<>,.;:!?"
_SPLIT = re.compile(r"[\s\"'`()\[\]{}<>,;]+")
_VOCAB_SPLIT = re.compile(r"[\s\"'`()\[\]{}<>,;.:/=#*]+")

# Values of enum-like AWS settings that messages quote ("advancedSecurityMode is AUDIT"): declared
# safe here, so the sanitizer shows them (they are words of the vocabulary like every literal).
ENUM_WORDS = (
    "OFF", "AUDIT", "ENFORCED", "ON", "OPTIONAL", "Active", "PassThrough", "ALL", "ERROR", "INFO", "NONE",
    "FATAL", "DEBUG", "TRACE", "WARN", "MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION",
    "Warn", "Enforce", "Allow", "Terminate", "TLS_1_0", "TLS_1_2", "TLS_1_3", "REGIONAL", "EDGE", "PRIVATE",
    "PROVISIONED", "PAY_PER_REQUEST", "AWS_IAM", "JWT", "CUSTOM", "COGNITO_USER_POOLS", "API_KEY",
    "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT", "AWS_LAMBDA", "ENABLED", "DISABLED", "LEGACY", "String",
    "StringList", "SecureString", "Zip", "Image", "AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY", "STANDARD", "EXPRESS",
    "GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "HTTP", "HTTP_PROXY", "AWS_PROXY", "MOCK",
    "AllUsers", "AuthenticatedUsers", "READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL",
)
_POLICY_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
@cache
def vocabulary() -> frozenset:
    """Every string literal of the pack's modules, and each of their words (read once: a pure function
    of the package's source)."""
    words: set = set()
    for folder in (_POLICY_DIR, os.path.join(_POLICY_DIR, "core")):
        for fname in sorted(os.listdir(folder)):
            if fname.endswith(".py"):
                with open(os.path.join(folder, fname), encoding="utf-8") as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str):
                        words.add(node.value)
                        words.update(w.strip(_STRIP) for w in _SPLIT.split(node.value))
                        words.update(_VOCAB_SPLIT.split(node.value))
    return frozenset(w for w in words if w)


def leaf_strings(props: Any, secret_paths: Iterable[str] = ()) -> dict:
    """Every string in ``props`` -> whether it is (inside) a value that was marked secret."""
    out: dict = {}
    secret_paths = frozenset(secret_paths)
    stack = [(props, "", False, 0)]
    while stack:
        value, path, secret, depth = stack.pop()
        secret = secret or (path in secret_paths)
        if isinstance(value, str):
            if out.get(value) is not True:
                out[value] = secret
            if value[:1] in "{[" and depth < 2:  # a policy document written as JSON text: its strings too
                try:
                    stack.append((json.loads(value), path, secret, depth + 1))
                except (ValueError, RecursionError):
                    pass
        elif isinstance(value, dict):
            for k, v in value.items():
                stack.append((v, f"{path}.{k}" if path else str(k), secret, depth))
                # Keys of the maps that name settings (an environment variable, a tag) are shown,
                # unless the whole map was marked secret; any other key is data like a value.
                if isinstance(k, str) and (secret or path not in NAME_MAPS):
                    out[k] = out.get(k, False) or secret
        elif isinstance(value, list):
            for i, v in enumerate(value):
                stack.append((v, f"{path}.{i}", secret, depth))
    return out


class Redactor:
    """Makes messages about a set of resources safe. Built lazily, once per resource or stack."""

    def __init__(self, values: dict, names: Iterable[str] = ()):
        self.values = {v: s for v, s in values.items() if len(v) >= MIN_CHECKED}
        self.forms = {v: _forms(v) for v in self.values}  # computed once per resource, not per word
        self.names = frozenset(n for n in names if n)

    def safe(self, value: str, secret: bool) -> bool:
        return not secret and len(value) <= MAX_QUOTE and (value in self.names or value in vocabulary())

    def __call__(self, text: str) -> str:
        if len(text) > 4 * MAX_MESSAGE:
            text = text[:4 * MAX_MESSAGE]
        # 1. whole values that appear in the text (longest first, so a value inside another goes too),
        #    as written or as repr()/JSON escape them
        hits = []
        for value, secret in self.values.items():
            for form in self.forms[value]:
                if form in text:
                    hits.append((form, value, secret))
        for form, value, secret in sorted(hits, key=lambda h: len(h[0]), reverse=True):
            if not self.safe(value, secret) and form in text:
                if secret:  # a secret goes wherever it stands
                    text = text.replace(form, VALUE_HIDDEN)
                else:       # another value only as a word of its own ("authenticated" is not in "unauthenticated")
                    text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", VALUE_HIDDEN, text)
        # 2. words of the text that are a piece of a value (an account id cut out of an ARN...)
        for word in {w.strip(_STRIP) for w in _SPLIT.split(text)}:
            if len(word) < 8 or word in self.names or word == VALUE_HIDDEN or word in vocabulary():
                continue
            if any(word in form for forms in self.forms.values() for form in forms):
                text = text.replace(word, VALUE_HIDDEN)
        if len(text) > MAX_MESSAGE:
            text = text[:MAX_MESSAGE - 1].rstrip() + "…"
        return text


def _forms(value: str) -> tuple:
    """A value as a message could contain it: as is, and escaped by repr() or JSON."""
    if value.isprintable() and "\\" not in value and '"' not in value and "'" not in value:
        return (value,)
    return tuple({value, repr(value)[1:-1], json.dumps(value)[1:-1]})


_WIRE_PATH = re.compile(r"(?<![\w:/$.-])[a-z][A-Za-z0-9]*(?:\.(?:\d+|[a-z][A-Za-z0-9]*))*(?![\w/(-]|:\w)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
@cache
def _settings() -> frozenset:
    """Names of the policies' own settings (``maxApiKeyDays``...): users write those as they are."""
    from .rule import REGISTRY
    from .runtime import COMMON_CONFIG

    return frozenset({k for r in REGISTRY.values() for k in r.config} | set(COMMON_CONFIG))


@lru_cache(maxsize=4096)  # the same few message templates recur on every resource of a kind
def user_terms(text: str, language: str = "python") -> str:
    """Wire property paths (``pointInTimeRecovery.enabled``) as the pulumi-aws Python arguments the
    program writes (``point_in_time_recovery.enabled``). Policy setting names stay as they are. In
    TypeScript the program writes the wire names, so the text is returned as it is."""
    if language != "python":
        return text
    def snake(m: re.Match) -> str:
        word = m.group(0)
        if word.islower() or word.split(".")[0] in _settings():
            return word
        return ".".join(_CAMEL.sub("_", part).lower() for part in word.split("."))
    return _WIRE_PATH.sub(snake, text)


def cap_findings(messages: list) -> list:
    """At most ``MAX_FINDINGS`` identical-rule findings per resource; the rest summarised in one."""
    if len(messages) <= MAX_FINDINGS:
        return messages
    return messages[:MAX_FINDINGS - 1] + [f"and {len(messages) - MAX_FINDINGS + 1} more findings of this policy "
                                          "on the same resource."]
