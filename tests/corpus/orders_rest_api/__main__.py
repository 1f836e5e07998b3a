"""Orders REST API: API Gateway (REST) -> Lambda -> DynamoDB, the way the tutorial builds it and a team
extends it: a Cognito authorizer on writes, an API key for partners, a public health check."""
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
stage_name = config.get("stage") or "prod"

table = aws.dynamodb.Table(
    "orders",
    attributes=[aws.dynamodb.TableAttributeArgs(name="orderId", type="S")],
    hash_key="orderId",
    billing_mode="PAY_PER_REQUEST",
    point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
)

role = aws.iam.Role(
    "orders-fn-role",
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment("orders-fn-logs", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
# The tutorial's shortcut: the whole DynamoDB service on every table.
aws.iam.RolePolicy("orders-fn-dynamo", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}],
}))

fn = aws.lambda_.Function(
    "orders-handler",
    runtime="python3.12",
    handler="handler.main",
    role=role.arn,
    timeout=10,
    memory_size=256,
    code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def main(event, context):\n    return {}\n")}),
    environment={"variables": {"TABLE_NAME": table.name}},
    tracing_config={"mode": "Active"},
    reserved_concurrent_executions=50,
)
aws.cloudwatch.LogGroup("orders-handler-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"),
                        retention_in_days=30)

pool = aws.cognito.UserPool("orders-users", mfa_configuration="ON",
                            software_token_mfa_configuration={"enabled": True},
                            password_policy={"minimum_length": 12},
                            user_pool_add_ons={"advanced_security_mode": "ENFORCED"})

api = aws.apigateway.RestApi("orders-api", description="Orders")
authorizer = aws.apigateway.Authorizer("cognito", rest_api=api.id, type="COGNITO_USER_POOLS",
                                       provider_arns=[pool.arn])
orders = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
health = aws.apigateway.Resource("health", rest_api=api.id, parent_id=api.root_resource_id, path_part="health")

validator = aws.apigateway.RequestValidator("body", rest_api=api.id, validate_request_body=True)
model = aws.apigateway.Model("order", rest_api=api.id, content_type="application/json", schema=json.dumps({
    "type": "object", "required": ["item"], "properties": {"item": {"type": "string"}}}))

post = aws.apigateway.Method("post-order", rest_api=api.id, resource_id=orders.id, http_method="POST",
                             authorization="COGNITO_USER_POOLS", authorizer_id=authorizer.id,
                             request_models={"application/json": model.name}, request_validator_id=validator.id)
get = aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=orders.id, http_method="GET",
                            authorization="NONE", api_key_required=True)
# The health check is public on purpose, but nobody said so in the config: a reviewer wants to see it.
ping = aws.apigateway.Method("get-health", rest_api=api.id, resource_id=health.id, http_method="GET",
                             authorization="NONE")

integrations = []
for name, method, resource in (("post-order", post, orders), ("get-orders", get, orders), ("get-health", ping, health)):
    integrations.append(aws.apigateway.Integration(
        name, rest_api=api.id, resource_id=resource.id, http_method=method.http_method,
        type="AWS_PROXY", integration_http_method="POST", uri=fn.invoke_arn))

deployment = aws.apigateway.Deployment("orders-api", rest_api=api.id,
                                       opts=pulumi.ResourceOptions(depends_on=integrations))
access_logs = aws.cloudwatch.LogGroup("orders-api-access", retention_in_days=90)
stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=deployment.id, stage_name=stage_name,
                             xray_tracing_enabled=True,
                             access_log_settings={"destination_arn": access_logs.arn,
                                                  "format": json.dumps({"requestId": "$context.requestId"})})
aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                              settings={"logging_level": "ERROR", "metrics_enabled": True,
                                        "throttling_burst_limit": 100, "throttling_rate_limit": 50})
plan = aws.apigateway.UsagePlan("partners", api_stages=[{"api_id": api.id, "stage": stage.stage_name}],
                                throttle_settings={"burst_limit": 20, "rate_limit": 10})

aws.lambda_.Permission("api-invoke", function=fn.name, action="lambda:InvokeFunction",
                       principal="apigateway.amazonaws.com",
                       source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"))

acl = aws.wafv2.WebAcl("orders-waf", scope="REGIONAL", default_action={"allow": {}},
                       visibility_config={"cloudwatch_metrics_enabled": True, "metric_name": "orders-waf",
                                          "sampled_requests_enabled": True},
                       rules=[{"name": "common", "priority": 1, "override_action": {"none": {}},
                               "statement": {"managed_rule_group_statement": {
                                   "name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}},
                               "visibility_config": {"cloudwatch_metrics_enabled": True, "metric_name": "common",
                                                     "sampled_requests_enabled": True}},
                              {"name": "bad-inputs", "priority": 2, "override_action": {"none": {}},
                               "statement": {"managed_rule_group_statement": {
                                   "name": "AWSManagedRulesKnownBadInputsRuleSet", "vendor_name": "AWS"}},
                               "visibility_config": {"cloudwatch_metrics_enabled": True, "metric_name": "bad",
                                                     "sampled_requests_enabled": True}}])
aws.wafv2.WebAclAssociation("orders-waf", resource_arn=stage.arn, web_acl_arn=acl.arn)
waf_logs = aws.cloudwatch.LogGroup("aws-waf-logs-orders", name="aws-waf-logs-orders", retention_in_days=90)
aws.wafv2.WebAclLoggingConfiguration("orders-waf", resource_arn=acl.arn, log_destination_configs=[waf_logs.arn])
aws.apigateway.Account("account", cloudwatch_role_arn="arn:aws:iam::123456789012:role/apigw-cloudwatch")

pulumi.export("url", stage.invoke_url)
