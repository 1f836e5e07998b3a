"""SAS-5 Inadequate function monitoring and logging.

An audit trail for every entry point and workflow: function log groups managed in code with
retention, API access and execution logs, state machine and GraphQL logs, WAF and S3 access logs,
tracing, and alarms that notice abuse and runaway loops.

Remediation (level remediate): tracing switched on and a retention set. Access and execution logging
need a destination or an account-level role the fix cannot invent, so they stay findings.
"""
from __future__ import annotations

import json

from .core import Sev, Want, property_rule, as_list, fixes, iam, int_setting, resource_rule, stack_rule
from .core import aws, buckets, components, managed, roles
from .core.rule import Fixed, literal
from .core.reach import QUICK_CREATE
from .core.checks import open_policy, s3_log_targets
from .core.cases import P, complies, violates

CAT = "SAS-5"
LOGGING_LEVELS = ("ERROR", "INFO")


@stack_rule(
    "waf-logging", CAT, Sev.LOW, types=[aws.WEB_ACL, aws.WEB_ACL_LOGGING],
    title="Web ACLs log their decisions",
    description="Without WAF logging, blocked and allowed attacks leave no trace.",
    remediation="""aws.wafv2.WebAclLoggingConfiguration("acl", resource_arn=acl.arn, log_destination_configs=[log_group.arn])
# the log group name must start with aws-waf-logs-""",
    peers=["CKV2_AWS_31", "FSBP WAF.11"],
    phrase="has no WebAclLoggingConfiguration")
def waf_logging(stack, cfg):
    for acl in stack.of_type(aws.WEB_ACL):
        if not stack.referrers(acl, aws.WEB_ACL_LOGGING, prop="resourceArn"):
            yield acl, "has no WebAclLoggingConfiguration. Send its logs to CloudWatch, S3 or Firehose."


@violates("waf-logging", resource="acl")
def acl_without_logging():
    _acl()


@complies("waf-logging")
def acl_with_logging():
    acl = _acl()
    logs = P.aws.cloudwatch.LogGroup("waf", name="aws-waf-logs-app", retention_in_days=90)
    P.aws.wafv2.WebAclLoggingConfiguration("acl-logs", resource_arn=acl.arn, log_destination_configs=[logs.arn])


@resource_rule(
    "cloudfront-logging", CAT, Sev.LOW, types=[aws.DISTRIBUTION],
    title="CloudFront distributions log requests",
    description="Without access logs there is no record of who requested what from the site or API in front "
                "of the functions.",
    remediation="""aws.cloudfront.Distribution("site", ..., logging_config={"bucket": logs.bucket_domain_name,
    "include_cookies": False, "prefix": "site/"})""",
    peers=["FSBP CloudFront.5", "CKV_AWS_86"],
    phrase="has no logging_config")
def cloudfront_logging(r, cfg):
    if not r.is_set("loggingConfig.bucket"):
        return "has no loggingConfig. Log requests to a bucket (or set up CloudWatch log delivery)."
    return None


@violates("cloudfront-logging", resource="cdn")
def distribution_without_logs():
    P.distribution()


@complies("cloudfront-logging")
def distribution_logging_to_a_bucket():
    logs = P.aws.s3.Bucket("cdn-logs")
    P.distribution(logging_config={"bucket": logs.bucket_domain_name, "prefix": "cdn/"})


@resource_rule(
    "logs-resource-policy-public", CAT, Sev.HIGH, types=[aws.LOG_RESOURCE_POLICY],
    title="CloudWatch Logs resource policies are not open to everyone",
    description="A Logs resource policy that lets Principal * write or read log groups lets anyone forge or read "
                "the records an investigation relies on; function logs also carry request data.",
    remediation="""aws.cloudwatch.LogResourcePolicy("route53-logs", policy_name="route53", policy_document=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"},
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": log_group.arn,
    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}))""",
    peers=["Prowler cloudwatch_log_group_not_publicly_accessible"],
    phrase="allows anyone - Principal \"*\"")
def logs_resource_policy_public(r, cfg):
    return open_policy(r, "policyDocument")


@violates("logs-resource-policy-public", resource="anyone-writes")
def logs_policy_open_to_everyone():
    P.aws.cloudwatch.LogResourcePolicy("anyone-writes", policy_name="anyone", policy_document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:*"}]}))


@complies("logs-resource-policy-public")
def logs_policy_for_route53_from_this_account():
    P.aws.cloudwatch.LogResourcePolicy("route53", policy_name="route53", policy_document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"},
                                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/*",
                                                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}))


@stack_rule(
    "s3-access-logging", CAT, Sev.LOW, types=[*aws.BUCKETS, *aws.BUCKET_LOGGINGS],
    title="S3 buckets log access",
    description="Without server access logs, reads and writes of the bucket (event sources included) leave no trace.",
    remediation="""aws.s3.BucketLogging("uploads", bucket=bucket.id, target_bucket=logs.id, target_prefix="uploads/")""",
    peers=["CKV_AWS_18", "FSBP S3.9", "AWSGuard s3-bucket-logging-enabled"], config=buckets.EVERY_BUCKET_SETTING,
    phrase="has no BucketLogging")
def s3_access_logging(stack, cfg):
    skipped = s3_log_targets(stack) | buckets.content_or_internal(stack, cfg)
    for bucket in stack.of_type(*aws.BUCKETS):
        if bucket.urn in skipped or bucket.is_set("logging.targetBucket"):  # or the older inline argument
            continue
        if not stack.referrers(bucket, *aws.BUCKET_LOGGINGS, prop="bucket"):
            yield bucket, "has no BucketLogging. Log access to a separate log bucket."


@violates("s3-access-logging", resource="uploads")
def bucket_without_access_logs():
    P.aws.s3.Bucket("uploads")


@complies("s3-access-logging")
def bucket_logging_to_log_bucket():
    b, logs = P.aws.s3.Bucket("uploads"), P.aws.s3.Bucket("access-logs")
    P.aws.s3.BucketLogging("uploads-logging", bucket=b.id, target_bucket=logs.id, target_prefix="uploads/")


@complies("s3-access-logging")
def cloudfront_log_bucket_and_logged_site():
    site, access_logs, logs = P.aws.s3.Bucket("site"), P.aws.s3.Bucket("access-logs"), P.aws.s3.Bucket("cdn-logs")
    P.aws.s3.BucketLogging("site-logging", bucket=site.id, target_bucket=access_logs.id, target_prefix="site/")
    P.aws.cloudfront.Distribution(
        "cdn", enabled=True, default_root_object="index.html",
        origins=[{"domain_name": site.bucket_regional_domain_name, "origin_id": "site"}],
        default_cache_behavior={"allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "target_origin_id": "site", "viewer_protocol_policy": "redirect-to-https",
                                "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
        logging_config={"bucket": logs.bucket_domain_name, "prefix": "cdn/"})


@complies("s3-access-logging", modes=("update",))
def cloudfront_logging_to_a_bucket_named_as_a_literal():
    P.aws.s3.Bucket("cdn-logs", bucket="acme-cdn-logs")
    P.aws.cloudfront.Distribution(
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


def _function_log_groups(stack) -> set:
    """URNs of functions whose log group the stack declares."""
    covered: set = set()
    groups = stack.of_type(aws.LOG_GROUP)
    by_name = {g.get("name"): g for g in groups if isinstance(g.get("name"), str)}
    for g in groups:
        covered.update(f.urn for f in stack.targets(g, "name", aws.FUNCTION))
    for fn in stack.of_type(aws.FUNCTION):
        if stack.targets(fn, "loggingConfig", aws.LOG_GROUP):
            covered.add(fn.urn)
        name, custom = fn.get("name"), fn.get("loggingConfig.logGroup")
        if (isinstance(custom, str) and custom in by_name) or (isinstance(name, str) and f"/aws/lambda/{name}" in by_name):
            covered.add(fn.urn)
    return covered


@stack_rule(
    "lambda-log-retention", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.LOG_GROUP],
    title="Each function's log group is declared in the stack",
    description="Lambda otherwise creates /aws/lambda/<name> itself: never expiring, unencrypted, outside code review.",
    remediation="""aws.cloudwatch.LogGroup("fn-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"),
    retention_in_days=90, kms_key_id=key.arn)""",
    peers=["CKV_AWS_66"],
    phrase="has no LogGroup in the stack")
def lambda_log_retention(stack, cfg):
    covered = _function_log_groups(stack)
    for fn in stack.of_type(aws.FUNCTION):
        if fn.urn not in covered:
            yield fn, ("has no LogGroup in the stack (named /aws/lambda/<function name> or its loggingConfig.logGroup). "
                       "Declare one with retention and a KMS key.")


@violates("lambda-log-retention", resource="fn")
def function_without_log_group():
    P.function()


@complies("lambda-log-retention")
def function_with_log_group_named_after_it():
    fn = P.function()
    P.aws.cloudwatch.LogGroup("fn-logs", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=90)


@complies("lambda-log-retention")
def function_with_custom_log_group():
    logs = P.aws.cloudwatch.LogGroup("fn-logs", name="/app/orders", retention_in_days=90)
    P.function(logging_config={"log_format": "JSON", "log_group": logs.name})


@resource_rule(
    "log-group-retention", CAT, Sev.LOW, types=[aws.LOG_GROUP],
    title="Log groups expire",
    description="Log groups that never expire accumulate cost and personal data forever.",
    remediation="""aws.cloudwatch.LogGroup("fn-logs", ..., retention_in_days=365)""",
    peers=["CKV_AWS_66", "CKV_AWS_338"],
    config={**int_setting("minRetentionDays", 1, "Shortest accepted retention in days (e.g. 365 for audit logs).", 1,
                          stricter="higher"),
            **int_setting("fixRetentionDays", 365, "Retention the remediate level sets (raised to the next period "
                                                   "CloudWatch accepts, and to at least minRetentionDays).", 1, stricter="higher")},
    phrase=("has no retention_in_days, so it never expires", "less than minRetentionDays"))
def log_group_retention(r, cfg):
    days = r.number("retentionInDays")
    if not days:
        return "has no retentionInDays, so it never expires. Set one."
    if days < cfg["minRetentionDays"]:
        return f"keeps logs {days:g} days, less than minRetentionDays ({cfg['minRetentionDays']})."
    return None


# CloudWatch Logs accepts only these retention periods.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)


@fixes("log-group-retention")
def _set_retention(r, cfg):
    want = max(cfg["minRetentionDays"], cfg["fixRetentionDays"])
    return {"retentionInDays": next((d for d in RETENTION_DAYS if d >= want), RETENTION_DAYS[-1])}


@violates("log-group-retention", resource="logs", fixed={"retentionInDays": 365})
def log_group_forever():
    P.aws.cloudwatch.LogGroup("logs")


@violates("log-group-retention", resource="logs", config={"log-group-retention": {"minRetentionDays": 365}})
def log_group_below_audit_minimum():
    P.aws.cloudwatch.LogGroup("logs", retention_in_days=30)


@complies("log-group-retention")
def log_group_expires():
    P.aws.cloudwatch.LogGroup("logs", retention_in_days=90)


property_rule(
    "lambda-xray", CAT, Sev.LOW, types=[aws.FUNCTION],
    title="Functions are traced",
    description="Active tracing shows which calls an invocation made, which is what an investigation needs.",
    path="tracingConfig.mode", want=Want.equals("Active"),
    message="{path} is {value}. Set it to Active.",
    example='aws.lambda_.Function("fn", ...)', remediate=True,
    peers=["CKV_AWS_50", "FSBP Lambda.7"])


@violates("lambda-xray", resource="fn")
def function_passthrough_tracing():
    P.function(tracing_config={"mode": "PassThrough"})


@complies("lambda-xray")
def function_active_tracing():
    P.function(tracing_config={"mode": "Active"})


@resource_rule(
    "apigw-access-logging", CAT, Sev.MEDIUM, types=[aws.REST_STAGE, aws.HTTP_STAGE, aws.HTTP_API],
    title="API stages write access logs",
    description="Without access logs there is no record of who called the API.",
    remediation="""# REST API stage
aws.apigateway.Stage("prod", ..., access_log_settings={"destination_arn": log_group.arn,
    "format": json.dumps({"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                          "status": "$context.status", "resourcePath": "$context.resourcePath"})})
# HTTP API stage
aws.apigatewayv2.Stage("live", ..., access_log_settings={"destination_arn": log_group.arn,
    "format": json.dumps({"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                          "status": "$context.status", "routeKey": "$context.routeKey"})})""",
    peers=["CKV_AWS_76", "CKV_AWS_95", "FSBP APIGateway.9"], sets=["accessLogSettings"],
    phrase=("has no access_log_settings.destination_arn", "has no stage_description.access_log_setting.destination_arn", "access_log_settings.format is empty", "without $context.requestId", "is a quick-create API (target)"))
def apigw_access_logging(r, cfg):
    if r.type == aws.HTTP_API:   # a quick-create API: its automatic $default stage is no resource of the program
        return QUICK_CREATE.format(what="writes no access log") if r.is_set("target") else None
    if not r.is_set("accessLogSettings.destinationArn"):
        return "has no accessLogSettings.destinationArn. Send access logs to a log group."
    fmt = r.known("accessLogSettings.format")
    if fmt is None or (isinstance(fmt, str) and not fmt.strip()):
        # API Gateway requires a format naming $context.requestId (or extendedRequestId); without one the
        # stage writes no access log at all
        return ("sends access logs to a log group but accessLogSettings.format is empty, so nothing is written. "
                "Give a format with $context.requestId.")
    if isinstance(fmt, str) and "$context.requestId" not in fmt and "$context.extendedRequestId" not in fmt:
        return ("has an accessLogSettings.format without $context.requestId (or $context.extendedRequestId), which "
                "API Gateway requires. Add it.")
    return None


@violates("apigw-access-logging", resource="prod")
def stage_without_access_logs():
    _rest_stage()


@complies("apigw-access-logging")
def stage_with_access_logs():
    logs = P.aws.cloudwatch.LogGroup("access", retention_in_days=90)
    _rest_stage(access_log_settings={"destination_arn": logs.arn, "format": '{"requestId":"$context.requestId"}'})


@violates("apigw-access-logging", resource="prod")
def stage_whose_access_log_format_is_blank():
    """A blank format: API Gateway writes no access log (it needs $context.requestId)."""
    logs = P.aws.cloudwatch.LogGroup("access", retention_in_days=90)
    _rest_stage(access_log_settings={"destination_arn": logs.arn, "format": " "})


@violates("apigw-access-logging", resource="prod")
def stage_whose_access_log_format_lacks_the_request_id():
    logs = P.aws.cloudwatch.LogGroup("access", retention_in_days=90)
    _rest_stage(access_log_settings={"destination_arn": logs.arn, "format": '{"ip":"$context.identity.sourceIp"}'})


@violates("apigw-access-logging", resource="http")
def quick_create_api_stage_writes_no_access_log():
    _quick_create()


@complies("apigw-access-logging")
def api_with_its_own_logged_stage_is_not_quick_create():
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    logs = P.aws.cloudwatch.LogGroup("access", retention_in_days=30)
    P.aws.apigatewayv2.Stage("live", api_id=api.id, name="live", auto_deploy=True, access_log_settings={
        "destination_arn": logs.arn, "format": '{"requestId":"$context.requestId"}'})


# --- a REST stage declared by a Deployment's stageDescription ---------------------------------
@violates("apigw-access-logging", resource="deploy")
def deployment_stage_without_access_logs():
    P.native.apigateway.Deployment("deploy", rest_api_id=P.native_rest_api().rest_api_id, stage_name="prod")


@complies("apigw-access-logging")
def deployment_stage_with_access_logs():
    logs = P.native.logs.LogGroup("access", retention_in_days=90)
    P.native.apigateway.Deployment("deploy", rest_api_id=P.native_rest_api().rest_api_id, stage_name="prod", stage_description={
        "access_log_setting": {"destination_arn": logs.arn, "format": '{"requestId":"$context.requestId"}'}})


def _logging_settings(stack, api) -> list:
    return [ms for ms in stack.referrers(api, aws.REST_METHOD_SETTINGS, prop="restApi")
            if ms.get("methodPath") == "*/*" and ms.get("settings.loggingLevel") in LOGGING_LEVELS]


@stack_rule(
    "apigw-execution-logging", CAT, Sev.MEDIUM,
    types=[aws.REST_STAGE, aws.REST_METHOD_SETTINGS, aws.HTTP_STAGE, aws.HTTP_API],
    title="API stages write execution logs",
    description="Execution logs record authorizer and integration errors; without them failures are invisible.",
    remediation="""aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
    settings={"logging_level": "ERROR", "metrics_enabled": True})""",
    peers=["CKV2_AWS_4", "FSBP APIGateway.1"],
    phrase="has no */* MethodSettings with logging_level ERROR or INFO")
def apigw_execution_logging(stack, cfg):
    for stage in stack.of_type(aws.REST_STAGE):
        apis = stack.targets(stage, "restApi", aws.REST_API)
        name = stage.get("stageName")
        if apis and not any(ms.get("stageName") in (name, None) or not isinstance(ms.get("stageName"), str)
                            for a in apis for ms in _logging_settings(stack, a)):
            message = "has no */* MethodSettings with loggingLevel ERROR or INFO. Add one."
            built = components.stage_outputs(stage)   # the RestAPI component's stage: its outputs name it
            yield stage, (Fixed(message, f'aws.apigateway.MethodSettings({literal(stage.name + "-logging")}, rest_api={built[2]}, '
                                         f'stage_name={built[3]}, method_path="*/*", settings={{"logging_level": '
                                         '"ERROR", "metrics_enabled": True})') if built else message)
    for stage in stack.of_type(aws.HTTP_STAGE):
        apis = stack.targets(stage, "apiId", aws.HTTP_API)
        if any(a.get("protocolType") == "WEBSOCKET" for a in apis) and \
                stage.get("defaultRouteSettings.loggingLevel") not in LOGGING_LEVELS:
            yield stage, "is a WebSocket stage without defaultRouteSettings.loggingLevel ERROR or INFO. Set it."


@violates("apigw-execution-logging", resource="prod")
def stage_without_execution_logs():
    _rest_stage()


@complies("apigw-execution-logging")
def stage_with_execution_logs():
    api, stage = _rest_stage()
    P.aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                    settings={"logging_level": "ERROR", "metrics_enabled": True})


@complies("apigw-execution-logging")
def deployment_stage_logging_errors():
    P.native.apigateway.Deployment("deploy", rest_api_id=P.native_rest_api().rest_api_id, stage_name="prod",
                                   stage_description={"logging_level": "ERROR", "metrics_enabled": True})


property_rule(
    "apigw-xray", CAT, Sev.LOW, types=[aws.REST_STAGE],
    title="REST stages are traced",
    description="X-Ray tracing follows a request from the API into the functions it calls.",
    path="xrayTracingEnabled", want=Want.true(),
    message="{path} is not true. Enable it.",
    example='aws.apigateway.Stage("prod", ...)', remediate=True,
    peers=["CKV_AWS_73", "FSBP APIGateway.3"])


@violates("apigw-xray", resource="prod")
def stage_untraced():
    _rest_stage()


@complies("apigw-xray")
def stage_traced():
    _rest_stage(xray_tracing_enabled=True)


@resource_rule(
    "sfn-logging", CAT, Sev.MEDIUM, types=[aws.STATE_MACHINE],
    title="State machines log executions",
    description="Without execution logs a manipulated workflow leaves no trace.",
    remediation="""aws.sfn.StateMachine("flow", ..., logging_configuration={"level": "ERROR",
    "include_execution_data": False, "log_destination": log_group.arn.apply(lambda a: f"{a}:*")})""",
    peers=["FSBP StepFunctions.1", "CKV_AWS_285"],
    phrase="logging_configuration.level is OFF or has no log_destination")
def sfn_logging(r, cfg):
    level = r.known("loggingConfiguration.level")
    if level in (None, "OFF") or not r.is_set("loggingConfiguration.logDestination"):
        return f"loggingConfiguration.level is {level or 'unset'} or has no logDestination. Log at least ERROR."
    return None


@violates("sfn-logging", resource="flow")
def state_machine_logging_off():
    _sfn(logging_configuration={"level": "OFF"})


@complies("sfn-logging")
def state_machine_logs_errors():
    logs = P.aws.cloudwatch.LogGroup("sfn", retention_in_days=90)
    _sfn(logging_configuration={"level": "ERROR", "log_destination": logs.arn.apply(lambda a: f"{a}:*")})


property_rule(
    "sfn-xray", CAT, Sev.LOW, types=[aws.STATE_MACHINE],
    title="State machines are traced",
    description="Tracing shows each step and the functions it invoked.",
    path="tracingConfiguration.enabled", want=Want.true(),
    message="{path} is not true. Enable it.",
    example='aws.sfn.StateMachine("flow", ...)', remediate=True,
    peers=["CKV_AWS_284"])


@violates("sfn-xray", resource="flow")
def state_machine_untraced():
    _sfn()


@complies("sfn-xray")
def state_machine_traced():
    _sfn(tracing_configuration={"enabled": True})


property_rule(
    "appsync-xray", CAT, Sev.LOW, types=[aws.GRAPHQL_API],
    title="GraphQL APIs are traced",
    description="X-Ray tracing follows a GraphQL request through its resolvers into the functions and tables "
                "they call.",
    path="xrayEnabled", want=Want.true(),
    message="{path} is not true. Enable it.",
    example='aws.appsync.GraphQLApi("api", ...)', remediate=True,
    peers=["serverless-rules WS3000", "cdk-nag Serverless-AppSyncTracing"])


@violates("appsync-xray", resource="graph")
def graphql_api_untraced():
    P.aws.appsync.GraphQLApi("graph", authentication_type="AWS_IAM")


@complies("appsync-xray")
def graphql_api_traced():
    P.aws.appsync.GraphQLApi("graph", authentication_type="AWS_IAM", xray_enabled=True)


@resource_rule(
    "apigw-access-log-json", CAT, Sev.LOW, types=[aws.REST_STAGE, aws.HTTP_STAGE], hygiene=True,
    title="API access logs are structured",
    description="An access log written as JSON can be queried field by field (CloudWatch Logs Insights, "
                "metric filters); a free-text format has to be parsed first.",
    remediation="""aws.apigateway.Stage("prod", ..., access_log_settings={"destination_arn": logs.arn,
    "format": json.dumps({"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                          "status": "$context.status", "routeKey": "$context.routeKey"})})""",
    peers=["serverless-rules WS2001", "cdk-nag Serverless-APIGWStructuredLogging"],
    superseded_by=["apigw-access-logging"], sets=["accessLogSettings"],
    phrase=("access_log_settings.format is not a JSON object", "writes no access log"))
def apigw_access_log_json(r, cfg):
    fmt = r.known("accessLogSettings.format")
    if not isinstance(fmt, str) or not fmt.strip():
        return "writes no access log (accessLogSettings.format is empty), so none is structured. Write it as JSON."
    text = fmt.strip()
    if not (text.startswith("{") and text.endswith("}")):   # "$context.status" unquoted is still JSON once filled
        return "accessLogSettings.format is not a JSON object. Write it as JSON (one field per value)."
    return None


@violates("apigw-access-log-json", resource="live")
def access_log_in_common_log_format():
    _http_stage("$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod $context.routeKey\" "
                "$context.status $context.requestId")


@complies("apigw-access-log-json")
def access_log_as_json():
    _http_stage('{"requestId":"$context.requestId","status":$context.status,"routeKey":"$context.routeKey"}')


@violates("apigw-access-log-json", resource="live", superseded_by="apigw-access-logging", says="writes no access log")
def apigw_access_log_json_under_apigw_access_logging():
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Stage("live", api_id=api.id, auto_deploy=True)


@stack_rule(
    "sns-delivery-status-logging", CAT, Sev.LOW, types=[aws.TOPIC, aws.TOPIC_SUBSCRIPTION], hygiene=True,
    title="Topics log failed deliveries",
    description="Without delivery-status logging, a message SNS could not deliver to a function, queue or "
                "endpoint leaves no trace.",
    remediation="""aws.sns.Topic("orders", lambda_failure_feedback_role_arn=feedback_role.arn,
    lambda_success_feedback_sample_rate=0)""",
    peers=["FSBP SNS.2"],
    phrase="failed deliveries leave no trace")
def sns_delivery_status_logging(stack, cfg):
    for topic in stack.of_type(aws.TOPIC):
        protocols = {p for sub in stack.referrers(topic, aws.TOPIC_SUBSCRIPTION, prop="topic")
                     if isinstance(p := sub.get("protocol"), str)}
        missing = sorted(p for p in protocols if p in FEEDBACK and not topic.get(f"{FEEDBACK[p]}FailureFeedbackRoleArn"))
        if missing:
            yield topic, (f"delivers to {', '.join(missing)} subscribers without "
                          f"{', '.join(FEEDBACK[p] + 'FailureFeedbackRoleArn' for p in missing)}: failed deliveries "
                          "leave no trace. Set it.")


@violates("sns-delivery-status-logging", resource="orders")
def topic_delivering_to_a_function_unlogged():
    fn = P.function("worker")
    topic = P.aws.sns.Topic("orders")
    P.aws.sns.TopicSubscription("orders-worker", topic=topic.arn, protocol="lambda", endpoint=fn.arn)


@complies("sns-delivery-status-logging")
def topic_logging_failed_deliveries():
    fn = P.function("worker")
    feedback = P.role("feedback", trust=P.doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                               "Action": "sts:AssumeRole"}))
    topic = P.aws.sns.Topic("orders", lambda_failure_feedback_role_arn=feedback.arn)
    P.aws.sns.TopicSubscription("orders-worker", topic=topic.arn, protocol="lambda", endpoint=fn.arn)


FEEDBACK = {"lambda": "lambda", "sqs": "sqs", "http": "http", "https": "http", "application": "application",
            "firehose": "firehose"}


@stack_rule(
    "cloudtrail-data-events", CAT, Sev.INFO, types=[aws.FUNCTION, aws.TRAIL], hygiene=True,
    title="Function invocations are recorded",
    description="CloudTrail records Lambda Invoke calls only as data events, which a trail must select; without "
                "them there is no audit of who invoked a function. The account may record them outside this stack.",
    remediation="""aws.cloudtrail.Trail("audit", s3_bucket_name=trail_bucket.id, event_selectors=[{
    "read_write_type": "All", "include_management_events": True,
    "data_resources": [{"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda"]}]}])""",
    peers=["Prowler awslambda_function_invoke_api_operations_cloudtrail_logging_enabled"],
    phrase="no CloudTrail trail in the stack recording Lambda data events")
def cloudtrail_data_events(stack, cfg):
    selected = [v for trail in stack.of_type(aws.TRAIL) for v in _lambda_data_resources(trail)]
    if any(v is True for v in selected):
        return
    for fn in stack.of_type(aws.FUNCTION):
        arn = fn.get("arn")
        if not any(isinstance(v, str) and isinstance(arn, str) and arn.startswith(v) for v in selected):
            yield fn, ("is invoked with no CloudTrail trail in the stack recording Lambda data events. Add a trail "
                       "that selects AWS::Lambda::Function, or make sure the account has one.")


@violates("cloudtrail-data-events", resource="fn")
def function_without_invoke_data_events():
    P.function()
    P.aws.cloudtrail.Trail("audit", s3_bucket_name="audit-trail-bucket")


@complies("cloudtrail-data-events")
def function_with_invoke_data_events():
    P.function()
    P.aws.cloudtrail.Trail("audit", s3_bucket_name="audit-trail-bucket", event_selectors=[{
        "read_write_type": "All", "include_management_events": True,
        "data_resources": [{"type": "AWS::Lambda::Function", "values": ["arn:aws:lambda"]}]}])


def _lambda_data_resources(trail) -> list:
    """The function ARNs (prefixes) a trail records Invoke for; True for every function."""
    out: list = []
    for sel in as_list(trail.get("eventSelectors")):
        for res in as_list(sel.get("dataResources") if isinstance(sel, dict) else None):
            if isinstance(res, dict) and res.get("type") == "AWS::Lambda::Function":
                for v in as_list(res.get("values")):
                    out.append(True if v in ("arn:aws:lambda", "arn:aws:lambda:") else v)
    for sel in as_list(trail.get("advancedEventSelectors")):
        fields = as_list(sel.get("fieldSelectors")) if isinstance(sel, dict) else []
        if any(isinstance(f, dict) and f.get("field") == "resources.type" and "AWS::Lambda::Function" in
               as_list(f.get("equals")) for f in fields):
            out.append(True)
    return out


@resource_rule(
    "appsync-logging", CAT, Sev.MEDIUM, types=[aws.GRAPHQL_API],
    title="GraphQL APIs log requests",
    description="Without field logs there is no record of queries and resolver errors.",
    remediation="""aws.appsync.GraphQLApi("api", ..., log_config={"cloudwatch_logs_role_arn": role.arn,
    "field_log_level": "ERROR", "exclude_verbose_content": True})""",
    peers=["CKV_AWS_193", "CKV_AWS_194", "FSBP AppSync.2"],
    phrase=("has no log_config or field_log_level NONE", "logs ALL fields with verbose content"))
def appsync_logging(r, cfg):
    level = r.known("logConfig.fieldLogLevel")
    if not r.is_set("logConfig") or level in (None, "NONE"):
        return "has no logConfig or fieldLogLevel NONE. Log at least ERROR."
    if level == "ALL" and r.flag("logConfig.excludeVerboseContent") is not True:
        return "logs ALL fields with verbose content (headers, variables, tokens). Set excludeVerboseContent=True."
    return None


@fixes("appsync-logging")
def _exclude_verbose(r, cfg):
    return {"logConfig.excludeVerboseContent": True}  # kept only where logging is otherwise fine


@violates("appsync-logging", resource="graphql")
def graphql_without_logs():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@violates("appsync-logging", resource="graphql", fixed={"logConfig.excludeVerboseContent": True})
def graphql_verbose_logs():
    r = P.role("appsync-logs", trust=P.doc({"Effect": "Allow", "Principal": {"Service": "appsync.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}))
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", log_config={
        "cloudwatch_logs_role_arn": r.arn, "field_log_level": "ALL", "exclude_verbose_content": False})


@complies("appsync-logging")
def graphql_error_logs():
    r = P.role("appsync-logs", trust=P.doc({"Effect": "Allow", "Principal": {"Service": "appsync.amazonaws.com"},
                                            "Action": "sts:AssumeRole"}))
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", log_config={
        "cloudwatch_logs_role_arn": r.arn, "field_log_level": "ERROR", "exclude_verbose_content": True})


@stack_rule(
    "lambda-error-alarm", CAT, Sev.INFO, types=[aws.FUNCTION, aws.METRIC_ALARM],
    title="Functions have an error or throttle alarm",
    description="An alarm on Errors or Throttles with an action is how abuse and runaway loops get noticed.",
    remediation="""aws.cloudwatch.MetricAlarm("fn-errors", namespace="AWS/Lambda", metric_name="Errors", statistic="Sum",
    period=300, evaluation_periods=1, threshold=1, comparison_operator="GreaterThanOrEqualToThreshold",
    dimensions={"FunctionName": fn.name}, alarm_actions=[topic.arn])""",
    peers=["CKV_AWS_319"], hygiene=True,
    phrase="has no AWS/Lambda Errors or Throttles alarm")
def lambda_error_alarm(stack, cfg):
    alarmed: set = set()
    for alarm in stack.of_type(aws.METRIC_ALARM):
        if alarm.get("namespace") != "AWS/Lambda" or alarm.get("metricName") not in ("Errors", "Throttles"):
            continue
        if not alarm.get("alarmActions") or alarm.get("actionsEnabled") is False:
            continue
        alarmed.update(f.urn for f in stack.targets(alarm, "dimensions", aws.FUNCTION))
    for fn in stack.of_type(aws.FUNCTION):
        if fn.urn not in alarmed:
            yield fn, "has no AWS/Lambda Errors or Throttles alarm with an action. Add one."


@violates("lambda-error-alarm", resource="fn")
def function_without_alarm():
    P.function()


@complies("lambda-error-alarm")
def function_with_error_alarm():
    fn = P.function()
    topic = P.aws.sns.Topic("alerts", kms_master_key_id="alias/aws/sns")
    P.aws.cloudwatch.MetricAlarm("fn-errors", namespace="AWS/Lambda", metric_name="Errors", statistic="Sum", period=300,
                                 evaluation_periods=1, threshold=1, comparison_operator="GreaterThanOrEqualToThreshold",
                                 dimensions={"FunctionName": fn.name}, alarm_actions=[topic.arn])


@stack_rule(
    "stack-missing-cloudwatch-role", CAT, Sev.INFO, types=[aws.REST_STAGE, aws.REST_ACCOUNT, aws.REST_METHOD_SETTINGS],
    title="API Gateway can write its logs",
    description="REST execution and access logs are silently dropped unless the region's API Gateway account "
                "setting has a CloudWatch role (it may be set outside this stack).",
    remediation="""aws.apigateway.Account("account", cloudwatch_role_arn=apigw_logs_role.arn)""",
    phrase="the stack has no apigateway Account with cloudwatch_role_arn")
def stack_missing_cloudwatch_role(stack, cfg):
    if any(a.get("cloudwatchRoleArn") for a in stack.of_type(aws.REST_ACCOUNT)):
        return
    logging_apis = {a.urn for ms in stack.of_type(aws.REST_METHOD_SETTINGS)
                    if ms.get("settings.loggingLevel") in LOGGING_LEVELS for a in stack.targets(ms, "restApi", aws.REST_API)}
    for stage in stack.of_type(aws.REST_STAGE):
        apis = {a.urn for a in stack.targets(stage, "restApi", aws.REST_API)}
        if stage.get("accessLogSettings") or apis & logging_apis:
            yield stage, ("writes logs, but the stack has no apigateway Account with cloudwatchRoleArn. Make sure the "
                          "region has one, or declare it here.")


@violates("stack-missing-cloudwatch-role", resource="prod")
def logging_stage_without_account_role():
    api, stage = _rest_stage()
    P.aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                    settings={"logging_level": "ERROR"})


@complies("stack-missing-cloudwatch-role")
def logging_stage_with_account_role():
    api, stage = _rest_stage()
    P.aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                    settings={"logging_level": "ERROR"})
    r = P.role("apigw-logs", trust=P.doc({"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                          "Action": "sts:AssumeRole"}))
    P.aws.apigateway.Account("account", cloudwatch_role_arn=r.arn)


@stack_rule(
    "lambda-role-no-logs", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.ROLE, aws.ROLE_POLICY,
                                                       aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT],
    title="Function roles can write their logs",
    description="A function whose role may not call logs:CreateLogStream and logs:PutLogEvents runs, but every "
                "line it logs is dropped: failures and attacks leave no trace.",
    remediation="""aws.iam.RolePolicyAttachment("fn-logs", role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")""",
    peers=["cfn_nag W58"],
    phrase="its logs are dropped")
def lambda_role_no_logs(stack, cfg):
    for fn in stack.of_type(aws.FUNCTION):
        for role in stack.targets(fn, "role", aws.ROLE):
            docs = roles.documents(stack, role)
            if any(doc is iam.UNKNOWN or (isinstance(doc, iam.Document) and doc.unknown) for _, doc in docs):
                continue   # a policy only known after the update may grant it
            if any(isinstance(a, str) and not managed.is_managed(a) for a in roles.managed_arns(stack, role)):
                continue   # a customer-managed policy outside the stack may grant it
            can = [any(s.grants(a) for _, d in docs if isinstance(d, iam.Document) for s in d.allows())
                   for a in ("logs:CreateLogStream", "logs:PutLogEvents")]
            if not all(can):
                yield fn, (f"runs as {role.label()}, which may not call logs:CreateLogStream and logs:PutLogEvents: "
                           "its logs are dropped. Attach AWSLambdaBasicExecutionRole (or grant those actions on its "
                           "log group).")


@violates("lambda-role-no-logs", resource="fn")
def function_whose_role_cannot_log():
    r = P.role()
    P.aws.iam.RolePolicy("read", role=r.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]}))
    P.function("fn", role_arn=r.arn)


@complies("lambda-role-no-logs")
def function_with_the_basic_execution_role():
    r = P.role()
    P.aws.iam.RolePolicyAttachment("logs", role=r.name, policy_arn=P.AWS_MANAGED + "service-role/AWSLambdaBasicExecutionRole")
    P.function("fn", role_arn=r.arn)


@complies("lambda-role-no-logs")
def function_whose_role_has_a_policy_from_outside_the_stack():
    r = P.role()
    P.aws.iam.RolePolicyAttachment("shared", role=r.name, policy_arn="arn:aws:iam::123456789012:policy/platform-logging")
    P.function("fn", role_arn=r.arn)


# --- what the cases above are built with ---------------------------------------------------------------

def _acl():
    return P.aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=P.WAF_VISIBILITY)


def _rest_stage(**kw):
    api = P.aws.apigateway.RestApi("api")
    dep = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    return api, P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod", **kw)


def _sfn(**kw):
    r = P.role("sfn-role", trust=P.SFN_TRUST)
    P.aws.sfn.StateMachine("flow", role_arn=r.arn, definition=P.SFN_DEFINITION, **kw)


def _http_stage(fmt):
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    logs = P.aws.cloudwatch.LogGroup("access", retention_in_days=90)
    P.aws.apigatewayv2.Stage("live", api_id=api.id, name="live",
                             access_log_settings={"destination_arn": logs.arn, "format": fmt})


def _quick_create():
    P.aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=P.function("fn").arn)
