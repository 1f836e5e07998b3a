"""SAS-8 denial of service and denial of wallet cases."""
import json

import pulumi
import pulumi_aws as aws

from . import case
from ._util import function, role, table


def _public_url(fn):
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")


@case("lambda-reserved-concurrency", violates=True, resource="fn")
def public_function_uncapped():
    _public_url(function("fn", timeout=60))


@case("lambda-reserved-concurrency", violates=False)
def public_function_capped_and_internal_uncapped():
    _public_url(function("fn", reserved_concurrent_executions=20))
    function("internal")


@case("lambda-reserved-concurrency", violates=True, resource="internal",
      config={"lambda-reserved-concurrency": {"allFunctions": True}})
def every_function_when_configured():
    function("internal")


# --- every path from an API to a function: OpenAPI bodies, quick-create, EventBridge -----------------

@case("lambda-reserved-concurrency", violates=True, resource="fn", modes=("update",))
def function_behind_an_openapi_body():
    """aws-py-serverless-raw: the REST API is an OpenAPI body whose integration invokes the function."""
    fn = function("fn")
    aws.apigateway.RestApi("api", body=fn.invoke_arn.apply(lambda uri: json.dumps({
        "openapi": "3.0.1", "info": {"title": "api", "version": "1"},
        "paths": {"/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": uri}}}}})))


@case("lambda-reserved-concurrency", violates=True, resource="fn")
def function_behind_a_quick_create_api():
    fn = function("fn")
    aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=fn.arn)


def _events_api(bus_name=None):
    bus = aws.cloudwatch.EventBus("bus")
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Integration("put-events", api_id=api.id, integration_type="AWS_PROXY",
                                 integration_subtype="EventBridge-PutEvents",
                                 credentials_arn="arn:aws:iam::123456789012:role/api-events",
                                 request_parameters={"EventBusName": bus_name or bus.name,
                                                     "Source": "$request.body.source",
                                                     "DetailType": "$request.body.detailType",
                                                     "Detail": "$request.body.detail"})
    return bus


@case("lambda-reserved-concurrency", violates=True, resource="fn")
def function_behind_an_api_through_eventbridge():
    """aws-ts-apigatewayv2-eventbridge: a route puts events on a bus; a rule on it invokes the function."""
    bus = _events_api()
    fn = function("fn")
    rule = aws.cloudwatch.EventRule("orders", event_bus_name=bus.name,
                                    event_pattern=json.dumps({"source": ["my-event-source"]}))
    aws.cloudwatch.EventTarget("fn-target", rule=rule.name, event_bus_name=bus.name, arn=fn.arn)


@case("lambda-reserved-concurrency", violates=False)
def function_on_another_bus_than_the_api_puts_events_on():
    _events_api()
    other = aws.cloudwatch.EventBus("internal")
    fn = function("fn")
    rule = aws.cloudwatch.EventRule("nightly", event_bus_name=other.name,
                                    event_pattern=json.dumps({"source": ["billing"]}))
    aws.cloudwatch.EventTarget("fn-target", rule=rule.name, event_bus_name=other.name, arn=fn.arn)


def _api_for(fn):
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Integration("fn", api_id=api.id, integration_type="AWS_PROXY", integration_uri=fn.invoke_arn)


@case("lambda-timeout-excessive", violates=True, resource="fn")
def api_function_with_long_timeout():
    _api_for(function("fn", timeout=60))


@case("lambda-timeout-excessive", violates=True, resource="batch")
def function_at_max_timeout():
    function("batch", timeout=900)


@case("lambda-timeout-excessive", violates=False)
def sensible_timeouts():
    _api_for(function("fn", timeout=10))
    function("batch", timeout=300)


@case("appsync-depth-limits", violates=True, resource="graphql")
def graphql_unbounded():
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@case("appsync-depth-limits", violates=False)
def graphql_bounded():
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", query_depth_limit=10, resolver_count_limit=100)


@case("lambda-recursion-allowed", violates=True, resource="loop")
def recursion_detection_off():
    fn = function()
    aws.lambda_.FunctionRecursionConfig("loop", function_name=fn.name, recursive_loop="Allow")


@case("lambda-recursion-allowed", violates=False)
def recursion_detection_on():
    fn = function()
    aws.lambda_.FunctionRecursionConfig("loop", function_name=fn.name, recursive_loop="Terminate")


def _s3_triggered(write_resource, filter_prefix=None, bucket_name=None, output=None):
    bucket = aws.s3.Bucket("uploads", **({"bucket": bucket_name} if bucket_name else {}))
    r = role("thumb-role")
    aws.iam.RolePolicy("thumb-write", role=r.id, policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": write_resource(bucket)}]}))
    env = {"environment": {"variables": {"OUTPUT_BUCKET": output(bucket)}}} if output else {}
    fn = function("thumb", role_arn=r.arn, **env)
    perm = aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction",
                                  principal="s3.amazonaws.com", source_arn=bucket.arn, source_account="123456789012")
    entry = {"lambda_function_arn": fn.arn, "events": ["s3:ObjectCreated:*"]}
    if filter_prefix:
        entry["filter_prefix"] = filter_prefix
    aws.s3.BucketNotification("uploads-trigger", bucket=bucket.id, lambda_functions=[entry],
                              opts=pulumi.ResourceOptions(depends_on=[perm]))
    return fn


@case("s3-lambda-recursive-loop", violates=True, resource="thumb")
def function_writes_back_to_its_bucket():
    _s3_triggered(lambda b: pulumi.Output.concat(b.arn, "/*"))


@case("s3-lambda-recursive-loop", violates=False)
def function_writes_anywhere():
    # a grant on "*" (iam-wildcard-resource's finding) names no bucket: not evidence of a loop
    _s3_triggered(lambda b: "*")


@case("s3-lambda-recursive-loop", violates=True, resource="thumb")
def function_may_write_anywhere_and_its_configuration_names_its_trigger():
    """A grant on every bucket, and the function's own environment names the trigger as its output."""
    _s3_triggered(lambda b: "*", output=lambda b: b.bucket)


@case("s3-lambda-recursive-loop", violates=False)
def function_may_write_anywhere_and_its_configuration_names_another_bucket():
    out = aws.s3.Bucket("thumbnails")
    _s3_triggered(lambda b: "*", output=lambda b: out.bucket)


@case("s3-lambda-recursive-loop", violates=False)
def function_writes_to_every_bucket_by_pattern():
    _s3_triggered(lambda b: "arn:aws:s3:::*")


@case("s3-lambda-recursive-loop", violates=False)
def function_writes_elsewhere():
    out = aws.s3.Bucket("thumbnails")
    _s3_triggered(lambda b: pulumi.Output.concat(out.arn, "/*"))


@case("s3-lambda-recursive-loop", violates=False, modes=("update",))
def function_writes_to_a_bucket_whose_name_extends_the_trigger():
    # "acme-uploads" is a prefix of "acme-uploads-thumbnails": a different bucket, not a loop
    aws.s3.Bucket("thumbnails", bucket="acme-uploads-thumbnails")
    _s3_triggered(lambda b: "arn:aws:s3:::acme-uploads-thumbnails/*", bucket_name="acme-uploads")


@case("s3-lambda-recursive-loop", violates=True, resource="thumb", modes=("update",))
def function_writes_to_the_trigger_through_a_wildcard():
    _s3_triggered(lambda b: "arn:aws:s3:::acme-up*", bucket_name="acme-uploads")


@case("s3-lambda-recursive-loop", violates=False)
def trigger_filtered_by_prefix():
    _s3_triggered(lambda b: pulumi.Output.concat(b.arn, "/*"), filter_prefix="incoming/")


def _queue_consumer(send_to_self: bool, dlq=False, visibility=None, timeout=None):
    kw = {"sqs_managed_sse_enabled": True}
    if dlq:
        d = aws.sqs.Queue("jobs-dlq", sqs_managed_sse_enabled=True)
        kw["redrive_policy"] = d.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5}))
    if visibility:
        kw["visibility_timeout_seconds"] = visibility
    q = aws.sqs.Queue("jobs", **kw)
    other = aws.sqs.Queue("results", sqs_managed_sse_enabled=True)
    r = role("worker-role")
    target = q if send_to_self else other
    aws.iam.RolePolicy("worker-policy", role=r.id, policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": q.arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": target.arn}]}))
    fn = function("worker", role_arn=r.arn, **({"timeout": timeout} if timeout else {}))
    aws.lambda_.EventSourceMapping("jobs-to-worker", event_source_arn=q.arn, function_name=fn.name,
                                   scaling_config={"maximum_concurrency": 5})


@case("sqs-lambda-recursive-loop", violates=True, resource="worker")
def worker_sends_to_its_queue():
    _queue_consumer(send_to_self=True)


@case("sqs-lambda-recursive-loop", violates=False)
def worker_sends_to_results_queue():
    _queue_consumer(send_to_self=False)


@case("sqs-lambda-recursive-loop", violates=False, modes=("update",))
def worker_sends_to_a_queue_whose_name_extends_its_own():
    q = aws.sqs.Queue("jobs", name="jobs", sqs_managed_sse_enabled=True)
    aws.sqs.Queue("jobs-failed", name="jobs-failed", sqs_managed_sse_enabled=True)
    r = role("worker-role")
    aws.iam.RolePolicy("worker-policy", role=r.id, policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": q.arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs-failed"}]}))
    fn = function("worker", role_arn=r.arn)
    aws.lambda_.EventSourceMapping("jobs-to-worker", event_source_arn=q.arn, function_name=fn.name)


def _subscriber(publish_to_self: bool):
    t = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    other = aws.sns.Topic("audit", kms_master_key_id="alias/aws/sns")
    r = role("sub-role")
    target = t if publish_to_self else other
    aws.iam.RolePolicy("sub-policy", role=r.id, policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": target.arn}]}))
    fn = function("subscriber", role_arn=r.arn)
    aws.sns.TopicSubscription("events-to-fn", topic=t.arn, protocol="lambda", endpoint=fn.arn)


@case("sns-lambda-recursive-loop", violates=True, resource="subscriber")
def subscriber_publishes_to_its_topic():
    _subscriber(True)


@case("sns-lambda-recursive-loop", violates=False)
def subscriber_publishes_elsewhere():
    _subscriber(False)


@case("sqs-esm-no-dlq", violates=True, resource="jobs")
def queue_without_dlq():
    _queue_consumer(False)


@case("sqs-esm-no-dlq", violates=False)
def queue_with_dlq():
    _queue_consumer(False, dlq=True)


@case("sqs-visibility-timeout", violates=True, resource="jobs")
def visibility_shorter_than_six_timeouts():
    _queue_consumer(False, visibility=30, timeout=30)


@case("sqs-visibility-timeout", violates=False)
def visibility_covers_timeout():
    _queue_consumer(False, visibility=180, timeout=30)


def _stream_mapping(**kw):
    t = table(stream_enabled=True, stream_view_type="NEW_IMAGE")
    fn = function("stream-fn")
    aws.lambda_.EventSourceMapping("stream", event_source_arn=t.stream_arn, function_name=fn.name,
                                   starting_position="LATEST", **kw)


@case("esm-stream-failure-handling", violates=True, resource="stream")
def stream_without_failure_handling():
    _stream_mapping()


@case("esm-stream-failure-handling", violates=False)
def stream_with_retry_limit_and_destination():
    dlq = aws.sqs.Queue("stream-dlq", sqs_managed_sse_enabled=True)
    _stream_mapping(maximum_retry_attempts=3, bisect_batch_on_function_error=True,
                    destination_config={"on_failure": {"destination_arn": dlq.arn}})


@case("esm-stream-failure-handling", violates=False)
def queue_mapping_is_no_stream():
    """A queue's mapping (in preview its ARN is unknown: judged by the queue it comes from, not guessed)."""
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    aws.lambda_.EventSourceMapping("jobs-esm", event_source_arn=q.arn, function_name=function("worker").name,
                                   scaling_config={"maximum_concurrency": 5})


@case("esm-stream-failure-handling", violates=True, resource="kinesis", preview="violation")
def kinesis_mapping_without_failure_handling():
    s = aws.kinesis.Stream("clicks", shard_count=1)
    aws.lambda_.EventSourceMapping("kinesis", event_source_arn=s.arn, function_name=function("clicks-fn").name,
                                   starting_position="LATEST")


@case("esm-sqs-max-concurrency", violates=True, resource="jobs-esm")
def sqs_mapping_uncapped():
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    fn = function("worker")
    aws.lambda_.EventSourceMapping("jobs-esm", event_source_arn=q.arn, function_name=fn.name)


@case("esm-sqs-max-concurrency", violates=False)
def sqs_mapping_capped():
    _queue_consumer(False)


@case("lambda-async-failure-destination", violates=True, resource="thumb")
def s3_triggered_function_without_destination():
    _s3_triggered(lambda b: "arn:aws:s3:::elsewhere/*")


@case("lambda-async-failure-destination", violates=False)
def s3_triggered_function_with_destination():
    fn = _s3_triggered(lambda b: "arn:aws:s3:::elsewhere/*")
    dlq = aws.sqs.Queue("thumb-dlq", sqs_managed_sse_enabled=True)
    aws.lambda_.FunctionEventInvokeConfig("thumb-async", function_name=fn.name, maximum_retry_attempts=2,
                                          destination_config={"on_failure": {"destination": dlq.arn}})


@case("eventbridge-target-dlq", violates=True, resource="nightly-target")
def event_target_without_dlq():
    fn = function()
    rule = aws.cloudwatch.EventRule("nightly", schedule_expression="rate(1 day)")
    aws.cloudwatch.EventTarget("nightly-target", rule=rule.name, arn=fn.arn)


@case("eventbridge-target-dlq", violates=False)
def event_target_with_dlq():
    fn = function()
    dlq = aws.sqs.Queue("events-dlq", sqs_managed_sse_enabled=True)
    rule = aws.cloudwatch.EventRule("nightly", schedule_expression="rate(1 day)")
    aws.cloudwatch.EventTarget("nightly-target", rule=rule.name, arn=fn.arn, dead_letter_config={"arn": dlq.arn})


@case("sns-subscription-redrive", violates=True, resource="events-to-fn")
def lambda_subscription_without_redrive():
    _subscriber(False)


@case("sns-subscription-redrive", violates=False)
def lambda_subscription_with_redrive():
    t = aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    dlq = aws.sqs.Queue("events-dlq", sqs_managed_sse_enabled=True)
    fn = function("subscriber")
    aws.sns.TopicSubscription("events-to-fn", topic=t.arn, protocol="lambda", endpoint=fn.arn,
                              redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a})))


def _rest_stage():
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("deploy", rest_api=api.id)
    stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
    return api, stage


@case("apigw-throttling", violates=True, resource="prod")
def rest_stage_unthrottled():
    _rest_stage()


@case("apigw-throttling", violates=False)
def rest_stage_throttled_and_http_stage_throttled():
    api, stage = _rest_stage()
    aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                  settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50})
    http = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Stage("live", api_id=http.id, name="live",
                           default_route_settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50})


@case("apigw-throttling", violates=True, resource="live")
def http_stage_unthrottled():
    http = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Stage("live", api_id=http.id, name="live")


def _http_api_with_routes():
    http = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    for key in ("GET /orders", "POST /orders"):
        aws.apigatewayv2.Route(key.replace(" ", "").replace("/", "-").lower(), api_id=http.id, route_key=key)
    return http


@case("apigw-throttling", violates=False)
def http_stage_throttling_every_route():
    http = _http_api_with_routes()
    aws.apigatewayv2.Stage("live", api_id=http.id, name="live", route_settings=[
        {"route_key": "GET /orders", "throttling_burst_limit": 100, "throttling_rate_limit": 50},
        {"route_key": "POST /orders", "throttling_burst_limit": 10, "throttling_rate_limit": 5}])


@case("apigw-throttling", violates=True, resource="live")
def http_stage_throttling_one_route_of_two():
    http = _http_api_with_routes()
    aws.apigatewayv2.Stage("live", api_id=http.id, name="live", route_settings=[
        {"route_key": "GET /orders", "throttling_burst_limit": 100, "throttling_rate_limit": 50}])


@case("dynamodb-capacity-scaling", violates=True, resource="orders")
def provisioned_table_without_autoscaling():
    aws.dynamodb.Table("orders", billing_mode="PROVISIONED", read_capacity=5, write_capacity=5, hash_key="id",
                       attributes=[{"name": "id", "type": "S"}])


@case("dynamodb-capacity-scaling", violates=False)
def provisioned_table_with_autoscaling_and_on_demand_table():
    t = aws.dynamodb.Table("orders", billing_mode="PROVISIONED", read_capacity=5, write_capacity=5, hash_key="id",
                           attributes=[{"name": "id", "type": "S"}])
    aws.appautoscaling.Target("orders-read", service_namespace="dynamodb", max_capacity=100, min_capacity=5,
                              resource_id=t.name.apply(lambda n: f"table/{n}"),
                              scalable_dimension="dynamodb:table:ReadCapacityUnits")
    table("sessions")


@case("lambda-vpc-multi-az", violates=True, resource="fn")
def function_in_one_zone():
    a = aws.ec2.Subnet("a", vpc_id="vpc-1", cidr_block="10.0.1.0/24", availability_zone="us-east-1a")
    b = aws.ec2.Subnet("b", vpc_id="vpc-1", cidr_block="10.0.2.0/24", availability_zone="us-east-1a")
    function("fn", vpc_config={"subnet_ids": [a.id, b.id], "security_group_ids": ["sg-1"]})


@case("lambda-vpc-multi-az", violates=False)
def function_in_two_zones():
    a = aws.ec2.Subnet("a", vpc_id="vpc-1", cidr_block="10.0.1.0/24", availability_zone="us-east-1a")
    b = aws.ec2.Subnet("b", vpc_id="vpc-1", cidr_block="10.0.2.0/24", availability_zone="us-east-1b")
    function("fn", vpc_config={"subnet_ids": [a.id, b.id], "security_group_ids": ["sg-1"]})


@case("lambda-reserved-concurrency", violates=False)
def stream_and_queue_consumers_are_bounded_elsewhere():
    """A stream consumer is bounded by shards x parallelization; an SQS one by esm-sqs-max-concurrency."""
    table = aws.dynamodb.Table("orders", billing_mode="PAY_PER_REQUEST", hash_key="id",
                               attributes=[{"name": "id", "type": "S"}], stream_enabled=True,
                               stream_view_type="NEW_IMAGE")
    fn = function("projector")
    aws.lambda_.EventSourceMapping("stream", event_source_arn=table.stream_arn, function_name=fn.name,
                                   starting_position="LATEST")
    q = aws.sqs.Queue("jobs")
    worker = function("worker")
    aws.lambda_.EventSourceMapping("jobs", event_source_arn=q.arn, function_name=worker.name,
                                   scaling_config={"maximum_concurrency": 5})


@case("lambda-timeout-excessive", violates=False)
def http_api_function_at_thirty_seconds():
    """HTTP API integrations wait 30 s, not REST's 29 s."""
    _api_for(function("fn", timeout=30))


@case("lambda-timeout-excessive", violates=True, resource="fn")
def rest_api_function_at_thirty_seconds():
    api = aws.apigateway.RestApi("api")
    res = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    fn = function("fn", timeout=30)
    m = aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="AWS_IAM")
    aws.apigateway.Integration("get", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                               type="AWS_PROXY", integration_http_method="POST", uri=fn.invoke_arn)


# --- a public load balancer is an entry from the internet; every API shape bounds a timeout -------------

def _lambda_behind_load_balancer(internal: bool):
    fn = function("fn")
    lb = aws.lb.LoadBalancer("web", load_balancer_type="application", internal=internal,
                             subnets=["subnet-1", "subnet-2"])
    group = aws.lb.TargetGroup("fn-targets", target_type="lambda")
    aws.lambda_.Permission("lb-invoke", action="lambda:InvokeFunction", function=fn.name,
                           principal="elasticloadbalancing.amazonaws.com", source_arn=group.arn)
    aws.lb.TargetGroupAttachment("fn-target", target_group_arn=group.arn, target_id=fn.arn)
    aws.lb.Listener("http", load_balancer_arn=lb.arn, port=80, protocol="HTTP",
                    default_actions=[{"type": "forward", "target_group_arn": group.arn}])


@case("lambda-reserved-concurrency", violates=True, resource="fn")
def function_behind_an_internet_facing_load_balancer():
    _lambda_behind_load_balancer(internal=False)


@case("lambda-reserved-concurrency", violates=False)
def function_behind_an_internal_load_balancer():
    _lambda_behind_load_balancer(internal=True)


@case("lambda-timeout-excessive", violates=True, resource="fn", modes=("update",))
def function_behind_an_openapi_body_with_long_timeout():
    """A 300 s function behind a REST API whose OpenAPI body integrates it: the API gives up at 29 s."""
    fn = function("fn", timeout=300)
    aws.apigateway.RestApi("api", body=fn.invoke_arn.apply(lambda uri: json.dumps({
        "openapi": "3.0.1", "info": {"title": "api", "version": "1"},
        "paths": {"/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": uri}}}}})))


@case("lambda-timeout-excessive", violates=True, resource="fn")
def function_behind_a_quick_create_api_with_long_timeout():
    fn = function("fn", timeout=120)
    aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=fn.arn)


@case("apigw-throttling", violates=True, resource="http")
def quick_create_api_stage_has_no_throttling():
    aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=function("fn").arn)
