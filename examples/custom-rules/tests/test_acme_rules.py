"""ACME's rules, tested through serverless-guard's engine path with its testing kit: each rule both
ways, with ACME's settings (levels, exemptions) applied as in a real preview."""
import json
import os
import subprocess
import sys

import pytest

try:
    from policies.testing import check
except ImportError:   # in serverless-guard's own repository, before it is installed: the checkout
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
    from policies.testing import check

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = os.path.join(HERE, "serverless-guard.yaml")
ACME = ("acme-lambda-owner-tag", "acme-dynamodb-backup-plan")
VAULT = "arn:aws:backup:us-east-1:210987654321:backup-vault:acme"


def _function(name, tags=None):
    import pulumi
    import pulumi_aws as aws

    role = aws.iam.Role(f"{name}-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    return aws.lambda_.Function(name, role=role.arn, runtime="python3.13", handler="index.handler",
                                code=pulumi.AssetArchive({}), tags=tags)


def _table(name):
    import pulumi_aws as aws

    return aws.dynamodb.Table(name, billing_mode="PAY_PER_REQUEST", hash_key="id",
                              attributes=[{"name": "id", "type": "S"}])


def _acme(found):
    return [(f.policy, f.resource, f.level) for f in found if f.policy in ACME]


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_a_function_without_an_owner_tag_stops_the_deployment(mode):
    found = check(lambda: _function("reports"), settings=SETTINGS, mode=mode)
    assert _acme(found) == [("acme-lambda-owner-tag", "reports", "mandatory")]
    assert [f.message for f in found if f.policy == "acme-lambda-owner-tag"] == \
        ["Function 'reports': has no owner tag. Add tags={'owner': ...}."]


def test_a_function_with_its_owner_passes():
    assert _acme(check(lambda: _function("orders", tags={"owner": "payments-team"}), settings=SETTINGS)) == []


def test_a_stack_can_require_more_tags():
    found = check(lambda: _function("orders", tags={"owner": "payments-team"}), settings=SETTINGS,
                  config={"acme-lambda-owner-tag": {"enforcementLevel": "mandatory",
                                                    "requiredTags": ["owner", "cost-center"]}})
    assert [f.message for f in found if f.policy == "acme-lambda-owner-tag"] == \
        ["Function 'orders': has no cost-center tag. Add tags={'cost-center': ...}."]


def test_tables_outside_the_backup_plan_are_reported_and_the_exempted_one_says_why():
    def program():
        import pulumi_aws as aws

        orders, _, _ = _table("orders"), _table("invoices"), _table("sessions")
        plan = aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": "vault",
                                                "schedule": "cron(0 5 * * ? *)", "copy_actions": [{
                                                    "destination_vault_arn": VAULT}]}])
        aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn="arn:aws:iam::123456789012:role/backup",
                             resources=[orders.arn])

    found = [f for f in check(program, settings=SETTINGS) if f.policy == "acme-dynamodb-backup-plan"]
    assert [(f.resource, f.level, f.exempted) for f in found] == [
        ("invoices", "advisory", None),
        ("sessions", "advisory", "sessions expire after an hour; there is nothing to restore")]


def test_a_plan_that_keeps_backups_in_the_same_account_is_not_enough():
    def program():
        import pulumi_aws as aws

        orders = _table("orders")
        plan = aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": "vault"}])
        aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn="arn:aws:iam::123456789012:role/backup",
                             resources=[orders.arn])

    found = [f for f in check(program, settings=SETTINGS) if f.policy == "acme-dynamodb-backup-plan"]
    assert [(f.resource, f.message) for f in found] == [
        ("orders", "Table 'orders': is in no backup plan that copies to the vault account. Add it to one.")]


def test_the_program_folder_through_the_command_line(tmp_path):
    out, sarif = tmp_path / "findings.json", tmp_path / "findings.sarif"
    proc = subprocess.run([sys.executable, "-m", "policies", "scan", os.path.join(HERE, "program"), "--settings",
                           SETTINGS, "--json", str(out), "--sarif", str(sarif)], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr   # the mandatory owner tag
    findings = json.loads(out.read_text())["findings"]
    assert {(f["policy"], f["resource"]) for f in findings if f["policy"] in ACME} == {
        ("acme-lambda-owner-tag", "reports"), ("acme-dynamodb-backup-plan", "invoices"),
        ("acme-dynamodb-backup-plan", "sessions")}
    rules = {r["id"] for run in json.loads(sarif.read_text())["runs"] for r in run["tool"]["driver"]["rules"]}
    assert set(ACME) <= rules
