"""Run a real Pulumi Python program under Pulumi's mocks and record every resource as the engine
would send it to a policy pack.

The recording monitor sees each ``RegisterResource`` request the program's SDK makes, so what is
recorded is the SDK's own wire form: camelCase keys, secrets in their signature form, unknowns as
the sentinel strings, and the dependencies and property dependencies the SDK computed.

Modes:
- ``update``: every resource gets the outputs a provider would return (ids, ARNs, and auto-names
  for names the program did not set);
- ``preview``: computed outputs stay unknown, exactly as in ``pulumi preview`` of a new stack, so
  inputs computed from them (a role ARN passed to a function) arrive as unknowns.

What differs from a real engine: no provider ``Check`` runs, so provider defaults (auto-names,
default values) are absent from the *inputs* given to Analyze; outputs are synthesized here.
"""
from __future__ import annotations

import hashlib
import os
import runpy
import sys
from dataclasses import dataclass, field
from typing import Callable

REGION = "us-east-1"
ACCOUNT = "123456789012"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REST_API_COMPONENT = "aws-apigateway:index:RestAPI"   # built in the program's process (rest_api.py)
SKIPPED_TYPES = ("pulumi:providers:",)


@dataclass
class Record:
    type: str
    name: str
    urn: str
    parent: str
    dependencies: list
    property_dependencies: dict
    inputs: dict            # wire form, as sent to Analyze
    outputs: dict           # wire form, as sent to AnalyzeStack
    custom: bool = True
    provider: str = ""
    source_file: str = ""   # where the program constructs the resource (absolute path), when known
    source_line: int = 0
    remote: bool = False    # a multi-language component: its provider plugin builds its children at deploy time


@dataclass
class Capture:
    mode: str
    records: list = field(default_factory=list)
    log: list = field(default_factory=list)


def _auto(name: str) -> str:
    return f"{name}-{hashlib.sha1(name.encode()).hexdigest()[:7]}"


# The id of an aws-native resource where CloudControl's primary identifier is not its name or ARN.
_NATIVE_IDS = {"aws-native:apigateway:RestApi": "restApiId", "aws-native:apigatewayv2:Api": "apiId",
               "aws-native:appsync:GraphQlApi": "apiId", "aws-native:cognito:UserPool": "userPoolId",
               "aws-native:cloudfront:Distribution": "awsId", "aws-native:apigateway:Deployment": "deploymentId",
               "aws-native:apigatewayv2:Route": "routeId", "aws-native:apigatewayv2:Integration": "integrationId",
               "aws-native:cognito:UserPoolClient": "clientId", "aws-native:secretsmanager:Secret": "awsId"}


def _native_computed(type_: str, name: str, inputs: dict, preview: bool) -> dict:
    """What the aws-native provider computes for one of the types the rules see (``core/native_shapes.py``),
    under the aws-native names: the pulumi-aws type's identity outputs, renamed through the same table
    (``arn`` of a topic is ``topicArn``; the name of a function, ``functionName``). In preview they are
    unknown, as from the engine."""
    from ..core.native_shapes import SPECS
    from . import shapes

    spec = SPECS.get(type_)
    cls = shapes.resource_class(type_)
    if spec is None or cls is None:
        return {} if preview else {"id": f"{name}-id"}
    renames = {c: n for c, n, _ in spec.fields if "." not in c and "." not in n and "[]" not in n and n}
    outputs = {w for w, _ in shapes.properties(cls)}
    name_key = renames.get("bucket" if spec.type in ("aws:s3/bucket:Bucket",) else "name", "name")
    given = inputs.get(name_key)
    classic_inputs = {"name": given} if isinstance(given, str) else {}
    if spec.type == "aws:s3/bucket:Bucket":
        classic_inputs = {"bucket": given} if isinstance(given, str) else {}
    computed = _computed(spec.type, name, classic_inputs)
    out = {}
    for key, value in computed.items():
        native = renames.get(key, key)
        if native in outputs and native not in inputs:
            out[native] = UNKNOWN if preview else value
    id_key = _NATIVE_IDS.get(type_)
    if id_key and id_key in outputs and id_key not in inputs:
        out[id_key] = UNKNOWN if preview else computed.get("id")
    out["id"] = UNKNOWN if preview else computed.get("id", f"{name}-id")
    return out


def _h(name: str, n: int) -> str:
    return hashlib.sha1(name.encode()).hexdigest()[:n]


def _rest_api(name, res, inputs):
    rid = _h(name, 10)
    return {"id": rid, "arn": f"arn:aws:apigateway:{REGION}::/restapis/{rid}", "rootResourceId": "root" + rid[:6],
            "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rid}"}


def _http_api(name, res, inputs):
    rid = _h(name, 10)
    return {"id": rid, "arn": f"arn:aws:apigateway:{REGION}::/apis/{rid}",
            "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rid}",
            "apiEndpoint": f"https://{rid}.execute-api.{REGION}.amazonaws.com"}


def _queue(name, res, inputs):
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{res}"
    return {"id": url, "arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{res}", "url": url}


def _kms_key(name, res, inputs):
    rid = _h(name, 8) + "-1111-2222-3333-444455556666"
    return {"id": rid, "arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{rid}", "keyId": rid}


def _stage(name, res, inputs):
    api = inputs.get("restApi") if isinstance(inputs.get("restApi"), str) else "api"
    return {"arn": f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/{inputs.get('stageName')}"}


def _function_outputs(name, res, inputs):
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{res}"
    return {"arn": arn, "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"}


def _arn(template: str, id_is_arn: bool = False):
    """Outputs of a type whose identity is one ARN (``{res}``: the physical name, ``{auto}``: a generated suffix)."""
    def outputs(name, res, inputs):
        arn = template.format(region=REGION, account=ACCOUNT, res=res, auto=_auto(name)[-7:],
                              layer=inputs.get("layerName", name))
        return {"arn": arn, **({"id": arn} if id_is_arn else {})}
    return outputs


# What a provider computes for the types whose ids and ARNs the rules join on (the rest get a generic ARN).
IDENTITY = {
    "aws:lambda/function:Function": _function_outputs,
    "aws:iam/role:Role": _arn("arn:aws:iam::{account}:role/{res}"),
    "aws:iam/policy:Policy": _arn("arn:aws:iam::{account}:policy/{res}"),
    "aws:sqs/queue:Queue": _queue,
    "aws:sns/topic:Topic": _arn("arn:aws:sns:{region}:{account}:{res}", id_is_arn=True),
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigatewayv2/api:Api": _http_api,
    "aws:apigateway/stage:Stage": _stage,
    "aws:dynamodb/table:Table": lambda name, res, inputs: {
        "arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{res}",
        "streamArn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{res}/stream/2026-01-01T00:00:00.000"},
    "aws:kms/key:Key": _kms_key,
    "aws:secretsmanager/secret:Secret": _arn("arn:aws:secretsmanager:{region}:{account}:secret:{res}-AbCdEf",
                                             id_is_arn=True),
    "aws:ecr/repository:Repository": lambda name, res, inputs: {
        "arn": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{res}",
        "repositoryUrl": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{res}"},
    "aws:appsync/graphQLApi:GraphQLApi": lambda name, res, inputs: {
        "id": _h(name, 26), "arn": f"arn:aws:appsync:{REGION}:{ACCOUNT}:apis/{_h(name, 26)}"},
    "aws:wafv2/webAcl:WebAcl": _arn("arn:aws:wafv2:{region}:{account}:regional/webacl/{res}/{auto}"),
    "aws:sfn/stateMachine:StateMachine": _arn("arn:aws:states:{region}:{account}:stateMachine:{res}"),
    "aws:cloudwatch/logGroup:LogGroup": _arn("arn:aws:logs:{region}:{account}:log-group:{res}"),
    "aws:lambda/functionUrl:FunctionUrl": lambda name, res, inputs: {
        "functionUrl": f"https://{_auto(name)[-7:]}.lambda-url.{REGION}.on.aws/"},
    "aws:cognito/userPool:UserPool": _arn("arn:aws:cognito-idp:{region}:{account}:userpool/{region}_{auto}"),
    "aws:lambda/layerVersion:LayerVersion": _arn("arn:aws:lambda:{region}:{account}:layer:{layer}:1"),
    "aws:cloudwatch/eventBus:EventBus": _arn("arn:aws:events:{region}:{account}:event-bus/{res}"),
}


def _computed(type_: str, name: str, inputs: dict) -> dict:
    """Outputs a provider would compute on create (update mode only): a name where the program gave none,
    the type's ARN and id forms (IDENTITY), else a generic ARN."""
    if type_.startswith("aws-native:"):
        return _native_computed(type_, name, inputs, preview=False)
    if type_ == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") if isinstance(inputs.get("bucket"), str) else _auto(name)
        # the domain names AWS gives a bucket are made of its physical name (a distribution's origin names it so)
        return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}", "id": bucket,
                "bucketDomainName": f"{bucket}.s3.amazonaws.com",
                "bucketRegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com"}
    given = inputs.get("name") if isinstance(inputs.get("name"), str) else None
    out: dict = {} if "name" in inputs else {"name": _auto(name)}
    res_name = given or _auto(name)
    make = IDENTITY.get(type_)
    if make is not None:
        return {**out, "id": res_name, **make(name, res_name, inputs)}
    module, kind = type_.split(":")[1], type_.split(":")[2]
    if "arn" not in inputs:   # an input named arn (EventTarget's target) is the program's, kept as given
        out["arn"] = f"arn:aws:{module.split('/')[0].rstrip('_')}:{REGION}:{ACCOUNT}:{kind.lower()}/{res_name}"
    out["id"] = f"{res_name}-id"
    return out


STACK_REFERENCE = "pulumi:pulumi:StackReference"
STACK_OUTPUTS_ENV = "SERVERLESS_GUARD_STACK_OUTPUTS"   # scan --stack-outputs FILE, for the program's runner


def stack_reference(name: str) -> dict:
    """The state of ``pulumi.StackReference(name)``: the referenced stack's outputs as ``scan --stack-outputs``
    gives them (a JSON object of stack name -> outputs), else unknown, as in a preview of a stack whose
    references are not deployed: the program's ``get_output(...).apply`` waits instead of failing on None."""
    import json

    outputs = UNKNOWN
    path = os.environ.get(STACK_OUTPUTS_ENV)
    if path:
        with open(path, encoding="utf-8") as f:
            given = json.load(f)
        if isinstance(given, dict) and isinstance(given.get(name), dict):
            outputs = given[name]
    return {"name": name, "outputs": outputs, "secretOutputNames": []}


def _patch_stack_reference() -> None:
    """A StackReference whose stack's outputs scan was not given has none: each output the program asks for
    is unknown (the SDK's mocks would give None in an update, and ``.apply(lambda v: v.upper())`` fail), as in
    a preview before the referenced stack exists."""
    import asyncio

    import pulumi
    from pulumi.output import Output

    ref_class = pulumi.StackReference
    if getattr(ref_class, "_serverless_guard", False):
        return

    def output_of(self, name):
        outputs = self.outputs

        async def known() -> bool:
            return isinstance(await outputs.future(), dict) and bool(await outputs.is_known())

        async def value():
            found = await outputs.future()
            key = await Output.from_input(name).future()
            return found.get(key) if isinstance(found, dict) else None

        return Output(outputs.resources(), asyncio.ensure_future(value()), asyncio.ensure_future(known()),
                      outputs.is_secret())

    # the runner's own process, which exists to run this one program: the SDK's class is patched there only
    setattr(ref_class, "get_output", output_of)
    setattr(ref_class, "require_output", output_of)
    setattr(ref_class, "_serverless_guard", True)


def _patch_remote_components() -> None:
    """A multi-language component's SDK class registers each output it declares as None, which the SDK leaves
    out of the request: in the runner's own process, each is sent unknown instead, so the mocks' answer can
    say which outputs the component has (``_unknown_component_outputs``)."""
    import asyncio

    import pulumi
    from pulumi.output import Output

    component = pulumi.ComponentResource
    if getattr(component, "_serverless_guard", False):
        return
    original = component.__init__

    def unknown() -> Output:
        loop = asyncio.get_event_loop()
        value, known, secret = loop.create_future(), loop.create_future(), loop.create_future()
        value.set_result(None)
        known.set_result(False)
        secret.set_result(False)
        return Output(set(), value, known, secret)

    # not named __init__: the SDK places a resource by counting the __init__ frames below its constructor
    def init(self, t, name, props=None, opts=None, remote=False, package_ref=None):
        if remote and props is not None and t != REST_API_COMPONENT:
            # the SDK passes a dict, or its args object made for this call (its outputs in its __dict__)
            fields = props if isinstance(props, dict) else getattr(props, "__dict__", {})
            for key in [k for k, v in fields.items() if v is None]:
                fields[key] = unknown()
        original(self, t, name, props, opts, remote, package_ref)

    setattr(component, "__init__", init)
    setattr(component, "_serverless_guard", True)


def _make_mocks(preview: bool):
    import pulumi

    from . import shapes

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            import json

            if args.typ == STACK_REFERENCE:
                name = args.inputs.get("name") if isinstance(args.inputs.get("name"), str) else args.name
                return name, stack_reference(name)

            # A provider returns policy documents as JSON strings even when the program gave objects.
            state = {k: json.dumps(v) if k in ("policy", "assumeRolePolicy") and isinstance(v, dict) else v
                     for k, v in args.inputs.items()}
            if preview:
                return "", state  # computed outputs stay unknown
            computed = _computed(args.typ, args.name, args.inputs) if args.custom else {}
            # Every other output the provider fills, of the right shape, for the program's own use
            # (``stage.execution_arn.apply(...)``); the pack judges only inputs and identity outputs.
            filled = shapes.resource_outputs(args.typ, computed.get("name") or args.name) if args.custom else {}
            return computed.get("id", f"{args.name}-id"), {**filled, **state, **computed}

        def call(self, args):
            # pulumi 3.2xx iterates over the second item (the check failures): an empty list, never None
            given = args.args or {}
            return {**shapes.invoke_result(args.token, given), **_invoke(args.token, given)}, []

    return Mocks()


def _invoke(token: str, args: dict) -> dict:
    """What the provider returns for the data sources programs commonly call; any other invoke gets an
    empty result (the program sees missing fields, never a crash)."""
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "userId": ACCOUNT, "id": ACCOUNT}
    if token == "aws:index/getRegion:getRegion":
        return {"name": REGION, "region": REGION, "id": REGION, "endpoint": f"ec2.{REGION}.amazonaws.com",
                "description": "US East (N. Virginia)"}
    if token == "aws:index/getPartition:getPartition":
        return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws"}
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        zones = [f"{REGION}{z}" for z in "abc"]
        return {"names": zones, "zoneIds": [f"use1-az{i}" for i in (1, 2, 4)], "id": REGION, "groupNames": [REGION]}
    if token == "aws:iam/getPolicy:getPolicy":
        return _get_policy(args)
    if token in ("aws:ecr/getCredentials:getCredentials", "aws:ecr/getAuthorizationToken:getAuthorizationToken"):
        return _ecr_token(args)
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        import json

        doc = policy_document(args)
        text = json.dumps(doc, indent=2)
        return {"json": text, "minifiedJson": json.dumps(doc, separators=(",", ":")),
                "id": hashlib.sha1(text.encode()).hexdigest()[:10]}
    return {}


def _ecr_token(args: dict) -> dict:
    """An ECR login as the service returns it: ``authorizationToken`` is base64 of ``AWS:<password>``, which
    programs that push an image decode into a user name and password."""
    import base64

    given = args.get("registryId")
    registry = given if isinstance(given, str) else ACCOUNT
    password = "scan-ecr-password-" + _h(registry, 12)
    token = base64.b64encode(f"AWS:{password}".encode()).decode()
    endpoint = f"https://{registry}.dkr.ecr.{REGION}.amazonaws.com"
    return {"authorizationToken": token, "proxyEndpoint": endpoint, "expiresAt": "2026-01-01T12:00:00Z",
            "userName": "AWS", "password": password, "registryId": registry, "id": registry}


def _get_policy(args: dict) -> dict:
    """``aws.iam.get_policy``: an AWS managed policy found by its name (or ARN) has its real ARN, path and
    document (a program that attaches ``get_policy(name="AdministratorAccess").arn`` attaches the real
    AdministratorAccess); any other name is a customer managed policy of the account."""
    import json

    from ..core import managed
    from . import shapes

    arn, name = args.get("arn"), args.get("name")
    if isinstance(arn, str) and managed.is_managed(arn):
        name = managed.name_of(arn)
    if not isinstance(name, str):
        return {}
    entry = managed.entry(name)
    if entry is not None:
        path = entry.get("path", "/")
        arn = f"arn:aws:iam::aws:policy{path}{name}"
        return {"arn": arn, "id": arn, "name": name, "path": path, "policyId": f"ANPA{_h(name, 16).upper()}",
                "policy": json.dumps({"Version": "2012-10-17", "Statement": entry["statement"]}),
                "description": "", "tags": {}}
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
    return {"arn": arn, "id": arn, "name": name, "path": "/", "policyId": f"ANPA{_h(name, 16).upper()}",
            "policy": shapes.EMPTY_POLICY, "description": "", "tags": {}}


def _one_or_list(values):
    values = list(values or [])
    return values[0] if len(values) == 1 else values


def _principal_block(principals) -> object:
    """Terraform's aws_iam_policy_document rendering: type "*" with identifier "*" is ``"*"``."""
    principals = list(principals or [])
    if len(principals) == 1 and principals[0].get("type") == "*" and list(principals[0].get("identifiers") or []) == ["*"]:
        return "*"
    block: dict = {}
    for p in principals:
        kind, ids = p.get("type"), list(p.get("identifiers") or [])
        block.setdefault(kind, [])
        block[kind].extend(i for i in ids if i not in block[kind])
    return {k: _one_or_list(v) for k, v in block.items()}


def policy_document(args: dict) -> dict:
    """``aws.iam.get_policy_document`` rendered with aws_iam_policy_document semantics: sid, effect
    (default Allow), actions/not_actions, resources/not_resources, principals/not_principals,
    conditions as ``{test: {variable: values}}``, single values as strings."""
    doc: dict = {"Version": args.get("version") or "2012-10-17"}
    if args.get("policyId"):
        doc["Id"] = args["policyId"]
    stmts = []
    for s in args.get("statements") or []:
        out: dict = {}
        if s.get("sid"):
            out["Sid"] = s["sid"]
        out["Effect"] = s.get("effect") or "Allow"
        for key, wire in (("Action", "actions"), ("NotAction", "notActions"), ("Resource", "resources"),
                          ("NotResource", "notResources")):
            if s.get(wire):
                out[key] = _one_or_list(s[wire])
        if s.get("principals"):
            out["Principal"] = _principal_block(s["principals"])
        if s.get("notPrincipals"):
            out["NotPrincipal"] = _principal_block(s["notPrincipals"])
        for c in s.get("conditions") or []:
            out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = _one_or_list(c.get("values"))
        stmts.append(out)
    doc["Statement"] = stmts
    return doc


def _recording_monitor(mocks, capture: Capture, preview: bool):
    from google.protobuf import json_format
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        def Invoke(self, request):
            return super().Invoke(_without_resource_refs(request, "args"))

        def RegisterResource(self, request):
            # The mock monitor would turn a resource reference (``role=lambda_role``) back into a
            # resource object on its own thread's event loop, which the program's loop then awaits
            # ("attached to a different loop"); the provider gets the resource's id, as from the engine.
            response = super().RegisterResource(_without_resource_refs(request, "object"))
            if request.remote:
                _unknown_component_outputs(request, response)
            if request.type.startswith(SKIPPED_TYPES):
                return response
            inputs = json_format.MessageToDict(request.object)
            if request.type == "pulumi:pulumi:Stack" or not request.custom:
                outputs = {}
            elif preview and request.type.startswith("aws-native:"):
                outputs = {**inputs, **_native_computed(request.type, request.name, inputs, preview=True)}
            elif preview:
                outputs = {"arn": UNKNOWN, **inputs, "id": UNKNOWN}
            else:
                outputs = {**inputs, **_computed(request.type, request.name, inputs)}
            source_file, source_line = _source(request)
            capture.records.append(Record(
                type=request.type, name=request.name, urn=response.urn, parent=request.parent,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                inputs=inputs, outputs=outputs, custom=bool(request.custom), provider=request.provider,
                source_file=source_file, source_line=source_line, remote=bool(request.remote)))
            return response

    return RecordingMonitor(mocks)


def _unknown_component_outputs(request, response) -> None:
    """A multi-language component's outputs (awsx's ``ApplicationLoadBalancer.load_balancer``) are made by its
    provider plugin, which ``scan`` does not run. Its SDK class registers every output it declares (as null),
    and the mocks answer with the inputs alone: each output would be None in an update, and
    ``loadbalancer.load_balancer.dns_name`` fail. Each is answered unknown instead, as in a preview before the
    component exists: the program reads it without failing, and nothing it feeds is judged as known."""
    if request.type == REST_API_COMPONENT:   # built here (rest_api.py), its outputs with it
        return
    given = response.object.fields
    for key in request.object.fields:
        if key not in given:
            given[key].string_value = UNKNOWN


def _without_resource_refs(request, field_name: str):
    """``request`` with every resource reference in its Struct ``field_name`` replaced by the resource's
    id (its URN when the id is not known yet)."""
    from google.protobuf import json_format

    from ..core.values import RESOURCE_REF_SIG, SIG_KEY

    found = False

    def strip(value):
        nonlocal found
        if isinstance(value, dict):
            if value.get(SIG_KEY) == RESOURCE_REF_SIG:
                found = True
                return value.get("id") or value.get("urn") or ""
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    data = strip(json_format.MessageToDict(getattr(request, field_name)))
    if not found:
        return request
    copy = type(request)()
    copy.CopyFrom(request)
    getattr(copy, field_name).Clear()
    getattr(copy, field_name).update(data)
    return copy


def _source(request) -> tuple:
    """The file and line of the program that constructs the resource (the SDK sends it)."""
    from urllib.parse import unquote, urlparse

    pos = getattr(request, "sourcePosition", None)
    if pos is None or not pos.uri.startswith("file:"):
        return "", 0
    return unquote(urlparse(pos.uri).path), int(pos.line)


class ProgramError(Exception):
    """The program failed (its own exception, an exit, a time-out): the program's own words and, when
    known, where in the program (``main.py:12``). It is the user's code, never an error of the pack."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.message, self.where = message, where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def program_error(exc: BaseException, root: str | None) -> ProgramError:
    """``exc`` raised by the program (or by its ``apply`` callbacks): its type, first line and the
    innermost line of the program's own files (not its libraries) that it passed through."""
    import traceback

    if isinstance(exc, SystemExit):
        return ProgramError(f"the program called sys.exit({exc.code!r}) before it finished declaring resources")
    where = ""
    if root:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            file = os.path.abspath(frame.filename)
            if file.startswith(root + os.sep) and f"{os.sep}site-packages{os.sep}" not in file:
                where = f"{os.path.relpath(file, root)}:{frame.lineno}"
                break
    text = str(exc).strip().splitlines()
    return ProgramError(f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__, where)


def region_config() -> dict:
    """The region a deployment has from its stack config (``aws:region``, and ``aws-native:region``, which that
    provider requires) or from AWS_REGION; the stack's own config overrides it."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or REGION
    return {"aws:region": region, "aws-native:region": region}


def run(program: Callable[[], None], mode: str = "update", project: str = "app", stack: str = "dev",
        config: dict | None = None, secret_keys: tuple = (), root: str | None = None,
        organization: str = "organization") -> Capture:
    """Run ``program`` (a function that declares resources) under mocks and record its resources.
    ``config`` holds the stack's config (``project:key`` -> string), ``secret_keys`` the secure ones;
    ``root`` is the program's folder (an error is located at the program's own line in it)."""
    import pulumi
    from pulumi.runtime import settings as rt_settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    if mode not in ("update", "preview"):
        raise ValueError(f"mode must be 'update' or 'preview', not {mode!r}")
    preview = mode == "preview"
    capture = Capture(mode)
    rt_settings.ROOT.set(None)
    mocks = _make_mocks(preview)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview,
                             monitor=_recording_monitor(mocks, capture, preview), organization=organization)
    from pulumi.runtime import config as rt_config

    rt_config.set_all_config({**region_config(), **(config or {})}, list(secret_keys))
    _patch_stack_reference()
    _patch_remote_components()
    errors: list = []

    def body():
        try:
            program()
        except (Exception, SystemExit, KeyboardInterrupt) as exc:  # the program's, reported as ProgramError
            errors.append(exc)

    rt_settings.SETTINGS.rpc_manager.clear()
    try:
        _sync_await(run_pulumi_func(body))
    except Exception as exc:  # noqa: BLE001 - raised in the program's apply callbacks while its resources resolve
        errors.append(exc)
    if errors:
        raise program_error(errors[0], root) from errors[0]
    return capture


MAX_CONFIG_BYTES = 4 << 20   # a Pulumi.yaml or Pulumi.<stack>.yaml


def stack_config(path: str, project: str) -> tuple:
    """A ``Pulumi.<stack>.yaml`` file -> (config as ``project:key`` -> string, the secure keys).

    Secure values are encrypted with the stack's key, which only the Pulumi CLI can read: the program
    gets a placeholder of its own per key (``secure_placeholder``), marked secret, so ``config.require_secret``
    works and no rule sees the text; read with a plain ``config.get`` it reaches resources unmarked, as the
    real value would, and ``mark_secure_config`` marks it secret wherever it landed.
    """
    import json

    from ..core.files import load_yaml_file, shown

    data = load_yaml_file(path, MAX_CONFIG_BYTES, what="a stack's config")
    data = {} if data is None else data
    if not isinstance(data, dict) or not isinstance(data.get("config", {}), dict):
        raise ValueError(f"{shown(path)}: expected a mapping with a 'config' mapping")
    out, secret = {}, []
    for key, value in (data.get("config") or {}).items():
        key = str(key) if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            out[key] = secure_placeholder(key)
            secret.append(key)
        else:
            # a structured value with secure leaves is secret as a whole, as the CLI makes it
            value, hidden = _without_secure(value, key)
            out[key] = value if isinstance(value, str) else json.dumps(value)
            secret += [key] if hidden else []
    return out, tuple(secret)


def project_config(path: str, project: str) -> dict:
    """The config Pulumi.yaml itself declares (its ``config:`` block: a value, or a ``default``/``value``),
    which a stack's own config overrides, as the CLI applies it. ``template:`` config is only what
    ``pulumi new`` asks for, so it is not config."""
    import json

    from ..core.files import load_yaml_file

    data = load_yaml_file(os.path.join(path, "Pulumi.yaml"), MAX_CONFIG_BYTES, what="a Pulumi project file")
    block = data.get("config") if isinstance(data, dict) else None
    out = {}
    for key, value in (block.items() if isinstance(block, dict) else ()):
        key = str(key) if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict):
            if "value" in value or "default" in value:
                value = value.get("value", value.get("default"))
            else:
                continue   # a declaration without a value: the stack must set it
        out[key] = value if isinstance(value, str) else json.dumps(value)
    return out


def _without_secure(value, key: str = "") -> tuple:
    """``value`` with each ``{"secure": ...}`` leaf replaced by a placeholder, and whether there was one."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return secure_placeholder(key), True
    if isinstance(value, dict):
        pairs = {k: _without_secure(v, f"{key}.{k}") for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(h for _, h in pairs.values())
    if isinstance(value, list):
        items = [_without_secure(v, f"{key}.{i}") for i, v in enumerate(value)]
        return [v for v, _ in items], any(h for _, h in items)
    return value, False


SECURE_PREFIX = "sg-secure-config-"


def secure_placeholder(key: str) -> str:
    """What the program reads for a secure config value scan cannot decrypt: text of its own per key, which
    no program writes, so ``mark_secure_config`` finds it wherever the program put it."""
    return f"{SECURE_PREFIX}{_h(key, 12)}"


def mark_secure_config(records: list) -> list:
    """Each record with every string that holds a secure config placeholder marked secret: a secure value
    read with a plain ``config.get`` is the stack's secret, whichever way the program read it, and a rule
    that looks for secrets in plaintext places (environment variables, tags, definitions) must see it so."""
    for rec in records:
        rec.inputs = _marked(rec.inputs)
        rec.outputs = _marked(rec.outputs)
    return records


def _marked(value):
    from ..core.values import SECRET_SIG, SIG_KEY

    if isinstance(value, str):
        return {SIG_KEY: SECRET_SIG, "value": value} if SECURE_PREFIX in value else value
    if isinstance(value, dict):
        if value.get(SIG_KEY):
            return value
        return {k: _marked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v) for v in value]
    return value


def program_settings(path: str) -> tuple:
    """(project name, main file, virtualenv site-packages, runtime) from a program folder's Pulumi.yaml;
    for Node.js, main is Pulumi.yaml's ``main`` as written (else ".")."""
    import glob

    from ..core.files import load_yaml_file, shown

    meta = os.path.join(path, "Pulumi.yaml")
    if not os.path.isfile(meta):
        raise FileNotFoundError(f"{shown(path)} is not a Pulumi program: it has no Pulumi.yaml")
    data = load_yaml_file(meta, MAX_CONFIG_BYTES, what="a Pulumi project file")
    if not isinstance(data, dict):
        raise ValueError(f"{shown(meta)}: not a Pulumi project file (a mapping with name and runtime)")
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"{shown(meta)}: name is {type(name).__name__ if not isinstance(name, str) else 'empty'}, "
                         "not a project name")
    project = name or os.path.basename(os.path.abspath(path))
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name == "nodejs":
        main = data.get("main")
        if main is not None and not isinstance(main, str):
            raise ValueError(f"{shown(meta)}: main is {type(main).__name__}, not a path")
        return project, main or ".", [], "nodejs"
    if runtime_name not in (None, "python"):
        raise FileNotFoundError(f"{path} is a {runtime_name} program: scan its `pulumi stack export` or "
                                "`pulumi preview --json` output instead (Python and Node.js programs run directly)")
    main = os.path.join(path, data["main"]) if isinstance(data.get("main"), str) else path
    if os.path.isdir(main):
        main = os.path.join(main, "__main__.py")
    if not os.path.isfile(main):
        raise FileNotFoundError(f"{path} has no {os.path.relpath(main, path)}: only Python Pulumi programs can be "
                                "run; scan a stack export or preview JSON for other languages")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    site = sorted(glob.glob(os.path.join(path, venv, "lib", "python3*", "site-packages"))) if isinstance(venv, str) else []
    return project, os.path.abspath(main), site, "python"


def run_python_directory(path: str, main: str, project: str, site: list, mode: str, stack: str, config: dict,
                         secret: tuple, organization: str = "organization") -> Capture:
    """Run the Python program ``main`` of the project folder ``path`` (``program.run_directory`` reads which)."""
    old_cwd, old_path = os.getcwd(), list(sys.path)

    def program():
        os.chdir(path)
        sys.path[:0] = [os.path.dirname(main), *site]
        try:
            runpy.run_path(main, run_name="__main__")
        finally:
            os.chdir(old_cwd)
            sys.path[:] = old_path

    return run(program, mode=mode, project=project, stack=stack, config=config, secret_keys=secret, root=path,
               organization=organization)
