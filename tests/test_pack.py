"""The pack as the engine sees it: metadata, secrets never printed, the error boundary."""
from __future__ import annotations

import os

import pulumi
import pulumi_aws as aws
import pytest

from conftest import ROOT, analyze, captured
from cases import load_all
from policies import REGISTRY
from policies.engine import analyzer

load_all()


def test_every_policy_is_listed_with_its_metadata(packs):
    info = packs.get("update").info
    by_name = {p.name: p for p in info.policies}
    assert set(REGISTRY) <= set(by_name)
    for rule in REGISTRY.values():
        p = by_name[rule.id]
        assert p.description == rule.description and p.displayName == rule.title
        assert p.framework.name == "Serverless Top 10" and p.framework.reference == rule.category
        assert f"category:{rule.category}" in p.tags and any(t.startswith("service:") for t in p.tags)
        assert p.remediation_steps and p.url == rule.url and p.url.startswith("https://docs.aws.amazon.com/")
        assert "ignoreResources" in p.configSchema.properties
        assert analyzer.SEVERITIES[p.severity] == ("low" if rule.severity.value == "info" else rule.severity.value)
        assert p.policy_type == (2 if rule.stack else 1)


def test_default_levels_make_only_critical_mandatory(packs):
    effective = packs.get("update").effective
    for rule in REGISTRY.values():
        expected = "disabled" if rule.hygiene else "mandatory" if rule.severity.value == "critical" else "advisory"
        assert effective[rule.id][0] == expected, rule.id


def test_hygiene_rules_are_judged_in_the_strict_profile():
    from policies.core import governance

    hygiene = [r for r in REGISTRY.values() if r.hygiene]
    assert {r.id for r in hygiene} >= {"lambda-in-vpc", "lambda-code-signing", "lambda-error-alarm", "dynamodb-cmk"}
    for rule in hygiene:
        assert governance.profile_level("default", rule) == "disabled"
        assert governance.profile_level("strict", rule) in ("advisory", "mandatory")
        assert governance.profile_level("audit", rule) == "advisory"


CANARY = "CANARY-7f3c9e21-do-not-print"


def canary_program():
    """The marker in plain and Pulumi-secret values of every property kind the secret rules read."""
    role = aws.iam.Role("r", assume_role_policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                                '"Principal":"*","Action":"sts:AssumeRole"}]}')
    aws.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="index.handler",
                         code=pulumi.AssetArchive({}), environment={"variables": {
                             "DB_PASSWORD": pulumi.Output.secret(CANARY), "API_TOKEN": CANARY,
                             "AWS_KEY": "AKIAIOSFODNN7EXAMPLE", "NOTE": "a-plain-note"}})
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("d", rest_api=api.id)
    aws.apigateway.Stage("s", rest_api=api.id, deployment=dep.id, stage_name="prod",
                         variables={"secretToken": CANARY, "other": pulumi.Output.secret(CANARY)})
    http = aws.apigatewayv2.Api("h", protocol_type="HTTP")
    aws.apigatewayv2.Stage("hs", api_id=http.id, name="live", stage_variables={"password": CANARY})
    aws.ssm.Parameter("p", name="/app/password", type="String", value=pulumi.Output.secret(CANARY))
    aws.ssm.Parameter("p2", name="/app/api-key", type="String", value=CANARY)
    aws.sqs.Queue("q", name="q-plain-queue-name")


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_secret_canary_never_appears(packs, mode):
    diags = analyze(packs, canary_program, mode)
    assert any(d.policy == "lambda-env-secrets" for d in diags)
    assert any(d.policy == "apigw-stage-variable-secrets" for d in diags)
    assert any(d.policy == "ssm-param-plaintext-secret" for d in diags)
    for d in diags:
        assert CANARY not in d.message and "AKIAIOSFODNN7EXAMPLE" not in d.message, d
        assert "7f3c9e21" not in d.message


def test_plain_values_are_shown_as_the_program_wrote_them(packs):
    """Pulumi shows plain inputs in its own diff; a message names the role, the managed policy and the
    actions as written (only secrets are hidden)."""
    def program():
        role = aws.iam.Role("billing-role", name="billing-worker-role", managed_policy_arns=[
            "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"],
            assume_role_policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                               '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
        aws.iam.RolePolicy("logs-all", role=role.id, policy='{"Version":"2012-10-17","Statement":[{"Effect":'
                           '"Allow","Action":["logs:*","cloudwatch:*"],"Resource":"*"}]}')
        aws.lambda_.Function("fn", role=role.arn, runtime="python3.13", handler="index.handler",
                             code=pulumi.AssetArchive({}))

    diags = analyze(packs, program, "update")
    text = "\n".join(d.message for d in diags)
    assert "<value hidden>" not in text
    assert "AmazonDynamoDBFullAccess" in text
    assert "logs:*" in text


def _queue_program():
    aws.sqs.Queue("jobs", name="jobs-with-a-value-in-its-name", sqs_managed_sse_enabled=True)


@pytest.mark.parametrize("fail_closed,level", [("0", "advisory"), ("1", "mandatory")], ids=["fail-open", "fail-closed"])
def test_a_raising_rule_becomes_a_diagnostic(fail_closed, level):
    records = captured(_queue_program, "update").records
    pack_dir = os.path.join(ROOT, "tests", "fixtures", "raising_pack")
    with analyzer.PackProcess(pack_dir, extra_env={"SERVERLESS_GUARD_ROOT": ROOT, "FAIL_CLOSED": fail_closed}) as pack:
        pack.start()
        diags = pack.run(records)
    crash = [d for d in diags if d.policy == "always-raises"]
    assert len(crash) == 1 and crash[0].level == level
    assert "KeyError" in crash[0].message and "Queue 'jobs'" in crash[0].message
    assert "jobs-with-a-value" not in crash[0].message
    assert [d.policy for d in diags if d.policy == "reports-normally"] == ["reports-normally"]


def test_bad_policy_pack_config_is_refused(packs):
    pack = analyzer.PackProcess(dry_run=False)
    try:
        with pytest.raises(analyzer.ConfigError, match="unknown policy 'no-such-policy'"):
            pack.start({"no-such-policy": "mandatory"})
        with pytest.raises(analyzer.ConfigError, match="invalid enforcement level 'loud'"):
            pack.start({"lambda-url-auth-none": "loud"})
        with pytest.raises(analyzer.ConfigError, match="minimumLength"):
            pack.start({"cognito-password-policy": {"minimumLength": "twelve"}})
    finally:
        pack.close()


def test_platform_config_sets_levels_and_disables(packs):
    def program():
        aws.lambda_.FunctionUrl("url", function_name="fn", authorization_type="NONE")
    diags = analyze(packs, program, config={"all": "mandatory", "lambda-in-vpc": "disabled"})
    assert [d.level for d in diags if d.policy == "lambda-url-auth-none"] == ["mandatory"]
    diags = analyze(packs, program, config={"lambda-url-auth-none": "disabled"})
    assert not [d for d in diags if d.policy == "lambda-url-auth-none"]


def test_a_malformed_policy_is_reported_once(packs):
    def program():
        aws.iam.Policy("broken", policy='{"Statement": [')
    diags = [d for d in analyze(packs, program) if d.resource == "broken"]
    assert [d.policy for d in diags] == ["policy-unreadable"]
    assert "is not valid JSON" in diags[0].message and '{"Statement"' not in diags[0].message


def test_an_unreadable_policy_of_any_type_is_one_finding_whichever_rules_read_it(packs):
    """Every type whose policy document a rule reads (sas04.POLICY_DOCUMENTS): an unreadable document is
    reported once, by policy-unreadable, and by no rule that reads it."""
    from policies.sas04_privileges import POLICY_DOCUMENTS

    def program():
        broken = "{not json"
        role = aws.iam.Role("role", assume_role_policy=broken, inline_policies=[{"name": "i", "policy": broken}])
        user, group = aws.iam.User("user"), aws.iam.Group("group")
        aws.iam.Policy("policy", policy=broken)
        aws.iam.RolePolicy("role-policy", role=role.id, policy=broken)
        aws.iam.UserPolicy("user-policy", user=user.name, policy=broken)
        aws.iam.GroupPolicy("group-policy", group=group.name, policy=broken)
        fn = aws.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="h.h", code=pulumi.AssetArchive({}))
        api = aws.apigateway.RestApi("api", policy=broken)
        aws.apigateway.RestApiPolicy("api-policy", rest_api_id=api.id, policy=broken)
        aws.s3.Bucket("bucket", policy=broken)
        bucket_v2 = aws.s3.BucketV2("bucket-v2", policy=broken)
        aws.s3.BucketPolicy("bucket-policy", bucket=bucket_v2.id, policy=broken)
        queue = aws.sqs.Queue("queue", policy=broken)
        aws.sqs.QueuePolicy("queue-policy", queue_url=queue.url, policy=broken)
        topic = aws.sns.Topic("topic", policy=broken)
        aws.sns.TopicPolicy("topic-policy", arn=topic.arn, policy=broken)
        aws.cloudwatch.EventBusPolicy("bus-policy", policy=broken)
        table = aws.dynamodb.Table("table", hash_key="id", attributes=[{"name": "id", "type": "S"}],
                                   billing_mode="PAY_PER_REQUEST")
        aws.dynamodb.ResourcePolicy("table-policy", resource_arn=table.arn, policy=broken)
        secret = aws.secretsmanager.Secret("secret", policy=broken)
        aws.secretsmanager.SecretPolicy("secret-policy", secret_arn=secret.arn, policy=broken)
        key = aws.kms.Key("key", policy=broken)
        aws.kms.KeyPolicy("key-policy", key_id=key.id, policy=broken)
        repo = aws.ecr.Repository("repo")
        aws.ecr.RepositoryPolicy("repo-policy", repository=repo.name, policy=broken)
        aws.cloudwatch.LogResourcePolicy("log-policy", policy_name="p", policy_document=broken)
        aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy=broken)

    diags = [d for d in analyze(packs, program) if "not valid JSON" in d.message]
    by_resource: dict = {}
    for d in diags:
        by_resource.setdefault(d.resource, []).append(d.policy)
    assert sorted(by_resource.pop("role")) == ["policy-unreadable", "policy-unreadable"]   # trust and inline
    assert by_resource == {name: ["policy-unreadable"] for name in by_resource}
    types = {d.urn.split("::")[-2].split("$")[-1] for d in diags}
    assert types == set(POLICY_DOCUMENTS), set(POLICY_DOCUMENTS) - types


def test_one_version_everywhere():
    import re

    from policies import __version__

    with open(os.path.join(ROOT, "PulumiPolicy.yaml"), encoding="utf-8") as f:
        assert re.search(r"^version: (\S+)$", f.read(), re.M).group(1) == __version__
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert re.search(r'^version = "([^"]+)"$', f.read(), re.M).group(1) == __version__


def test_notices_name_the_pack_version(packs):
    from policies import __version__

    def program():
        aws.iam.RolePolicy("p", role="r", policy=aws.iam.Role("r", assume_role_policy="{}").arn.apply(
            lambda a: '{"Statement": []}'))
    diags = [d for d in analyze(packs, program, "preview") if "can't run policy" in d.message]
    assert diags and all(f"serverless-guard@v{__version__}" in d.message for d in diags)


def test_a_pack_can_be_built_from_any_set_of_rules():
    """Importing the core registers no rule: the fixture pack serves its own two rules and no other."""
    pack_dir = os.path.join(ROOT, "tests", "fixtures", "raising_pack")
    with analyzer.PackProcess(pack_dir, extra_env={"SERVERLESS_GUARD_ROOT": ROOT}) as pack:
        pack.start()
        assert sorted(p.name for p in pack.info.policies) == ["always-raises", "reports-normally"]
