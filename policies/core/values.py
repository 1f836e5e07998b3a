"""Clean values for rules: the engine's wire form decoded once, with unknowns and secrets made explicit.

The engine sends resource properties as a protobuf Struct in which
- a value not known during preview is one of seven sentinel strings,
- a secret is an object ``{SIG: SECRET_SIG, "value": ...}``,
- assets and archives are objects with their own signatures,
- every number is a float.

``decode`` turns that into plain Python values in which every unknown is the single ``UNKNOWN``
object, secrets are unwrapped (their paths are returned separately, so a rule can tell that a value
was marked secret without the value ever reaching a message), assets and archives become ``OPAQUE``
and integral floats become ints. Rules never see protobuf messages or the SDK's proxies.
"""
from __future__ import annotations

from typing import Any, Iterable

# Wire constants, as written by the Pulumi SDKs (sdk/go/common/resource/plugin/rpc.go and
# pulumi_policy/proxy.py, deserialize.py). They are part of the engine protocol, not of the SDK.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN_SENTINELS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})
# Bounds of the decode boundary: deeper or larger input is not read (it becomes UNKNOWN, so the
# rules that need it are undecided for that resource) instead of costing unbounded time or stack.
MAX_DEPTH = 64
MAX_NODES = 250_000


class _Unknown:
    """A value that is not known yet (preview): equal only to itself, never a string, and truthy,
    because a property that will have a value *is set* - so "is it set?" checks never turn an
    unknown into a violation. Compare flags with ``is True``, not by truthiness."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


class _Opaque:
    """An asset or archive: content the pack never reads."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OPAQUE"


UNKNOWN = _Unknown()
OPAQUE = _Opaque()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def decode_struct(struct: Any, secret_paths: set | None = None) -> tuple:
    """Decode a protobuf ``Struct`` (the engine's properties) straight into clean values.

    The same result as ``decode(MessageToDict(struct))`` for well-formed input, but it never raises:
    NaN and infinities stay floats (they compare false with everything, so no threshold rule fires
    on them), nesting deeper than ``MAX_DEPTH`` or more than ``MAX_NODES`` values become ``UNKNOWN``.
    Returns ``(props, truncated)``: ``truncated`` says that some part could not be read.
    """
    state = [0, False]  # nodes seen, truncated
    try:
        fields = struct.fields   # a protobuf map: iterated by key (its items() view is Python code)
        props = {k: _decode_value(fields[k], secret_paths, k, 1, state) for k in fields}
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps us far from the interpreter's limit
        return {}, True
    return props, state[1]


def decode_one(value: Any, key: str) -> Any:
    """One top-level property of a Struct (the protobuf ``Value`` under ``key``), decoded as ``decode_struct``
    decodes it: a resource's rules read a few of its properties, and only those need decoding."""
    try:
        return _decode_value(value, None, key, 1, [0, False])
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps us far from the interpreter's limit
        return UNKNOWN


# Integral numbers become ints only within a double's exact range: 1e300 stays a float, so no rule ever
# holds an int too large to format or to convert back (``f"{n:g}"`` raised OverflowError).
MAX_EXACT = 2 ** 53


def _decode_value(v: Any, secret_paths: set | None, path: str, depth: int, state: list) -> Any:
    state[0] += 1
    if depth > MAX_DEPTH or state[0] > MAX_NODES:
        state[1] = True
        return UNKNOWN
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        s = v.string_value
        return UNKNOWN if s in UNKNOWN_SENTINELS else s
    if kind == "number_value":
        n = v.number_value
        return int(n) if n.is_integer() and -MAX_EXACT <= n <= MAX_EXACT else n
    if kind == "bool_value":
        return v.bool_value
    if kind == "struct_value":
        fields = v.struct_value.fields
        sig = fields.get(SIG_KEY)
        if sig is None:
            return {k: _decode_value(fields[k], secret_paths, f"{path}.{k}", depth + 1, state) for k in fields}
        return _decode_signed(sig.string_value, fields, secret_paths, path, depth, state)
    if kind == "list_value":
        return [_decode_value(x, secret_paths, f"{path}.{i}", depth + 1, state)
                for i, x in enumerate(v.list_value.values)]
    return None  # null_value, or no kind set


def _decode_signed(sig: str, fields: Any, secret_paths: set | None, path: str, depth: int, state: list) -> Any:
    """A Struct that carries the engine's signature: a secret, an asset or archive, a resource reference
    or an output value."""
    if sig == SECRET_SIG:
        if secret_paths is not None:
            secret_paths.add(path)
        inner = fields.get("value")
        return None if inner is None else _decode_value(inner, secret_paths, path, depth + 1, state)
    if sig in (ASSET_SIG, ARCHIVE_SIG):
        return OPAQUE
    if sig == RESOURCE_REF_SIG:
        ref = fields.get("id")
        if ref is not None:
            return _decode_value(ref, secret_paths, path, depth + 1, state)
        urn = fields.get("urn")
        return urn.string_value if urn is not None and urn.WhichOneof("kind") == "string_value" else UNKNOWN
    if sig == OUTPUT_VALUE_SIG:
        inner = fields.get("value")
        if inner is None:
            return UNKNOWN
        secret = fields.get("secret")
        if secret is not None and secret.bool_value and secret_paths is not None:
            secret_paths.add(path)
        return _decode_value(inner, secret_paths, path, depth + 1, state)
    return UNKNOWN


def decode(wire: dict, secret_paths: set | None = None, _prefix: str = "") -> dict:
    """Decode a wire-form object (as produced by ``MessageToDict`` of a Struct) into clean values.

    ``secret_paths`` collects the dotted paths of values that were marked secret.
    """
    return {k: _decode(v, secret_paths, f"{_prefix}{k}") for k, v in wire.items()}


def _decode(value: Any, secret_paths: set | None, path: str) -> Any:
    if isinstance(value, str):
        return UNKNOWN if value in UNKNOWN_SENTINELS else value
    if isinstance(value, float):
        return int(value) if value.is_integer() and -MAX_EXACT <= value <= MAX_EXACT else value
    if isinstance(value, list):
        return [_decode(v, secret_paths, f"{path}.{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig is None:
            return {k: _decode(v, secret_paths, f"{path}.{k}") for k, v in value.items()}
        return _decode_signed_wire(sig, value, secret_paths, path)
    return value


def _decode_signed_wire(sig: Any, value: dict, secret_paths: set | None, path: str) -> Any:
    """``_decode_signed`` for the JSON wire form."""
    if sig == SECRET_SIG:
        if secret_paths is not None:
            secret_paths.add(path)
        return _decode(value.get("value"), secret_paths, path)
    if sig in (ASSET_SIG, ARCHIVE_SIG):
        return OPAQUE
    if sig == RESOURCE_REF_SIG:
        # A resource reference: the id if known, else the URN; rules compare ids and ARNs.
        ref_id = value.get("id")
        return _decode(ref_id, secret_paths, path) if ref_id is not None else value.get("urn", UNKNOWN)
    if sig == OUTPUT_VALUE_SIG:
        if "value" not in value:
            return UNKNOWN
        if value.get("secret") and secret_paths is not None:
            secret_paths.add(path)
        return _decode(value["value"], secret_paths, path)
    return UNKNOWN


def lookup(obj: Any, path: str | Iterable[str], default: Any = None) -> Any:
    """Follow a dotted path through nested dicts (and list indexes).

    Returns ``UNKNOWN`` as soon as an unknown value is met on the way, ``default`` when a key is
    missing or a value on the way has the wrong type (a mistyped property is treated as absent;
    rules that care check types themselves).
    """
    if isinstance(obj, dict) and isinstance(path, str) and "." not in path:   # one key of an object: most reads
        cur = obj.get(path)
        return default if cur is None else cur
    parts = path.split(".") if isinstance(path, str) else path
    cur = obj
    for part in parts:
        if cur is UNKNOWN:
            return UNKNOWN
        if isinstance(cur, dict):
            if part not in cur:
                return default
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return default
    return default if cur is None else cur


def as_list(value: Any) -> list:
    """A field that may be one value or a list of them (IAM Action, Principal...) as a list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def set_path(struct, path: str, value, secret: bool = False) -> bool:
    """Set ``path`` (dotted, object keys only) in a protobuf Struct to a plain ``value``, creating
    missing objects on the way and keeping every sibling exactly as the engine sent it (secrets and
    unknowns included). False, with nothing changed, when something on the way is not an object (an
    unknown or a secret-wrapped value, in preview): a fix is never applied on a guess. The new value is
    sent secret-marked when ``secret`` says so or the value it replaces was a secret: a fix never
    turns a secret into plain text in the state."""
    parts = path.split(".")
    node = struct
    for part in parts[:-1]:
        child = node.fields.get(part)
        if child is None:
            node = node.fields[part].struct_value  # creates it
            continue
        if child.WhichOneof("kind") != "struct_value" or SIG_KEY in child.struct_value.fields:
            return False
        node = child.struct_value
    old = node.fields.get(parts[-1])
    if old is not None and old.WhichOneof("kind") == "struct_value":
        sig = old.struct_value.fields.get(SIG_KEY)
        secret = secret or (sig is not None and sig.string_value == SECRET_SIG)
    node.update({parts[-1]: {SIG_KEY: SECRET_SIG, "value": value} if secret else value})
    return True
