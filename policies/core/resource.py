"""The read-only view of one resource that every rule receives."""
from __future__ import annotations

from typing import Any, Mapping

from . import iam
from .governance import DEFAULT_CONTEXT, Context
from .messages import Redactor, leaf_strings
from .native_forms import native_terms
from .values import UNKNOWN, decode_struct, lookup


class Undecided(Exception):
    """Raised by a rule that needs a value that is unknown until the update runs.

    The runtime reports it the way the Pulumi SDK reports an unknown value: an advisory
    "can't run policy during preview" diagnostic, never a violation.
    """

    def __init__(self, resource: Resource, path: str):
        super().__init__(path)
        self.path = path
        self.urn = resource.report_urn
        if resource.origin is not None:
            path = native_terms(path, resource.origin)
        if resource.truncated:
            self.message = (f"{resource.kind} '{resource.name}' has properties nested too deeply or too large to "
                            f"read, so .{path} could not be checked")
        else:
            self.message = f"value at .{path} of {resource.kind} '{resource.name}' can't be known during preview"


class Resource:
    """One resource as the engine sent it: type, name, URN, clean properties and dependencies.

    ``props`` holds decoded values (see ``values.decode``). ``secret_paths`` holds the dotted paths
    of values that were marked secret on the wire (only the engine path keeps that information).
    """

    __slots__ = ("type", "name", "urn", "props", "secret_paths", "parent", "dependencies",
                 "property_dependencies", "truncated", "_context", "origin", "_leaves", "_redactor", "_documents")

    def __init__(self, type_: str, name: str, urn: str, props: dict, secret_paths: frozenset = frozenset(),
                 parent: str = "", dependencies: tuple = (), property_dependencies: Mapping | None = None,
                 truncated: bool = False, context: Context = DEFAULT_CONTEXT, origin: Any = None):
        self.type = type_
        self.name = name
        self.urn = urn
        self.props = props if isinstance(props, dict) else {}
        self.secret_paths = secret_paths
        self.parent = parent
        # Duplicates in what the engine sends would multiply the work (and findings) of joins.
        self.dependencies = tuple(dict.fromkeys(dependencies))
        self.property_dependencies = {k: tuple(dict.fromkeys(v)) for k, v in (property_dependencies or {}).items()}
        self.truncated = truncated  # some part of the properties was too deep or too large to read
        # the pack's run-time settings (exemptions, tag overrides, clock): given when the resource is made,
        # and read-only after (the servicer decodes every resource with its one Context)
        self._context = context
        # an aws-native resource seen as a pulumi-aws one: its own type, URN and property names (native.Origin)
        self.origin: Any = origin
        self._leaves: dict | None = None
        self._redactor: Any = None
        self._documents: dict = {}

    @classmethod
    def from_struct(cls, type_: str, name: str, urn: str, struct, *, context: Context, **kw) -> Resource:
        """From the engine's protobuf Struct, through the decode boundary (never raises). The run-time
        ``context`` is required: a resource decoded without the pack's settings would drop its exemptions."""
        secrets: set = set()
        props, truncated = decode_struct(struct, secrets)
        return cls(type_, name, urn, props, frozenset(secrets), truncated=truncated, context=context, **kw)

    @property
    def context(self) -> Context:
        return self._context

    # --- what messages may say about it ------------------------------------------------------
    def leaves(self) -> dict:
        """Every string value of the resource -> True if marked secret, else the keys it stands under
        (``messages.leaf_strings``; computed on first use)."""
        if self._leaves is None:
            self._leaves = leaf_strings(self.props, self.secret_paths)
        return self._leaves

    def redactor(self):
        if self._redactor is None:
            self._redactor = Redactor(self.leaves(), (self.name,))
        return self._redactor

    # --- reading properties -------------------------------------------------------------------
    def document(self, path: str):
        """The policy document at ``path``, parsed once per resource however many rules read it
        (``iam.parse``: None, ``UNKNOWN``, a ``Malformed`` or a ``Document``; never raises). Rules
        only read documents, so one parse is shared."""
        found = self._documents.get(path, self)
        if found is self:
            found = self._documents[path] = iam.parse(self.get(path))
        return found

    @property
    def kind(self) -> str:
        """The short type name used in messages: ``aws:lambda/function:Function`` -> ``Function`` (an aws-native
        resource's own: ``aws-native:lambda:Url`` -> ``Url``)."""
        return (self.origin.type if self.origin is not None else self.type).rsplit(":", 1)[-1]

    @property
    def report_urn(self) -> str:
        """The URN a finding on this resource is reported at (an aws-native resource's own, for its views)."""
        return self.origin.urn if self.origin is not None else self.urn

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path; ``UNKNOWN`` if unknown, ``default`` if absent or mistyped."""
        return lookup(self.props, path, default)

    def known(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path; raises ``Undecided`` if it is unknown (preview)."""
        value = lookup(self.props, path, default)
        if value is UNKNOWN:
            raise Undecided(self, path)
        return value

    def is_set(self, path: str) -> bool:
        """Whether the setting has a value; an unknown value (preview) *is* set, so this never raises.
        Use it for "is X configured?" checks; use ``known`` when the value itself decides."""
        value = lookup(self.props, path)
        return value is UNKNOWN or value not in (None, "", [], {})

    def flag(self, path: str) -> bool | None:
        """A boolean setting: True/False when set, None when absent; raises ``Undecided`` if unknown.

        A mistyped value (a string "true") counts as what it says, since the provider coerces it.
        """
        value = self.known(path)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return bool(value)

    def number(self, path: str) -> float | int | None:
        """A numeric setting, None when absent; a numeric string is accepted as the provider does."""
        value = self.known(path)
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            try:
                number = float(value) if "." in value else int(value)
            except ValueError:   # not a number, or more digits than Python converts
                return None
            return number if isinstance(number, float) or abs(number) <= 2 ** 53 else float(number)
        return None

    def is_secret(self, path: str) -> bool:
        return path in self.secret_paths

    @property
    def tags(self) -> dict:
        tags = self.props.get("tags")
        return tags if isinstance(tags, dict) else {}

    def label(self) -> str:
        return f"{self.kind} '{self.name}'"

    def __repr__(self) -> str:
        return f"Resource({self.type}, {self.name})"


__all__ = ["Resource", "Undecided", "UNKNOWN"]
