"""aws-native: one application written with pulumi-aws and with pulumi-aws-native, with the same
misconfigurations, gets the same findings (policy and resource) in update and in preview; messages
name the aws-native settings; secrets stay hidden; stacks that mix the two providers are joined."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from fixtures import twins
from policies.core import native
from policies.core.resource import Resource
from policies.testing import check

PAIRS = [("classic", "native"), ("classic_more", "native_more"), ("classic_hardened", "native_hardened")]


def _verdicts(found) -> set:
    return {(f.policy, f.resource, f.undecided) for f in found}


@pytest.fixture(scope="module")
def runs():
    cache: dict = {}

    def get(name: str, mode: str):
        if (name, mode) not in cache:
            cache[name, mode] = check(getattr(twins, name), mode=mode)
        return cache[name, mode]
    return get


@pytest.mark.parametrize("mode", ["update", "preview"])
@pytest.mark.parametrize("classic,native_", PAIRS, ids=[p[0] for p in PAIRS])
def test_the_same_app_in_either_provider_gets_the_same_findings(runs, classic, native_, mode):
    a, b = runs(classic, mode), runs(native_, mode)
    assert not [f for f in a + b if "internal error" in f.message]
    assert _verdicts(a) == _verdicts(b), (sorted(_verdicts(a) - _verdicts(b)), sorted(_verdicts(b) - _verdicts(a)))
    if classic == "classic_hardened":
        assert not a and not b   # the compliant twins: nothing to report in either provider
    else:
        assert len(a) >= 20      # the misconfigured twins: the comparison is about something


def _message(found, policy, resource):
    hits = [f.message for f in found if f.policy == policy and f.resource == resource and not f.undecided]
    assert len(hits) == 1, (policy, resource, [(f.policy, f.resource) for f in found])
    return hits[0]


def test_messages_name_the_aws_native_resource_and_its_settings(runs):
    found = runs("native", "update")
    assert _message(found, "lambda-url-auth-none", "fn-url").startswith("Url 'fn-url': auth_type is NONE")
    assert "tracing_enabled is not true" in _message(found, "apigw-xray", "prod")
    assert "has no access_log_setting.destination_arn" in _message(found, "apigw-access-logging", "prod")
    assert "point_in_time_recovery_specification.point_in_time_recovery_enabled is not true" in \
        _message(found, "dynamodb-pitr", "orders-table")
    assert "has no logging_configuration" in _message(found, "s3-access-logging", "site")
    assert "`policy_document` statement 1" in _message(found, "s3-policy-public", "site-policy")
    more = runs("native_more", "update")
    assert "access_control is PublicRead" in _message(more, "s3-acl-public", "data")
    assert "retention_period_hours is 24 hours" in _message(more, "kinesis-stream-retention", "clicks")
    assert "distribution_config.default_cache_behavior.viewer_protocol_policy is allow-all" in \
        _message(more, "cloudfront-viewer-https", "cdn")
    # and the classic program keeps pulumi-aws's names
    classic = runs("classic_more", "update")
    assert "BucketAcl 'data': acl is public-read" in _message(classic, "s3-acl-public", "data")


def test_an_aws_native_role_keeps_policies_attached_elsewhere(runs):
    """CloudControl changes only the policies a Role lists, so a ManagedPolicy naming the role is no
    conflict (pulumi-aws's exclusive managedPolicyArns would be)."""
    assert not [f for f in runs("native_more", "update") if f.policy == "iam-role-policy-conflict"]


SECRET = "s3cr3t-Value-only-here"


def _secret_everywhere():
    import pulumi
    import pulumi_aws_native as aws_native

    role = aws_native.iam.Role("fn-role", assume_role_policy_document=twins.ASSUME_LAMBDA)
    aws_native.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="index.handler",
                                code={"zip_file": "pass"},
                                environment={"variables": {"API_TOKEN": pulumi.Output.secret(SECRET)}},
                                tags=[{"key": "db-password", "value": pulumi.Output.secret(SECRET)}])
    aws_native.apigateway.Deployment("deploy", rest_api_id="abc123", stage_name="prod",
                                     stage_description={"variables": {"key": pulumi.Output.secret(SECRET)}})


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_a_secret_in_an_aws_native_resource_is_reported_never_shown(mode):
    found = check(_secret_everywhere, mode=mode)
    assert SECRET not in repr(found)
    if mode == "update":
        assert "environment variable 'API_TOKEN' holds a secret value (marked secret by the program or its stack config)" in \
            _message(found, "lambda-env-secrets", "fn")
        assert "tag 'db-password' holds a secret value (marked secret by the program or its stack config)" in _message(found, "tags-secrets", "fn")
        assert "holds a secret value (marked secret by the program or its stack config)" in _message(found, "apigw-stage-variable-secrets", "deploy")


def _mixed():
    import pulumi_aws as aws
    import pulumi_aws_native as aws_native

    role = aws.iam.Role("fn-role", assume_role_policy=json.dumps(twins.ASSUME_LAMBDA),
                        managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"])
    fn = aws_native.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="index.handler",
                                     code={"zip_file": "pass"})
    aws.lambda_.FunctionUrl("fn-url", function_name=fn.function_name, authorization_type="NONE")
    aws.lambda_.Permission("fn-public", function=fn.function_name, action="lambda:InvokeFunctionUrl",
                           principal="*", function_url_auth_type="NONE")
    bucket = aws_native.s3.Bucket("site", bucket_name="site-bucket")
    aws.s3.BucketPolicy("site-policy", bucket=bucket.bucket_name, policy=json.dumps(twins.PUBLIC_READ))


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_stack_rules_join_aws_native_and_classic_resources(mode):
    found = {(f.policy, f.resource) for f in check(_mixed, mode=mode) if not f.undecided}
    # the native function runs as the classic admin role; the classic URL and permission expose it
    assert ("lambda-role-overprivileged", "fn") in found
    assert ("lambda-url-public-invoke-confirmed", "fn-url") in found
    assert ("lambda-reserved-concurrency", "fn") in found
    # the classic bucket policy opens the native bucket; the native bucket has no TLS-only policy
    assert ("s3-policy-public", "site-policy") in found
    assert ("s3-tls-only", "site") in found


# --- the translation itself ------------------------------------------------------------------
def _view(type_, props, secrets=(), deps=None):
    return native.translate(Resource(type_, "r", "urn:pulumi:dev::app::" + type_ + "::r", props, frozenset(secrets),
                                     property_dependencies=deps or {}))


def test_a_view_keeps_the_native_urn_and_kind_and_maps_paths_back():
    views = _view("aws-native:s3:Bucket", {"bucketName": "b", "publicAccessBlockConfiguration": {
        "blockPublicPolicy": False}, "accessControl": "PublicRead"})
    assert [v.type for v in views] == ["aws:s3/bucket:Bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
                                       "aws:s3/bucketAcl:BucketAcl"]
    assert {v.report_urn for v in views} == {views[0].urn}
    assert len({v.urn for v in views}) == 3   # each view is indexed on its own
    assert {v.kind for v in views} == {"Bucket"}
    block = views[1]
    assert block.props == {"blockPublicPolicy": False, "bucket": "b"}
    assert block.property_dependencies == {"bucket": (views[0].urn,)}
    assert native.native_terms("blockPublicPolicy is false", block.origin) == \
        "publicAccessBlockConfiguration.blockPublicPolicy is false"
    assert views[2].props["acl"] == "public-read"


def test_tag_keys_stay_readable_when_their_values_are_secret():
    [fn] = _view("aws-native:lambda:Function", {"tags": [{"key": "team", "value": "a"}, {"key": "pw", "value": "x"}]},
                 secrets={"tags.1.value"})
    assert fn.props["tags"] == {"team": "a", "pw": "x"}
    assert fn.secret_paths == frozenset({"tags.pw"})


def test_a_secret_block_stays_secret_in_every_view_it_feeds():
    views = _view("aws-native:apigateway:Deployment", {"restApiId": "a", "stageName": "prod",
                                                       "stageDescription": {"variables": {"k": "v"}}},
                  secrets={"stageDescription"})
    stage = [v for v in views if v.type == "aws:apigateway/stage:Stage"][0]
    assert "variables" in stage.secret_paths
    assert stage.leaves()["v"] is True


@pytest.mark.parametrize("type_", sorted(native.types()))
@pytest.mark.parametrize("props", [{}, {"tags": "x", "targets": 3, "distributionConfig": "x", "roles": None,
                                        "subscription": [None, 1, "x"], "methodSettings": {"a": 1},
                                        "bucketEncryption": [1], "stageName": 7, "stageDescription": "x"},
                                   {"tags": [None, {"key": 1}], "policies": [1], "notificationConfiguration":
                                    {"lambdaConfigurations": "x"}}])
def test_translation_never_raises_on_mistyped_properties(type_, props):
    for v in _view(type_, props, secrets={"tags", "a.b"}):
        assert isinstance(v.props, dict)


def test_the_docs_list_every_aws_native_type():
    with open(os.path.join(ROOT, "docs", "aws-native.md"), encoding="utf-8") as f:
        text = f.read()
    assert [t for t in native.types() if f"| `{t}` |" not in text] == []


HAVE_NODE = shutil.which("node") is not None and os.path.isdir(
    os.path.join(ROOT, ".ci", "node_modules", "@pulumi", "aws-native"))
if not HAVE_NODE and os.environ.get("CI"):
    raise RuntimeError(".ci/run installs @pulumi/aws-native into .ci/node_modules; it is missing")


@pytest.mark.skipif(not HAVE_NODE, reason="needs .ci/node_modules (.ci/run)")
@pytest.mark.parametrize("mode", ["update"])   # preview: the Python twins above (each TypeScript run costs 9 s)
def test_a_typescript_aws_native_program_gets_the_python_programs_findings(runs, tmp_path, mode):
    out = tmp_path / "findings.json"
    env = {**os.environ, "NODE_PATH": os.path.join(ROOT, ".ci", "node_modules")}
    proc = subprocess.run([sys.executable, "-m", "policies", "scan", os.path.join(ROOT, "tests", "fixtures", "ts",
                                                                                   "native_app"), "--json", str(out),
                           *(["--preview"] if mode == "preview" else [])],
                          cwd=ROOT, capture_output=True, text=True, timeout=240, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(out.read_text())
    ts = {(f["policy"], f["resource"]) for f in data["findings"]}
    py = {(f.policy, f.resource) for f in runs("native", mode) if not f.undecided}
    assert ts == py, (sorted(ts - py), sorted(py - ts))
    url = [f for f in data["findings"] if f["policy"] == "lambda-url-auth-none"][0]
    assert url["message"].startswith("Url 'fn-url': authType is NONE")   # TypeScript names, as the program wrote
    assert url["location"] == {"file": "tests/fixtures/ts/native_app/index.ts", "line": 25}
