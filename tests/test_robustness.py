"""Hostile input through the engine path: no failed call, no hidden finding, no value in a message,
the same answer under concurrency and any hash seed, bounded cost.

Requests here are sent to a real pack process over gRPC, as the engine sends them; where a case
starts from a pulumi-aws program it is captured first and then broken on purpose.
"""
from __future__ import annotations

import concurrent.futures
import copy
import json
import math

import pulumi_aws as aws
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb

from conftest import analyze, captured
from cases import CASES, load_all
from policies.core.cases import P

from policies.core import values
from policies.engine import analyzer

function, role = P.function, P.role

load_all()
INTERNAL = "internal error in policy"
CANARY = "zqxCANARYzqx"
SECRET = {values.SIG_KEY: values.SECRET_SIG}


def _struct(props: dict):
    s = struct_pb2.Struct()
    s.update(props)
    return s


def _analyze(pack, type_: str, props: dict, name: str = "r") -> list:
    urn = f"urn:pulumi:dev::app::{type_}::{name}"
    resp = pack.stub.Analyze(pb.AnalyzeRequest(type=type_, properties=_struct(props), urn=urn, name=name))
    return [analyzer._diag(d, urn, "analyze") for d in resp.diagnostics]


def _both(pack, type_: str, props: dict, name: str = "r") -> list:
    """One resource through both of the engine's calls: Analyze, then AnalyzeStack of a stack that holds
    only it (a rule may run in either: a resource rule a stack rule supersedes runs with the stack)."""
    return _analyze(pack, type_, props, name) + _stack(pack, [(type_, name, props, {})])


def _stack(pack, resources: list) -> list:
    """resources: (type, name, props, property_dependencies)"""
    req = []
    for type_, name, props, deps in resources:
        urn = f"urn:pulumi:dev::app::{type_}::{name}"
        req.append(pb.AnalyzerResource(
            type=type_, name=name, urn=urn, properties=_struct(props),
            propertyDependencies={k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in deps.items()}))
    resp = pack.stub.AnalyzeStack(pb.AnalyzeStackRequest(resources=req))
    return [analyzer._diag(d, d.urn, "stack") for d in resp.diagnostics]


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::app::{type_}::{name}"


# --- the decode boundary ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_special_floats_never_fail_a_call(packs, bad):
    pack = packs.get("update")
    diags = _analyze(pack, "aws:lambda/function:Function", {"timeout": bad, "memorySize": bad, "runtime": "python3.12",
                                                            "environment": {"variables": {"N": bad}}})
    assert not [d for d in diags if INTERNAL in d.message]
    diags = _analyze(pack, "aws:sqs/queue:Queue", {"sqsManagedSseEnabled": False, "x": [bad]})
    assert [d.policy for d in diags if d.policy == "sqs-encryption"] == ["sqs-encryption"]


def test_one_unreadable_resource_costs_no_other_finding(packs):
    pack = packs.get("update")
    public = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]})
    deep: dict = {}
    cur = deep
    for _ in range(400):
        cur["n"] = {}
        cur = cur["n"]
    fn = "aws:lambda/function:Function"
    diags = _stack(pack, [
        ("aws:ec2/vpc:Vpc", "odd", {"cidr": float("nan"), "deep": deep}, {}),
        (fn, "fn", {"timeout": float("inf"), "deep": deep, "role": "arn:aws:iam::123456789012:role/x"}, {}),
        ("aws:sqs/queue:Queue", "q", {"arn": "arn:aws:sqs:us-east-1:123456789012:q"}, {}),
        ("aws:sqs/queuePolicy:QueuePolicy", "qp", {"queueUrl": "u", "policy": public}, {}),
    ])
    assert not [d for d in diags if INTERNAL in d.message]
    # stack rules still judge the function (its deep property is unreadable, the rest is not)
    assert any(d.policy == "lambda-log-retention" and d.resource == "fn" for d in diags)


def test_deeply_nested_properties_make_rules_undecided_not_fail(packs):
    pack = packs.get("update")
    deep: dict = {}
    cur = deep
    for _ in range(300):
        cur["v"] = {}
        cur = cur["v"]
    diags = _analyze(pack, "aws:lambda/function:Function", {"environment": deep, "runtime": "python3.12"})
    assert not [d for d in diags if INTERNAL in d.message]


def test_remediate_never_fails_on_hostile_input(packs):
    pack = packs.get("update", config={"all": "remediate"})
    resp = pack.stub.Remediate(pb.AnalyzeRequest(type="aws:kms/key:Key", urn=_urn("aws:kms/key:Key", "k"), name="k",
                                                 properties=_struct({"x": float("nan"), "y": [float("inf")]})))
    fixed = [r for r in resp.remediations if r.policyName == "kms-rotation"]
    assert len(fixed) == 1 and not fixed[0].diagnostic
    props = fixed[0].properties
    assert props.fields["enableKeyRotation"].bool_value is True
    # every other input comes back exactly as it was sent, NaN and infinity included
    assert math.isnan(props.fields["x"].number_value) and props.fields["y"].list_value.values[0].number_value == float("inf")
    assert {n.policy_name for n in resp.not_applicable} >= {"kms-policy-public"}


# --- policy documents that used to make rules raise ------------------------------------------------

BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_READ = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


@pytest.mark.parametrize("odd", [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
     "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": 123456789012}}},
    {"Effect": "Allow", "Principal": {"AWS": ["*", {}]}, "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}},
    {"Effect": "Allow", "Principal": "*", "Action": {"odd": 1}, "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}},
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": 5},
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"ArnLike": None}},
], ids=["numeric-condition", "principal-with-object", "action-object", "condition-number", "condition-null"])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "object"])
def test_an_odd_statement_never_hides_a_public_one(packs, odd, as_json):
    """A public statement stays a mandatory finding whatever a second statement looks like."""
    policy = {"Version": "2012-10-17", "Statement": [PUBLIC_READ, odd]}
    diags = _both(packs.get("update"), BUCKET_POLICY, {"bucket": "b", "policy": json.dumps(policy) if as_json else policy})
    assert not [d for d in diags if INTERNAL in d.message], diags
    found = [d for d in diags if d.policy == "s3-policy-public"]
    assert found and found[0].level == "mandatory"
    assert "statement 1 allows anyone" in found[0].message


def test_a_policy_nested_a_thousand_deep_is_malformed_not_a_crash(packs):
    deep = "[" * 1000 + "]" * 1000
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "X": ' + deep + '}]}'
    diags = _analyze(packs.get("update"), "aws:iam/policy:Policy", {"policy": policy})
    assert not [d for d in diags if INTERNAL in d.message]
    assert [d.policy for d in diags] == ["policy-unreadable"] and "nested too deeply" in diags[0].message


def _admin_function_beside_a_broken_policy():
    r = role("fn-role", managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"])
    function("fn", role_arn=r.arn)
    other = role("other-role")
    aws.iam.RolePolicy("broken", role=other.id, policy="[" * 1000 + "]" * 1000)


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_an_unrelated_broken_policy_keeps_the_admin_function_finding(packs, mode):
    diags = analyze(packs, _admin_function_beside_a_broken_policy, mode)
    assert not [d for d in diags if INTERNAL in d.message]
    if mode == "update":
        assert [d.resource for d in diags if d.policy == "lambda-role-overprivileged"] == ["fn"]


@pytest.mark.parametrize("type_,props,rule", [
    ("aws:s3/bucketAcl:BucketAcl", {"bucket": "b", "acl": []}, "s3-acl-public"),
    ("aws:s3/bucketAcl:BucketAcl", {"bucket": "b", "acl": {"x": 1}}, "s3-acl-public"),
    ("aws:s3/bucketAcl:BucketAcl", {"bucket": "b", "accessControlPolicy": {"grants": [{"permission": "READ"}, "x"]}},
     "s3-acl-public"),
    ("aws:wafv2/webAcl:WebAcl", {"defaultAction": {"allow": {}}, "rules": [{"name": "r", "statement": "x"}]},
     "waf-acl-known-bad-inputs"),
    ("aws:appsync/apiKey:ApiKey", {"apiId": "a", "expires": "2030-01-01"}, "appsync-api-key-auth"),
])
def test_mistyped_values_that_used_to_raise(packs, type_, props, rule):
    diags = [d for d in _analyze(packs.get("update"), type_, props) if d.policy == rule]
    assert not [d for d in diags if INTERNAL in d.message], diags


def test_a_naive_api_key_expiry_is_judged_as_utc(packs):
    diags = [d for d in _analyze(packs.get("update"), "aws:appsync/apiKey:ApiKey", {"apiId": "a", "expires": "2099-01-01"})
             if d.policy == "appsync-api-key-auth"]
    assert len(diags) == 1 and "more than maxApiKeyDays" in diags[0].message


@pytest.mark.parametrize("rule,resources", [
    ("lambda-untrusted-layer", [("aws:lambda/function:Function", "fn", {"layers": [{"a": 1}, 5]}, {}),
                                ("aws:lambda/layerVersion:LayerVersion", "l", {"arn": {"x": 1}}, {})]),
    ("lambda-vpc-multi-az", [("aws:lambda/function:Function", "fn", {"vpcConfig": {"subnetIds": ["a", "b"]}},
                              {"vpcConfig": [_urn("aws:ec2/subnet:Subnet", "a"), _urn("aws:ec2/subnet:Subnet", "b")]}),
                             ("aws:ec2/subnet:Subnet", "a", {"id": "a", "availabilityZone": ["x"]}, {}),
                             ("aws:ec2/subnet:Subnet", "b", {"id": "b", "availabilityZone": {"y": 1}}, {})]),
    ("s3-sse-kms", [("aws:s3/bucket:Bucket", "b", {"bucket": "b"}, {}),
                    ("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse",
                     {"bucket": "b", "rules": [{"applyServerSideEncryptionByDefault": "x"}]}, {})]),
    ("s3-tls-only", [("aws:s3/bucket:Bucket", "b", {"bucket": "b"}, {}),
                     (BUCKET_POLICY, "p", {"bucket": "b", "policy": json.dumps({"Statement": [
                         {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                          "Condition": {"Bool": {"aws:SecureTransport": []}}}]})}, {})]),
])
def test_mistyped_joined_values_never_raise(packs, rule, resources):
    diags = _stack(packs.get("update"), resources)
    assert not [d for d in diags if INTERNAL in d.message], [d.message for d in diags if INTERNAL in d.message]


# --- bounded cost ------------------------------------------------------------------------------------

def test_repeated_dependencies_give_one_finding_not_n_squared(packs):
    q, f = _urn("aws:sqs/queue:Queue", "jobs"), _urn("aws:lambda/function:Function", "worker")
    diags = _stack(packs.get("update"), [
        ("aws:sqs/queue:Queue", "jobs", {"visibilityTimeoutSeconds": 10}, {}),
        ("aws:lambda/function:Function", "worker", {"timeout": 60}, {}),
        ("aws:lambda/eventSourceMapping:EventSourceMapping", "esm", {"eventSourceArn": "x", "functionName": "y"},
         {"eventSourceArn": [q] * 1000, "functionName": [f] * 1000}),
    ])
    assert len([d for d in diags if d.policy == "sqs-visibility-timeout"]) == 1


def test_an_identity_policy_with_forty_thousand_action_patterns(packs):
    actions = [f"svc{i}:Get*Thing{i}" for i in range(40_000)]
    diags = _analyze(packs.get("update"), "aws:iam/policy:Policy", {"policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})})
    assert not [d for d in diags if INTERNAL in d.message]
    assert all(len(d.message) <= 1200 for d in diags)


def test_a_huge_exemption_tag_is_read_in_linear_time(packs):
    tag = "x " * 20_000 + "until 2099-01-01"
    diags = _analyze(packs.get("update"), "aws:sqs/queue:Queue",
                     {"sqsManagedSseEnabled": False, "tags": {"serverless-guard:exempt:sqs-encryption": tag}})
    found = [d for d in diags if d.policy == "sqs-encryption"]
    assert len(found) == 1 and found[0].level == "advisory" and "Exempted" in found[0].message
    assert len(found[0].message) < 1200


def test_many_findings_on_one_resource_are_capped(packs):
    variables = {f"API_TOKEN_{i}": f"ghp_{i:036d}" for i in range(50)}
    diags = [d for d in _analyze(packs.get("update"), "aws:lambda/function:Function",
                                 {"environment": {"variables": variables}}) if d.policy == "lambda-env-secrets"]
    assert len(diags) == 10 and "and 41 more findings" in diags[-1].message


# --- values never reach a message ------------------------------------------------------------------

def _canaried(value, secret: bool, counter: list):
    """Every string leaf (and every string inside a JSON-string document) replaced by a unique canary."""
    if isinstance(value, str):
        if value.startswith(values.SIG_KEY) or value in values.UNKNOWN_SENTINELS:
            return value
        if value[:1] in "{[":
            try:
                return json.dumps(_canaried(json.loads(value), False, counter))
            except (ValueError, RecursionError):   # not JSON, or nested too deeply to read (policy-unreadable's)
                pass
        counter[0] += 1
        # plain: a value shaped like an AWS access key (a detector matches it, so it must be hidden too);
        # secret: any value marked secret
        leaf = f"{CANARY}{counter[0]}" if secret else f"AKIAZQXCANARY{counter[0]:07d}"
        return {**SECRET, "value": leaf} if secret else leaf
    if isinstance(value, dict):
        if value.get(values.SIG_KEY):
            return value
        return {k: _canaried(v, secret, counter) for k, v in value.items()}
    if isinstance(value, list):
        return [_canaried(v, secret, counter) for v in value]
    return value


def _case_records():
    seen = set()
    for c in CASES:
        if c.program in seen:   # a program may be the case of several rules
            continue
        seen.add(c.program)
        yield c, captured(c.program, "update").records


@pytest.mark.parametrize("secret", [False, True], ids=["plain", "secret"])
def test_no_value_of_any_case_program_reaches_a_message(packs, secret):
    """A canary in every string of every case program (plain, then as Pulumi secrets), and every
    diagnostic of every policy checked for it, in Analyze and AnalyzeStack."""
    pack = packs.get("update")
    leaks, internal, checked = [], [], 0
    for c, records in _case_records():
        broken = []
        for rec in records:
            counter = [0]
            r = copy.copy(rec)
            r.inputs = _canaried(rec.inputs, secret, counter)
            r.outputs = _canaried(rec.outputs, secret, counter)
            broken.append(r)
        for d in pack.run(broken):
            checked += 1
            if CANARY in d.message or "ZQXCANARY" in d.message:
                leaks.append((c.id, d.policy, d.message[:200]))
            if INTERNAL in d.message:
                internal.append((c.id, d.policy))
    assert checked > 500
    assert not leaks, leaks[:5]
    assert not internal, internal[:5]


# --- concurrency and determinism ----------------------------------------------------------------------

def _requests():
    """A few hundred Analyze requests from the case programs, some with secrets that the detectors scan."""
    out = []
    for _, records in _case_records():
        for rec in records:
            out.append(pb.AnalyzeRequest(type=rec.type, properties=_struct(rec.inputs), urn=rec.urn, name=rec.name))
    return out


def _answer(pack, req):
    """A call's diagnostics, each message apart from its trailer (the finding's fields for ``scan``, marked
    with a key each pack process draws at random so that no input can forge it) and the trailer's data."""
    from policies.core.runtime import split_trailer

    return [(d.policyName, d.enforcementLevel, *split_trailer(d.message, pack.report_key))
            for d in pack.stub.Analyze(req).diagnostics]


def test_concurrent_calls_answer_as_sequential_ones(packs):
    pack = packs.get("update", config={"lambda-env-secrets": {"entropyDetectors": True}})
    other = packs.get("update")
    reqs = _requests()
    sequential = [_answer(pack, r) for r in reqs]
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        # both packs at once, so the two detector configurations alternate inside each process too
        concurrent_ = list(pool.map(lambda r: _answer(pack, r), reqs))
        list(pool.map(lambda r: _answer(other, r), reqs))
    assert concurrent_ == sequential


def test_the_same_input_gets_the_same_answer_under_any_hash_seed():
    reqs = _requests()[::3]
    answers = []
    for seed in ("0", "1", "6", "42"):
        with analyzer.PackProcess(extra_env={"PYTHONHASHSEED": seed}) as pack:
            pack.start()
            answers.append([_answer(pack, r) for r in reqs])
    assert all(a == answers[0] for a in answers[1:])


def test_one_unknown_document_gives_one_notice_for_every_identity_rule(packs):
    diags = _both(packs.get("preview"), "aws:iam/rolePolicy:RolePolicy",
                  {"role": "r", "policy": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    notices = [d for d in diags if "can't run policy" in d.message]
    # one notice for them all: the identity rules are related (superseded_by) to a stack rule
    # (lambda-role-overprivileged), so they are all judged with the stack, in one call
    assert [d.phase for d in notices] == ["stack"], [d.message for d in notices]
    for rule in ("iam-admin-star", "iam-wildcard-service-action", "iam-privesc-actions", "iam-data-exfil-star"):
        assert sum(f"'{rule}'" in d.message for d in notices) == 1, rule
