"""Values of the right shape for what a provider computes, read from the provider package's own types.

A program under mocks reads outputs a real deployment fills (``stage.execution_arn``,
``api.uris["GRAPHQL"]``, ``cert.domain_validation_options[0]``) and data-source results
(``route53.get_zone(...).zone_id``). Pulumi's mocks answer only what the mock returns; anything else is
``None`` and the program's own ``apply`` then fails. This module answers every output property of a
resource type, and every field of a data source's result, from the Python classes of the installed
provider package (pulumi-aws, pulumi-aws-native, pulumi-random, ...): each property's wire name and its
type annotation (``str``, ``int``, ``bool``, ``Sequence[...]``, ``Mapping[...]``, nested output types).
Strings get a value of the form the name implies (an ARN for ``...Arn``, a URL for ``...Url``, an id for
``...Id``, a JSON policy document for ``policy``), so programs that format them keep working.

These values are for the *program* only: what the pack judges in ``AnalyzeStack`` stays the program's
inputs plus identity outputs (ids, ARNs, names), so an invented setting can never decide a verdict.
"""
from __future__ import annotations

import hashlib
import importlib
import re
import sys
import typing
from functools import cache
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
EMPTY_POLICY = '{"Version":"2012-10-17","Statement":[]}'
MAX_DEPTH = 4
# Maps whose keys AWS fixes: a program indexes them by key.
KNOWN_KEYS = {("aws:appsync/graphQLApi:GraphQLApi", "uris"): ("GRAPHQL", "REALTIME")}
# The ARN service of a pulumi-aws module where the two differ.
ARN_SERVICE = {"cloudwatch": "events", "cognito": "cognito-idp", "sfn": "states", "apigatewayv2": "apigateway",
               "lambda": "lambda", "elasticloadbalancingv2": "elasticloadbalancing", "lb": "elasticloadbalancing",
               "alb": "elasticloadbalancing", "cloudfront": "cloudfront", "opensearch": "es"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _h(*parts: str, n: int = 8) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:n]


def _module_of(token: str):
    """``aws:route53/getZone:getZone`` -> the ``pulumi_aws.route53`` module (None if not installed)."""
    try:
        pkg, mod, _ = token.split(":", 2)
    except ValueError:
        return None
    base = "pulumi_" + pkg.replace("-", "_")
    mod = mod.split("/")[0]
    names = [base] if mod in ("index", "") else [f"{base}.{mod}", f"{base}.{mod}_"]
    for name in names:
        module = sys.modules.get(name)
        if module is None:
            try:
                module = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - not installed, or not a module of that package
                continue
        return module
    return None


@cache
def resource_class(token: str):
    module = _module_of(token)
    cls = getattr(module, token.rsplit(":", 1)[-1], None) if module else None
    return cls if isinstance(cls, type) else None


@cache
def result_class(token: str):
    """The result type of a data source: ``aws:route53/getZone:getZone`` -> ``GetZoneResult``."""
    module = _module_of(token)
    fn = token.rsplit(":", 1)[-1]
    cls = getattr(module, fn[:1].upper() + fn[1:] + "Result", None) if module else None
    return cls if isinstance(cls, type) else None


@cache
def properties(cls: type) -> tuple:
    """``(wire name, annotation)`` of every property getter of an output class or resource class."""
    from pulumi import _types

    module = sys.modules.get(cls.__module__)
    namespace = dict(vars(module)) if module else {}
    out = []
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if not isinstance(value, property) or value.fget is None:
                continue
            wire = getattr(value.fget, _types._PULUMI_NAME, None)
            if wire is None:
                if klass.__module__.startswith("pulumi.") or attr.startswith("_"):
                    continue
                # result types of data sources: the Python name; the wire name is its camelCase
                wire = attr.split("_")[0] + "".join(p[:1].upper() + p[1:] for p in attr.split("_")[1:])
            out.append((wire, _resolve(value.fget.__annotations__.get("return"), namespace)))
    return tuple(dict(out).items())  # a subclass's property wins over its base's


def _resolve(ann: Any, namespace: dict) -> Any:
    if isinstance(ann, str):
        ann = typing.ForwardRef(ann)
    if isinstance(ann, typing.ForwardRef):
        try:
            return eval(ann.__forward_arg__, namespace)  # noqa: S307 - the provider package's own annotation
        except Exception:  # noqa: BLE001 - an annotation we cannot read: treat as Any
            return Any
    return ann


def _unwrap(ann: Any, namespace: dict) -> Any:
    """Strip ``Output[...]``, ``Input[...]``, ``Optional[...]`` and unions down to one type."""
    for _ in range(8):
        ann = _resolve(ann, namespace)
        origin = typing.get_origin(ann)
        args = typing.get_args(ann)
        name = getattr(origin, "__name__", "") or getattr(ann, "__name__", "")
        if origin is typing.Union:
            args = tuple(a for a in args if a is not type(None))
            ann = args[0] if args else Any
        elif name in ("Output", "Input", "Awaitable") and args:
            ann = args[0]
        else:
            return ann
    return ann


class Namer:
    """String values of the right form for one resource (or one data-source call)."""

    def __init__(self, token: str, name: str):
        self.token, self.name = token, name
        parts = token.split(":")
        module = parts[1].split("/")[0] if len(parts) > 1 else ""
        self.service = ARN_SERVICE.get(module, module.rstrip("_") or "aws")
        self.kind = parts[-1][:1].lower() + parts[-1][1:] if parts else "resource"

    def arn(self, prop: str) -> str:
        if prop in ("executionArn",):
            return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{_h(self.name, n=10)}/{self.name}"
        if prop == "invokeArn":
            return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:"
                    f"{ACCOUNT}:function:{self.name}/invocations")
        region = "" if self.service in ("iam", "s3", "cloudfront", "route53") else REGION
        account = "" if self.service == "s3" else ACCOUNT
        kind = self.kind if prop == "arn" else _CAMEL.sub("-", prop[:-3]).lower() or self.kind
        return f"arn:aws:{self.service}:{region}:{account}:{kind}/{self.name}"

    def string(self, prop: str) -> str:
        low = prop.lower()
        if low == "arn" or prop.endswith("Arn") or low.endswith("_arn"):
            return self.arn(prop)
        exact = self._exact(low)
        if exact is not None:
            return exact
        for test, make in self._FORMS:
            if test(low):
                return make(self, prop)
        return f"{self.name}-{_CAMEL.sub('-', prop).lower()}"

    def _exact(self, low: str) -> str | None:
        """Properties whose value has one fixed form."""
        if low in ("policy", "json", "minifiedjson", "assumerolepolicy", "policydocument", "resourcepolicy"):
            return EMPTY_POLICY
        if low in ("accountid", "owner", "ownerid", "awsaccountid"):
            return ACCOUNT
        if low in ("region", "awsregion"):
            return REGION
        if low == "websiteendpoint":   # S3: the website endpoint has no scheme, and speaks only HTTP
            return f"{self.name}.s3-website-{REGION}.amazonaws.com"
        if low == "websitedomain":
            return f"s3-website-{REGION}.amazonaws.com"
        if low in ("bucketdomainname", "bucketregionaldomainname"):
            return f"{self.name}.s3.{REGION + '.' if 'regional' in low else ''}amazonaws.com"
        if low in ("version", "latestversion"):
            return "1"
        return None

    # (does the lower-case property name have this form?, its value), in order
    _FORMS: tuple = (
        (lambda low: "zoneid" in low, lambda self, prop: "Z" + _h(self.name, prop, n=12).upper()),
        (lambda low: low.endswith(("url", "uri", "endpoint")),
         lambda self, prop: f"https://{_h(self.name, prop)}.{self.service}.{REGION}.amazonaws.com/{self.name}"),
        (lambda low: low.endswith(("domainname", "dnsname", "hostname")),
         lambda self, prop: f"{_h(self.name, prop)}.{self.service}.{REGION}.amazonaws.com"),
        (lambda low: low.endswith(("date", "time", "modified")), lambda self, prop: "2026-01-01T00:00:00Z"),
        (lambda low: low.endswith("id"), lambda self, prop: f"{self.name}-{_h(self.name, prop, n=6)}"),
        (lambda low: low == "result", lambda self, prop: f"{self.name}-{_h(self.name, prop, n=12)}"),
        (lambda low: low.endswith("name"), lambda self, prop: self.name),
    )


def value(ann: Any, prop: str, namer: Namer, namespace: dict, depth: int = 0) -> Any:
    """A value of type ``ann`` for property ``prop`` (``None`` only where nothing can be said)."""
    ann = _unwrap(ann, namespace)
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if ann is bool:
        return False
    if ann in (int, float):
        return 1
    if ann is str:
        return namer.string(prop)
    origin_name = getattr(origin, "_name", None) or getattr(origin, "__name__", "")
    if origin_name in ("Sequence", "list", "List", "tuple") or origin in (list, tuple):
        if depth >= MAX_DEPTH:
            return []
        item = value(args[0] if args else Any, prop, namer, namespace, depth + 1)
        return [] if item is None else [item]
    if origin_name in ("Mapping", "dict", "Dict") or origin is dict:
        keys = KNOWN_KEYS.get((namer.token, prop), ())
        item_type = args[1] if len(args) > 1 else Any
        return {k: value(item_type, f"{prop}{k.title()}Url" if item_type is str else prop, namer, namespace,
                         depth + 1) for k in keys}
    if isinstance(ann, type) and depth < MAX_DEPTH and _is_output_type(ann):
        return synthesize(ann, namer, depth=depth + 1)
    return None


def _is_output_type(cls: type) -> bool:
    from pulumi import _types

    return bool(getattr(cls, _types._PULUMI_OUTPUT_TYPE, False)) or hasattr(cls, "_pulumi_output_type")


def synthesize(cls: type, namer: Namer, depth: int = 0) -> dict:
    """Every property of ``cls`` -> a value, keyed by wire name (``None`` values left out)."""
    module = sys.modules.get(cls.__module__)
    namespace = dict(vars(module)) if module else {}
    out = {}
    for wire, ann in properties(cls):
        if wire in ("urn",):
            continue
        v = value(ann, wire, namer, namespace, depth)
        if v is not None:
            out[wire] = v
    return out


def resource_outputs(token: str, name: str) -> dict:
    """Every output of resource type ``token`` named ``name`` (empty when the package is not installed)."""
    cls = resource_class(token)
    if cls is None:
        return {}
    try:
        return synthesize(cls, Namer(token, name))
    except Exception:  # noqa: BLE001 - odd annotations in some package: the program gets what the mock had
        return {}


def invoke_result(token: str, args: dict) -> dict:
    """Every field of data source ``token``'s result; the call's own arguments are echoed back."""
    cls = result_class(token)
    if cls is None:
        return {}
    label = next((str(args[k]) for k in ("name", "bucket", "functionName", "arn", "id") if isinstance(args.get(k), str)),
                 token.rsplit(":", 1)[-1])
    try:
        out = synthesize(cls, Namer(token, label.rsplit("/", 1)[-1].rsplit(":", 1)[-1]))
    except Exception:  # noqa: BLE001
        out = {}
    out.update({k: v for k, v in args.items() if k in out or not out})
    return out
