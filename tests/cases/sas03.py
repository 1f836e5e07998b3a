"""SAS-3 insecure deployment configuration cases."""
import json

import pulumi
import pulumi_aws as aws

from . import case
from ._util import doc, function, table

ALL_BLOCKED = dict(block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
                   restrict_public_buckets=True)


@case("s3-public-access-block-missing", violates=True, resource="uploads")
def bucket_without_pab():
    aws.s3.Bucket("uploads")


@case("s3-public-access-block-missing", violates=False)
def bucket_with_pab():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketPublicAccessBlock("uploads-pab", bucket=b.id, **ALL_BLOCKED)


@case("s3-public-access-block-missing", violates=False)
def bucket_with_account_pab():
    aws.s3.Bucket("uploads")
    aws.s3.AccountPublicAccessBlock("account", **ALL_BLOCKED)


@case("s3-public-access-block-weak", violates=True, resource="uploads-pab")
def pab_partial():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketPublicAccessBlock("uploads-pab", bucket=b.id, block_public_acls=True, block_public_policy=False)


@case("s3-public-access-block-weak", violates=False)
def pab_complete():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketPublicAccessBlock("uploads-pab", bucket=b.id, **ALL_BLOCKED)


@case("s3-policy-public", violates=True, resource="uploads-policy")
def bucket_policy_public_read():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketPolicy("uploads-policy", bucket=b.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                "Resource": pulumi.Output.concat(b.arn, "/*")}]}))


@case("s3-policy-public", violates=False)
def bucket_policy_cloudfront_only():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketPolicy("uploads-policy", bucket=b.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
            "Resource": pulumi.Output.concat(b.arn, "/*"),
            "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}}]}))


@case("s3-acl-public", violates=True, resource="uploads-acl")
def bucket_acl_public_read():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketAcl("uploads-acl", bucket=b.id, acl="public-read")


@case("s3-acl-public", violates=True, resource="uploads-acl")
def bucket_acl_grant_all_users():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketAcl("uploads-acl", bucket=b.id, access_control_policy={
        "owner": {"id": "owner-id"},
        "grants": [{"permission": "READ", "grantee": {"type": "Group",
                                                       "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]})


@case("s3-acl-public", violates=False)
def bucket_acl_private():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketAcl("uploads-acl", bucket=b.id, acl="private")


def tls_only_policy(b):
    return aws.s3.BucketPolicy(f"{b._name}-tls", bucket=b.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [b.arn, pulumi.Output.concat(b.arn, "/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))


@case("s3-tls-only", violates=True, resource="uploads")
def bucket_allows_http():
    aws.s3.Bucket("uploads")


@case("s3-tls-only", violates=False)
def bucket_denies_http():
    tls_only_policy(aws.s3.Bucket("uploads"))


@case("s3-versioning", violates=True, resource="uploads")
def bucket_versioning_suspended():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketVersioning("uploads-versioning", bucket=b.id, versioning_configuration={"status": "Suspended"})


@case("s3-versioning", violates=False)
def bucket_versioning_enabled():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketVersioning("uploads-versioning", bucket=b.id, versioning_configuration={"status": "Enabled"})


@case("sqs-policy-public", violates=True, resource="jobs-policy")
def queue_policy_open_send():
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}))


@case("sqs-policy-public", violates=True, resource="jobs-policy")
def queue_policy_all_actions_with_condition():
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}))


@case("sqs-policy-public", violates=False)
def queue_policy_from_topic():
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    t = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": q.arn, "Condition": {"ArnEquals": {"aws:SourceArn": t.arn}}}]}))


@case("sns-policy-public", violates=True, resource="events-policy")
def topic_policy_open_publish():
    t = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    aws.sns.TopicPolicy("events-policy", arn=t.arn, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*"}))


@case("sns-policy-public", violates=True, resource="events-policy")
def topic_policy_foreign_account():
    t = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    aws.sns.TopicPolicy("events-policy", arn=t.arn, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sns:Subscribe",
         "Resource": "*"}))


@case("sns-policy-public", violates=False, config={"sns-policy-public": {"trustedAccounts": ["999988887777"]}})
def topic_policy_trusted_account():
    t = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    aws.sns.TopicPolicy("events-policy", arn=t.arn, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sns:Subscribe",
         "Resource": "*"}))


@case("dynamodb-pitr", violates=True, resource="orders")
def table_without_pitr():
    table()


@case("dynamodb-pitr", violates=False)
def table_with_pitr():
    table(point_in_time_recovery={"enabled": True})


@case("dynamodb-deletion-protection", violates=True, resource="orders")
def table_unprotected():
    table()


@case("dynamodb-deletion-protection", violates=False)
def table_protected():
    table(deletion_protection_enabled=True)


@case("dynamodb-resource-policy-public", violates=True, resource="orders-policy")
def table_policy_open():
    t = table()
    aws.dynamodb.ResourcePolicy("orders-policy", resource_arn=t.arn, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}))


@case("dynamodb-resource-policy-public", violates=False)
def table_policy_org_only():
    t = table()
    aws.dynamodb.ResourcePolicy("orders-policy", resource_arn=t.arn, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}))


@case("ecr-repo-policy-public", violates=True, resource="images-policy")
def ecr_policy_public_pull():
    repo = aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
    aws.ecr.RepositoryPolicy("images-policy", repository=repo.name, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}))


@case("ecr-repo-policy-public", violates=False)
def ecr_policy_lambda_service():
    repo = aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
    aws.ecr.RepositoryPolicy("images-policy", repository=repo.name, policy=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "Condition": {"StringLike": {"aws:sourceArn": "arn:aws:lambda:us-east-1:123456789012:function:*"}}}))


@case("ecr-lifecycle", violates=True, resource="images")
def ecr_without_lifecycle():
    aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


@case("ecr-lifecycle", violates=False)
def ecr_with_lifecycle():
    repo = aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
    aws.ecr.LifecyclePolicy("images-lifecycle", repository=repo.name, policy='{"rules":[{"rulePriority":1,'
                            '"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days",'
                            '"countNumber":14},"action":{"type":"expire"}}]}')


@case("apigw-domain-tls", violates=True, resource="api-domain")
def rest_domain_tls10():
    aws.apigateway.DomainName("api-domain", domain_name="api.example.com", security_policy="TLS_1_0",
                              regional_certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
                              endpoint_configuration={"types": "REGIONAL"})


@case("apigw-domain-tls", violates=False)
def http_domain_tls12():
    aws.apigatewayv2.DomainName("api-domain", domain_name="api.example.com", domain_name_configuration={
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2"})


@case("kms-deletion-safety", violates=True, resource="data")
def key_short_window_and_bypass():
    aws.kms.Key("data", enable_key_rotation=True, deletion_window_in_days=7, bypass_policy_lockout_safety_check=True)


@case("kms-deletion-safety", violates=False)
def key_safe_defaults():
    aws.kms.Key("data", enable_key_rotation=True, deletion_window_in_days=30)


@case("lambda-in-vpc", violates=True, resource="fn")
def function_outside_vpc():
    function()


@case("lambda-in-vpc", violates=False)
def function_in_vpc():
    function(vpc_config={"subnet_ids": ["subnet-aaa", "subnet-bbb"], "security_group_ids": ["sg-123"]})


@case("s3-tls-only", violates=True, resource="uploads")
def bucket_policy_without_tls_deny():
    """A bucket policy for a partner account, but no secure-transport Deny (the remediate level adds it)."""
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketPolicy("uploads", bucket=b.id, policy=b.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                "Action": "s3:GetObject", "Resource": f"{arn}/*"}]})))


@case("resource-policy-cross-account", violates=True, resource="orders-policy")
def queue_policy_lets_another_account_send():
    queue = aws.sqs.Queue("orders")
    aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=queue.arn.apply(lambda arn: doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:SendMessage",
         "Resource": arn})))


@case("resource-policy-cross-account", violates=True, resource="partner")
def bus_permission_for_another_account():
    aws.cloudwatch.EventPermission("partner", principal="111122223333", statement_id="partner")


@case("resource-policy-cross-account", violates=False)
def queue_policy_for_the_organisation():
    queue = aws.sqs.Queue("orders")
    aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=queue.arn.apply(lambda arn: doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:SendMessage",
         "Resource": arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}})))


@case("resource-policy-cross-account", violates=False,
      config={"resource-policy-cross-account": {"trustedAccounts": ["111122223333"]}})
def secret_policy_for_a_trusted_account():
    secret = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretPolicy("db-policy", secret_arn=secret.arn, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reports"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@case("resource-policy-cross-account", violates=False)
def secret_policy_for_the_stacks_own_rotator_role():
    """The stack's own role is no other account, whatever account its ARN names (scan's, or a real one)."""
    secret = aws.secretsmanager.Secret("db")
    rotator = aws.iam.Role("rotator", assume_role_policy=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    aws.secretsmanager.SecretPolicy("db-policy", secret_arn=secret.arn, policy=rotator.arn.apply(lambda arn: doc(
        {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})))


@case("resource-policy-cross-account", violates=False, modes=("update",))
def queue_policy_for_the_stacks_own_account():
    """An account the stack's own resources live in is the stack's own (in preview, new resources' ARNs are
    unknown, so this is an update case)."""
    queue = aws.sqs.Queue("orders")
    aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=queue.arn.apply(lambda arn: doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{arn.split(':')[4]}:root"},
         "Action": "sqs:SendMessage", "Resource": arn})))


@case("resource-policy-cross-account", violates=True, resource="db-policy")
def secret_policy_for_a_role_of_another_account():
    """A role the stack does not declare, in another account, is foreign even beside the stack's own roles."""
    secret = aws.secretsmanager.Secret("db")
    aws.iam.Role("rotator", assume_role_policy=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    aws.secretsmanager.SecretPolicy("db-policy", secret_arn=secret.arn, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reports"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@case("dynamodb-backup-plan", violates=True, resource="orders")
def table_in_no_backup_plan():
    table()


@case("dynamodb-backup-plan", violates=False)
def table_selected_by_a_backup_plan():
    t = table()
    plan = aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": "default",
                                            "schedule": "cron(0 5 * * ? *)"}])
    aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn="arn:aws:iam::123456789012:role/backup",
                         resources=[t.arn])


@case("dynamodb-backup-plan", violates=False)
def table_selected_by_tag():
    table(tags={"backup": "daily"})
    plan = aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": "default"}])
    aws.backup.Selection("tagged", plan_id=plan.id, iam_role_arn="arn:aws:iam::123456789012:role/backup",
                         selection_tags=[{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}])
