"""aws-native programs (pulumi-aws-native, CloudFormation's names and shapes): the same rules, both ways,
on the settings aws-native keeps elsewhere than pulumi-aws (a deployment's stage, a stage's method
settings, a rule's targets, a bucket's blocks, a topic's subscriptions, a policy's roles)."""
import json

import pulumi
import pulumi_aws_native as native

from . import case

ASSUME = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _function(name="fn", **kw):
    role = native.iam.Role(f"{name}-role", assume_role_policy_document=ASSUME, managed_policy_arns=[BASIC])
    return native.lambda_.Function(name, role=role.arn, runtime="python3.12", handler="index.handler",
                                   code={"zip_file": "def handler(e, c): pass"}, **kw)


def _api():
    return native.apigateway.RestApi("api", name="api")


# --- a REST stage declared by a Deployment's stageDescription ---------------------------------
@case("apigw-access-logging", violates=True, resource="deploy")
def deployment_stage_without_access_logs():
    native.apigateway.Deployment("deploy", rest_api_id=_api().rest_api_id, stage_name="prod")


@case("apigw-access-logging", violates=False)
def deployment_stage_with_access_logs():
    logs = native.logs.LogGroup("access", retention_in_days=90)
    native.apigateway.Deployment("deploy", rest_api_id=_api().rest_api_id, stage_name="prod", stage_description={
        "access_log_setting": {"destination_arn": logs.arn, "format": '{"requestId":"$context.requestId"}'}})


@case("apigw-data-trace", violates=True, resource="deploy")
def deployment_stage_tracing_data():
    native.apigateway.Deployment("deploy", rest_api_id=_api().rest_api_id, stage_name="prod",
                                 stage_description={"logging_level": "INFO", "data_trace_enabled": True})


@case("apigw-execution-logging", violates=False)
def deployment_stage_logging_errors():
    native.apigateway.Deployment("deploy", rest_api_id=_api().rest_api_id, stage_name="prod",
                                 stage_description={"logging_level": "ERROR", "metrics_enabled": True})


# --- a REST stage's own methodSettings -----------------------------------------------------------
@case("apigw-throttling", violates=False)
def stage_method_settings_throttle_everything():
    api = _api()
    deployment = native.apigateway.Deployment("deployment", rest_api_id=api.rest_api_id)
    native.apigateway.Stage("prod", rest_api_id=api.rest_api_id, deployment_id=deployment.deployment_id,
                            stage_name="prod", method_settings=[{
                                "resource_path": "/*", "http_method": "*", "throttling_burst_limit": 100,
                                "throttling_rate_limit": 50}])


@case("apigw-cache-encryption", violates=True, resource="prod")
def stage_caches_orders_unencrypted():
    api = _api()
    deployment = native.apigateway.Deployment("deployment", rest_api_id=api.rest_api_id)
    native.apigateway.Stage("prod", rest_api_id=api.rest_api_id, deployment_id=deployment.deployment_id,
                            stage_name="prod", cache_cluster_enabled=True, method_settings=[{
                                "resource_path": "/~1orders", "http_method": "GET", "caching_enabled": True}])


# --- an HTTP API stage's routeSettings, a map keyed by route ----------------------------------
@case("apigw-throttling", violates=True, resource="live")
def http_stage_throttles_one_route_of_two():
    api = native.apigatewayv2.Api("http", protocol_type="HTTP")
    for key, name in (("GET /items", "items"), ("POST /orders", "orders")):
        native.apigatewayv2.Route(name, api_id=api.api_id, route_key=key, authorization_type="AWS_IAM")
    native.apigatewayv2.Stage("live", api_id=api.api_id, stage_name="live", route_settings={
        "GET /items": {"throttlingBurstLimit": 10, "throttlingRateLimit": 5}})


# --- an EventBridge rule's targets -----------------------------------------------------------
@case("eventbridge-target-dlq", violates=True, resource="nightly")
def rule_target_without_dlq():
    native.events.Rule("nightly", schedule_expression="rate(1 day)",
                       targets=[{"id": "queue", "arn": "arn:aws:sqs:us-east-1:123456789012:jobs"}])


@case("eventbridge-target-dlq", violates=False)
def rule_target_with_dlq():
    native.events.Rule("nightly", schedule_expression="rate(1 day)", targets=[{
        "id": "queue", "arn": "arn:aws:sqs:us-east-1:123456789012:jobs",
        "dead_letter_config": {"arn": "arn:aws:sqs:us-east-1:123456789012:jobs-dlq"}}])


# --- a managed policy attached through its roles -----------------------------------------------
@case("lambda-role-overprivileged", violates=True, resource="fn")
def managed_policy_lets_the_function_pass_every_role():
    role = native.iam.Role("fn-role", assume_role_policy_document=ASSUME, managed_policy_arns=[BASIC])
    native.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="index.handler",
                            code={"zip_file": "def handler(e, c): pass"})
    native.iam.ManagedPolicy("deploy", roles=[role.role_name],
                             policy_document={"Version": "2012-10-17", "Statement": [
                                 {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})


@case("iam-passrole-star", violates=False)
def managed_policy_passes_one_role_to_one_service():
    native.iam.ManagedPolicy("deploy", policy_document={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/worker",
        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]})


# --- a bucket's blocks, ACL and encryption, held on the bucket --------------------------------
@case("s3-public-access-block-weak", violates=True, resource="site")
def bucket_block_off():
    native.s3.Bucket("site", public_access_block_configuration={"block_public_policy": False,
                                                                "restrict_public_buckets": False})


@case("s3-acl-public", violates=True, resource="site")
def bucket_public_read_acl():
    native.s3.Bucket("site", access_control="PublicRead",
                     ownership_controls={"rules": [{"object_ownership": "ObjectWriter"}]})


@case("s3-acl-public", violates=False)
def bucket_private_acl():
    native.s3.Bucket("site", access_control="Private")


@case("s3-sse-kms", violates=False)
def bucket_encrypted_with_a_customer_key():
    key = native.kms.Key("key", enable_key_rotation=True)
    native.s3.Bucket("data", bucket_encryption={"server_side_encryption_configuration": [{
        "server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}]})


# --- a topic's inline subscriptions and policies ---------------------------------------------
@case("sns-subscription-http", violates=True, resource="orders")
def topic_subscription_over_http():
    native.sns.Topic("orders", subscription=[{"protocol": "http", "endpoint": "http://hooks.example.com/o"}])


@case("sns-subscription-http", violates=False)
def topic_subscription_over_https():
    native.sns.Topic("orders", subscription=[{"protocol": "https", "endpoint": "https://hooks.example.com/o"}])


@case("sns-policy-public", violates=True, resource="orders-policy")
def topic_inline_policy_public():
    topic = native.sns.Topic("orders")
    native.sns.TopicInlinePolicy("orders-policy", topic_arn=topic.topic_arn, policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sns:Publish",
                                               "Resource": "*"}]})


@case("sqs-policy-public", violates=True, resource="jobs-policy")
def queue_inline_policy_public():
    queue = native.sqs.Queue("jobs")
    native.sqs.QueueInlinePolicy("jobs-policy", queue=queue.queue_url, policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                                               "Resource": "*"}]})


# --- other CloudFormation shapes -------------------------------------------------------------
@case("kinesis-stream-encryption", violates=False)
def stream_encrypted():
    native.kinesis.Stream("clicks", shard_count=1, retention_period_hours=168,
                          stream_encryption={"encryption_type": "KMS", "key_id": "alias/aws/kinesis"})


@case("cloudfront-viewer-https", violates=True, resource="cdn")
def distribution_allows_http_on_a_path():
    native.cloudfront.Distribution("cdn", distribution_config={
        "enabled": True, "origins": [{"id": "app", "domain_name": "app.example.com",
                                      "custom_origin_config": {"origin_protocol_policy": "https-only"}}],
        "default_cache_behavior": {"target_origin_id": "app", "viewer_protocol_policy": "redirect-to-https"},
        "cache_behaviors": [{"path_pattern": "/legacy/*", "target_origin_id": "app",
                             "viewer_protocol_policy": "allow-all"}]})


@case("appsync-api-key-auth", violates=True, resource="key", config={"appsync-api-key-auth": {"maxApiKeyDays": 7}})
def api_key_valid_for_a_year():
    api = native.appsync.GraphQlApi("graph", name="graph", authentication_type="AWS_IAM",
                                    additional_authentication_providers=[{"authentication_type": "API_KEY"}])
    native.appsync.ApiKey("key", api_id=api.api_id, expires=1893456000)   # 2030-01-01


@case("lambda-env-secrets", violates=True, resource="fn")
def function_env_secret_marked():
    _function(environment={"variables": {"DB_PASSWORD": pulumi.Output.secret("s3cr3t-value-xyz")}})


@case("tags-secrets", violates=True, resource="fn")
def function_tag_holds_a_secret():
    _function(tags=[{"key": "db-password", "value": pulumi.Output.secret("s3cr3t-value-xyz")}])


@case("sfn-definition-secrets", violates=False)
def state_machine_definition_as_object():
    role = native.iam.Role("flow-role", assume_role_policy_document=json.loads(json.dumps(ASSUME)))
    native.stepfunctions.StateMachine("flow", role_arn=role.arn, definition={
        "StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
