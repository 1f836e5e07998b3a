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


@dataclass
class Capture:
    mode: str
    records: list = field(default_factory=list)
    log: list = field(default_factory=list)


def _auto(name: str) -> str:
    return f"{name}-{hashlib.sha1(name.encode()).hexdigest()[:7]}"


def _computed(type_: str, name: str, inputs: dict) -> dict:
    """Outputs a provider would compute on create (update mode only)."""
    module, kind = type_.split(":")[1], type_.split(":")[2]
    service = module.split("/")[0].rstrip("_")
    out: dict = {}
    res_name = inputs.get("name") if isinstance(inputs.get("name"), str) else None
    if "name" not in inputs and type_ not in ("aws:s3/bucket:Bucket",):
        res_name = _auto(name)
        out["name"] = res_name
    res_name = res_name or _auto(name)
    rid = res_name
    if type_ == "aws:s3/bucket:Bucket":
        bucket = inputs.get("bucket") if isinstance(inputs.get("bucket"), str) else _auto(name)
        out.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}")
        rid = bucket
    elif type_ == "aws:lambda/function:Function":
        out.update(arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{res_name}",
                   invokeArn=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                             f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{res_name}/invocations")
    elif type_ == "aws:iam/role:Role":
        out.update(arn=f"arn:aws:iam::{ACCOUNT}:role/{res_name}")
    elif type_ == "aws:iam/policy:Policy":
        out.update(arn=f"arn:aws:iam::{ACCOUNT}:policy/{res_name}")
    elif type_ == "aws:sqs/queue:Queue":
        out.update(arn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{res_name}",
                   url=f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{res_name}")
        rid = out["url"]
    elif type_ == "aws:sns/topic:Topic":
        out.update(arn=f"arn:aws:sns:{REGION}:{ACCOUNT}:{res_name}")
        rid = out["arn"]
    elif type_ == "aws:apigateway/restApi:RestApi":
        rid = hashlib.sha1(name.encode()).hexdigest()[:10]
        out.update(arn=f"arn:aws:apigateway:{REGION}::/restapis/{rid}", rootResourceId="root" + rid[:6],
                   executionArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rid}")
    elif type_ == "aws:apigatewayv2/api:Api":
        rid = hashlib.sha1(name.encode()).hexdigest()[:10]
        out.update(arn=f"arn:aws:apigateway:{REGION}::/apis/{rid}",
                   executionArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rid}",
                   apiEndpoint=f"https://{rid}.execute-api.{REGION}.amazonaws.com")
    elif type_ == "aws:apigateway/stage:Stage":
        api = inputs.get("restApi") if isinstance(inputs.get("restApi"), str) else "api"
        out.update(arn=f"arn:aws:apigateway:{REGION}::/restapis/{api}/stages/{inputs.get('stageName')}")
    elif type_ == "aws:dynamodb/table:Table":
        out.update(arn=f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{res_name}",
                   streamArn=f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{res_name}/stream/2026-01-01T00:00:00.000")
    elif type_ == "aws:kms/key:Key":
        rid = hashlib.sha1(name.encode()).hexdigest()[:8] + "-1111-2222-3333-444455556666"
        out.update(arn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{rid}", keyId=rid)
    elif type_ == "aws:secretsmanager/secret:Secret":
        out.update(arn=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{res_name}-AbCdEf")
        rid = out["arn"]
    elif type_ == "aws:ecr/repository:Repository":
        out.update(arn=f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{res_name}",
                   repositoryUrl=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{res_name}")
    elif type_ == "aws:appsync/graphQLApi:GraphQLApi":
        rid = hashlib.sha1(name.encode()).hexdigest()[:26]
        out.update(arn=f"arn:aws:appsync:{REGION}:{ACCOUNT}:apis/{rid}")
    elif type_ == "aws:wafv2/webAcl:WebAcl":
        out.update(arn=f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/{res_name}/{_auto(name)[-7:]}")
    elif type_ == "aws:sfn/stateMachine:StateMachine":
        out.update(arn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{res_name}")
    elif type_ == "aws:cloudwatch/logGroup:LogGroup":
        out.update(arn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{res_name}")
    elif type_ == "aws:lambda/functionUrl:FunctionUrl":
        out.update(functionUrl=f"https://{_auto(name)[-7:]}.lambda-url.{REGION}.on.aws/")
    elif type_ == "aws:cognito/userPool:UserPool":
        out.update(arn=f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_{_auto(name)[-7:]}")
    elif type_ == "aws:lambda/layerVersion:LayerVersion":
        out.update(arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{inputs.get('layerName', name)}:1")
    elif type_ == "aws:cloudwatch/eventBus:EventBus":
        out.update(arn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{res_name}")
    else:
        out.setdefault("arn", f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind.lower()}/{res_name}")
        rid = f"{res_name}-id"
    out["id"] = rid
    return out


def _make_mocks(preview: bool):
    import pulumi

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            import json

            # A provider returns policy documents as JSON strings even when the program gave objects.
            state = {k: json.dumps(v) if k in ("policy", "assumeRolePolicy") and isinstance(v, dict) else v
                     for k, v in args.inputs.items()}
            if preview:
                return "", state  # computed outputs stay unknown
            computed = _computed(args.typ, args.name, args.inputs) if args.custom else {}
            state.update(computed)
            return computed.get("id", f"{args.name}-id"), state

        def call(self, args):
            token = args.token
            if token == "aws:index/getCallerIdentity:getCallerIdentity":
                return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root", "userId": ACCOUNT}, None
            if token == "aws:index/getRegion:getRegion":
                return {"name": REGION, "region": REGION, "id": REGION}, None
            if token == "aws:iam/getPolicyDocument:getPolicyDocument":
                return {"json": _policy_document_json(args.args)}, None
            return {}, None

    return Mocks()


def _policy_document_json(args: dict) -> str:
    """What aws.iam.get_policy_document returns, for the statements the program passed."""
    import json

    stmts = []
    for s in args.get("statements") or []:
        out = {"Effect": s.get("effect", "Allow")}
        if s.get("actions"):
            out["Action"] = s["actions"]
        if s.get("resources"):
            out["Resource"] = s["resources"]
        for p in s.get("principals") or []:
            out.setdefault("Principal", {})[p["type"]] = p["identifiers"]
        for c in s.get("conditions") or []:
            out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
        stmts.append(out)
    return json.dumps({"Version": "2012-10-17", "Statement": stmts})


def _recording_monitor(mocks, capture: Capture, preview: bool):
    from google.protobuf import json_format
    from pulumi.runtime.mocks import MockMonitor

    class RecordingMonitor(MockMonitor):
        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type.startswith(SKIPPED_TYPES):
                return response
            inputs = json_format.MessageToDict(request.object)
            if request.type == "pulumi:pulumi:Stack" or not request.custom:
                outputs = {}
            elif preview:
                outputs = {**inputs, "id": UNKNOWN, "arn": UNKNOWN}
            else:
                outputs = {**inputs, **_computed(request.type, request.name, inputs)}
            capture.records.append(Record(
                type=request.type, name=request.name, urn=response.urn, parent=request.parent,
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                inputs=inputs, outputs=outputs, custom=bool(request.custom), provider=request.provider))
            return response

    return RecordingMonitor(mocks)


class ProgramError(Exception):
    """The program raised: carries the program's own exception text (it is the user's code)."""


def run(program: Callable[[], None], mode: str = "update", project: str = "app", stack: str = "dev") -> Capture:
    """Run ``program`` (a function that declares resources) under mocks and record its resources."""
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
                             monitor=_recording_monitor(mocks, capture, preview))
    errors: list = []

    def body():
        try:
            program()
        except Exception as exc:  # noqa: BLE001 - reported to the caller as ProgramError
            errors.append(exc)

    rt_settings.SETTINGS.rpc_manager.clear()
    _sync_await(run_pulumi_func(body))
    if errors:
        raise ProgramError(f"{type(errors[0]).__name__}: {errors[0]}") from errors[0]
    return capture


def run_directory(path: str, mode: str = "update", stack: str = "dev") -> Capture:
    """Run the Pulumi program in ``path`` (a folder with Pulumi.yaml and __main__.py)."""
    import yaml

    meta = os.path.join(path, "Pulumi.yaml")
    if not os.path.isfile(meta):
        raise FileNotFoundError(f"{path} is not a Pulumi program: it has no Pulumi.yaml")
    with open(meta, encoding="utf-8") as f:
        project = (yaml.safe_load(f) or {}).get("name") or os.path.basename(os.path.abspath(path))
    path = os.path.abspath(path)
    main = os.path.join(path, "__main__.py")
    if not os.path.isfile(main):
        raise FileNotFoundError(f"{path} has no __main__.py: only Python Pulumi programs can be scanned")
    old_cwd, old_path = os.getcwd(), list(sys.path)

    def program():
        os.chdir(path)
        sys.path.insert(0, os.path.abspath(path))
        try:
            runpy.run_path(main, run_name="__main__")
        finally:
            os.chdir(old_cwd)
            sys.path[:] = old_path

    return run(program, mode=mode, project=project, stack=stack)
