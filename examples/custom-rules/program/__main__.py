"""ACME's orders service: one function with its owner tag and one without; one table in the backup plan that
copies to the vault account, one not, and a sessions table exempted."""
import json

import pulumi
import pulumi_aws as aws

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
code = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return event\n")})


def function(name, **kw):
    role = aws.iam.Role(f"{name}-role", assume_role_policy=TRUST)
    aws.iam.RolePolicyAttachment(f"{name}-logs", role=role.name,
                                 policy_arn=aws.iam.ManagedPolicy.AWS_LAMBDA_BASIC_EXECUTION_ROLE)
    return aws.lambda_.Function(name, role=role.arn, runtime="python3.13", handler="index.handler", code=code, **kw)


function("orders", tags={"owner": "payments-team"})
function("reports")

table = lambda name: aws.dynamodb.Table(name, billing_mode="PAY_PER_REQUEST", hash_key="id",
                                        attributes=[{"name": "id", "type": "S"}])
orders = table("orders")
table("invoices")
table("sessions")

backup_role = aws.iam.Role("backup-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
vault = aws.backup.Vault("vault")
plan = aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": vault.name,
                                        "schedule": "cron(0 5 * * ? *)", "copy_actions": [
                                            {"destination_vault_arn": "arn:aws:backup:us-east-1:210987654321:"
                                                                      "backup-vault:acme"}]}])
aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn=backup_role.arn, resources=[orders.arn])
