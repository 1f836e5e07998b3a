"""SAS-5 monitoring and logging cases."""
import pulumi_aws as aws

from . import case
from ._util import doc, function, role

VIS = {"cloudwatch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True}


def _acl():
    return aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=VIS)


@case("waf-logging", violates=True, resource="acl")
def acl_without_logging():
    _acl()


@case("waf-logging", violates=False)
def acl_with_logging():
    acl = _acl()
    logs = aws.cloudwatch.LogGroup("waf", name="aws-waf-logs-app", retention_in_days=90)
    aws.wafv2.WebAclLoggingConfiguration("acl-logs", resource_arn=acl.arn, log_destination_configs=[logs.arn])


@case("s3-access-logging", violates=True, resource="uploads")
def bucket_without_access_logs():
    aws.s3.Bucket("uploads")


@case("s3-access-logging", violates=False)
def bucket_logging_to_log_bucket():
    b, logs = aws.s3.Bucket("uploads"), aws.s3.Bucket("access-logs")
    aws.s3.BucketLogging("uploads-logging", bucket=b.id, target_bucket=logs.id, target_prefix="uploads/")


@case("s3-access-logging", violates=False)
def cloudfront_log_bucket_and_logged_site():
    site, access_logs, logs = aws.s3.Bucket("site"), aws.s3.Bucket("access-logs"), aws.s3.Bucket("cdn-logs")
    aws.s3.BucketLogging("site-logging", bucket=site.id, target_bucket=access_logs.id, target_prefix="site/")
    aws.cloudfront.Distribution(
        "cdn", enabled=True, default_root_object="index.html",
        origins=[{"domain_name": site.bucket_regional_domain_name, "origin_id": "site"}],
        default_cache_behavior={"allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "target_origin_id": "site", "viewer_protocol_policy": "redirect-to-https",
                                "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
        logging_config={"bucket": logs.bucket_domain_name, "prefix": "cdn/"})


@case("s3-access-logging", violates=False, modes=("update",))
def cloudfront_logging_to_a_bucket_named_as_a_literal():
    aws.s3.Bucket("cdn-logs", bucket="acme-cdn-logs")
    aws.cloudfront.Distribution(
        "cdn", enabled=True,
        origins=[{"domain_name": "example.com", "origin_id": "web",
                  "custom_origin_config": {"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
                                           "origin_ssl_protocols": ["TLSv1.2"]}}],
        default_cache_behavior={"allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "target_origin_id": "web", "viewer_protocol_policy": "redirect-to-https",
                                "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
        logging_config={"bucket": "acme-cdn-logs.s3.amazonaws.com"})


@case("lambda-log-retention", violates=True, resource="fn")
def function_without_log_group():
    function()


@case("lambda-log-retention", violates=False)
def function_with_log_group_named_after_it():
    fn = function()
    aws.cloudwatch.LogGroup("fn-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=90)


@case("lambda-log-retention", violates=False)
def function_with_custom_log_group():
    logs = aws.cloudwatch.LogGroup("fn-logs", name="/app/orders", retention_in_days=90)
    function(logging_config={"log_format": "JSON", "log_group": logs.name})


@case("log-group-retention", violates=True, resource="logs")
def log_group_forever():
    aws.cloudwatch.LogGroup("logs")


@case("log-group-retention", violates=True, resource="logs", config={"log-group-retention": {"minRetentionDays": 365}})
def log_group_below_audit_minimum():
    aws.cloudwatch.LogGroup("logs", retention_in_days=30)


@case("log-group-retention", violates=False)
def log_group_expires():
    aws.cloudwatch.LogGroup("logs", retention_in_days=90)


@case("lambda-xray", violates=True, resource="fn")
def function_passthrough_tracing():
    function(tracing_config={"mode": "PassThrough"})


@case("lambda-xray", violates=False)
def function_active_tracing():
    function(tracing_config={"mode": "Active"})


def _rest_stage(**kw):
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("deploy", rest_api=api.id)
    return api, aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod", **kw)


@case("apigw-access-logging", violates=True, resource="prod")
def stage_without_access_logs():
    _rest_stage()


@case("apigw-access-logging", violates=False)
def stage_with_access_logs():
    logs = aws.cloudwatch.LogGroup("access", retention_in_days=90)
    _rest_stage(access_log_settings={"destination_arn": logs.arn, "format": '{"requestId":"$context.requestId"}'})


@case("apigw-execution-logging", violates=True, resource="prod")
def stage_without_execution_logs():
    _rest_stage()


@case("apigw-execution-logging", violates=False)
def stage_with_execution_logs():
    api, stage = _rest_stage()
    aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                  settings={"logging_level": "ERROR", "metrics_enabled": True})


@case("apigw-xray", violates=True, resource="prod")
def stage_untraced():
    _rest_stage()


@case("apigw-xray", violates=False)
def stage_traced():
    _rest_stage(xray_tracing_enabled=True)


SFN_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"})
DEFINITION = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'


def _sfn(**kw):
    r = role("sfn-role", trust=SFN_TRUST)
    aws.sfn.StateMachine("flow", role_arn=r.arn, definition=DEFINITION, **kw)


@case("sfn-logging", violates=True, resource="flow")
def state_machine_logging_off():
    _sfn(logging_configuration={"level": "OFF"})


@case("sfn-logging", violates=False)
def state_machine_logs_errors():
    logs = aws.cloudwatch.LogGroup("sfn", retention_in_days=90)
    _sfn(logging_configuration={"level": "ERROR", "log_destination": logs.arn.apply(lambda a: f"{a}:*")})


@case("sfn-xray", violates=True, resource="flow")
def state_machine_untraced():
    _sfn()


@case("sfn-xray", violates=False)
def state_machine_traced():
    _sfn(tracing_configuration={"enabled": True})


@case("appsync-logging", violates=True, resource="graphql")
def graphql_without_logs():
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@case("appsync-logging", violates=True, resource="graphql")
def graphql_verbose_logs():
    r = role("appsync-logs", trust=doc({"Effect": "Allow", "Principal": {"Service": "appsync.amazonaws.com"},
                                        "Action": "sts:AssumeRole"}))
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", log_config={
        "cloudwatch_logs_role_arn": r.arn, "field_log_level": "ALL", "exclude_verbose_content": False})


@case("appsync-logging", violates=False)
def graphql_error_logs():
    r = role("appsync-logs", trust=doc({"Effect": "Allow", "Principal": {"Service": "appsync.amazonaws.com"},
                                        "Action": "sts:AssumeRole"}))
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", log_config={
        "cloudwatch_logs_role_arn": r.arn, "field_log_level": "ERROR", "exclude_verbose_content": True})


@case("lambda-error-alarm", violates=True, resource="fn")
def function_without_alarm():
    function()


@case("lambda-error-alarm", violates=False)
def function_with_error_alarm():
    fn = function()
    topic = aws.sns.Topic("alerts", kms_master_key_id="alias/aws/sns")
    aws.cloudwatch.MetricAlarm("fn-errors", namespace="AWS/Lambda", metric_name="Errors", statistic="Sum", period=300,
                               evaluation_periods=1, threshold=1, comparison_operator="GreaterThanOrEqualToThreshold",
                               dimensions={"FunctionName": fn.name}, alarm_actions=[topic.arn])


@case("stack-missing-cloudwatch-role", violates=True, resource="prod")
def logging_stage_without_account_role():
    api, stage = _rest_stage()
    aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                  settings={"logging_level": "ERROR"})


@case("stack-missing-cloudwatch-role", violates=False)
def logging_stage_with_account_role():
    api, stage = _rest_stage()
    aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                  settings={"logging_level": "ERROR"})
    r = role("apigw-logs", trust=doc({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                      "Action": "sts:AssumeRole"}))
    aws.apigateway.Account("account", cloudwatch_role_arn=r.arn)


@case("apigw-access-logging", violates=True, resource="prod")
def stage_whose_access_log_format_is_blank():
    """A blank format: API Gateway writes no access log (it needs $context.requestId)."""
    logs = aws.cloudwatch.LogGroup("access", retention_in_days=90)
    _rest_stage(access_log_settings={"destination_arn": logs.arn, "format": " "})


@case("apigw-access-logging", violates=True, resource="prod")
def stage_whose_access_log_format_lacks_the_request_id():
    logs = aws.cloudwatch.LogGroup("access", retention_in_days=90)
    _rest_stage(access_log_settings={"destination_arn": logs.arn, "format": '{"ip":"$context.identity.sourceIp"}'})


@case("appsync-xray", violates=True, resource="graph")
def graphql_api_untraced():
    aws.appsync.GraphQLApi("graph", authentication_type="AWS_IAM")


@case("appsync-xray", violates=False)
def graphql_api_traced():
    aws.appsync.GraphQLApi("graph", authentication_type="AWS_IAM", xray_enabled=True)


def _http_stage(fmt):
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    logs = aws.cloudwatch.LogGroup("access", retention_in_days=90)
    aws.apigatewayv2.Stage("live", api_id=api.id, name="live",
                           access_log_settings={"destination_arn": logs.arn, "format": fmt})


@case("apigw-access-log-json", violates=True, resource="live")
def access_log_in_common_log_format():
    _http_stage("$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey\" "
                "$context.status $context.requestId")


@case("apigw-access-log-json", violates=False)
def access_log_as_json():
    _http_stage('{"requestId":"$context.requestId","status":$context.status,"routeKey":"$context.routeKey"}')


@case("sns-delivery-status-logging", violates=True, resource="orders")
def topic_delivering_to_a_function_unlogged():
    fn = function("worker")
    topic = aws.sns.Topic("orders")
    aws.sns.TopicSubscription("orders-worker", topic=topic.arn, protocol="lambda", endpoint=fn.arn)


@case("sns-delivery-status-logging", violates=False)
def topic_logging_failed_deliveries():
    fn = function("worker")
    feedback = role("feedback", trust=doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                           "Action": "sts:AssumeRole"}))
    topic = aws.sns.Topic("orders", lambda_failure_feedback_role_arn=feedback.arn)
    aws.sns.TopicSubscription("orders-worker", topic=topic.arn, protocol="lambda", endpoint=fn.arn)


@case("cloudtrail-data-events", violates=True, resource="fn")
def function_without_invoke_data_events():
    function()
    aws.cloudtrail.Trail("audit", s3_bucket_name="audit-trail-bucket")


@case("cloudtrail-data-events", violates=False)
def function_with_invoke_data_events():
    function()
    aws.cloudtrail.Trail("audit", s3_bucket_name="audit-trail-bucket", event_selectors=[{
        "read_write_type": "All", "include_management_events": True,
        "data_resources": [{"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda"]}]}])


# --- a quick-create HTTP API's automatic $default stage ------------------------------------------------------

def _quick_create():
    aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=function("fn").arn)


@case("apigw-access-logging", violates=True, resource="http")
def quick_create_api_stage_writes_no_access_log():
    _quick_create()


@case("apigw-access-logging", violates=False)
def api_with_its_own_logged_stage_is_not_quick_create():
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    logs = aws.cloudwatch.LogGroup("access", retention_in_days=30)
    aws.apigatewayv2.Stage("live", api_id=api.id, name="live", auto_deploy=True, access_log_settings={
        "destination_arn": logs.arn, "format": '{"requestId":"$context.requestId"}'})
