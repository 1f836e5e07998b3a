"""Relations between rules are declared (``Rule.superseded_by``) and applied by the runtime: one exposure
gives exactly one finding in every configuration. Disabling, suppressing or exempting the superseding
policy makes the superseded ones report; nothing is folded inside a rule's body."""
from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from conftest import analyze, analyze_with, captured
from test_rules import CASES, case_config
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


# --- a statement of a policy: a finding about one statement stands only for that statement ---------------

def _statements(*statements):
    import json

    def program():
        aws.iam.Policy("app-policy", policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return program


_READ_AND_SEND = {"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"}
_SEND_ONLY = {"Sid": "Send", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}


def test_a_statement_finding_stands_only_for_its_statement(packs):
    """Keyed findings: the data-reading statement is iam-data-exfil-star's; the other statement of the same
    policy is still iam-wildcard-resource's."""
    diags = analyze(packs, _statements(_READ_AND_SEND, _SEND_ONLY))
    wildcard = [d.message for d in diags if d.policy == "iam-wildcard-resource"]
    assert len(wildcard) == 1 and "statement 2 allows sqs:SendMessage on Resource" in wildcard[0], wildcard
    exfil = [d.message for d in diags if d.policy == "iam-data-exfil-star"]
    assert len(exfil) == 1 and "statement 1 allows s3:GetObject" in exfil[0], exfil


# --- every declared relation, from its case beside the superseded rule ------------------------------------
# A case declared with ``superseded_by=`` (policies/sasNN_*.py) is a program where both rules find the same
# exposure. test_rules judges it with every rule that may supersede this one disabled: the superseded rule
# reports, saying what the case says. Here the superseding rule is enabled: it alone reports; and suppressed
# on what it reported (ignoreResources), the superseded rule reports again. The IAM statement rules overlap in
# chains (an admin statement is also a data-reading and a write one), so the rules that may supersede the
# superseding one are disabled too.
RELATION_CASES = [c for c in CASES if c.superseded_by]
_CASE_IDS = [f"{c.superseded_by}>{c.rule}:{c.program.__name__}" for c in RELATION_CASES]


def _enabled(rule_id: str, entry: dict | None = None):
    """A rule on at its default level (hygiene rules, off by default, at advisory), with ``entry``'s settings."""
    entry = dict(entry or {})
    if REGISTRY[rule_id].hygiene:
        entry["enforcementLevel"] = "advisory"
    return entry or "advisory"


def _with_superseding(case) -> dict:
    config = case_config(case)
    config.update({other: "disabled" for other in REGISTRY[case.superseded_by].superseded_by})
    config[case.superseded_by] = _enabled(case.superseded_by)
    return config


def test_every_declared_relation_has_its_case():
    declared = {(r.id, s) for r in REGISTRY.values() for s in r.superseded_by}
    cased = {(c.rule, c.superseded_by) for c in RELATION_CASES}
    assert cased - declared == set(), "cases of relations no rule declares"
    assert declared - cased == set(), "declared relations without a case (superseded_by=)"
    assert len(cased) >= 47


@pytest.mark.parametrize("case", RELATION_CASES, ids=_CASE_IDS)
def test_the_superseding_rule_alone_reports(packs, case):
    found = {(d.policy, d.resource) for d in analyze_with(packs, case.program, _with_superseding(case))}
    assert any(policy == case.superseded_by for policy, _ in found), found
    assert (case.rule, case.resource) not in found, found


@pytest.mark.parametrize("case", RELATION_CASES, ids=_CASE_IDS)
def test_the_superseded_rule_reports_when_the_superseding_one_is_suppressed(packs, case):
    config = _with_superseding(case)
    over_on = sorted({d.resource for d in analyze_with(packs, case.program, config) if d.policy == case.superseded_by})
    config[case.superseded_by] = _enabled(case.superseded_by, {"ignoreResources": over_on})
    diags = analyze_with(packs, case.program, config)
    mine = [d.message for d in diags if d.policy == case.rule and d.resource == case.resource]
    says = (case.says,) if case.says else REGISTRY[case.rule].phrases
    assert mine and any(s in m for s in says for m in mine), (mine, [d.message for d in diags])
    assert not [d for d in diags if d.policy == case.superseded_by]
