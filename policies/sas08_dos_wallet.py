"""SAS-8 Denial of service and financial resource exhaustion (denial of wallet).

Unbounded scaling, long timeouts, missing throttles, retry storms without dead-letter queues, and
recursive invocation loops (a function that writes to the bucket, queue or topic that triggers it),
found by joining triggers, functions and their roles across the stack.

Remediation (level remediate): reserved concurrency, throttles and capacity are bounds only the owner
can choose, so they are findings only.
"""
from __future__ import annotations

import json


from .core import Sev, Undecided, as_list, bool_setting, fixes, int_setting, resource_rule, stack_rule
from .core import aws, components, reach, roles
from .core.rule import Fixed, literal
from .core.reach import QUICK_CREATE, api_routes, load_balancer_routes, public_invocations
from .core.messages import redactor_in
from .core.cases import P, complies, violates

CAT = "SAS-8"
DEFAULT_TIMEOUT = 3
DEFAULT_VISIBILITY = 30


def _timeout(fn) -> float:
    t = fn.get("timeout")
    return t if isinstance(t, (int, float)) and not isinstance(t, bool) else DEFAULT_TIMEOUT


def _uncapped(fn) -> bool:
    c = fn.get("reservedConcurrentExecutions")
    return c is None or c == -1


# --- concurrency, timeouts, limits ---------------------------------------------------------------

@stack_rule(
    "lambda-reserved-concurrency", CAT, Sev.MEDIUM,
    types=[aws.FUNCTION, aws.FUNCTION_URL, aws.PERMISSION, aws.EVENT_SOURCE_MAPPING, aws.REST_INTEGRATION,
           aws.HTTP_INTEGRATION, aws.REST_API, aws.HTTP_API, aws.EVENT_RULE, aws.EVENT_TARGET,
           *reach.LOAD_BALANCER, *reach.LISTENER, *reach.TARGET_ATTACHMENT],
    title="Public and API-facing functions have a concurrency cap",
    description="A function anyone can trigger, with no reserved concurrency, scales until it exhausts the "
                "account's concurrency (taking every other function down) and the budget. Stream consumers are "
                "bounded by shards x parallelization factor, SQS consumers by esm-sqs-max-concurrency.",
    remediation="""aws.lambda_.Function("orders", ..., reserved_concurrent_executions=50)""",
    peers=["CKV_AWS_115"],
    config=bool_setting("allFunctions", False, "Require a cap on every function, not only exposed ones."),
    phrase="reserved_concurrent_executions")
def lambda_reserved_concurrency(stack, cfg):
    exposure = _exposure(stack)
    for fn in stack.of_type(aws.FUNCTION):
        if not _uncapped(fn):
            continue
        why = exposure.get(fn.urn)
        if why is None and not cfg["allFunctions"]:
            continue
        detail = f", has a {_timeout(fn):g} s timeout and" if _timeout(fn) > 29 else " with"
        yield fn, (f"is {why or 'deployed'}{detail} no reservedConcurrentExecutions: a flood (or a loop) "
                   "scales it to the account limit and the bill with it. Set reservedConcurrentExecutions.")


@violates("lambda-reserved-concurrency", resource="fn")
def public_function_uncapped():
    _public_url(P.function("fn", timeout=60))


@complies("lambda-reserved-concurrency")
def public_function_capped_and_internal_uncapped():
    _public_url(P.function("fn", reserved_concurrent_executions=20))
    P.function("internal")


@violates("lambda-reserved-concurrency", resource="internal", config={"lambda-reserved-concurrency": {"allFunctions": True}})
def every_function_when_configured():
    P.function("internal")


@violates("lambda-reserved-concurrency", resource="fn", modes=("update",))
def function_behind_an_openapi_body():
    """aws-py-serverless-raw: the REST API is an OpenAPI body whose integration invokes the function."""
    fn = P.function("fn")
    P.aws.apigateway.RestApi("api", body=fn.invoke_arn.apply(lambda uri: json.dumps({
        "openapi": "3.0.1", "info": {"title": "api", "version": "1"},
        "paths": {"/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": uri}}}}})))


@violates("lambda-reserved-concurrency", resource="fn")
def function_behind_a_quick_create_api():
    fn = P.function("fn")
    P.aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=fn.arn)


@violates("lambda-reserved-concurrency", resource="fn")
def function_behind_an_api_through_eventbridge():
    """aws-ts-apigatewayv2-eventbridge: a route puts events on a bus; a rule on it invokes the function."""
    bus = _events_api()
    fn = P.function("fn")
    rule = P.aws.cloudwatch.EventRule("orders", event_bus_name=bus.name,
                                      event_pattern=json.dumps({"source": ["my-event-source"]}))
    P.aws.cloudwatch.EventTarget("fn-target", rule=rule.name, event_bus_name=bus.name, arn=fn.arn)


@complies("lambda-reserved-concurrency")
def function_on_another_bus_than_the_api_puts_events_on():
    _events_api()
    other = P.aws.cloudwatch.EventBus("internal")
    fn = P.function("fn")
    rule = P.aws.cloudwatch.EventRule("nightly", event_bus_name=other.name,
                                      event_pattern=json.dumps({"source": ["billing"]}))
    P.aws.cloudwatch.EventTarget("fn-target", rule=rule.name, event_bus_name=other.name, arn=fn.arn)


@complies("lambda-reserved-concurrency")
def stream_and_queue_consumers_are_bounded_elsewhere():
    """A stream consumer is bounded by shards x parallelization; an SQS one by esm-sqs-max-concurrency."""
    table = P.aws.dynamodb.Table("orders", billing_mode="PAY_PER_REQUEST", hash_key="id",
                                 attributes=[{"name": "id", "type": "S"}], stream_enabled=True,
                                 stream_view_type="NEW_IMAGE")
    fn = P.function("projector")
    P.aws.lambda_.EventSourceMapping("stream", event_source_arn=table.stream_arn, function_name=fn.name,
                                     starting_position="LATEST")
    q = P.aws.sqs.Queue("jobs")
    worker = P.function("worker")
    P.aws.lambda_.EventSourceMapping("jobs", event_source_arn=q.arn, function_name=worker.name,
                                     scaling_config={"maximum_concurrency": 5})


@violates("lambda-reserved-concurrency", resource="fn")
def function_behind_an_internet_facing_load_balancer():
    _lambda_behind_load_balancer(internal=False)


@complies("lambda-reserved-concurrency")
def function_behind_an_internal_load_balancer():
    _lambda_behind_load_balancer(internal=True)


def _exposure(stack) -> dict:
    """Function URN -> how the internet reaches it, naming what: "invokable by anyone through URL 'x'",
    "behind API 'orders-api'", "behind internet-facing load balancer 'web'" (core/reach.py)."""
    out: dict = {}
    for routes, say in ((public_invocations(stack), "invokable by anyone through {}"),
                        (api_routes(stack), "behind {}"), (load_balancer_routes(stack), "behind internet-facing {}")):
        for entry_urn, fns in routes.items():
            entry = stack.by_urn.get(entry_urn)
            for fn in fns:
                out.setdefault(fn, say.format(entry.label() if entry is not None else "an API"))
    return out


@stack_rule(
    "lambda-timeout-excessive", CAT, Sev.LOW, types=[aws.FUNCTION, aws.REST_INTEGRATION, aws.HTTP_INTEGRATION],
    title="Function timeouts fit their callers",
    description="API Gateway gives up after 29 s; a longer function timeout only lets slow or ReDoS requests "
                "burn money. The 900 s maximum amplifies every stuck invocation.",
    remediation="""aws.lambda_.Function("orders", ..., timeout=10)""",
    config={**int_setting("apiMaxTimeoutSeconds", 29, "Longest timeout for a function behind a REST API (whose "
                                                      "integration timeout is 29 s by default); HTTP APIs wait "
                                                      "30 s, so they get one second more.", 1,
                         stricter="lower"),
            **int_setting("maxTimeoutSeconds", 899, "Longest timeout for any function.", 1, stricter="lower")},
    phrase=("that stops waiting after", "more than maxTimeoutSeconds"))
def lambda_timeout_excessive(stack, cfg):
    """Behind an API (any shape ``core/reach.api_routes`` knows: integrations, an OpenAPI body, a quick-create
    target), the API's own wait bounds what a longer timeout can be for."""
    behind = _api_waits(stack, cfg["apiMaxTimeoutSeconds"])
    for fn in stack.of_type(aws.FUNCTION):
        t = fn.get("timeout")
        if not isinstance(t, (int, float)) or isinstance(t, bool):
            continue
        api, wait = behind.get(fn.urn, (None, 0))
        if api is not None and t > wait:
            yield fn, (f"is behind {api} that stops waiting after {wait} s, but its timeout is {t:g} s: the rest of "
                       f"every slow call is paid for and answered to no one. Set timeout to {wait} or less.")
        elif t > cfg["maxTimeoutSeconds"]:
            yield fn, f"has timeout {t:g} s, more than maxTimeoutSeconds ({cfg['maxTimeoutSeconds']}). Lower it."


@violates("lambda-timeout-excessive", resource="fn")
def api_function_with_long_timeout():
    _api_for(P.function("fn", timeout=60))


@violates("lambda-timeout-excessive", resource="batch")
def function_at_max_timeout():
    P.function("batch", timeout=900)


@complies("lambda-timeout-excessive")
def sensible_timeouts():
    _api_for(P.function("fn", timeout=10))
    P.function("batch", timeout=300)


@complies("lambda-timeout-excessive")
def http_api_function_at_thirty_seconds():
    """HTTP API integrations wait 30 s, not REST's 29 s."""
    _api_for(P.function("fn", timeout=30))


@violates("lambda-timeout-excessive", resource="fn")
def rest_api_function_at_thirty_seconds():
    api = P.aws.apigateway.RestApi("api")
    res = P.aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    fn = P.function("fn", timeout=30)
    m = P.aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="AWS_IAM")
    P.aws.apigateway.Integration("get", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                                 type="AWS_PROXY", integration_http_method="POST", uri=fn.invoke_arn)


@violates("lambda-timeout-excessive", resource="fn", modes=("update",))
def function_behind_an_openapi_body_with_long_timeout():
    """A 300 s function behind a REST API whose OpenAPI body integrates it: the API gives up at 29 s."""
    fn = P.function("fn", timeout=300)
    P.aws.apigateway.RestApi("api", body=fn.invoke_arn.apply(lambda uri: json.dumps({
        "openapi": "3.0.1", "info": {"title": "api", "version": "1"},
        "paths": {"/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {
            "type": "aws_proxy", "httpMethod": "POST", "uri": uri}}}}})))


@violates("lambda-timeout-excessive", resource="fn")
def function_behind_a_quick_create_api_with_long_timeout():
    fn = P.function("fn", timeout=120)
    P.aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=fn.arn)


def _api_waits(stack, rest_wait: int) -> dict:
    """Function URN -> (the API it is behind, as messages name it; how long that API waits): a REST API
    ``rest_wait`` s (29 by default), an HTTP API one second more. The shortest wait wins."""
    out: dict = {}
    for api_urn, fns in api_routes(stack, through_events=False).items():   # it does not wait for an event's
        api = stack.by_urn.get(api_urn)
        if api is None:
            continue
        http = api.type in (aws.HTTP_API, aws.HTTP_INTEGRATION)
        wait = rest_wait + 1 if http else rest_wait
        name = f"{'HTTP' if http else 'REST'} API {api.label().split(' ', 1)[-1]}" \
            if api.type in (aws.HTTP_API, aws.REST_API) else f"the API of {api.label()}"
        for fn in fns:
            if fn not in out or wait < out[fn][1]:
                out[fn] = (name, wait)
    return out


@resource_rule(
    "appsync-depth-limits", CAT, Sev.LOW, types=[aws.GRAPHQL_API],
    title="GraphQL APIs limit query depth and resolver count",
    description="Unbounded nested queries fan out to unbounded resolver calls: cheap to send, expensive to serve.",
    remediation="""aws.appsync.GraphQLApi("api", ..., query_depth_limit=10, resolver_count_limit=100)""",
    phrase="query_depth_limit and resolver_count_limit unset or 0")
def appsync_depth_limits(r, cfg):
    unset = [k for k in ("queryDepthLimit", "resolverCountLimit") if not r.number(k)]
    if unset:
        return f"{' and '.join(unset)} unset or 0. Set queryDepthLimit and resolverCountLimit."
    return None


@violates("appsync-depth-limits", resource="graphql")
def graphql_unbounded():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@complies("appsync-depth-limits")
def graphql_bounded():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", query_depth_limit=10, resolver_count_limit=100)


@resource_rule(
    "lambda-recursion-allowed", CAT, Sev.HIGH, types=[aws.RECURSION_CONFIG],
    title="Lambda recursive-loop detection stays on",
    description="recursiveLoop Allow turns off AWS's detection of recursive invocation loops.",
    remediation="""aws.lambda_.FunctionRecursionConfig("fn", function_name=fn.name, recursive_loop="Terminate")""",
    phrase="recursive_loop is Allow")
def lambda_recursion_allowed(r, cfg):
    if r.known("recursiveLoop") == "Allow":
        return "recursiveLoop is Allow: AWS will not stop a recursive loop. Use \"Terminate\"."
    return None


@fixes("lambda-recursion-allowed")
def _terminate_loops(r, cfg):
    return {"recursiveLoop": "Terminate"}


@violates("lambda-recursion-allowed", resource="loop", fixed={"recursiveLoop": "Terminate"})
def recursion_detection_off():
    fn = P.function()
    P.aws.lambda_.FunctionRecursionConfig("loop", function_name=fn.name, recursive_loop="Allow")


@complies("lambda-recursion-allowed")
def recursion_detection_on():
    fn = P.function()
    P.aws.lambda_.FunctionRecursionConfig("loop", function_name=fn.name, recursive_loop="Terminate")


# --- recursive loops ---------------------------------------------------------------------------

def _loops(stack, pairs, action: str, describe):
    """A finding for each (function, trigger resource, via) whose function's role grants ``action`` on the
    trigger: by name, or on every resource when the function's own configuration names the trigger (an
    environment variable holding its name or ARN: where the code writes). A grant on every resource alone
    says nothing about this target (it is the iam-* rules' finding, not a loop). An Undecided for a pair whose
    role policy is still unknown (preview)."""
    for fn, target, via in pairs:
        can = roles.function_can(stack, fn, action, target, named=True)
        if not can and target in stack.targets(fn, "environment", target.type):
            wide = roles.function_can(stack, fn, action, target)
            if wide:
                yield fn, describe(fn, target, via) + (f" (Its role may {action} on every resource, and its "
                                                       "environment names this one.)")
                continue
            can = can if wide is False else None
        if can:
            yield fn, describe(fn, target, via)
        elif can is None:
            yield Undecided(fn, "role")


def _cap_note(fn) -> str:
    return " It has no reserved concurrency, so nothing bounds the loop's cost." if _uncapped(fn) else ""


@stack_rule(
    "s3-lambda-recursive-loop", CAT, Sev.HIGH,
    types=[aws.BUCKET_NOTIFICATION, aws.FUNCTION, *aws.BUCKETS, aws.ROLE, aws.ROLE_POLICY, aws.IAM_POLICY],
    title="No function writes to the bucket that triggers it",
    description="A function triggered by a bucket that may write objects back to it, with no filter to exclude "
                "its own output, loops; AWS does not stop S3 loops.",
    remediation="""# Write output to another bucket, or filter the trigger:
aws.s3.BucketNotification("uploads", bucket=bucket.id, lambda_functions=[{
    "lambda_function_arn": fn.arn, "events": ["s3:ObjectCreated:*"], "filter_prefix": "incoming/"}])""",
    phrase="is triggered by Bucket")
def s3_lambda_recursive_loop(stack, cfg):
    pairs = []
    for note in stack.of_type(aws.BUCKET_NOTIFICATION):
        entries = [e for e in as_list(note.get("lambdaFunctions")) if isinstance(e, dict)]
        if not entries or all(e.get("filterPrefix") or e.get("filterSuffix") for e in entries):
            continue
        for fn in stack.targets(note, "lambdaFunctions", aws.FUNCTION):
            pairs += [(fn, bucket, note) for bucket in stack.targets(note, "bucket", *aws.BUCKETS)]
    return _loops(stack, pairs, "s3:PutObject", lambda fn, bucket, note: (
        f"is triggered by {bucket.label()} (notification '{note.name}', no prefix/suffix filter) and its role "
        f"may s3:PutObject to that bucket: a recursive loop.{_cap_note(fn)} Write elsewhere or filter the trigger."))


@violates("s3-lambda-recursive-loop", resource="thumb")
def function_writes_back_to_its_bucket():
    _s3_triggered(lambda b: P.pulumi.Output.concat(b.arn, "/*"))


@complies("s3-lambda-recursive-loop")
def function_writes_anywhere():
    # a grant on "*" (iam-wildcard-resource's finding) names no bucket: not evidence of a loop
    _s3_triggered(lambda b: "*")


@violates("s3-lambda-recursive-loop", resource="thumb")
def function_may_write_anywhere_and_its_configuration_names_its_trigger():
    """A grant on every bucket, and the function's own environment names the trigger as its output."""
    _s3_triggered(lambda b: "*", output=lambda b: b.bucket)


@complies("s3-lambda-recursive-loop")
def function_may_write_anywhere_and_its_configuration_names_another_bucket():
    out = P.aws.s3.Bucket("thumbnails")
    _s3_triggered(lambda b: "*", output=lambda b: out.bucket)


@complies("s3-lambda-recursive-loop")
def function_writes_to_every_bucket_by_pattern():
    _s3_triggered(lambda b: "arn:aws:s3:::*")


@complies("s3-lambda-recursive-loop")
def function_writes_elsewhere():
    out = P.aws.s3.Bucket("thumbnails")
    _s3_triggered(lambda b: P.pulumi.Output.concat(out.arn, "/*"))


@complies("s3-lambda-recursive-loop", modes=("update",))
def function_writes_to_a_bucket_whose_name_extends_the_trigger():
    # "acme-uploads" is a prefix of "acme-uploads-thumbnails": a different bucket, not a loop
    P.aws.s3.Bucket("thumbnails", bucket="acme-uploads-thumbnails")
    _s3_triggered(lambda b: "arn:aws:s3:::acme-uploads-thumbnails/*", bucket_name="acme-uploads")


@violates("s3-lambda-recursive-loop", resource="thumb", modes=("update",))
def function_writes_to_the_trigger_through_a_wildcard():
    _s3_triggered(lambda b: "arn:aws:s3:::acme-up*", bucket_name="acme-uploads")


@complies("s3-lambda-recursive-loop")
def trigger_filtered_by_prefix():
    _s3_triggered(lambda b: P.pulumi.Output.concat(b.arn, "/*"), filter_prefix="incoming/")


@complies("s3-lambda-recursive-loop")
def function_writes_back_through_a_managed_policy():
    """AmazonS3FullAccess grants s3:PutObject on every bucket: that says nothing about whether the code
    writes to the one that triggers it (aws-ts-s3-lambda-copyzip writes to another bucket with exactly this
    role). The broad grant is the iam-* rules' finding, not a loop."""
    bucket = P.aws.s3.Bucket("uploads")
    r = P.role("thumb-role", managed_policy_arns=[P.AWS_MANAGED + "AmazonS3FullAccess"])
    fn = P.function("thumb", role_arn=r.arn)
    perm = P.aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction",
                                    principal="s3.amazonaws.com", source_arn=bucket.arn, source_account="123456789012")
    P.aws.s3.BucketNotification("uploads-trigger", bucket=bucket.id, lambda_functions=[
        {"lambda_function_arn": fn.arn, "events": ["s3:ObjectCreated:*"]}], opts=P.pulumi.ResourceOptions(depends_on=[perm]))


@stack_rule(
    "sqs-lambda-recursive-loop", CAT, Sev.MEDIUM,
    types=[aws.EVENT_SOURCE_MAPPING, aws.QUEUE, aws.FUNCTION, aws.ROLE],
    title="No function sends to the queue it consumes",
    description="A function that consumes a queue and may send to it can loop (AWS stops only detected SQS loops).",
    remediation="""# Send results to a different queue than the one that triggers the function.""",
    phrase="a recursive loop")
def sqs_lambda_recursive_loop(stack, cfg):
    pairs = [(fn, queue, esm) for esm in stack.of_type(aws.EVENT_SOURCE_MAPPING)
             for queue in stack.targets(esm, "eventSourceArn", aws.QUEUE)
             for fn in stack.targets(esm, "functionName", aws.FUNCTION)]
    return _loops(stack, pairs, "sqs:SendMessage", lambda fn, queue, esm: (
        f"consumes {queue.label()} and its role may sqs:SendMessage to it: a recursive loop.{_cap_note(fn)}"))


@violates("sqs-lambda-recursive-loop", resource="worker")
def worker_sends_to_its_queue():
    _queue_consumer(send_to_self=True)


@complies("sqs-lambda-recursive-loop")
def worker_sends_to_results_queue():
    _queue_consumer(send_to_self=False)


@complies("sqs-lambda-recursive-loop", modes=("update",))
def worker_sends_to_a_queue_whose_name_extends_its_own():
    q = P.aws.sqs.Queue("jobs", name="jobs", sqs_managed_sse_enabled=True)
    P.aws.sqs.Queue("jobs-failed", name="jobs-failed", sqs_managed_sse_enabled=True)
    r = P.role("worker-role")
    P.aws.iam.RolePolicy("worker-policy", role=r.id, policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Resource": q.arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs-failed"}]}))
    fn = P.function("worker", role_arn=r.arn)
    P.aws.lambda_.EventSourceMapping("jobs-to-worker", event_source_arn=q.arn, function_name=fn.name)


@stack_rule(
    "sns-lambda-recursive-loop", CAT, Sev.MEDIUM,
    types=[aws.TOPIC_SUBSCRIPTION, aws.TOPIC, aws.FUNCTION, aws.ROLE],
    title="No function publishes to the topic it is subscribed to",
    description="A function subscribed to a topic that may publish to it can loop.",
    remediation="""# Publish results to a different topic than the one the function is subscribed to.""",
    phrase="a recursive loop")
def sns_lambda_recursive_loop(stack, cfg):
    pairs = [(fn, topic, sub) for sub in stack.of_type(aws.TOPIC_SUBSCRIPTION)
             if sub.get("protocol") == "lambda"
             for topic in stack.targets(sub, "topic", aws.TOPIC)
             for fn in stack.targets(sub, "endpoint", aws.FUNCTION)]
    return _loops(stack, pairs, "sns:Publish", lambda fn, topic, sub: (
        f"is subscribed to {topic.label()} and its role may sns:Publish to it: a recursive loop.{_cap_note(fn)}"))


@violates("sns-lambda-recursive-loop", resource="subscriber")
def subscriber_publishes_to_its_topic():
    _subscriber(True)


@complies("sns-lambda-recursive-loop")
def subscriber_publishes_elsewhere():
    _subscriber(False)


# --- retries and failure handling ----------------------------------------------------------------

@stack_rule(
    "sqs-esm-no-dlq", CAT, Sev.MEDIUM, types=[aws.EVENT_SOURCE_MAPPING, aws.QUEUE, aws.REDRIVE_POLICY],
    title="Queues feeding functions have a dead-letter queue",
    description="Without a redrive policy a poison message is retried at full concurrency until it expires "
                "(4 days by default).",
    remediation="""dlq = aws.sqs.Queue("jobs-dlq")
aws.sqs.Queue("jobs", redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5})))""",
    peers=["CKV_AWS_116"],
    phrase="has no redrive policy")
def sqs_esm_no_dlq(stack, cfg):
    for esm in stack.of_type(aws.EVENT_SOURCE_MAPPING):
        for queue in stack.targets(esm, "eventSourceArn", aws.QUEUE):
            if queue.get("redrivePolicy") or stack.referrers(queue, aws.REDRIVE_POLICY, prop="queueUrl"):
                continue
            yield queue, (f"feeds a function (mapping '{esm.name}') but has no redrive policy: a poison message is "
                          "retried until it expires. Add a dead-letter queue.")


@violates("sqs-esm-no-dlq", resource="jobs")
def queue_without_dlq():
    _queue_consumer(False)


@complies("sqs-esm-no-dlq")
def queue_with_dlq():
    _queue_consumer(False, dlq=True)


@stack_rule(
    "sqs-visibility-timeout", CAT, Sev.LOW, types=[aws.EVENT_SOURCE_MAPPING, aws.QUEUE, aws.FUNCTION],
    title="Queue visibility timeouts cover the consumer's timeout",
    description="A visibility timeout under six times the function timeout (AWS guidance) redelivers messages "
                "that are still being processed, doubling the work.",
    remediation="""aws.sqs.Queue("jobs", visibility_timeout_seconds=6 * function_timeout)""",
    phrase="less than 6 x the")
def sqs_visibility_timeout(stack, cfg):
    for esm in stack.of_type(aws.EVENT_SOURCE_MAPPING):
        for queue in stack.targets(esm, "eventSourceArn", aws.QUEUE):
            vis = queue.get("visibilityTimeoutSeconds", DEFAULT_VISIBILITY)
            for fn in stack.targets(esm, "functionName", aws.FUNCTION):
                if isinstance(vis, (int, float)) and vis < 6 * _timeout(fn):
                    yield queue, (f"has visibilityTimeoutSeconds {vis:g}, less than 6 x the {_timeout(fn):g} s "
                                  f"timeout of its consumer {fn.label()}. Raise it to at least {6 * _timeout(fn):g}.")


@violates("sqs-visibility-timeout", resource="jobs")
def visibility_shorter_than_six_timeouts():
    _queue_consumer(False, visibility=30, timeout=30)


@complies("sqs-visibility-timeout")
def visibility_covers_timeout():
    _queue_consumer(False, visibility=180, timeout=30)


def _is_stream(stack, r) -> bool | None:
    """Whether a mapping reads a stream: by its ARN when known, else (preview) by the kind of resource the
    ARN comes from (a Kinesis stream or a table's stream, or a queue), else by a starting position (only
    stream sources take one); None when nothing says."""
    arn = r.get("eventSourceArn")
    if isinstance(arn, str):
        return ":kinesis:" in arn or "/stream/" in arn
    sources = {s.type for s in stack.targets(r, "eventSourceArn", aws.KINESIS_STREAM, aws.TABLE, aws.QUEUE)}
    if sources:
        return bool(sources & {aws.KINESIS_STREAM, aws.TABLE})
    if r.get("startingPosition") is not None:
        return True
    return None if arn is not None else False


@stack_rule(
    "esm-stream-failure-handling", CAT, Sev.MEDIUM, types=[aws.EVENT_SOURCE_MAPPING],
    title="Stream event sources handle failing records",
    description="Without an on-failure destination and a retry limit, one poison record blocks its shard and "
                "is retried until it ages out.",
    remediation="""aws.lambda_.EventSourceMapping("stream", ..., maximum_retry_attempts=3, bisect_batch_on_function_error=True,
    destination_config={"on_failure": {"destination_arn": dlq.arn}})""",
    phrase="reads a stream with no on_failure destination")
def esm_stream_failure_handling(stack, cfg):
    for r in stack.of_type(aws.EVENT_SOURCE_MAPPING):
        stream = _is_stream(stack, r)
        if stream is None:
            yield Undecided(r, "eventSourceArn")
            continue
        if not stream:
            continue
        retries = r.number("maximumRetryAttempts")
        if not r.is_set("destinationConfig.onFailure.destinationArn") and (retries is None or retries == -1):
            yield r, ("reads a stream with no onFailure destination and unlimited retries: a poison record blocks "
                      "the shard. Set maximumRetryAttempts and an on-failure destination.")


@violates("esm-stream-failure-handling", resource="stream")
def stream_without_failure_handling():
    _stream_mapping()


@complies("esm-stream-failure-handling")
def stream_with_retry_limit_and_destination():
    dlq = P.aws.sqs.Queue("stream-dlq", sqs_managed_sse_enabled=True)
    _stream_mapping(maximum_retry_attempts=3, bisect_batch_on_function_error=True,
                    destination_config={"on_failure": {"destination_arn": dlq.arn}})


@complies("esm-stream-failure-handling")
def queue_mapping_is_no_stream():
    """A queue's mapping (in preview its ARN is unknown: judged by the queue it comes from, not guessed)."""
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    P.aws.lambda_.EventSourceMapping("jobs-esm", event_source_arn=q.arn, function_name=P.function("worker").name,
                                     scaling_config={"maximum_concurrency": 5})


@violates("esm-stream-failure-handling", resource="kinesis", preview="violation")
def kinesis_mapping_without_failure_handling():
    s = P.aws.kinesis.Stream("clicks", shard_count=1)
    P.aws.lambda_.EventSourceMapping("kinesis", event_source_arn=s.arn, function_name=P.function("clicks-fn").name,
                                     starting_position="LATEST")


@resource_rule(
    "esm-sqs-max-concurrency", CAT, Sev.LOW, types=[aws.EVENT_SOURCE_MAPPING],
    title="SQS event sources cap their concurrency",
    description="Without scalingConfig.maximumConcurrency a queue flood scales the consumer to the account limit.",
    remediation="""aws.lambda_.EventSourceMapping("jobs", ..., scaling_config={"maximum_concurrency": 10})""",
    phrase="reads an SQS queue with no scaling_config.maximum_concurrency")
def esm_sqs_max_concurrency(r, cfg):
    arn = r.known("eventSourceArn")
    if isinstance(arn, str) and ":sqs:" in arn and not r.is_set("scalingConfig.maximumConcurrency"):
        return "reads an SQS queue with no scalingConfig.maximumConcurrency. Set one."
    return None


@violates("esm-sqs-max-concurrency", resource="jobs-esm")
def sqs_mapping_uncapped():
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    fn = P.function("worker")
    P.aws.lambda_.EventSourceMapping("jobs-esm", event_source_arn=q.arn, function_name=fn.name)


@complies("esm-sqs-max-concurrency")
def sqs_mapping_capped():
    _queue_consumer(False)


ASYNC_PRINCIPALS = ("s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com")


@stack_rule(
    "lambda-async-failure-destination", CAT, Sev.LOW,
    types=[aws.FUNCTION, aws.EVENT_INVOKE_CONFIG, aws.PERMISSION, aws.BUCKET_NOTIFICATION, aws.TOPIC_SUBSCRIPTION],
    title="Asynchronously invoked functions keep their failed events",
    description="S3, SNS and EventBridge invoke functions asynchronously; without a DLQ or on-failure "
                "destination, events that fail every retry are lost silently.",
    remediation="""aws.lambda_.FunctionEventInvokeConfig("fn", function_name=fn.name, maximum_retry_attempts=2,
    destination_config={"on_failure": {"destination": dlq.arn}})""",
    peers=["CKV_AWS_116"],
    phrase="is invoked asynchronously")
def lambda_async_failure_destination(stack, cfg):
    async_fns = _async_sources(stack)
    for fn in stack.of_type(aws.FUNCTION):
        if fn.urn not in async_fns or fn.get("deadLetterConfig.targetArn"):
            continue
        configs = stack.referrers(fn, aws.EVENT_INVOKE_CONFIG, prop="functionName")
        if any(c.get("destinationConfig.onFailure.destination") for c in configs):
            continue
        # one path, one finding: an EventBridge target of this function without its own dead-letter queue
        # is named here (eventbridge-target-dlq is superseded on it)
        targets = [t for t in stack.referrers(fn, aws.EVENT_TARGET, prop="arn") if not t.is_set("deadLetterConfig.arn")]
        also = (f" EventBridge delivers to it through {', '.join(t.label() for t in targets[:3])} with no "
                "deadLetterConfig either: give the target a dead-letter queue too, for events it cannot deliver."
                if targets else "")
        sources = ", ".join(sorted(async_fns[fn.urn]))
        yield fn, (f"is invoked asynchronously (by {sources}) with neither a dead-letter queue nor an "
                   f"on-failure destination: failed events are dropped. Add one.{also}"), targets


@violates("lambda-async-failure-destination", resource="thumb")
def s3_triggered_function_without_destination():
    _s3_triggered(lambda b: "arn:aws:s3:::elsewhere/*")


@complies("lambda-async-failure-destination")
def s3_triggered_function_with_destination():
    fn = _s3_triggered(lambda b: "arn:aws:s3:::elsewhere/*")
    dlq = P.aws.sqs.Queue("thumb-dlq", sqs_managed_sse_enabled=True)
    P.aws.lambda_.FunctionEventInvokeConfig("thumb-async", function_name=fn.name, maximum_retry_attempts=2,
                                            destination_config={"on_failure": {"destination": dlq.arn}})


ASYNC_SERVICES = {"s3.amazonaws.com": "S3", "sns.amazonaws.com": "SNS", "events.amazonaws.com": "EventBridge",
                  "scheduler.amazonaws.com": "EventBridge Scheduler"}   # the ASYNC_PRINCIPALS, as messages name them


def _async_sources(stack) -> dict:
    """Function URN -> what invokes it asynchronously, named: its bucket's notification, its topic's
    subscription, or the service a permission lets in (S3, SNS, EventBridge...); a named bucket or topic says
    more than its service's permission, so the service is named only when nothing of it is."""
    found: dict = {}   # function URN -> {service: {names}}
    for p in stack.of_type(aws.PERMISSION):
        principal = p.get("principal")
        service = ASYNC_SERVICES.get(principal) if isinstance(principal, str) else None   # a join key read as one
        if service:
            for f in stack.targets(p, "function", aws.FUNCTION):
                found.setdefault(f.urn, {}).setdefault(service, set())
    for note in stack.of_type(aws.BUCKET_NOTIFICATION):
        names = {b.label() for b in stack.targets(note, "bucket", *aws.BUCKETS)}
        for f in stack.targets(note, "lambdaFunctions", aws.FUNCTION):
            found.setdefault(f.urn, {}).setdefault("S3", set()).update(names)
    for sub in stack.of_type(aws.TOPIC_SUBSCRIPTION):
        if sub.get("protocol") == "lambda":
            names = {t.label() for t in stack.targets(sub, "topic", aws.TOPIC)}
            for f in stack.targets(sub, "endpoint", aws.FUNCTION):
                found.setdefault(f.urn, {}).setdefault("SNS", set()).update(names)
    return {urn: {n for service, names in by.items() for n in (names or {service})} for urn, by in found.items()}


def _target_needs_dlq(arn) -> bool | None:
    if not isinstance(arn, str):
        return None
    return ":lambda:" in arn or ":sqs:" in arn


@resource_rule(
    "eventbridge-target-dlq", CAT, Sev.LOW, phase="stack", types=[aws.EVENT_TARGET, aws.SCHEDULE],
    title="EventBridge targets have a dead-letter queue",
    description="Events EventBridge cannot deliver to a function or queue are dropped without a DLQ.",
    remediation="""aws.cloudwatch.EventTarget("nightly", rule=rule.name, arn=fn.arn, dead_letter_config={"arn": dlq.arn})""",
    superseded_by=["lambda-async-failure-destination"],
    phrase=("without dead_letter_config", "without targets.0.dead_letter_config"))
def eventbridge_target_dlq(r, cfg):
    prefix = "target." if r.type == aws.SCHEDULE else ""
    needs = _target_needs_dlq(r.known(f"{prefix}arn"))
    if needs is None:
        raise Undecided(r, f"{prefix}arn")
    if needs and not r.is_set(f"{prefix}deadLetterConfig.arn"):
        return f"targets a function or queue without {prefix}deadLetterConfig. Add a dead-letter queue."
    return None


@violates("eventbridge-target-dlq", resource="nightly-target")
def event_target_without_dlq():
    fn = P.function()
    rule = P.aws.cloudwatch.EventRule("nightly", schedule_expression="rate(1 day)")
    P.aws.cloudwatch.EventTarget("nightly-target", rule=rule.name, arn=fn.arn)


@complies("eventbridge-target-dlq")
def event_target_with_dlq():
    fn = P.function()
    dlq = P.aws.sqs.Queue("events-dlq", sqs_managed_sse_enabled=True)
    rule = P.aws.cloudwatch.EventRule("nightly", schedule_expression="rate(1 day)")
    P.aws.cloudwatch.EventTarget("nightly-target", rule=rule.name, arn=fn.arn, dead_letter_config={"arn": dlq.arn})


# --- an EventBridge rule's targets -----------------------------------------------------------
@violates("eventbridge-target-dlq", resource="nightly")
def rule_target_without_dlq():
    P.native.events.Rule("nightly", schedule_expression="rate(1 day)",
                         targets=[{"id": "queue", "arn": "arn:aws:sqs:us-east-1:123456789012:jobs"}])


@complies("eventbridge-target-dlq")
def rule_target_with_dlq():
    P.native.events.Rule("nightly", schedule_expression="rate(1 day)", targets=[{
        "id": "queue", "arn": "arn:aws:sqs:us-east-1:123456789012:jobs",
        "dead_letter_config": {"arn": "arn:aws:sqs:us-east-1:123456789012:jobs-dlq"}}])


@violates("eventbridge-target-dlq", resource="nightly-target", superseded_by="lambda-async-failure-destination")
def eventbridge_target_dlq_under_lambda_async_failure_destination():
    """A schedule invoking a function, neither with dead letters: one path, the function's finding."""
    fn = P.function("nightly")
    rule = P.aws.cloudwatch.EventRule("every-night", schedule_expression="cron(0 3 * * ? *)")
    P.aws.cloudwatch.EventTarget("nightly-target", rule=rule.name, arn=fn.arn)
    P.aws.lambda_.Permission("from-events", function=fn.name, action="lambda:InvokeFunction",
                             principal="events.amazonaws.com", source_arn=rule.arn)


@resource_rule(
    "sns-subscription-redrive", CAT, Sev.LOW, types=[aws.TOPIC_SUBSCRIPTION],
    title="Lambda subscriptions have a redrive policy",
    description="Messages SNS fails to deliver to a function are dropped without a redrive policy.",
    remediation="""aws.sns.TopicSubscription("orders", ..., redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a})))""",
    phrase="delivers to a function with no redrive_policy")
def sns_subscription_redrive(r, cfg):
    if r.known("protocol") == "lambda" and not r.is_set("redrivePolicy"):
        return "delivers to a function with no redrivePolicy. Add a dead-letter queue."
    return None


@violates("sns-subscription-redrive", resource="events-to-fn")
def lambda_subscription_without_redrive():
    _subscriber(False)


@complies("sns-subscription-redrive")
def lambda_subscription_with_redrive():
    t = P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    dlq = P.aws.sqs.Queue("events-dlq", sqs_managed_sse_enabled=True)
    fn = P.function("subscriber")
    P.aws.sns.TopicSubscription("events-to-fn", topic=t.arn, protocol="lambda", endpoint=fn.arn,
                                redrive_policy=dlq.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a})))


# --- API throttling, table capacity, availability ------------------------------------------------

@stack_rule(
    "apigw-throttling", CAT, Sev.MEDIUM,
    types=[aws.REST_STAGE, aws.REST_METHOD_SETTINGS, aws.REST_USAGE_PLAN, aws.HTTP_STAGE, aws.HTTP_API],
    title="API stages are throttled",
    description="Without stage or method throttling or a usage plan, only the account-wide 10,000 rps limit "
                "protects the backend and its cost.",
    remediation="""# REST API: throttle every method of the stage
aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
    settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50})
# HTTP API: throttle every route of the stage
aws.apigatewayv2.Stage("live", api_id=api.id, name="live",
    default_route_settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50})""",
    phrase=("has no method-settings throttling and no usage plan", "has no default_route_settings throttling", "in route_settings but not POST /orders", "is a quick-create API (target)"))
def apigw_throttling(stack, cfg):
    for api in stack.of_type(aws.HTTP_API):
        if api.is_set("target") and not stack.referrers(api, aws.HTTP_STAGE, prop="apiId"):
            yield api, QUICK_CREATE.format(what="has no throttling")
    throttled_apis = _throttled_rest_apis(stack)
    for stage in stack.of_type(aws.REST_STAGE):
        apis = stack.targets(stage, "restApi", aws.REST_API)
        if apis and not any(a.urn in throttled_apis for a in apis):
            message = ("has no method-settings throttling and no usage plan with throttle settings. Add "
                       "throttlingBurstLimit and throttlingRateLimit.")
            built = components.stage_outputs(stage)   # the RestAPI component's stage: its outputs name it
            yield stage, (Fixed(message, f'aws.apigateway.MethodSettings({literal(stage.name + "-throttle")}, rest_api={built[2]}, '
                                         f'stage_name={built[3]}, method_path="*/*", settings={{'
                                         '"throttling_burst_limit": 100, "throttling_rate_limit": 50})')
                          if built else message)
    for stage in stack.of_type(aws.HTTP_STAGE):
        if stage.get("defaultRouteSettings.throttlingBurstLimit") is not None or \
                stage.get("defaultRouteSettings.throttlingRateLimit") is not None:
            continue
        throttled = _throttled_route_keys(stage)
        if not throttled:
            yield stage, "has no defaultRouteSettings throttling. Set throttlingBurstLimit and throttlingRateLimit."
            continue
        # per-route throttling (routeSettings) protects the routes it names; a route it leaves out is open
        # a route key is the program's text on another resource: shown as that resource's redactor allows
        routes = {r.get("routeKey"): r for api in stack.targets(stage, "apiId", aws.HTTP_API)
                  for r in stack.referrers(api, aws.HTTP_ROUTE, prop="apiId") if isinstance(r.get("routeKey"), str)}
        open_routes = sorted(redactor_in(stack, route)(k) for k, route in routes.items() if k not in throttled)
        if open_routes:
            yield stage, (f"throttles {', '.join(sorted(throttled))} in routeSettings but not "
                          f"{', '.join(open_routes)}, and has no defaultRouteSettings throttling. Set "
                          "throttlingBurstLimit and throttlingRateLimit in defaultRouteSettings.")


@violates("apigw-throttling", resource="prod")
def rest_stage_unthrottled():
    _rest_stage()


@complies("apigw-throttling")
def rest_stage_throttled_and_http_stage_throttled():
    api, stage = _rest_stage()
    P.aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                    settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50})
    http = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Stage("live", api_id=http.id, name="live",
                             default_route_settings={"throttling_burst_limit": 100, "throttling_rate_limit": 50})


@violates("apigw-throttling", resource="live")
def http_stage_unthrottled():
    http = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Stage("live", api_id=http.id, name="live")


@complies("apigw-throttling")
def http_stage_throttling_every_route():
    http = _http_api_with_routes()
    P.aws.apigatewayv2.Stage("live", api_id=http.id, name="live", route_settings=[
        {"route_key": "GET /orders", "throttling_burst_limit": 100, "throttling_rate_limit": 50},
        {"route_key": "POST /orders", "throttling_burst_limit": 10, "throttling_rate_limit": 5}])


@violates("apigw-throttling", resource="live")
def http_stage_throttling_one_route_of_two():
    http = _http_api_with_routes()
    P.aws.apigatewayv2.Stage("live", api_id=http.id, name="live", route_settings=[
        {"route_key": "GET /orders", "throttling_burst_limit": 100, "throttling_rate_limit": 50}])


@violates("apigw-throttling", resource="http")
def quick_create_api_stage_has_no_throttling():
    P.aws.apigatewayv2.Api("http", protocol_type="HTTP", route_key="GET /", target=P.function("fn").arn)


# --- a REST stage's own methodSettings -----------------------------------------------------------
@complies("apigw-throttling")
def stage_method_settings_throttle_everything():
    api = P.native_rest_api()
    deployment = P.native.apigateway.Deployment("deployment", rest_api_id=api.rest_api_id)
    P.native.apigateway.Stage("prod", rest_api_id=api.rest_api_id, deployment_id=deployment.deployment_id,
                              stage_name="prod", method_settings=[{
                                "resource_path": "/*", "http_method": "*", "throttling_burst_limit": 100,
                                "throttling_rate_limit": 50}])


# --- an HTTP API stage's routeSettings, a map keyed by route ----------------------------------
@violates("apigw-throttling", resource="live")
def http_stage_throttles_one_route_of_two():
    api = P.native.apigatewayv2.Api("http", protocol_type="HTTP")
    for key, name in (("GET /items", "items"), ("POST /orders", "orders")):
        P.native.apigatewayv2.Route(name, api_id=api.api_id, route_key=key, authorization_type="AWS_IAM")
    P.native.apigatewayv2.Stage("live", api_id=api.api_id, stage_name="live", route_settings={
        "GET /items": {"throttlingBurstLimit": 10, "throttlingRateLimit": 5}})


def _throttled_rest_apis(stack) -> set:
    """URNs of the REST APIs that method settings or a usage plan throttle."""
    throttled: set = set()
    for ms in stack.of_type(aws.REST_METHOD_SETTINGS):
        if ms.get("settings.throttlingBurstLimit") is not None or ms.get("settings.throttlingRateLimit") is not None:
            throttled.update(a.urn for a in stack.targets(ms, "restApi", aws.REST_API))
    for plan in stack.of_type(aws.REST_USAGE_PLAN):
        if plan.get("throttleSettings") is not None:
            throttled.update(a.urn for a in stack.targets(plan, "apiStages", aws.REST_API))
    return throttled


def _throttled_route_keys(stage) -> set:
    """The route keys an HTTP API stage's ``routeSettings`` throttle."""
    keys = set()
    for setting in as_list(stage.get("routeSettings")):
        if isinstance(setting, dict) and isinstance(setting.get("routeKey"), str) and (
                setting.get("throttlingBurstLimit") is not None or setting.get("throttlingRateLimit") is not None):
            keys.add(setting["routeKey"])
    return keys


@stack_rule(
    "dynamodb-capacity-scaling", CAT, Sev.LOW, types=[aws.TABLE, aws.AUTOSCALING_TARGET],
    title="Provisioned tables scale",
    description="A PROVISIONED table without autoscaling is throttled by a traffic spike (a cheap DoS).",
    remediation="""aws.appautoscaling.Target("orders-read", service_namespace="dynamodb", resource_id=table.name.apply(
    lambda n: f"table/{n}"), scalable_dimension="dynamodb:table:ReadCapacityUnits", min_capacity=5, max_capacity=100)""",
    peers=["CKV2_AWS_16", "FSBP DynamoDB.1"],
    phrase="uses PROVISIONED capacity with no application autoscaling")
def dynamodb_capacity_scaling(stack, cfg):
    targets = [t for t in stack.of_type(aws.AUTOSCALING_TARGET) if t.get("serviceNamespace") == "dynamodb"]
    # what the targets scale, by the table they were computed from and by their resourceId text (one lookup a table)
    from_tables = {urn for t in targets for urn in t.property_dependencies.get("resourceId", ())}
    resource_ids = {t.get("resourceId") for t in targets}
    for table in stack.of_type(aws.TABLE):
        if (table.get("billingMode") or "PROVISIONED") != "PROVISIONED":
            continue
        name = table.get("name")
        scaled = table.urn in from_tables or (isinstance(name, str) and f"table/{name}" in resource_ids)
        if not scaled:
            yield table, "uses PROVISIONED capacity with no application autoscaling target. Add one, or use PAY_PER_REQUEST."


@violates("dynamodb-capacity-scaling", resource="orders")
def provisioned_table_without_autoscaling():
    P.aws.dynamodb.Table("orders", billing_mode="PROVISIONED", read_capacity=5, write_capacity=5, hash_key="id",
                         attributes=[{"name": "id", "type": "S"}])


@complies("dynamodb-capacity-scaling")
def provisioned_table_with_autoscaling_and_on_demand_table():
    t = P.aws.dynamodb.Table("orders", billing_mode="PROVISIONED", read_capacity=5, write_capacity=5, hash_key="id",
                             attributes=[{"name": "id", "type": "S"}])
    P.aws.appautoscaling.Target("orders-read", service_namespace="dynamodb", max_capacity=100, min_capacity=5,
                                resource_id=t.name.apply(lambda n: f"table/{n}"),
                                scalable_dimension="dynamodb:table:ReadCapacityUnits")
    P.table("sessions")


@stack_rule(
    "lambda-vpc-multi-az", CAT, Sev.LOW, types=[aws.FUNCTION, aws.SUBNET],
    title="VPC functions span availability zones",
    description="A VPC function whose subnets are all in one zone goes down with that zone.",
    remediation="""aws.lambda_.Function("fn", ..., vpc_config={"subnet_ids": [subnet_a.id, subnet_b.id], "security_group_ids": [sg.id]})""",
    peers=["FSBP Lambda.5"],
    phrase=("runs in subnets of a single availability zone", "runs in a single subnet"))
def lambda_vpc_multi_az(stack, cfg):
    for fn in stack.of_type(aws.FUNCTION):
        ids = fn.get("vpcConfig.subnetIds")
        if not isinstance(ids, list) or not ids:
            continue
        subnets = stack.targets(fn, "vpcConfig", aws.SUBNET)
        zones = {z if isinstance(z := s.get("availabilityZone"), str) else None for s in subnets}
        if len(ids) == 1:
            yield fn, "runs in a single subnet. Give it subnets in at least two availability zones."
        elif subnets and len(subnets) == len(ids) and len(zones) == 1 and None not in zones:
            yield fn, "runs in subnets of a single availability zone. Add a subnet in another zone."


@violates("lambda-vpc-multi-az", resource="fn")
def function_in_one_zone():
    a = P.aws.ec2.Subnet("a", vpc_id="vpc-1", cidr_block="10.0.1.0/24", availability_zone="us-east-1a")
    b = P.aws.ec2.Subnet("b", vpc_id="vpc-1", cidr_block="10.0.2.0/24", availability_zone="us-east-1a")
    P.function("fn", vpc_config={"subnet_ids": [a.id, b.id], "security_group_ids": ["sg-1"]})


@complies("lambda-vpc-multi-az")
def function_in_two_zones():
    a = P.aws.ec2.Subnet("a", vpc_id="vpc-1", cidr_block="10.0.1.0/24", availability_zone="us-east-1a")
    b = P.aws.ec2.Subnet("b", vpc_id="vpc-1", cidr_block="10.0.2.0/24", availability_zone="us-east-1b")
    P.function("fn", vpc_config={"subnet_ids": [a.id, b.id], "security_group_ids": ["sg-1"]})


# --- what the cases above are built with ---------------------------------------------------------------

def _public_url(fn):
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")


def _events_api(bus_name=None):
    bus = P.aws.cloudwatch.EventBus("bus")
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Integration("put-events", api_id=api.id, integration_type="AWS_PROXY",
                                   integration_subtype="EventBridge-PutEvents",
                                   credentials_arn="arn:aws:iam::123456789012:role/api-events",
                                   request_parameters={"EventBusName": bus_name or bus.name,
                                                       "Source": "$request.body.source",
                                                       "DetailType": "$request.body.detailType",
                                                       "Detail": "$request.body.detail"})
    return bus


def _api_for(fn):
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Integration("fn", api_id=api.id, integration_type="AWS_PROXY", integration_uri=fn.invoke_arn)


def _s3_triggered(write_resource, filter_prefix=None, bucket_name=None, output=None):
    bucket = P.aws.s3.Bucket("uploads", **({"bucket": bucket_name} if bucket_name else {}))
    r = P.role("thumb-role")
    P.aws.iam.RolePolicy("thumb-write", role=r.id, policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": write_resource(bucket)}]}))
    env = {"environment": {"variables": {"OUTPUT_BUCKET": output(bucket)}}} if output else {}
    fn = P.function("thumb", role_arn=r.arn, **env)
    perm = P.aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction",
                                    principal="s3.amazonaws.com", source_arn=bucket.arn, source_account="123456789012")
    entry = {"lambda_function_arn": fn.arn, "events": ["s3:ObjectCreated:*"]}
    if filter_prefix:
        entry["filter_prefix"] = filter_prefix
    P.aws.s3.BucketNotification("uploads-trigger", bucket=bucket.id, lambda_functions=[entry],
                                opts=P.pulumi.ResourceOptions(depends_on=[perm]))
    return fn


def _queue_consumer(send_to_self: bool, dlq=False, visibility=None, timeout=None):
    kw = {"sqs_managed_sse_enabled": True}
    if dlq:
        d = P.aws.sqs.Queue("jobs-dlq", sqs_managed_sse_enabled=True)
        kw["redrive_policy"] = d.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 5}))
    if visibility:
        kw["visibility_timeout_seconds"] = visibility
    q = P.aws.sqs.Queue("jobs", **kw)
    other = P.aws.sqs.Queue("results", sqs_managed_sse_enabled=True)
    r = P.role("worker-role")
    target = q if send_to_self else other
    P.aws.iam.RolePolicy("worker-policy", role=r.id, policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": q.arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": target.arn}]}))
    fn = P.function("worker", role_arn=r.arn, **({"timeout": timeout} if timeout else {}))
    P.aws.lambda_.EventSourceMapping("jobs-to-worker", event_source_arn=q.arn, function_name=fn.name,
                                     scaling_config={"maximum_concurrency": 5})


def _subscriber(publish_to_self: bool):
    t = P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    other = P.aws.sns.Topic("audit", kms_master_key_id="alias/aws/sns")
    r = P.role("sub-role")
    target = t if publish_to_self else other
    P.aws.iam.RolePolicy("sub-policy", role=r.id, policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": target.arn}]}))
    fn = P.function("subscriber", role_arn=r.arn)
    P.aws.sns.TopicSubscription("events-to-fn", topic=t.arn, protocol="lambda", endpoint=fn.arn)


def _stream_mapping(**kw):
    t = P.table(stream_enabled=True, stream_view_type="NEW_IMAGE")
    fn = P.function("stream-fn")
    P.aws.lambda_.EventSourceMapping("stream", event_source_arn=t.stream_arn, function_name=fn.name,
                                     starting_position="LATEST", **kw)


def _rest_stage():
    api = P.aws.apigateway.RestApi("api")
    dep = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    stage = P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
    return api, stage


def _http_api_with_routes():
    http = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    for key in ("GET /orders", "POST /orders"):
        P.aws.apigatewayv2.Route(key.replace(" ", "").replace("/", "-").lower(), api_id=http.id, route_key=key)
    return http


def _lambda_behind_load_balancer(internal: bool):
    fn = P.function("fn")
    lb = P.aws.lb.LoadBalancer("web", load_balancer_type="application", internal=internal,
                               subnets=["subnet-1", "subnet-2"])
    group = P.aws.lb.TargetGroup("fn-targets", target_type="lambda")
    P.aws.lambda_.Permission("lb-invoke", action="lambda:InvokeFunction", function=fn.name,
                             principal="elasticloadbalancing.amazonaws.com", source_arn=group.arn)
    P.aws.lb.TargetGroupAttachment("fn-target", target_group_arn=group.arn, target_id=fn.arn)
    P.aws.lb.Listener("http", load_balancer_arn=lb.arn, port=80, protocol="HTTP",
                      default_actions=[{"type": "forward", "target_group_arn": group.arn}])
