"""Relations between rules are declared (``Rule.superseded_by``) and applied by the runtime: one exposure
gives exactly one finding in every configuration. Disabling, suppressing or exempting the superseding
policy makes the superseded ones report; nothing is folded inside a rule's body."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from conftest import analyze, analyze_with, captured
from policies import REGISTRY
from policies.engine import analyzer
from policies.core.cases import P

function, role = P.function, P.role

CONFIRMED = "lambda-url-public-invoke-confirmed"


def _public_url():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    aws.lambda_.Permission("public-url", function=fn.name, action="lambda:InvokeFunctionUrl", principal="*",
                           function_url_auth_type="NONE")


def _found(diags) -> set:
    return {(d.policy, d.resource) for d in diags
            if d.policy in (CONFIRMED, "lambda-url-auth-none", "lambda-permission-public-principal")}


def test_every_declared_relation_names_real_policies():
    relations = [(r.id, s) for r in REGISTRY.values() for s in r.superseded_by]
    assert ("lambda-url-auth-none", CONFIRMED) in relations
    assert ("lambda-permission-public-principal", CONFIRMED) in relations
    for rule, over in relations:
        assert over in REGISTRY and over != rule
        assert not REGISTRY[over].superseded_by or rule not in REGISTRY[over].superseded_by  # no cycle


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_one_exposure_one_finding(packs, mode):
    # in preview the function's name is unknown; the join goes through the property dependencies
    assert _found(analyze(packs, _public_url, mode)) == {(CONFIRMED, "url")}


@pytest.mark.parametrize("config", [
    {CONFIRMED: "disabled"},
    {CONFIRMED: {"ignoreResources": ["url"]}},
    {CONFIRMED: {"allowedNames": ["url"]}},
])
def test_the_superseded_policies_report_when_the_superseding_one_does_not(packs, config):
    found = _found(analyze_with(packs, _public_url, config))
    assert ("lambda-url-auth-none", "url") in found, found
    assert ("lambda-permission-public-principal", "public-url") in found, found
    assert (CONFIRMED, "url") not in found


def test_an_exempted_superseding_finding_does_not_hide_the_others(tmp_path):
    settings = tmp_path / "serverless-guard.yaml"
    settings.write_text(f"exemptions:\n  - policies: [{CONFIRMED}]\n    resources: [url]\n"
                        "    reason: reviewed public webhook\n    expires: '2999-01-01'\n")
    records = captured(_public_url, "update").records
    with analyzer.PackProcess(settings=str(settings)) as pack:
        pack.start({})
        diags = pack.run(records)
    confirmed = [d for d in diags if d.policy == CONFIRMED]
    assert confirmed and all(d.exemption and d.exemption["reason"] == "reviewed public webhook" for d in confirmed)
    found = _found(diags)
    assert ("lambda-url-auth-none", "url") in found and ("lambda-permission-public-principal", "public-url") in found


# --- a function's over-privileged role stands for the managed-policy attachments it names ---------------

OVER = "lambda-role-overprivileged"
ATTACHMENT_RULES = ("iam-privesc-actions", "iam-wildcard-service-action", "iam-passrole-star",
                    "iam-data-exfil-star", "iam-admin-managed-policy")


def _function_with_lambda_full_access():
    r = role("deployer-role")
    aws.iam.RolePolicyAttachment("deployer-lambda", role=r.name,
                                 policy_arn="arn:aws:iam::aws:policy/AWSLambda_FullAccess")
    function("deployer", role_arn=r.arn)


def _role_findings(diags) -> set:
    return {(d.policy, d.resource) for d in diags if d.policy in (OVER, *ATTACHMENT_RULES)}


def test_the_attachment_relations_are_declared():
    for rule in ATTACHMENT_RULES:
        assert OVER in REGISTRY[rule].superseded_by, rule


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_a_managed_policy_behind_a_functions_role_is_one_finding(packs, mode):
    diags = analyze(packs, _function_with_lambda_full_access, mode)
    assert _role_findings(diags) == {(OVER, "deployer")}
    over = next(d for d in diags if d.policy == OVER)
    assert "via the AWS-managed AWSLambda_FullAccess policy" in over.message


@pytest.mark.parametrize("config", [{OVER: "disabled"}, {OVER: {"ignoreResources": ["deployer"]}}])
def test_the_attachment_reports_when_the_role_finding_does_not(packs, config):
    found = _role_findings(analyze_with(packs, _function_with_lambda_full_access, config))
    assert ("iam-privesc-actions", "deployer-lambda") in found, found
    assert ("iam-wildcard-service-action", "deployer-lambda") in found, found
    assert (OVER, "deployer") not in found


# --- one EventBridge -> function path, one finding ---------------------------------------------------

ASYNC = "lambda-async-failure-destination"


def _scheduled_function():
    fn = function("nightly")
    rule = aws.cloudwatch.EventRule("every-night", schedule_expression="cron(0 3 * * ? *)")
    aws.cloudwatch.EventTarget("nightly-target", rule=rule.name, arn=fn.arn)
    aws.lambda_.Permission("from-events", function=fn.name, action="lambda:InvokeFunction",
                           principal="events.amazonaws.com", source_arn=rule.arn)


def _async_findings(diags) -> set:
    return {(d.policy, d.resource) for d in diags if d.policy in (ASYNC, "eventbridge-target-dlq")}


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_an_eventbridge_path_without_dead_letters_is_one_finding(packs, mode):
    diags = analyze(packs, _scheduled_function, mode)
    assert _async_findings(diags) == {(ASYNC, "nightly")}
    message = next(d.message for d in diags if d.policy == ASYNC)
    assert "EventTarget 'nightly-target' with no dead_letter_config either" in message


def test_the_target_reports_when_the_function_finding_does_not(packs):
    found = _async_findings(analyze_with(packs, _scheduled_function, {ASYNC: "disabled"}))
    assert found == {("eventbridge-target-dlq", "nightly-target")}


# --- a public bucket and the public access block switched off to allow it: one finding -------------

def _public_website_bucket():
    """aws-py-s3-folder: the block is switched off so that the public-read policy can apply."""
    import json

    site = aws.s3.Bucket("site")
    block = aws.s3.BucketPublicAccessBlock("site-block", bucket=site.id, block_public_acls=False,
                                           block_public_policy=False, ignore_public_acls=False,
                                           restrict_public_buckets=False)
    aws.s3.BucketPolicy("site-policy", bucket=site.id, policy=site.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                "Resource": f"{arn}/*"}]})),
                        opts=pulumi.ResourceOptions(depends_on=[block]))


def _bucket_findings(diags) -> set:
    return {(d.policy, d.resource) for d in diags if d.policy in ("s3-policy-public", "s3-public-access-block-weak")}


def test_the_access_block_relation_is_declared():
    assert set(REGISTRY["s3-public-access-block-weak"].superseded_by) == {"s3-policy-public", "s3-acl-public"}


def test_a_public_bucket_and_its_open_block_are_one_finding(packs):
    assert _bucket_findings(analyze(packs, _public_website_bucket, "update")) == {("s3-policy-public", "site-policy")}


@pytest.mark.parametrize("config", [{"s3-policy-public": "disabled"},
                                    {"s3-policy-public": {"allowedNames": ["site-policy"]}}])
def test_the_block_reports_when_the_bucket_finding_does_not(packs, config):
    found = _bucket_findings(analyze_with(packs, _public_website_bucket, config))
    assert found == {("s3-public-access-block-weak", "site-block")}


# --- the relations declared in place of folds inside rule bodies -----------------------------------------
# Each: a program where the superseding rule reports, the superseded rule and the resource, and what the
# superseded rule's message says once the superseding one is disabled or suppressed.

def _statements(*statements):
    import json

    def program():
        aws.iam.Policy("app-policy", policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return program


_READ_AND_SEND = {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}
_SEND_ONLY = {"Sid": "Send", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
_ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _foreign_root_trust():
    import json

    aws.iam.Role("partner-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}))


def _unencrypted_stream():
    aws.kinesis.Stream("clicks", shard_count=1)


def _stage_without_access_log():
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Stage("live", api_id=api.id, auto_deploy=True)


def _public_read_bucket():
    aws.s3.Bucket("site", acl="public-read")


RELATIONS = [
    # (program, superseding, superseded, resource, phrase of the superseded finding, hygiene rules to enable)
    (_statements(_READ_AND_SEND), "iam-data-exfil-star", "iam-wildcard-resource", "app-policy",
     "allows s3:GetObject, sqs:SendMessage on Resource \"*\"", ()),
    (_statements(_ADMIN), "iam-admin-star", "iam-passrole-star", "app-policy", "allows iam:PassRole on every role", ()),
    (_statements(_ADMIN), "iam-admin-star", "iam-assume-role-star", "app-policy", "allows sts:AssumeRole on every role", ()),
    (_foreign_root_trust, "iam-trust-account-root", "iam-trust-no-external-id", "partner-role",
     "lets every principal of arn:aws:iam::444455556666:root (a whole account", ()),
    (_unencrypted_stream, "kinesis-stream-encryption", "kinesis-cmk", "clicks",
     "encryption_type is unset (NONE): not encrypted with a customer-managed key", ("kinesis-cmk",)),
    (_stage_without_access_log, "apigw-access-logging", "apigw-access-log-json", "live",
     "writes no access log", ("apigw-access-log-json",)),
    (_public_read_bucket, "s3-acl-public", "s3-public-access-block-missing", "site",
     "has no BucketPublicAccessBlock", ("s3-public-access-block-missing",)),
]
_IDS = [f"{over}>{rule}" for _, over, rule, *_ in RELATIONS]


def test_each_relation_is_declared():
    for _, over, rule, *_ in RELATIONS:
        assert over in REGISTRY[rule].superseded_by, (rule, over)


@pytest.mark.parametrize("program, over, rule, resource, phrase, hygiene", RELATIONS, ids=_IDS)
def test_the_superseding_finding_stands_alone(packs, program, over, rule, resource, phrase, hygiene):
    diags = analyze_with(packs, program, {h: "advisory" for h in hygiene})
    found = {(d.policy, d.resource) for d in diags}
    assert (over, resource) in found, found
    assert (rule, resource) not in found, found


@pytest.mark.parametrize("off", ["disabled", "ignoreResources"])
@pytest.mark.parametrize("program, over, rule, resource, phrase, hygiene", RELATIONS, ids=_IDS)
def test_the_superseded_rule_reports_when_the_superseding_one_does_not(packs, program, over, rule, resource,
                                                                       phrase, hygiene, off):
    config = {h: "advisory" for h in hygiene}
    config[over] = "disabled" if off == "disabled" else {"ignoreResources": [resource]}
    diags = analyze_with(packs, program, config)
    mine = [d for d in diags if d.policy == rule and d.resource == resource]
    assert mine and any(phrase in d.message for d in mine), [d.message for d in diags if d.resource == resource]
    assert not [d for d in diags if d.policy == over and d.resource == resource]


def test_a_statement_finding_stands_only_for_its_statement(packs):
    """Keyed findings: the data-reading statement is iam-data-exfil-star's; the other statement of the same
    policy is still iam-wildcard-resource's."""
    diags = analyze(packs, _statements(_READ_AND_SEND, _SEND_ONLY))
    wildcard = [d.message for d in diags if d.policy == "iam-wildcard-resource"]
    assert len(wildcard) == 1 and "statement 2 allows sqs:SendMessage on Resource" in wildcard[0], wildcard
    exfil = [d.message for d in diags if d.policy == "iam-data-exfil-star"]
    assert len(exfil) == 1 and "statement 1 allows s3:GetObject" in exfil[0], exfil


# --- every other declared relation, each pair on its own -------------------------------------------------
# The IAM statement rules overlap in chains (an admin statement is also a data-reading and a write one), so
# each pair is judged with every other identity rule disabled: the superseding rule alone reports the
# statement, and with it disabled or suppressed the superseded rule reports it.
IDENTITY_POLICIES = ("iam-admin-star", "iam-admin-managed-policy", "iam-wildcard-service-action", "iam-wildcard-resource", "iam-passrole-star",
                     "iam-privesc-actions", "iam-data-exfil-star", "iam-assume-role-star", "iam-credentials-exposure",
                     "iam-permissions-management", "iam-write-star", "policy-unreadable")


def _public_policy_bucket():
    import json

    site = aws.s3.Bucket("site")
    aws.s3.BucketPolicy("site-policy", bucket=site.id, policy=site.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                "Resource": f"{arn}/*"}]})))


def _public_acl_with_an_open_block():
    site = aws.s3.Bucket("site", acl="public-read")
    aws.s3.BucketPublicAccessBlock("site-block", bucket=site.id, block_public_acls=False, block_public_policy=False,
                                   ignore_public_acls=False, restrict_public_buckets=False)


_ONE = {"Effect": "Allow", "Resource": "*"}


def _admin_managed_role():
    role("app-role", managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"])
PAIRS = [
    # (superseded rule, superseding rule, program, resource the superseded finding is on, its phrase, and the
    # resource the superseding finding is on when it is another)
    ("iam-wildcard-resource", "iam-admin-star", _statements(_ADMIN), "app-policy", "allows s3:GetObject"),
    ("iam-credentials-exposure", "iam-admin-star", _statements(_ADMIN), "app-policy", "each returns credentials"),
    ("iam-credentials-exposure", "iam-wildcard-service-action", _statements({**_ONE, "Action": "sts:*"}), "app-policy",
     "each returns credentials"),
    ("iam-permissions-management", "iam-admin-star", _statements(_ADMIN), "app-policy", "changes who may use"),
    ("iam-permissions-management", "iam-wildcard-service-action", _statements({**_ONE, "Action": "sqs:*"}),
     "app-policy", "allows sqs:AddPermission"),
    ("iam-write-star", "iam-admin-star", _statements(_ADMIN), "app-policy", "on every resource. Name the resources."),
    ("iam-write-star", "iam-wildcard-service-action", _statements({**_ONE, "Action": "sqs:*"}), "app-policy",
     "sqs:ChangeMessageVisibility"),
    ("iam-write-star", "iam-wildcard-resource", _statements({**_ONE, "Action": "sqs:SendMessage"}), "app-policy",
     "allows sqs:SendMessage on every resource"),
    ("iam-write-star", "iam-privesc-actions", _statements({**_ONE, "Action": "lambda:UpdateFunctionCode"}),
     "app-policy", "allows lambda:UpdateFunctionCode on every resource"),
    ("iam-wildcard-resource", "iam-wildcard-service-action", _statements({**_ONE, "Action": "dynamodb:*"}),
     "app-policy", "on Resource \"*\""),
    ("iam-data-exfil-star", "iam-admin-star", _statements(_ADMIN), "app-policy", "on Resource \"*\""),
    ("iam-data-exfil-star", "iam-wildcard-service-action", _statements({**_ONE, "Action": "dynamodb:*"}),
     "app-policy", "dynamodb:Scan"),
    ("iam-data-exfil-star", "iam-admin-managed-policy", _admin_managed_role, "app-role", "on Resource \"*\""),
    ("iam-privesc-actions", "iam-admin-star", _statements(_ADMIN), "app-policy", "a known privilege-escalation path"),
    ("iam-privesc-actions", "iam-admin-managed-policy", _admin_managed_role, "app-role",
     "a known privilege-escalation path"),
    ("iam-wildcard-service-action", "iam-admin-star", _statements(_ADMIN), "app-policy", "allows * on every resource"),
    ("iam-wildcard-service-action", "iam-admin-managed-policy", _admin_managed_role, "app-role", "allows *"),
    ("iam-passrole-star", "iam-admin-managed-policy", _admin_managed_role, "app-role", "iam:PassRole on every role"),
    ("iam-credentials-exposure", "iam-privesc-actions", _statements({**_ONE, "Action": "iam:CreateAccessKey"}),
     "app-policy", "iam:CreateAccessKey"),
    ("iam-credentials-exposure", "iam-assume-role-star", _statements({**_ONE, "Action": "sts:AssumeRole"}),
     "app-policy", "sts:AssumeRole"),
    ("iam-credentials-exposure", "iam-passrole-star",
     _statements({**_ONE, "Action": ["iam:PassRole", "redshift:GetClusterCredentials"]}), "app-policy",
     "redshift:GetClusterCredentials"),
    ("iam-permissions-management", "iam-privesc-actions", _statements({**_ONE, "Action": "iam:AttachRolePolicy"}),
     "app-policy", "iam:AttachRolePolicy"),
    ("iam-permissions-management", "iam-passrole-star",
     _statements({**_ONE, "Action": ["iam:PassRole", "sqs:SetQueueAttributes"]}), "app-policy", "sqs:SetQueueAttributes"),
    ("iam-permissions-management", "iam-credentials-exposure",
     _statements({**_ONE, "Action": ["redshift:GetClusterCredentials", "sqs:SetQueueAttributes"]}), "app-policy",
     "sqs:SetQueueAttributes"),
    ("iam-write-star", "iam-data-exfil-star", _statements({**_ONE, "Action": ["s3:GetObject", "s3:PutObject"]}),
     "app-policy", "s3:PutObject"),
    ("iam-write-star", "iam-assume-role-star", _statements({**_ONE, "Action": ["sts:AssumeRole", "sqs:SendMessage"]}),
     "app-policy", "sqs:SendMessage"),
    ("iam-write-star", "iam-passrole-star", _statements({**_ONE, "Action": ["iam:PassRole", "sqs:SendMessage"]}),
     "app-policy", "sqs:SendMessage"),
    ("iam-write-star", "iam-permissions-management",
     _statements({**_ONE, "Action": ["sqs:SetQueueAttributes", "sqs:SendMessage"]}), "app-policy", "sqs:SendMessage"),
    ("iam-write-star", "iam-credentials-exposure",
     _statements({**_ONE, "Action": ["redshift:GetClusterCredentials", "sqs:SendMessage"]}), "app-policy",
     "sqs:SendMessage"),
    ("s3-public-access-block-missing", "s3-policy-public", _public_policy_bucket, "site", "has no BucketPublicAccessBlock",
     "site-policy"),
    ("s3-public-access-block-weak", "s3-acl-public", _public_acl_with_an_open_block, "site-block",
     "not true. Set all four to True.", "site"),
]
PAIRS = [p if len(p) == 6 else (*p, p[3]) for p in PAIRS]
_PAIR_IDS = [f"{over}>{rule}" for rule, over, *_ in PAIRS]


def _only(rule: str, over: str) -> dict:
    config = {p: "disabled" for p in IDENTITY_POLICIES if p not in (rule, over)}
    config[rule] = "advisory"   # a strict-profile rule is off by default
    return config


def test_every_declared_relation_has_its_test():
    tested = {(rule, over) for _, over, rule, *_ in RELATIONS} | {(rule, over) for rule, over, *_ in PAIRS} | \
        {("lambda-url-auth-none", CONFIRMED), ("lambda-permission-public-principal", CONFIRMED),
         ("s3-public-access-block-weak", "s3-policy-public"), ("eventbridge-target-dlq", ASYNC),
         *((rule, OVER) for rule in ATTACHMENT_RULES)}
    declared = {(r.id, s) for r in REGISTRY.values() for s in r.superseded_by}
    assert declared - tested == set()


@pytest.mark.parametrize("rule, over, program, resource, phrase, over_resource", PAIRS, ids=_PAIR_IDS)
def test_a_pair_superseding_alone(packs, rule, over, program, resource, phrase, over_resource):
    found = {(d.policy, d.resource) for d in analyze_with(packs, program, _only(rule, over))}
    assert (over, over_resource) in found and (rule, resource) not in found, found


@pytest.mark.parametrize("rule, over, program, resource, phrase, over_resource", PAIRS, ids=_PAIR_IDS)
def test_a_pair_superseded_reports_when_the_other_is_disabled(packs, rule, over, program, resource, phrase,
                                                              over_resource):
    # (suppressing it instead is the same path in the runtime: the relations above test both)
    config = _only(rule, over)
    config[over] = "disabled"
    diags = analyze_with(packs, program, config)
    mine = [d.message for d in diags if d.policy == rule and d.resource == resource]
    assert any(phrase in m for m in mine), (mine, [d.message for d in diags if d.resource == resource])
