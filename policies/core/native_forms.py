"""The vocabulary of the aws-native mapping: value conversions, the ``Spec`` and ``Satellite`` forms the
table in ``native_shapes.py`` is written in, and ``Origin``/``native_terms``, by which a finding on a view
names the aws-native property the program wrote. Nothing here reads a resource; ``native.py`` applies the
table to resources.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable

from .values import UNKNOWN

PREFIX = "aws-native:"



def is_native(type_: str) -> bool:
    return type_.startswith(PREFIX)


# --- value conversions (each passes UNKNOWN through) ----------------------------------------------
def tags(value: Any) -> Any:
    """CloudFormation tags (``[{key, value}]``) as pulumi-aws's map; a map stays a map."""
    if isinstance(value, list):
        out: dict = {}
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("key"), str):
                out[item["key"]] = item.get("value")
        return out
    return value


def json_text(value: Any) -> Any:
    """A document aws-native takes as an object, as the JSON text pulumi-aws takes."""
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            return value
    return value


def canned_acl(value: Any) -> Any:
    """``PublicRead`` (CloudFormation) -> ``public-read`` (the S3 API and pulumi-aws)."""
    if isinstance(value, str) and value[:1].isupper():
        return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", value).lower()
    return value


def listed(value: Any) -> Any:
    """One object where pulumi-aws takes a list of them."""
    return [value] if isinstance(value, dict) else value


def first(value: Any) -> Any:
    """A list where pulumi-aws takes one object: its first item."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def keyed(key: str) -> Callable:
    """A map keyed by ``key`` (HTTP API route settings by route key) as pulumi-aws's list of objects."""
    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return [{key: k, **v} if isinstance(v, dict) else {key: k} for k, v in value.items()]
        return value
    convert.__name__ = f"keyed_{key}"
    return convert


def pairs(value: Any) -> Any:
    """``[{name, value}]`` (alarm dimensions) as a map."""
    if isinstance(value, list):
        return {d["name"]: d.get("value") for d in value if isinstance(d, dict) and isinstance(d.get("name"), str)}
    return value


def present(value: Any) -> Any:
    """A block whose presence turns a feature on, as pulumi-aws's flag."""
    if value is UNKNOWN:
        return UNKNOWN
    return value not in (None, {}, [])


def epoch_to_iso(value: Any) -> Any:
    """AppSync's API key expiry (seconds since the epoch) as pulumi-aws's RFC 3339 text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        import datetime

        try:
            return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            return None
    return value


def log_destination(value: Any) -> Any:
    """Step Functions' ``destinations`` list as pulumi-aws's single ``logDestination`` ARN."""
    item = first(value)
    if isinstance(item, dict):
        group = item.get("cloudWatchLogsLogGroup")
        return group.get("logGroupArn") if isinstance(group, dict) else group
    return item


# --- the mapping ----------------------------------------------------------------------------------
class Satellite:
    """A setting pulumi-aws keeps in a resource of its own: built from ``source`` (a native path; with
    ``each``, one satellite per item of the list there), its fields read relative to that source.
    ``link`` names the satellite's properties that refer to the parent (set to the parent view's
    ``ref`` value, joined through the parent's URN)."""

    __slots__ = ("suffix", "type", "source", "fields", "link", "each", "ref", "when")

    def __init__(self, suffix: str, type_: str, source: str, fields: dict, link: Iterable[str] = (),
                 each: bool = False, ref: str = "name", when: Callable | None = None):
        self.suffix, self.type, self.source = suffix, type_, source
        self.fields = _fields(fields)
        self.link, self.each, self.ref, self.when = tuple(link), each, ref, when


class Spec:
    """How one aws-native type reads as a pulumi-aws type: ``fields`` maps the pulumi-aws path to the
    native path (``[]`` for each item of a list), optionally with a conversion; with ``copy``, every
    other native top-level property is kept under its own name (the two agree on most names)."""

    __slots__ = ("type", "fields", "copy", "satellites", "drop", "words")

    def __init__(self, type_: str, fields: dict | None = None, copy: bool = True,
                 satellites: Iterable[Satellite] = (), drop: Iterable[str] = (), words: dict | None = None):
        self.type = type_
        # pulumi-aws resource names a message may use for a setting this type holds itself
        # ("has no BucketLogging" of an aws-native bucket: its loggingConfiguration)
        self.words = dict(words or {})
        self.fields = _fields(fields or {})
        self.copy = copy
        self.satellites = tuple(satellites)
        self.drop = frozenset(drop)   # native properties never copied (a pulumi-aws name with another shape)


def _fields(fields: dict) -> tuple:
    out = []
    for classic, spec in fields.items():
        native, convert = (spec, None) if isinstance(spec, str) else spec
        out.append((classic, native, convert))
    return tuple(out)


# --- applying it ------------------------------------------------------------------------------


class Origin:
    """Where a view came from: the aws-native type and URN, and how its paths read in aws-native."""

    __slots__ = ("type", "urn", "naming", "words")

    def __init__(self, type_: str, urn: str, naming: dict, words: dict | None = None):
        self.type, self.urn, self.naming, self.words = type_, urn, naming, words or {}

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1]


_PATH = re.compile(r"(?<![\w:/$.-])[a-z][A-Za-z0-9]*(?:\.(?:\d+|[a-z][A-Za-z0-9]*))*(?![\w/(-]|:\w)")


_QUOTED = re.compile(r"`([a-z][A-Za-z0-9.]*)`")
# Property names that are also English words a message uses as such; rewritten only in backquotes.
_ENGLISH = frozenset({"name", "policy", "role", "function", "bucket", "target", "rule", "body", "code", "type", "user",
                      "group", "topic", "queue", "tags", "arn", "id", "url", "action", "principal", "stage",
                      "description", "deployment", "origin", "integration", "settings", "enabled", "events",
                      "endpoint", "protocol", "content", "layers"})


def native_terms(text: str, origin: Origin) -> str:
    """A message's pulumi-aws property paths as the aws-native program names them. Only paths with a
    capital or a dot are rewritten, and plain words in backquotes: a bare ``name`` or ``policy`` is
    also English. The names of pulumi-aws resources that the aws-native type holds as a setting of
    its own (``words``) are rewritten too."""
    for word, native in origin.words.items():
        text = re.sub(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", native, text)
    if not origin.naming:
        return text
    text = _QUOTED.sub(lambda m: f"`{origin.naming.get(m.group(1), m.group(1))}`", text)

    def rename(m: re.Match) -> str:
        word = m.group(0)
        if word in _ENGLISH:
            return word
        parts = word.split(".")
        for n in range(len(parts), 0, -1):
            head = ".".join(parts[:n])
            if head in origin.naming:
                return ".".join([origin.naming[head], *parts[n:]])
        return word
    return _PATH.sub(rename, text)
