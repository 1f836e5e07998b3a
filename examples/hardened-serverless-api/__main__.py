"""The orders API built to pass serverless-guard: per-function roles, authenticated entry points,
secrets in Secrets Manager, encrypted and private data stores."""
import json

import pulumi
import pulumi_aws as aws

code = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return event\n")})
key = aws.kms.Key("app", enable_key_rotation=True, deletion_window_in_days=30, policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Sid": "Account", "Effect": "Allow",
                                            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                            "Action": "kms:*", "Resource": "*"}]}))
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


alerts = aws.sns.Topic("alerts", kms_master_key_id=key.arn)
signing = aws.lambda_.CodeSigningConfig("signed", allowed_publishers={"signing_profile_version_arns": [
    "arn:aws:signer:us-east-1:123456789012:/signing-profiles/orders/abcdef1234"]},
    policies={"untrusted_artifact_on_deployment": "Enforce"})


def function(name, **kw):
    """A function with its own role, log group, error alarm, signed code and a concurrency cap."""
    role = aws.iam.Role(f"{name}-role", assume_role_policy=LAMBDA_TRUST)
    # its logs, and the network interfaces a function in a VPC needs
    aws.iam.RolePolicyAttachment(f"{name}-vpc-logs", role=role.name,
                                 policy_arn=aws.iam.ManagedPolicy.AWS_LAMBDA_VPC_ACCESS_EXECUTION_ROLE)
    fn = aws.lambda_.Function(name, role=role.arn, runtime="python3.12", handler="index.handler", code=code,
                              kms_key_arn=key.arn, tracing_config={"mode": "Active"},
                              reserved_concurrent_executions=20, timeout=10, code_signing_config_arn=signing.arn,
                              vpc_config={"subnet_ids": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
                                          "security_group_ids": ["sg-0123456789abcdef0"]}, **kw)
    aws.cloudwatch.LogGroup(f"{name}-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"),
                            retention_in_days=365, kms_key_id=key.arn)
    aws.cloudwatch.MetricAlarm(f"{name}-errors", namespace="AWS/Lambda", metric_name="Errors", statistic="Sum",
                               period=300, evaluation_periods=1, threshold=1,
                               comparison_operator="GreaterThanOrEqualToThreshold",
                               dimensions={"FunctionName": fn.name}, alarm_actions=[alerts.arn])
    return fn


db_secret = aws.secretsmanager.Secret("db-password", kms_key_id=key.arn)
rotator = function("rotator")
aws.secretsmanager.SecretRotation("db-password", secret_id=db_secret.id, rotation_lambda_arn=rotator.arn,
                                  rotation_rules={"automatically_after_days": 30})
orders = function("orders", environment={"variables": {"DB_SECRET_ARN": db_secret.arn, "TABLE": "orders"}})
webhook = function("webhook")
url = aws.lambda_.FunctionUrl("webhook-url", function_name=webhook.name, authorization_type="AWS_IAM")

# REST API behind a Cognito authorizer; HTTP API behind a JWT authorizer.
pool = aws.cognito.UserPool("users", mfa_configuration="ON", deletion_protection="ACTIVE", software_token_mfa_configuration={"enabled": True},
                            password_policy={"minimum_length": 14, "require_lowercase": True,
                                             "require_uppercase": True, "require_numbers": True,
                                             "require_symbols": True},
                            user_pool_add_ons={"advanced_security_mode": "ENFORCED"})
api = aws.apigateway.RestApi("orders-api")
res = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
authorizer = aws.apigateway.Authorizer("cognito", rest_api=api.id, type="COGNITO_USER_POOLS",
                                       provider_arns=[pool.arn])
get = aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=res.id, http_method="GET",
                            authorization="COGNITO_USER_POOLS", authorizer_id=authorizer.id)
integ = aws.apigateway.Integration("get-orders", rest_api=api.id, resource_id=res.id, http_method=get.http_method,
                                   type="AWS_PROXY", integration_http_method="POST", uri=orders.invoke_arn)
aws.lambda_.Permission("orders-from-api", function=orders.name, action="lambda:InvokeFunction",
                       principal="apigateway.amazonaws.com",
                       source_arn=pulumi.Output.concat(api.execution_arn, "/prod/GET/orders"))
deployment = aws.apigateway.Deployment("orders-api", rest_api=api.id, opts=pulumi.ResourceOptions(depends_on=[integ]))
access_logs = aws.cloudwatch.LogGroup("api-access-logs", retention_in_days=365, kms_key_id=key.arn)
stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=deployment.id, stage_name="prod",
                             variables={"tableName": "orders"}, xray_tracing_enabled=True,
                             access_log_settings={"destination_arn": access_logs.arn,
                                                  "format": '{"requestId":"$context.requestId","ip":'
                                                            '"$context.identity.sourceIp","status":"$context.status"}'})
apigw_logs_role = aws.iam.Role("apigw-logs", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
aws.iam.RolePolicyAttachment("apigw-logs", role=apigw_logs_role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
aws.apigateway.Account("account", cloudwatch_role_arn=apigw_logs_role.arn)
aws.apigateway.MethodSettings("prod-all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                              settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50,
                                        "logging_level": "ERROR", "metrics_enabled": True})

http = aws.apigatewayv2.Api("http-api", protocol_type="HTTP")
jwt = aws.apigatewayv2.Authorizer("jwt", api_id=http.id, authorizer_type="JWT",
                                  identity_sources=["$request.header.Authorization"],
                                  jwt_configuration={"audiences": ["orders"], "issuer": pool.endpoint})
aws.apigatewayv2.Route("list-orders", api_id=http.id, route_key="GET /orders", authorization_type="JWT",
                       authorizer_id=jwt.id)
aws.cognito.IdentityPool("identities", identity_pool_name="orders", allow_unauthenticated_identities=False)
graphql = aws.appsync.GraphQLApi("graphql", authentication_type="AMAZON_COGNITO_USER_POOLS",
                       query_depth_limit=10, resolver_count_limit=100, introspection_config="DISABLED", xray_enabled=True,
                       log_config={"cloudwatch_logs_role_arn": apigw_logs_role.arn, "field_log_level": "ERROR",
                                   "exclude_verbose_content": True},
                       user_pool_config={"user_pool_id": pool.id, "default_action": "ALLOW", "aws_region": "us-east-1"})

# Private, encrypted data stores.
def private_bucket(name, kms=True):
    """A bucket with a public access block, versioning, TLS-only policy and default encryption."""
    bucket = aws.s3.Bucket(name)
    aws.s3.BucketPublicAccessBlock(name, bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                                   ignore_public_acls=True, restrict_public_buckets=True)
    aws.s3.BucketVersioning(name, bucket=bucket.id, versioning_configuration={"status": "Enabled"})
    default = {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn} if kms else {"sse_algorithm": "AES256"}
    aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=bucket.id, rules=[{
        "apply_server_side_encryption_by_default": default, "bucket_key_enabled": kms}])
    aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, policy=pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                                                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    return bucket


# Server access logs can only be delivered to an SSE-S3 bucket.
access_log_bucket = private_bucket("access-logs", kms=False)
uploads = private_bucket("uploads")
aws.s3.BucketLogging("uploads", bucket=uploads.id, target_bucket=access_log_bucket.id, target_prefix="uploads/")
topic = aws.sns.Topic("events", kms_master_key_id=key.arn)
queue = aws.sqs.Queue("jobs", kms_master_key_id=key.arn)
aws.sqs.QueuePolicy("jobs-from-events", queue_url=queue.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                            "Action": "sqs:SendMessage", "Resource": queue.arn,
                                            "Condition": {"ArnEquals": {"aws:SourceArn": topic.arn}}}]}))
aws.dynamodb.Table("orders-table", billing_mode="PAY_PER_REQUEST", hash_key="id",
                   attributes=[{"name": "id", "type": "S"}], point_in_time_recovery={"enabled": True},
                   deletion_protection_enabled=True,
                   server_side_encryption={"enabled": True, "kms_key_arn": key.arn})
aws.ssm.Parameter("db-host", name="/orders/db/host", type="String", value="orders.cluster.internal")

# A web ACL with AWS managed rules in front of the REST stage and the GraphQL API, with logging.
visibility = {"cloudwatch_metrics_enabled": True, "metric_name": "orders", "sampled_requests_enabled": True}


def managed(name, priority):
    return {"name": name, "priority": priority, "override_action": {"none": {}}, "visibility_config": visibility,
            "statement": {"managed_rule_group_statement": {"name": name, "vendor_name": "AWS"}}}


acl = aws.wafv2.WebAcl("orders", scope="REGIONAL", default_action={"allow": {}}, visibility_config=visibility,
                       rules=[managed("AWSManagedRulesCommonRuleSet", 1),
                              managed("AWSManagedRulesKnownBadInputsRuleSet", 2)])
waf_logs = aws.cloudwatch.LogGroup("waf-logs", name="aws-waf-logs-orders", retention_in_days=365, kms_key_id=key.arn)
aws.wafv2.WebAclLoggingConfiguration("orders", resource_arn=acl.arn, log_destination_configs=[waf_logs.arn])
aws.wafv2.WebAclAssociation("prod", resource_arn=stage.arn, web_acl_arn=acl.arn)
aws.wafv2.WebAclAssociation("graphql", resource_arn=graphql.arn, web_acl_arn=acl.arn)
