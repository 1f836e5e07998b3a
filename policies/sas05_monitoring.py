"""SAS-5 Inadequate function monitoring and logging.

An audit trail for every entry point and workflow: function log groups managed in code with
retention, API access and execution logs, state machine and GraphQL logs, WAF and S3 access logs,
tracing, and alarms that notice abuse and runaway loops.
"""
from __future__ import annotations

from .core import Sev, Want, property_rule, as_list, fixes, iam, int_setting, resource_rule, stack_rule
from .core import aws, buckets, components, managed, roles
from .core.rule import Fixed, literal
from .core.reach import QUICK_CREATE
from .core.checks import open_policy, s3_log_targets

CAT = "SAS-5"
LOGGING_LEVELS = ("ERROR", "INFO")


@stack_rule(
    "waf-logging", CAT, Sev.LOW, types=[aws.WEB_ACL, aws.WEB_ACL_LOGGING],
    title="Web ACLs log their decisions",
    description="Without WAF logging, blocked and allowed attacks leave no trace.",
    remediation="""aws.wafv2.WebAclLoggingConfiguration("acl", resource_arn=acl.arn, log_destination_configs=[log_group.arn])
# the log group name must start with aws-waf-logs-""",
    peers=["CKV2_AWS_31", "FSBP WAF.11"])
def waf_logging(stack, cfg):
    for acl in stack.of_type(aws.WEB_ACL):
        if not stack.referrers(acl, aws.WEB_ACL_LOGGING, prop="resourceArn"):
            yield acl, "has no WebAclLoggingConfiguration. Send its logs to CloudWatch, S3 or Firehose."


@resource_rule(
    "cloudfront-logging", CAT, Sev.LOW, types=[aws.DISTRIBUTION],
    title="CloudFront distributions log requests",
    description="Without access logs there is no record of who requested what from the site or API in front "
                "of the functions.",
    remediation="""aws.cloudfront.Distribution("site", ..., logging_config={"bucket": logs.bucket_domain_name,
    "include_cookies": False, "prefix": "site/"})""",
    peers=["FSBP CloudFront.5", "CKV_AWS_86"])
def cloudfront_logging(r, cfg):
    if not r.is_set("loggingConfig.bucket"):
        return "has no loggingConfig. Log requests to a bucket (or set up CloudWatch log delivery)."
    return None


@resource_rule(
    "logs-resource-policy-public", CAT, Sev.HIGH, types=[aws.LOG_RESOURCE_POLICY],
    title="CloudWatch Logs resource policies are not open to everyone",
    description="A Logs resource policy that lets Principal * write or read log groups lets anyone forge or read "
                "the records an investigation relies on; function logs also carry request data.",
    remediation="""aws.cloudwatch.LogResourcePolicy("route53-logs", policy_name="route53", policy_document=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"},
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": log_group.arn,
    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}}}]}))""",
    peers=["Prowler cloudwatch_log_group_not_publicly_accessible"])
def logs_resource_policy_public(r, cfg):
    return open_policy(r, "policyDocument")


@stack_rule(
    "s3-access-logging", CAT, Sev.LOW, types=[*aws.BUCKETS, *aws.BUCKET_LOGGINGS],
    title="S3 buckets log access",
    description="Without server access logs, reads and writes of the bucket (event sources included) leave no trace.",
    remediation="""aws.s3.BucketLogging("uploads", bucket=bucket.id, target_bucket=logs.id, target_prefix="uploads/")""",
    peers=["CKV_AWS_18", "FSBP S3.9", "AWSGuard s3-bucket-logging-enabled"], config=buckets.EVERY_BUCKET_SETTING)
def s3_access_logging(stack, cfg):
    skipped = s3_log_targets(stack) | buckets.content_or_internal(stack, cfg)
    for bucket in stack.of_type(*aws.BUCKETS):
        if bucket.urn in skipped or bucket.is_set("logging.targetBucket"):  # or the older inline argument
            continue
        if not stack.referrers(bucket, *aws.BUCKET_LOGGINGS, prop="bucket"):
            yield bucket, "has no BucketLogging. Log access to a separate log bucket."


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
    peers=["CKV_AWS_66"])
def lambda_log_retention(stack, cfg):
    covered = _function_log_groups(stack)
    for fn in stack.of_type(aws.FUNCTION):
        if fn.urn not in covered:
            yield fn, ("has no LogGroup in the stack (named /aws/lambda/<function name> or its loggingConfig.logGroup). "
                       "Declare one with retention and a KMS key.")


@resource_rule(
    "log-group-retention", CAT, Sev.LOW, types=[aws.LOG_GROUP],
    title="Log groups expire",
    description="Log groups that never expire accumulate cost and personal data forever.",
    remediation="""aws.cloudwatch.LogGroup("fn-logs", ..., retention_in_days=365)""",
    peers=["CKV_AWS_66", "CKV_AWS_338"],
    config={**int_setting("minRetentionDays", 1, "Shortest accepted retention in days (e.g. 365 for audit logs).", 1,
                          stricter="higher"),
            **int_setting("fixRetentionDays", 365, "Retention the remediate level sets (raised to the next period "
                                                   "CloudWatch accepts, and to at least minRetentionDays).", 1, stricter="higher")})
def log_group_retention(r, cfg):
    days = r.number("retentionInDays")
    if not days:
        return "has no retentionInDays, so it never expires. Set one."
    if days < cfg["minRetentionDays"]:
        return f"keeps logs {days:g} days, less than minRetentionDays ({cfg['minRetentionDays']})."
    return None


property_rule(
    "lambda-xray", CAT, Sev.LOW, types=[aws.FUNCTION],
    title="Functions are traced",
    description="Active tracing shows which calls an invocation made, which is what an investigation needs.",
    path="tracingConfig.mode", want=Want.equals("Active"),
    message="{path} is {value}. Set it to Active.",
    example='aws.lambda_.Function("fn", ...)', remediate=True,
    peers=["CKV_AWS_50", "FSBP Lambda.7"])


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
    peers=["CKV_AWS_76", "CKV_AWS_95", "FSBP APIGateway.9"], sets=["accessLogSettings"])
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
    peers=["CKV2_AWS_4", "FSBP APIGateway.1"])
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


property_rule(
    "apigw-xray", CAT, Sev.LOW, types=[aws.REST_STAGE],
    title="REST stages are traced",
    description="X-Ray tracing follows a request from the API into the functions it calls.",
    path="xrayTracingEnabled", want=Want.true(),
    message="{path} is not true. Enable it.",
    example='aws.apigateway.Stage("prod", ...)', remediate=True,
    peers=["CKV_AWS_73", "FSBP APIGateway.3"])


@resource_rule(
    "sfn-logging", CAT, Sev.MEDIUM, types=[aws.STATE_MACHINE],
    title="State machines log executions",
    description="Without execution logs a manipulated workflow leaves no trace.",
    remediation="""aws.sfn.StateMachine("flow", ..., logging_configuration={"level": "ERROR",
    "include_execution_data": False, "log_destination": log_group.arn.apply(lambda a: f"{a}:*")})""",
    peers=["FSBP StepFunctions.1", "CKV_AWS_285"])
def sfn_logging(r, cfg):
    level = r.known("loggingConfiguration.level")
    if level in (None, "OFF") or not r.is_set("loggingConfiguration.logDestination"):
        return f"loggingConfiguration.level is {level or 'unset'} or has no logDestination. Log at least ERROR."
    return None


property_rule(
    "sfn-xray", CAT, Sev.LOW, types=[aws.STATE_MACHINE],
    title="State machines are traced",
    description="Tracing shows each step and the functions it invoked.",
    path="tracingConfiguration.enabled", want=Want.true(),
    message="{path} is not true. Enable it.",
    example='aws.sfn.StateMachine("flow", ...)', remediate=True,
    peers=["CKV_AWS_284"])


property_rule(
    "appsync-xray", CAT, Sev.LOW, types=[aws.GRAPHQL_API],
    title="GraphQL APIs are traced",
    description="X-Ray tracing follows a GraphQL request through its resolvers into the functions and tables "
                "they call.",
    path="xrayEnabled", want=Want.true(),
    message="{path} is not true. Enable it.",
    example='aws.appsync.GraphQLApi("api", ...)', remediate=True,
    peers=["serverless-rules WS3000", "cdk-nag Serverless-AppSyncTracing"])


@resource_rule(
    "apigw-access-log-json", CAT, Sev.LOW, types=[aws.REST_STAGE, aws.HTTP_STAGE], hygiene=True,
    title="API access logs are structured",
    description="An access log written as JSON can be queried field by field (CloudWatch Logs Insights, "
                "metric filters); a free-text format has to be parsed first.",
    remediation="""aws.apigateway.Stage("prod", ..., access_log_settings={"destination_arn": logs.arn,
    "format": json.dumps({"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                          "status": "$context.status", "routeKey": "$context.routeKey"})})""",
    peers=["serverless-rules WS2001", "cdk-nag Serverless-APIGWStructuredLogging"],
    superseded_by=["apigw-access-logging"], sets=["accessLogSettings"])
def apigw_access_log_json(r, cfg):
    fmt = r.known("accessLogSettings.format")
    if not isinstance(fmt, str) or not fmt.strip():
        return "writes no access log (accessLogSettings.format is empty), so none is structured. Write it as JSON."
    text = fmt.strip()
    if not (text.startswith("{") and text.endswith("}")):   # "$context.status" unquoted is still JSON once filled
        return "accessLogSettings.format is not a JSON object. Write it as JSON (one field per value)."
    return None


@stack_rule(
    "sns-delivery-status-logging", CAT, Sev.LOW, types=[aws.TOPIC, aws.TOPIC_SUBSCRIPTION], hygiene=True,
    title="Topics log failed deliveries",
    description="Without delivery-status logging, a message SNS could not deliver to a function, queue or "
                "endpoint leaves no trace.",
    remediation="""aws.sns.Topic("orders", lambda_failure_feedback_role_arn=feedback_role.arn,
    lambda_success_feedback_sample_rate=0)""",
    peers=["FSBP SNS.2"])
def sns_delivery_status_logging(stack, cfg):
    for topic in stack.of_type(aws.TOPIC):
        protocols = {p for sub in stack.referrers(topic, aws.TOPIC_SUBSCRIPTION, prop="topic")
                     if isinstance(p := sub.get("protocol"), str)}
        missing = sorted(p for p in protocols if p in FEEDBACK and not topic.get(f"{FEEDBACK[p]}FailureFeedbackRoleArn"))
        if missing:
            yield topic, (f"delivers to {', '.join(missing)} subscribers without "
                          f"{', '.join(FEEDBACK[p] + 'FailureFeedbackRoleArn' for p in missing)}: failed deliveries "
                          "leave no trace. Set it.")


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
    peers=["Prowler awslambda_function_invoke_api_operations_cloudtrail_logging_enabled"])
def cloudtrail_data_events(stack, cfg):
    selected = [v for trail in stack.of_type(aws.TRAIL) for v in _lambda_data_resources(trail)]
    if any(v is True for v in selected):
        return
    for fn in stack.of_type(aws.FUNCTION):
        arn = fn.get("arn")
        if not any(isinstance(v, str) and isinstance(arn, str) and arn.startswith(v) for v in selected):
            yield fn, ("is invoked with no CloudTrail trail in the stack recording Lambda data events. Add a trail "
                       "that selects AWS::Lambda::Function, or make sure the account has one.")


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
    peers=["CKV_AWS_193", "CKV_AWS_194", "FSBP AppSync.2"])
def appsync_logging(r, cfg):
    level = r.known("logConfig.fieldLogLevel")
    if not r.is_set("logConfig") or level in (None, "NONE"):
        return "has no logConfig or fieldLogLevel NONE. Log at least ERROR."
    if level == "ALL" and r.flag("logConfig.excludeVerboseContent") is not True:
        return "logs ALL fields with verbose content (headers, variables, tokens). Set excludeVerboseContent=True."
    return None


@stack_rule(
    "lambda-error-alarm", CAT, Sev.INFO, types=[aws.FUNCTION, aws.METRIC_ALARM],
    title="Functions have an error or throttle alarm",
    description="An alarm on Errors or Throttles with an action is how abuse and runaway loops get noticed.",
    remediation="""aws.cloudwatch.MetricAlarm("fn-errors", namespace="AWS/Lambda", metric_name="Errors", statistic="Sum",
    period=300, evaluation_periods=1, threshold=1, comparison_operator="GreaterThanOrEqualToThreshold",
    dimensions={"FunctionName": fn.name}, alarm_actions=[topic.arn])""",
    peers=["CKV_AWS_319"], hygiene=True)
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


@stack_rule(
    "stack-missing-cloudwatch-role", CAT, Sev.INFO, types=[aws.REST_STAGE, aws.REST_ACCOUNT, aws.REST_METHOD_SETTINGS],
    title="API Gateway can write its logs",
    description="REST execution and access logs are silently dropped unless the region's API Gateway account "
                "setting has a CloudWatch role (it may be set outside this stack).",
    remediation="""aws.apigateway.Account("account", cloudwatch_role_arn=apigw_logs_role.arn)""")
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


# --- remediations (level remediate) ----------------------------------------------------------------
# Tracing switched on and a retention set. Access and execution logging need a destination or an
# account-level role the fix cannot invent, so they stay findings.

# CloudWatch Logs accepts only these retention periods.
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)


@fixes("log-group-retention")
def _set_retention(r, cfg):
    want = max(cfg["minRetentionDays"], cfg["fixRetentionDays"])
    return {"retentionInDays": next((d for d in RETENTION_DAYS if d >= want), RETENTION_DAYS[-1])}


@fixes("appsync-logging")
def _exclude_verbose(r, cfg):
    return {"logConfig.excludeVerboseContent": True}  # kept only where logging is otherwise fine


@stack_rule(
    "lambda-role-no-logs", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.ROLE, aws.ROLE_POLICY,
                                                       aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT],
    title="Function roles can write their logs",
    description="A function whose role may not call logs:CreateLogStream and logs:PutLogEvents runs, but every "
                "line it logs is dropped: failures and attacks leave no trace.",
    remediation="""aws.iam.RolePolicyAttachment("fn-logs", role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")""",
    peers=["cfn_nag W58"])
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

