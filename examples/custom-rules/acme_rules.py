"""ACME's own rules, governed by serverless-guard like its built-in ones (docs/custom-rules.md).

Loaded through serverless-guard.yaml's ``customRules``; levels, profiles, per-stack overrides and
exemptions apply to them, they appear in `serverless-guard rules --settings serverless-guard.yaml`, in
`config explain`, and in every report (terminal, JSON, SARIF, JUnit)."""
from policies.api import Sev, as_list, aws, list_setting, resource_rule, stack_rule

BACKUP_SELECTION = "aws:backup/selection:Selection"
BACKUP_PLAN = "aws:backup/plan:Plan"


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
    "acme-dynamodb-backup-plan", "SAS-3", Sev.MEDIUM, types=[aws.TABLE, BACKUP_SELECTION, BACKUP_PLAN],
    title="DynamoDB tables are backed up to the vault account",
    description="ACME's recovery plan needs every table in an AWS Backup plan that copies its backups to the "
                "vault account, out of reach of the account that runs the service. (serverless-guard's own "
                "dynamodb-backup-plan, in its strict profile, asks only for some plan.)",
    remediation="""aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": vault.name,
    "copy_actions": [{"destination_vault_arn": "arn:aws:backup:us-east-1:210987654321:backup-vault:acme"}]}])
aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn=backup_role.arn, resources=[orders.arn])""",
    config=list_setting("vaultAccounts", ["210987654321"], "Accounts whose backup vaults count as ACME's vault.",
                        stricter="subset"))
def dynamodb_backup_plan(stack, cfg):
    vaults = set(cfg["vaultAccounts"])
    copied = set()   # tables selected by a plan that copies to a vault account
    for selection in stack.of_type(BACKUP_SELECTION):
        plans = stack.targets(selection, "planId", BACKUP_PLAN)
        if any(_copies_to(plan, vaults) for plan in plans):
            copied |= {t.urn for t in stack.targets(selection, "resources", aws.TABLE)}
    for table in stack.of_type(aws.TABLE):
        if table.urn not in copied:
            yield table, "is in no backup plan that copies to the vault account. Add it to one."


def _copies_to(plan, vaults) -> bool:
    for rule in as_list(plan.known("rules")):
        for action in as_list(rule.get("copyActions") if isinstance(rule, dict) else None):
            arn = action.get("destinationVaultArn") if isinstance(action, dict) else None
            if isinstance(arn, str) and arn.split(":")[4:5] and arn.split(":")[4] in vaults:
                return True
    return False
