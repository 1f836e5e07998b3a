"""The read-only view of one resource that every rule receives."""
from __future__ import annotations

from typing import Any, Mapping

from . import iam
from .governance import DEFAULT_CONTEXT, Context
from .messages import Redactor, leaf_strings, wire_leaves
from .native_forms import native_terms
from .values import UNKNOWN, UNKNOWN_SENTINELS, decode_one, decode_struct, lookup


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

    __slots__ = ("type", "name", "urn", "_props", "_secret_paths", "parent", "_dependencies",
                 "property_dependencies", "_truncated", "_context", "origin", "_leaves", "_redactor", "_documents",
                 "_struct", "_tops")

    def __init__(self, type_: str, name: str, urn: str, props: dict, secret_paths: frozenset = frozenset(),
                 parent: str = "", dependencies: tuple = (), property_dependencies: Mapping | None = None,
                 truncated: bool = False, context: Context = DEFAULT_CONTEXT, origin: Any = None):
        self.type = type_
        self.name = name
        self.urn = urn
        self._props = props if isinstance(props, dict) else {}
        self._secret_paths = secret_paths
        self._struct: Any = None
        self._tops: dict = {}   # top-level property -> its decoded value, until every property is decoded
        self.parent = parent
        # Duplicates in what the engine sends would multiply the work (and findings) of joins.
        self._dependencies: Any = tuple(dict.fromkeys(dependencies))
        self.property_dependencies = {k: tuple(dict.fromkeys(v)) for k, v in (property_dependencies or {}).items()}
        self._truncated = truncated  # some part of the properties was too deep or too large to read
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
        ``context`` is required: a resource decoded without the pack's settings would drop its exemptions.

        The properties are decoded when first read: of a stack, only the resources some rule reads the
        properties of are decoded (the Struct is part of the request, which outlives the call's rules)."""
        resource = cls(type_, name, urn, {}, context=context, **kw)
        resource._struct = struct
        return resource

    @classmethod
    def from_wire(cls, r, context: Context) -> Resource:
        """``from_struct`` of one resource of an AnalyzeStack request (an ``AnalyzerResource``), made in one
        step: the stack call makes a thousand of these before any rule runs. Its property dependencies are read
        from the protobuf as they are, duplicates dropped; its dependencies when first asked for."""
        resource = cls.__new__(cls)
        resource.type, resource.name, resource.urn, resource.parent = r.type, r.name, r.urn, r.parent
        resource._props, resource._secret_paths, resource._struct, resource._tops = {}, frozenset(), r.properties, {}
        resource._dependencies = r.dependencies   # read when first asked for (``joined``)
        deps = r.propertyDependencies
        pdeps: dict = {}
        for k in deps:
            urns = deps[k].urns
            if not urns:   # the engine lists every input, most with no dependency
                pdeps[k] = ()
                continue
            urns = urns[:]   # a list: the repeated field read once, in C
            pdeps[k] = tuple(urns) if len(urns) < 2 else tuple(dict.fromkeys(urns))
        resource.property_dependencies = pdeps
        resource._truncated, resource._context, resource.origin = False, context, None
        resource._leaves, resource._redactor, resource._documents = None, None, {}
        return resource

    def _decode(self) -> None:
        struct, self._struct = self._struct, None
        self._tops = {}
        secrets: set = set()
        self._props, self._truncated = decode_struct(struct, secrets)
        self._secret_paths = frozenset(secrets)

    def top_string(self, key: str) -> str | None:
        """A top-level property that is a plain string (not unknown, not secret), read without decoding the
        rest of the properties: for a question asked of every resource of a stack (its ARN)."""
        if self._struct is not None:
            field = self._struct.fields.get(key)
            if field is None or field.WhichOneof("kind") != "string_value":
                return None if field is None or field.WhichOneof("kind") != "struct_value" else self._plain(key)
            value = field.string_value
            return None if value in UNKNOWN_SENTINELS else value
        return self._plain(key)

    def top_text(self, key: str) -> str | None:
        """``props.get(key)`` when it is a string (a secret one too), else None: what the stack's joins read of
        every resource (its ARN, id and name), read without decoding the other properties when the value is a
        plain string on the wire."""
        if self._struct is not None:
            field = self._struct.fields.get(key)
            if field is None:
                return None
            kind = field.WhichOneof("kind")
            if kind == "string_value":
                value = field.string_value
                return None if value in UNKNOWN_SENTINELS else value
            if kind != "struct_value":
                return None
        value = self.props.get(key)
        return value if isinstance(value, str) else None

    def top_texts(self, keys: tuple) -> list:
        """``top_text`` of each of ``keys`` that is a non-empty string, the properties read once: a resource's ARN,
        id and name, which the stack's joins read of most resources."""
        struct = self._struct
        if struct is None:
            return [v for k in keys if (v := self.top_text(k))]
        fields = struct.fields
        out = []
        for key in keys:
            field = fields.get(key)
            kind = None if field is None else field.WhichOneof("kind")
            if kind == "string_value":
                value = field.string_value
                if value and value not in UNKNOWN_SENTINELS:
                    out.append(value)
            elif kind == "struct_value" and (value := self.top_text(key)):   # a secret: decoded
                out.append(value)
        return out

    def _plain(self, key: str) -> str | None:
        value = self.props.get(key)
        return value if isinstance(value, str) and key not in self.secret_paths else None

    @property
    def dependencies(self) -> tuple:
        """The URNs the resource depends on, duplicates dropped."""
        deps = self._dependencies
        if type(deps) is not tuple:   # a stack request's repeated field, not read yet
            urns = deps[:]
            deps = self._dependencies = tuple(urns) if len(urns) < 2 else tuple(dict.fromkeys(urns))
        return deps

    @property
    def props(self) -> dict:
        """The clean properties (``values.decode_struct``): unknowns are ``UNKNOWN``, secrets unwrapped."""
        if self._struct is not None:
            self._decode()
        return self._props

    @property
    def secret_paths(self) -> frozenset:
        """The dotted paths of values that were marked secret on the wire."""
        if self._struct is not None:
            self._decode()
        return self._secret_paths

    @property
    def truncated(self) -> bool:
        """Whether some part of the properties was too deep or too large to read (it reads as UNKNOWN)."""
        if self._struct is not None:
            self._decode()
        return self._truncated

    @property
    def context(self) -> Context:
        return self._context

    # --- what messages may say about it ------------------------------------------------------
    def leaves(self) -> dict:
        """Every string value of the resource -> True if marked secret, else the keys it stands under
        (``messages.leaf_strings``; computed on first use)."""
        if self._leaves is None:
            # a resource no rule decoded is read straight from the wire when nothing in it is secret
            found = wire_leaves(self._struct) if self._struct is not None else None
            self._leaves = found if found is not None else leaf_strings(self.props, self.secret_paths)
        return self._leaves

    def redactor(self):
        if self._redactor is None:
            self._redactor = Redactor(self.leaves())
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

    def memo(self, key: tuple, value: Any = None) -> Any:
        """What a reading of this resource that several rules share worked out (``key`` names the reading):
        with ``value``, kept and returned; without, the value kept, or None. Only a reading that succeeded
        is kept (one that raised ``Undecided`` is asked again)."""
        if value is None:
            return self._documents.get(key)
        self._documents[key] = value
        return value

    @property
    def kind(self) -> str:
        """The short type name used in messages: ``aws:lambda/function:Function`` -> ``Function`` (an aws-native
        resource's own: ``aws-native:lambda:Url`` -> ``Url``)."""
        return (self.origin.type if self.origin is not None else self.type).rsplit(":", 1)[-1]

    @property
    def component_types(self) -> tuple:
        """The types of the components above the resource, outermost first (its URN's type chain without its
        own type): ``("aws-apigateway:index:RestAPI",)`` for the RestApi that component builds."""
        urn = self.report_urn
        chain = urn.split("::")[2] if urn.count("::") >= 3 else ""
        return tuple(chain.split("$")[:-1])

    @property
    def report_urn(self) -> str:
        """The URN a finding on this resource is reported at (an aws-native resource's own, for its views)."""
        return self.origin.urn if self.origin is not None else self.urn

    def get(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path; ``UNKNOWN`` if unknown, ``default`` if absent or mistyped.

        Until every property is decoded (``props``), only the top-level property the path starts with is:
        the most frequent call of all, and rules read a few of a resource's properties."""
        struct = self._struct
        if struct is None:
            return lookup(self._props, path, default)
        top, dot, rest = path.partition(".")
        fields = struct.fields
        if top not in fields:
            return default
        tops = self._tops
        if top in tops:
            value = tops[top]
        else:
            value = tops[top] = decode_one(fields[top], top)
        if not dot:
            return default if value is None else value
        return lookup(value, rest, default)

    def known(self, path: str, default: Any = None) -> Any:
        """The value at a dotted path; raises ``Undecided`` if it is unknown (preview)."""
        value = self.get(path, default)
        if value is UNKNOWN:
            raise Undecided(self, path)
        return value

    def is_set(self, path: str) -> bool:
        """Whether the setting has a value; an unknown value (preview) *is* set, so this never raises.
        Use it for "is X configured?" checks; use ``known`` when the value itself decides."""
        value = self.get(path)
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
        tags = self.get("tags")
        return tags if isinstance(tags, dict) else {}

    def label(self) -> str:
        return f"{self.kind} '{self.name}'"

    def __repr__(self) -> str:
        return f"Resource({self.type}, {self.name})"


__all__ = ["Resource", "Undecided", "UNKNOWN"]
