"""SAS-4 over-privileged functions and roles cases."""
import json

import pulumi
import pulumi_aws as aws

from . import case
from ._util import doc, function, role

ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@case("iam-admin-star", violates=True, resource="fn-policy")
def role_policy_admin():
    r = role()
    aws.iam.RolePolicy("fn-policy", role=r.id, policy=doc(ADMIN))


@case("iam-admin-star", violates=True, resource="fn-role")
def inline_policy_admin_as_json_string():
    role("fn-role", inline_policies=[{"name": "all", "policy": json.dumps({"Version": "2012-10-17",
                                                                              "Statement": [ADMIN]})}])


@case("iam-admin-star", violates=True, resource="everything")
def managed_policy_admin_as_object():
    aws.iam.Policy("everything", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]})


@case("iam-wildcard-service-action", violates=False)
def policy_as_object_with_named_actions():
    aws.iam.Policy("orders-access", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]})


@case("iam-admin-star", violates=False)
def policy_scoped_to_table():
    t = aws.dynamodb.Table("orders", billing_mode="PAY_PER_REQUEST", hash_key="id", attributes=[{"name": "id", "type": "S"}])
    aws.iam.Policy("orders-access", policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": t.arn}]}))


@case("iam-wildcard-service-action", violates=True, resource="orders-access")
def policy_dynamodb_star():
    aws.iam.Policy("orders-access", policy=doc({"Effect": "Allow", "Action": "dynamodb:*",
                                                "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}))


@case("iam-wildcard-service-action", violates=False,
      config={"iam-wildcard-service-action": {"allowedServices": ["xray"]}})
def policy_named_actions_and_allowed_service():
    aws.iam.Policy("orders-access", policy=doc(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
        {"Effect": "Allow", "Action": "xray:*", "Resource": "*"}))


@case("iam-wildcard-resource", violates=True, resource="writer")
def put_object_anywhere():
    aws.iam.Policy("writer", policy=doc({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}))


@case("iam-wildcard-resource", violates=False)
def put_object_in_one_bucket():
    b = aws.s3.Bucket("uploads")
    aws.iam.Policy("writer", policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": pulumi.Output.concat(b.arn, "/*")}]}))


@case("iam-passrole-star", violates=True, resource="deployer")
def passrole_anything():
    aws.iam.Policy("deployer", policy=doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}))


@case("iam-passrole-star", violates=False)
def passrole_to_lambda_only():
    aws.iam.Policy("deployer", policy=doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                                           "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}))


@case("iam-privesc-actions", violates=True, resource="escalate")
def put_role_policy():
    aws.iam.Policy("escalate", policy=doc({"Effect": "Allow", "Action": ["iam:PutRolePolicy"], "Resource": "*"}))


@case("iam-privesc-actions", violates=True, resource="escalate")
def passrole_create_invoke_combo():
    aws.iam.Policy("escalate", policy=doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/x"},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}))


@case("iam-privesc-actions", violates=True, resource="escalate")
def passrole_to_lambda_create_invoke_combo():
    aws.iam.Policy("escalate", policy=doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringLike": {"iam:PassedToService": ["lambda.amazonaws.com", "dax.amazonaws.com"]}}},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}))


@case("iam-privesc-actions", violates=False)
def passrole_only_to_other_services_beside_lambda_create_invoke():
    # AmazonDynamoDBFullAccess's shape: roles can be passed to DAX and Application Auto Scaling only
    aws.iam.Policy("deployer", policy=doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringLike": {
            "iam:PassedToService": ["application-autoscaling.amazonaws.com", "dax.amazonaws.com"]}}},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}))


@case("iam-privesc-actions", violates=False)
def read_only_iam():
    aws.iam.Policy("reader", policy=doc({"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles"], "Resource": "*"}))


@case("iam-data-exfil-star", violates=True, resource="reader")
def get_any_secret():
    aws.iam.Policy("reader", policy=doc({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@case("iam-data-exfil-star", violates=True, resource="reader")
def get_parameters_wildcard_action():
    aws.iam.Policy("reader", policy=doc({"Effect": "Allow", "Action": "ssm:GetParameter*", "Resource": "*"}))


@case("iam-data-exfil-star", violates=True, resource="s3-everywhere")
def read_every_object_of_every_bucket():
    """arn:aws:s3:::* names every bucket, as AWSLambdaExecute's s3:GetObject does: it is Resource * for S3."""
    aws.iam.Policy("s3-everywhere", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"}]}))


@case("iam-data-exfil-star", violates=False)
def read_the_objects_of_one_bucket():
    aws.iam.Policy("s3-one", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::uploads/*"}]}))


@case("iam-data-exfil-star", violates=False)
def get_one_secret():
    s = aws.secretsmanager.Secret("db")
    aws.iam.Policy("reader", policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": s.arn}]}))


@case("iam-admin-managed-policy", violates=True, resource="admin")
def attach_administrator_access():
    r = role()
    aws.iam.RolePolicyAttachment("admin", role=r.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")


@case("iam-admin-managed-policy", violates=True, resource="admin")
def attach_administrator_access_found_by_name():
    """The ARN a data source returns for an AWS managed policy's name is that policy's."""
    r = role()
    aws.iam.RolePolicyAttachment("admin", role=r.name,
                                 policy_arn=aws.iam.get_policy(name="AdministratorAccess").arn)


@case("iam-admin-managed-policy", violates=False)
def attach_a_customer_policy_found_by_name():
    r = role()
    aws.iam.RolePolicyAttachment("team", role=r.name, policy_arn=aws.iam.get_policy(name="TeamReadOnly").arn)


@case("iam-admin-managed-policy", violates=False)
def attach_basic_execution_role():
    r = role()
    aws.iam.RolePolicyAttachment("logs", role=r.name,
                                 policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")


@case("iam-trust-account-root", violates=True, resource="partner")
def trust_foreign_root():
    role("partner", trust=doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                               "Action": "sts:AssumeRole"}))


@case("iam-trust-account-root", violates=False)
def trust_foreign_root_with_external_id():
    role("partner", trust=doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                               "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x-123"}}}))


GH = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


@case("iam-trust-github-oidc-unscoped", violates=True, resource="deploy")
def github_oidc_any_repo():
    role("deploy", trust=doc({"Effect": "Allow", "Principal": {"Federated": GH},
                              "Action": "sts:AssumeRoleWithWebIdentity",
                              "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}))


@case("iam-trust-github-oidc-unscoped", violates=False)
def github_oidc_pinned_repo():
    role("deploy", trust=doc({"Effect": "Allow", "Principal": {"Federated": GH},
                              "Action": "sts:AssumeRoleWithWebIdentity",
                              "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                            "StringLike": {"token.actions.githubusercontent.com:sub":
                                                           "repo:acme/orders:ref:refs/heads/main"}}}))


@case("iam-policy-on-user", violates=True, resource="ci-user-policy")
def policy_on_user():
    u = aws.iam.User("ci")
    aws.iam.UserPolicy("ci-user-policy", user=u.name, policy=doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))


@case("iam-policy-on-user", violates=False)
def policy_on_group():
    g = aws.iam.Group("ci")
    aws.iam.GroupPolicy("ci-group-policy", group=g.name, policy=doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))


@case("lambda-role-overprivileged", violates=True, resource="fn")
def function_with_admin_role():
    r = role("fn-role")
    aws.iam.RolePolicy("fn-admin", role=r.id, policy=doc(ADMIN))
    function("fn", role_arn=r.arn)


@case("lambda-role-overprivileged", violates=True, resource="fn")
def function_with_managed_admin():
    r = role("fn-role")
    aws.iam.RolePolicyAttachment("fn-admin", role=r.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    function("fn", role_arn=r.arn)


@case("lambda-role-overprivileged", violates=False)
def function_with_scoped_role():
    r = role("fn-role")
    aws.iam.RolePolicy("fn-policy", role=r.id, policy=doc(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}))
    function("fn", role_arn=r.arn)


@case("lambda-role-shared", violates=True, resource="payments")
def two_functions_one_role():
    r = role("shared-role")
    function("orders", role_arn=r.arn)
    function("payments", role_arn=r.arn)


@case("lambda-role-shared", violates=False)
def one_role_per_function():
    function("orders")
    function("payments")


def _unauth_role(policy):
    pool = aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=True)
    r = aws.iam.Role("guest", assume_role_policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool.id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}}]}))
    aws.iam.RolePolicy("guest-policy", role=r.id, policy=doc(policy))
    aws.cognito.IdentityPoolRoleAttachment("roles", identity_pool_id=pool.id, roles={"unauthenticated": r.arn})


@case("cognito-unauth-role-broad", violates=True, resource="guest")
def guest_role_can_write_s3():
    _unauth_role({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::uploads/*"})


@case("cognito-unauth-role-broad", violates=False)
def guest_role_analytics_only():
    _unauth_role({"Effect": "Allow", "Action": ["mobileanalytics:PutEvents"], "Resource": "*"})


@case("iam-privesc-actions", violates=True, resource="escalate")
def login_profile_for_another_user():
    aws.iam.Policy("escalate", policy=doc({"Effect": "Allow", "Action": "iam:UpdateLoginProfile", "Resource": "*"}))


@case("iam-privesc-actions", violates=True, resource="escalate")
def passrole_to_cloudformation_with_create_stack():
    aws.iam.Policy("escalate", policy=doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/deployer"},
        {"Effect": "Allow", "Action": "cloudformation:CreateStack", "Resource": "*"}))


@case("iam-privesc-actions", violates=False)
def passrole_to_lambda_with_create_stack():
    aws.iam.Policy("deployer", policy=doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        {"Effect": "Allow", "Action": "cloudformation:CreateStack", "Resource": "*"}))


@case("iam-credentials-exposure", violates=True, resource="tokens")
def session_tokens_for_anyone():
    aws.iam.Policy("tokens", policy=doc({"Effect": "Allow", "Action": ["sts:GetSessionToken",
                                                                        "redshift:GetClusterCredentials"],
                                         "Resource": "*"}))


@case("iam-credentials-exposure", violates=False)
def cluster_credentials_for_one_user():
    aws.iam.Policy("tokens", policy=doc({"Effect": "Allow", "Action": "redshift:GetClusterCredentials",
                                         "Resource": "arn:aws:redshift:us-east-1:123456789012:dbuser:reports/app"}))


@case("iam-credentials-exposure", violates=False)
def ecr_authorization_token():
    # every image pull needs it, and it has no resource to name
    aws.iam.Policy("pull", policy=doc({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}))


@case("iam-permissions-management", violates=True, resource="opener")
def bucket_and_queue_policies_on_everything():
    aws.iam.Policy("opener", policy=doc({"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "sqs:AddPermission",
                                                                        "s3:GetObject"], "Resource": "*"}))


@case("iam-permissions-management", violates=False)
def queue_attributes_of_one_queue():
    aws.iam.Policy("opener", policy=doc({"Effect": "Allow", "Action": "sqs:SetQueueAttributes",
                                         "Resource": "arn:aws:sqs:us-east-1:123456789012:orders"}))


@case("iam-permissions-management", violates=False)
def whole_service_is_the_wildcard_rules_finding():
    aws.iam.Policy("opener", policy=doc({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}))


def _trusting(principal, condition=None):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return role("partner", trust=doc(statement))


@case("iam-trust-no-external-id", violates=True, resource="partner")
def partner_role_without_external_id():
    _trusting("arn:aws:iam::111122223333:role/integrations")


@case("iam-trust-no-external-id", violates=False)
def partner_role_with_external_id():
    _trusting("arn:aws:iam::111122223333:role/integrations", {"StringEquals": {"sts:ExternalId": "acme-7d1f"}})


@case("iam-trust-no-external-id", violates=False, config={"iam-trust-no-external-id": {"trustedAccounts": ["111122223333"]}})
def own_account_role_listed_as_trusted():
    _trusting("arn:aws:iam::111122223333:role/ci")


@case("iam-write-star", violates=True, resource="writer")
def queue_and_function_writes_on_everything():
    aws.iam.Policy("writer", policy=doc({"Effect": "Allow", "Action": ["dynamodb:DeleteTable", "lambda:PublishVersion"],
                                         "Resource": "*"}))


@case("iam-write-star", violates=False)
def writes_on_named_resources():
    aws.iam.Policy("writer", policy=doc({"Effect": "Allow", "Action": ["lambda:PublishVersion"],
                                         "Resource": "arn:aws:lambda:us-east-1:123456789012:function:orders"}))


@case("iam-write-star", violates=False)
def tracing_takes_no_resource():
    aws.iam.Policy("writer", policy=doc({"Effect": "Allow", "Action": ["xray:PutTraceSegments",
                                                                        "xray:PutTelemetryRecords"], "Resource": "*"}))
