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


def function(name, **kw):
    role = aws.iam.Role(f"{name}-role", assume_role_policy=LAMBDA_TRUST)
    return aws.lambda_.Function(name, role=role.arn, runtime="python3.12", handler="index.handler", code=code,
                                kms_key_arn=key.arn, tracing_config={"mode": "Active"},
                                reserved_concurrent_executions=20, timeout=10,
                                vpc_config={"subnet_ids": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
                                            "security_group_ids": ["sg-0123456789abcdef0"]}, **kw)


db_secret = aws.secretsmanager.Secret("db-password", kms_key_id=key.arn)
rotator = function("rotator")
aws.secretsmanager.SecretRotation("db-password", secret_id=db_secret.id, rotation_lambda_arn=rotator.arn,
                                  rotation_rules={"automatically_after_days": 30})
orders = function("orders", environment={"variables": {"DB_SECRET_ARN": db_secret.arn, "TABLE": "orders"}})
webhook = function("webhook")
url = aws.lambda_.FunctionUrl("webhook-url", function_name=webhook.name, authorization_type="AWS_IAM")

# REST API behind a Cognito authorizer; HTTP API behind a JWT authorizer.
pool = aws.cognito.UserPool("users", mfa_configuration="ON", software_token_mfa_configuration={"enabled": True},
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
stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=deployment.id, stage_name="prod",
                             variables={"tableName": "orders"})
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
                       query_depth_limit=10, resolver_count_limit=100, introspection_config="DISABLED",
                       user_pool_config={"user_pool_id": pool.id, "default_action": "ALLOW", "aws_region": "us-east-1"})

# Private, encrypted data stores.
uploads = aws.s3.Bucket("uploads")
aws.s3.BucketPublicAccessBlock("uploads", bucket=uploads.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketVersioning("uploads", bucket=uploads.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketServerSideEncryptionConfiguration("uploads", bucket=uploads.id, rules=[{
    "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
    "bucket_key_enabled": True}])
aws.s3.BucketPolicy("uploads-tls-only", bucket=uploads.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                            "Resource": [uploads.arn, pulumi.Output.concat(uploads.arn, "/*")],
                                            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
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
aws.cloudwatch.LogGroup("orders-logs", name="/aws/lambda/orders", retention_in_days=365, kms_key_id=key.arn)

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
