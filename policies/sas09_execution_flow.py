"""SAS-9 Function execution flow manipulation.

Who may invoke a function, put events on a bus, or write to the queue, topic or bucket that drives a
function - and internal steps of a workflow that can also be reached from outside, which lets an
attacker skip the steps before them.
"""
from __future__ import annotations

import json
import re

from .core import Sev, Undecided, iam, list_setting, resource_rule, stack_rule
from .core import aws, roles
from .core.checks import open_policy
from .core.reach import public_functions
from .core.cases import P, complies, violates

CAT = "SAS-9"
API_WIDE = re.compile(r"^arn:aws[a-z-]*:execute-api:[^:]*:[^:]*:[^/]+/(\*|\*/\*|\*/\*/\*)$")


@resource_rule(
    "lambda-permission-service-no-source", CAT, Sev.HIGH, types=[aws.PERMISSION],
    title="Service permissions name their source",
    description="A permission for an AWS service without a source ARN or source account lets that service invoke "
                "the function on behalf of any account (the confused deputy).",
    remediation="""aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction",
    principal="s3.amazonaws.com", source_arn=bucket.arn, source_account=account_id)""",
    peers=["CKV_AWS_364", "FSBP Lambda.1"],
    phrase=("with neither source_arn nor source_account", "without source_account"))
def lambda_permission_service_no_source(r, cfg):
    principal = r.known("principal")
    if not isinstance(principal, str) or not principal.endswith(".amazonaws.com"):
        return None
    arn, account = r.is_set("sourceArn"), r.is_set("sourceAccount")
    if not arn and not account:
        return f"grants {principal} with neither sourceArn nor sourceAccount. Set sourceArn (and sourceAccount)."
    if principal == "s3.amazonaws.com" and not account:
        return "grants s3.amazonaws.com without sourceAccount: bucket ARNs carry no account. Set sourceAccount."
    return None


@violates("lambda-permission-service-no-source", resource="from-events")
def events_permission_without_source():
    fn = P.function()
    P.aws.lambda_.Permission("from-events", function=fn.name, action="lambda:InvokeFunction", principal="events.amazonaws.com")


@violates("lambda-permission-service-no-source", resource="from-s3")
def s3_permission_without_account():
    fn = P.function()
    b = P.aws.s3.Bucket("uploads")
    P.aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction", principal="s3.amazonaws.com",
                             source_arn=b.arn)


@complies("lambda-permission-service-no-source")
def service_permission_with_source():
    fn = P.function()
    rule = P.aws.cloudwatch.EventRule("nightly", schedule_expression="rate(1 day)")
    P.aws.lambda_.Permission("from-events", function=fn.name, action="lambda:InvokeFunction",
                             principal="events.amazonaws.com", source_arn=rule.arn)


@resource_rule(
    "lambda-permission-apigw-broad-source", CAT, Sev.LOW, types=[aws.PERMISSION],
    title="API Gateway permissions name the route",
    description="A source ARN ending in /* or /*/* lets every stage, method and route of the API invoke the function.",
    remediation="""aws.lambda_.Permission("from-api", ..., source_arn=pulumi.Output.concat(api.execution_arn, "/prod/GET/orders"))""",
    phrase="source_arn covers every stage and route")
def lambda_permission_apigw_broad_source(r, cfg):
    if r.known("principal") != "apigateway.amazonaws.com":
        return None
    arn = r.known("sourceArn")
    if isinstance(arn, str) and API_WIDE.match(arn):
        return "sourceArn covers every stage and route of the API. Name the stage, method and path."
    return None


@violates("lambda-permission-apigw-broad-source", resource="from-api")
def apigw_permission_any_route():
    fn = P.function()
    P.aws.lambda_.Permission("from-api", function=fn.name, action="lambda:InvokeFunction",
                             principal="apigateway.amazonaws.com",
                             source_arn="arn:aws:execute-api:us-east-1:123456789012:abc123def4/*/*")


@complies("lambda-permission-apigw-broad-source")
def apigw_permission_one_route():
    fn = P.function()
    P.aws.lambda_.Permission("from-api", function=fn.name, action="lambda:InvokeFunction",
                             principal="apigateway.amazonaws.com",
                             source_arn="arn:aws:execute-api:us-east-1:123456789012:abc123def4/prod/GET/orders")


@resource_rule(
    "lambda-permission-cross-account", CAT, Sev.MEDIUM, types=[aws.PERMISSION],
    title="Cross-account invoke permissions are expected",
    description="A permission for another AWS account lets that account invoke the function directly.",
    remediation="""aws.lambda_.Permission("partner", ..., principal="111122223333", principal_org_id="o-xxxxxxxx")""",
    peers=["FSBP Lambda.1"],
    config=list_setting("trustedAccounts", [], "Account ids that may be granted invoke."),
    phrase="grants invoke to another account that is not in trustedAccounts")
def lambda_permission_cross_account(r, cfg):
    acct = iam.principal_account(r.known("principal"))
    if acct and acct not in cfg["trustedAccounts"] and not r.is_set("principalOrgId"):
        return "grants invoke to another account that is not in trustedAccounts. List it, or remove the permission."
    return None


@violates("lambda-permission-cross-account", resource="partner")
def permission_for_foreign_account():
    fn = P.function()
    P.aws.lambda_.Permission("partner", function=fn.name, action="lambda:InvokeFunction", principal="999988887777")


@complies("lambda-permission-cross-account", config={"lambda-permission-cross-account": {"trustedAccounts": ["999988887777"]}})
def permission_for_trusted_account():
    fn = P.function()
    P.aws.lambda_.Permission("partner", function=fn.name, action="lambda:InvokeFunction", principal="999988887777")


@stack_rule(
    "sfn-role-invoke-star", CAT, Sev.MEDIUM, types=[aws.STATE_MACHINE, aws.ROLE],
    title="State machines invoke only their own functions",
    description="A state-machine role with lambda:InvokeFunction on * lets a tampered definition call any function.",
    remediation="""# in the state machine role's policy:
invoke_statement = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [validate.arn, charge.arn]}""",
    phrase="may lambda:InvokeFunction on every function")
def sfn_role_invoke_star(stack, cfg):
    for sm in stack.of_type(aws.STATE_MACHINE):
        for role in stack.targets(sm, "roleArn", aws.ROLE):
            for holder, doc in roles.documents(stack, role):
                if isinstance(doc, iam.Document) and any(
                        s.all_resources and s.grants("lambda:InvokeFunction") for s in doc.allows()):
                    yield sm, (f"runs as {role.label()}, which may lambda:InvokeFunction on every function (via "
                               f"{doc.source or holder.label()}). List the functions of the workflow.")
                    break


@violates("sfn-role-invoke-star", resource="flow")
def state_machine_invokes_anything():
    r = P.role("sfn-role", trust=SFN_TRUST_sas09)
    P.aws.iam.RolePolicy("sfn-invoke", role=r.id, policy=P.doc({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}))
    P.aws.sfn.StateMachine("flow", role_arn=r.arn, definition=DEFINITION_sas09)


@complies("sfn-role-invoke-star")
def state_machine_invokes_its_function():
    fn = P.function("step")
    r = P.role("sfn-role", trust=SFN_TRUST_sas09)
    P.aws.iam.RolePolicy("sfn-invoke", role=r.id, policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn.arn}]}))
    P.aws.sfn.StateMachine("flow", role_arn=r.arn, definition=DEFINITION_sas09)


@violates("sfn-role-invoke-star", resource="flow")
def state_machine_with_managed_lambda_role():
    r = P.role("sfn-role", trust=P.SFN_TRUST)
    P.aws.iam.RolePolicyAttachment("invoke", role=r.name, policy_arn=P.AWS_MANAGED + "service-role/AWSLambdaRole")
    P.aws.sfn.StateMachine("flow", role_arn=r.arn, definition=P.SFN_DEFINITION)


@resource_rule(
    "eventbus-policy-public", CAT, Sev.HIGH, types=[aws.EVENT_BUS_POLICY, aws.EVENT_PERMISSION],
    title="Event buses do not accept events from everyone",
    description="A bus that lets anyone call events:PutEvents lets anyone inject events into the workflows it drives.",
    remediation="""aws.cloudwatch.EventPermission("org", principal="*", statement_id="org",
    condition={"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": org_id})""",
    peers=["FSBP EventBridge.3"],
    phrase=("grants events:PutEvents to principal \"*\"", "allows anyone - Principal \"*\""))
def eventbus_policy_public(r, cfg):
    if r.type == aws.EVENT_PERMISSION:
        if r.known("principal") == "*" and not r.known("condition"):
            return "grants events:PutEvents to principal \"*\" with no condition. Add an aws:PrincipalOrgID condition."
        return None
    return open_policy(r, "policy", actions=["events:PutEvents"])


@violates("eventbus-policy-public", resource="anyone")
def event_permission_for_everyone():
    P.aws.cloudwatch.EventPermission("anyone", principal="*", statement_id="anyone")


@violates("eventbus-policy-public", resource="bus-policy")
def event_bus_policy_open():
    bus = P.aws.cloudwatch.EventBus("orders")
    P.aws.cloudwatch.EventBusPolicy("bus-policy", event_bus_name=bus.name, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": "*"}))


@complies("eventbus-policy-public")
def event_permission_for_org():
    P.aws.cloudwatch.EventPermission("org", principal="*", statement_id="org",
                                     condition={"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "o-abc123def4"})


def _internal_functions(stack) -> dict:
    """URN -> what makes the function an internal step (a state machine task or an event-source consumer)."""
    out: dict = {}
    for sm in stack.of_type(aws.STATE_MACHINE):
        for fn in stack.targets(sm, "definition", aws.FUNCTION):
            out.setdefault(fn.urn, f"a task of {sm.label()}")
    for esm in stack.of_type(aws.EVENT_SOURCE_MAPPING):
        for fn in stack.targets(esm, "functionName", aws.FUNCTION):
            out.setdefault(fn.urn, f"the consumer of mapping '{esm.name}'")
    return out


@stack_rule(
    "internal-function-public-entry", CAT, Sev.MEDIUM,
    types=[aws.FUNCTION, aws.STATE_MACHINE, aws.EVENT_SOURCE_MAPPING, aws.FUNCTION_URL, aws.PERMISSION],
    title="Internal workflow steps have no public entry",
    description="A function meant to run as a later step of a workflow that can also be invoked from outside lets "
                "callers skip the validation done by earlier steps.",
    remediation="""# Remove the function URL or public permission from internal steps; enter the workflow at its start.""",
    phrase="can also be invoked by anyone")
def internal_function_public_entry(stack, cfg):
    internal = _internal_functions(stack)
    if not internal:
        return
    for urn in public_functions(stack) & set(internal):
        fn = stack.by_urn[urn]
        yield fn, (f"is {internal[urn]} but can also be invoked by anyone (a NONE function URL or a public "
                   "permission): callers can skip the earlier steps. Remove the public entry.")


@violates("internal-function-public-entry", resource="charge")
def workflow_step_with_public_url():
    _workflow(True)


@complies("internal-function-public-entry")
def workflow_step_iam_only():
    _workflow(False)


WRITE = {aws.QUEUE_POLICY: "sqs:SendMessage", aws.TOPIC_POLICY: "sns:Publish", aws.BUCKET_POLICY: "s3:PutObject"}


@stack_rule(
    "event-source-open-write", CAT, Sev.HIGH,
    types=[aws.QUEUE_POLICY, aws.TOPIC_POLICY, aws.BUCKET_POLICY, aws.EVENT_SOURCE_MAPPING, aws.TOPIC_SUBSCRIPTION,
           aws.BUCKET_NOTIFICATION],
    title="Nobody outside can write to a function's event source",
    description="A queue, topic or bucket that triggers a function and accepts writes from anyone is an "
                "unauthenticated way to feed the function attacker-chosen events.",
    remediation="""# Restrict the queue/topic/bucket policy to the producers (named principals, aws:SourceArn).""",
    phrase="untrusted events can be")
def event_source_open_write(stack, cfg):
    seen = set()
    for source, policy_type, prop, trigger in _event_sources(stack):
        for pol in stack.referrers(source, policy_type, prop=prop):
            if (pol.urn, source.urn) in seen:
                continue
            seen.add((pol.urn, source.urn))
            try:
                msgs = open_policy(pol, "policy", actions=[WRITE[policy_type]])
            except Undecided:
                continue
            if msgs:
                yield source, (f"triggers a function ({trigger.label()}) and {pol.label()} lets anyone "
                               f"{WRITE[policy_type]}: untrusted events can be injected. Restrict the policy.")


@violates("event-source-open-write", resource="jobs")
def consumed_queue_open_to_everyone():
    _queue_with_policy({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"})


@complies("event-source-open-write")
def consumed_queue_from_own_account():
    _queue_with_policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/producer"},
                        "Action": "sqs:SendMessage", "Resource": "*"})


def _event_sources(stack) -> list:
    """(source resource, its policy type, the policy's property naming it, the trigger) for each queue, topic
    and bucket that triggers a function."""
    sources = []
    for esm in stack.of_type(aws.EVENT_SOURCE_MAPPING):
        sources += [(q, aws.QUEUE_POLICY, "queueUrl", esm) for q in stack.targets(esm, "eventSourceArn", aws.QUEUE)]
    for sub in stack.of_type(aws.TOPIC_SUBSCRIPTION):
        if sub.get("protocol") == "lambda":
            sources += [(t, aws.TOPIC_POLICY, "arn", sub) for t in stack.targets(sub, "topic", aws.TOPIC)]
    for note in stack.of_type(aws.BUCKET_NOTIFICATION):
        if note.get("lambdaFunctions"):
            sources += [(b, aws.BUCKET_POLICY, "bucket", note) for b in stack.targets(note, "bucket", *aws.BUCKETS)]
    return sources


# --- what the cases above are built with ---------------------------------------------------------------

SFN_TRUST_sas09 = P.doc({"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"})


DEFINITION_sas09 = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'


def _workflow(step_is_public: bool):
    step = P.function("charge")
    r = P.role("sfn-role", trust=SFN_TRUST_sas09)
    P.aws.sfn.StateMachine("checkout", role_arn=r.arn, definition=step.arn.apply(lambda a: json.dumps(
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": a, "End": True}}})))
    if step_is_public:
        P.aws.lambda_.FunctionUrl("charge-url", function_name=step.name, authorization_type="NONE")
    else:
        P.aws.lambda_.FunctionUrl("charge-url", function_name=step.name, authorization_type="AWS_IAM")


def _queue_with_policy(statement):
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    P.aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=P.doc(statement))
    fn = P.function("worker")
    P.aws.lambda_.EventSourceMapping("jobs-esm", event_source_arn=q.arn, function_name=fn.name)
