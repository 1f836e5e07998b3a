"""SAS-9 execution-flow manipulation cases."""
import json

import pulumi
import pulumi_aws as aws

from . import case
from ._util import doc, function, role


@case("lambda-permission-service-no-source", violates=True, resource="from-events")
def events_permission_without_source():
    fn = function()
    aws.lambda_.Permission("from-events", function=fn.name, action="lambda:InvokeFunction", principal="events.amazonaws.com")


@case("lambda-permission-service-no-source", violates=True, resource="from-s3")
def s3_permission_without_account():
    fn = function()
    b = aws.s3.Bucket("uploads")
    aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction", principal="s3.amazonaws.com",
                           source_arn=b.arn)


@case("lambda-permission-service-no-source", violates=False)
def service_permission_with_source():
    fn = function()
    rule = aws.cloudwatch.EventRule("nightly", schedule_expression="rate(1 day)")
    aws.lambda_.Permission("from-events", function=fn.name, action="lambda:InvokeFunction",
                           principal="events.amazonaws.com", source_arn=rule.arn)


@case("lambda-permission-apigw-broad-source", violates=True, resource="from-api")
def apigw_permission_any_route():
    fn = function()
    aws.lambda_.Permission("from-api", function=fn.name, action="lambda:InvokeFunction",
                           principal="apigateway.amazonaws.com",
                           source_arn="arn:aws:execute-api:us-east-1:123456789012:abc123def4/*/*")


@case("lambda-permission-apigw-broad-source", violates=False)
def apigw_permission_one_route():
    fn = function()
    aws.lambda_.Permission("from-api", function=fn.name, action="lambda:InvokeFunction",
                           principal="apigateway.amazonaws.com",
                           source_arn="arn:aws:execute-api:us-east-1:123456789012:abc123def4/prod/GET/orders")


@case("lambda-permission-cross-account", violates=True, resource="partner")
def permission_for_foreign_account():
    fn = function()
    aws.lambda_.Permission("partner", function=fn.name, action="lambda:InvokeFunction", principal="999988887777")


@case("lambda-permission-cross-account", violates=False,
      config={"lambda-permission-cross-account": {"trustedAccounts": ["999988887777"]}})
def permission_for_trusted_account():
    fn = function()
    aws.lambda_.Permission("partner", function=fn.name, action="lambda:InvokeFunction", principal="999988887777")


SFN_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"})
DEFINITION = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'


@case("sfn-role-invoke-star", violates=True, resource="flow")
def state_machine_invokes_anything():
    r = role("sfn-role", trust=SFN_TRUST)
    aws.iam.RolePolicy("sfn-invoke", role=r.id, policy=doc({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}))
    aws.sfn.StateMachine("flow", role_arn=r.arn, definition=DEFINITION)


@case("sfn-role-invoke-star", violates=False)
def state_machine_invokes_its_function():
    fn = function("step")
    r = role("sfn-role", trust=SFN_TRUST)
    aws.iam.RolePolicy("sfn-invoke", role=r.id, policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn.arn}]}))
    aws.sfn.StateMachine("flow", role_arn=r.arn, definition=DEFINITION)


@case("eventbus-policy-public", violates=True, resource="anyone")
def event_permission_for_everyone():
    aws.cloudwatch.EventPermission("anyone", principal="*", statement_id="anyone")


@case("eventbus-policy-public", violates=True, resource="bus-policy")
def event_bus_policy_open():
    bus = aws.cloudwatch.EventBus("orders")
    aws.cloudwatch.EventBusPolicy("bus-policy", event_bus_name=bus.name, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": "*"}))


@case("eventbus-policy-public", violates=False)
def event_permission_for_org():
    aws.cloudwatch.EventPermission("org", principal="*", statement_id="org",
                                   condition={"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "o-abc123def4"})


def _workflow(step_is_public: bool):
    step = function("charge")
    r = role("sfn-role", trust=SFN_TRUST)
    aws.sfn.StateMachine("checkout", role_arn=r.arn, definition=step.arn.apply(lambda a: json.dumps(
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": a, "End": True}}})))
    if step_is_public:
        aws.lambda_.FunctionUrl("charge-url", function_name=step.name, authorization_type="NONE")
    else:
        aws.lambda_.FunctionUrl("charge-url", function_name=step.name, authorization_type="AWS_IAM")


@case("internal-function-public-entry", violates=True, resource="charge")
def workflow_step_with_public_url():
    _workflow(True)


@case("internal-function-public-entry", violates=False)
def workflow_step_iam_only():
    _workflow(False)


def _queue_with_policy(statement):
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=doc(statement))
    fn = function("worker")
    aws.lambda_.EventSourceMapping("jobs-esm", event_source_arn=q.arn, function_name=fn.name)


@case("event-source-open-write", violates=True, resource="jobs")
def consumed_queue_open_to_everyone():
    _queue_with_policy({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"})


@case("event-source-open-write", violates=False)
def consumed_queue_from_own_account():
    _queue_with_policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/producer"},
                        "Action": "sqs:SendMessage", "Resource": "*"})
