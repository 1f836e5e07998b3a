"""ACME's own rules, governed by serverless-guard like its built-in ones (docs/custom-rules.md).

Loaded through serverless-guard.yaml's ``customRules``; levels, profiles, per-stack overrides and
exemptions apply to them, they appear in `serverless-guard rules --settings serverless-guard.yaml`, in
`config explain`, and in every report (terminal, JSON, SARIF, JUnit)."""
from policies.api import Sev, as_list, aws, list_setting, resource_rule, stack_rule

BACKUP_SELECTION = "aws:backup/selection:Selection"


@resource_rule(
    "acme-lambda-owner-tag", "SAS-3", Sev.LOW, types=[aws.FUNCTION],
    title="Functions name the team that owns them",
    description="ACME pages the owner of a function when it fails or is found vulnerable; a function without "
                "an owner tag pages no one.",
    remediation="""aws.lambda_.Function("orders", ..., tags={"owner": "payments-team"})""",
    config=list_setting("requiredTags", ["owner"], "Tags every function must carry.", stricter="superset"))
def lambda_owner_tag(fn, cfg):
    tags = fn.known("tags") or {}   # known(): a tag map only known after the update makes the rule undecided
    if not isinstance(tags, dict):
        return None
    missing = [t for t in cfg["requiredTags"] if not tags.get(t)]
    if missing:
        return f"has no {', '.join(missing)} tag. Add tags={{{', '.join(repr(t) + ': ...' for t in missing)}}}."
    return None


@stack_rule(
    "acme-dynamodb-backup-plan", "SAS-3", Sev.MEDIUM, types=[aws.TABLE, BACKUP_SELECTION],
    title="DynamoDB tables are in a backup plan",
    description="Point-in-time recovery covers 35 days in the same account; ACME's recovery plan needs the "
                "tables in an AWS Backup plan (copied to the vault account).",
    remediation="""aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn=backup_role.arn,
    resources=[orders.arn])""")
def dynamodb_backup_plan(stack, cfg):
    selected = {t.urn for s in stack.of_type(BACKUP_SELECTION) for t in stack.targets(s, "resources", aws.TABLE)}
    if any(r == "*" for s in stack.of_type(BACKUP_SELECTION) for r in as_list(s.known("resources"))):
        return   # a selection of every resource (by tag conditions) covers them all
    for table in stack.of_type(aws.TABLE):
        if table.urn not in selected:
            yield table, "is in no aws.backup.Selection. Add it to the stack's backup plan."

