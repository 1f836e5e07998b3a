"""SAS-4 Over-privileged function permissions and roles.

Identity policies that grant admin, whole services, every resource, role passing or a known
privilege-escalation path; trust policies that let too many principals in; and, across the stack,
the execution roles functions and state machines actually get (inline policies, RolePolicy,
attachments of in-stack and AWS-managed policies) and roles shared between functions.
"""
from __future__ import annotations

import fnmatch
import json
from collections import defaultdict

from .core import Keyed, Sev, as_list, iam, int_setting, list_setting, resource_rule, stack_rule
from .core.rule import Fixed, literal, variable
from .core import aws, managed, roles
from .core.checks import malformed_message, read_policy
from .core.reach import public_functions
from .core.grants import (ADMIN_MANAGED, CALLBACK_DEFAULT_POLICIES, DATA_PLANE, admin_statements, callback_role_attachments,
                          credentials_actions, documents, grants_admin, managed_where, passrole_statements,
                          permissions_actions, privesc_paths, role_problem_sources, star_resource_grants,
                          wildcard_action_statements, write_grants)
from .core.cases import P, complies, violates

CAT = "SAS-4"
EXFIL = ("s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
         "ssm:GetParametersByPath", "dynamodb:Scan", "dynamodb:Query", "kms:Decrypt")
IDENTITY_TYPES = [*aws.IDENTITY_POLICY_TYPES, aws.ROLE]


# --- rule helpers (the analysis is core/grants.py) ------------------------------------------------

def _sid(s) -> str:
    return f" {s.label}"


def _some(items: list, most: int = 8) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most} more" if len(items) > most else "")


def _each_document(r, report, with_managed: bool = False, service_roles: bool = True):
    """Run ``report(where, doc)`` over each identity policy of ``r`` that can be read (one that cannot is
    policy-unreadable's finding: no rule can judge it). ``report`` gives ``(statement, message)`` for a
    finding about one statement, or a message about the whole document; each is keyed by the part it is
    about (``Keyed``), so the rules a statement's finding supersedes lose only their finding on that
    statement."""
    out = []
    for where, doc in documents(r, with_managed, service_roles):
        if isinstance(doc, iam.Malformed):
            continue
        for item in report(where, doc):
            if isinstance(item, tuple):
                about, message = item
                statements = about if isinstance(about, list) else [about]
                out.append(Keyed(message, (where, statements[0].index), [(where, s.index) for s in statements[1:]],
                                 fix=getattr(message, "fix", None)))
            else:
                out.append(Keyed(item, (where,)))
    return out


# Where each type keeps a policy document the pack reads ("inlinePolicies.[].policy": each item's).
POLICY_DOCUMENTS = {
    **{t: ("policy",) for t in aws.IDENTITY_POLICY_TYPES},
    aws.ROLE: ("assumeRolePolicy", "inlinePolicies.[].policy"),
    **{t: ("policy",) for t in (aws.LAMBDA_RESOURCE_POLICY, aws.REST_API, aws.REST_API_POLICY, aws.BUCKET,
                                aws.BUCKET_V2, aws.BUCKET_POLICY, aws.QUEUE, aws.QUEUE_POLICY, aws.TOPIC,
                                aws.TOPIC_POLICY, aws.EVENT_BUS_POLICY, aws.DYNAMODB_RESOURCE_POLICY, aws.SECRET,
                                aws.SECRET_POLICY, aws.KMS_KEY, aws.KMS_KEY_POLICY, aws.ECR_REPOSITORY_POLICY)},
    aws.LOG_RESOURCE_POLICY: ("policyDocument",),
}


def _document_paths(r) -> list:
    paths = []
    for path in POLICY_DOCUMENTS.get(r.type, ()):
        if "[]" in path:
            head, _, tail = path.partition(".[].")
            paths += [f"{head}.{i}.{tail}" for i in range(len(as_list(r.get(head))))]
        else:
            paths.append(path)
    return paths


@resource_rule(
    "policy-unreadable", CAT, Sev.CRITICAL, types=list(POLICY_DOCUMENTS),
    title="Every policy document can be read",
    description="A policy document that is not valid JSON, is not a policy, or is nested too deeply to read "
                "cannot be judged by any rule, so it could grant anything; the pack fails closed on it. One "
                "finding per document, whichever rules read it.",
    remediation="""aws.iam.RolePolicy("orders", role=role.id, policy=aws.iam.get_policy_document(statements=[{
    "actions": ["dynamodb:GetItem"], "resources": [table.arn]}]).json)  # or json.dumps of a dict""",
    phrase="so the pack cannot tell what it allows")
def policy_unreadable(r, cfg):
    return [malformed_message(path, doc) for path in _document_paths(r)
            if isinstance(doc := r.document(path), iam.Malformed)]


@violates("policy-unreadable", resource="broken")
def policy_that_is_not_json():
    P.aws.iam.Policy("broken", policy='{"Statement": [')


@violates("policy-unreadable", resource="broken")
def policy_that_is_json_but_not_an_object():
    P.aws.iam.Policy("broken", policy='["not", "a", "policy"]')


@violates("policy-unreadable", resource="fn-role")
def inline_and_trust_policies_that_are_not_json():
    P.aws.iam.Role("fn-role", assume_role_policy="{", inline_policies=[{"name": "a", "policy": "not json"}])


@violates("policy-unreadable", resource="uploads")
def bucket_policy_nested_too_deeply():
    bucket = P.aws.s3.BucketV2("uploads")
    P.aws.s3.BucketPolicy("uploads", bucket=bucket.id, policy="[" * 1000 + "]" * 1000)


@complies("policy-unreadable")
def policies_as_json_text_and_as_objects():
    P.aws.iam.Policy("ok", policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
                               '"Resource": "arn:aws:s3:::b/*"}]}')
    P.aws.iam.Role("fn-role", assume_role_policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    P.aws.sqs.Queue("jobs")


@violates("policy-unreadable", resource="fn-policy")
def lambda_resource_policy_not_json():
    fn = P.function()
    P.aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy="{not json")


IDENTITY_RULE = dict(types=IDENTITY_TYPES)
# Rules that also judge the AWS managed policies a role or attachment names (where iam-admin-managed-policy
# reports an admin one, their findings on it are superseded). iam-wildcard-resource judges only policies the
# program writes: the resource-"*" data-plane grants of AWS's execution-role policies (the standard SQS and
# stream roles) are AWS's design, and their data-reading grants are iam-data-exfil-star's to judge.
MANAGED_RULE = dict(types=[*IDENTITY_TYPES, aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT])


@resource_rule(
    "iam-admin-star", CAT, Sev.CRITICAL, phase="stack", **IDENTITY_RULE,
    title="No policy grants every action on every resource",
    description="A policy that allows Action * on Resource * is administrator access.",
    remediation="""# List the actions and resources the function needs, e.g.
aws.iam.RolePolicy("orders", role=role.id, policy=pulumi.Output.json_dumps({"Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": table.arn}]}))""",
    peers=["CKV_AWS_1", "CKV_AWS_62", "FSBP IAM.1"],
    phrase=("allows every action (\"*\" or NotAction) on every resource", "is not valid JSON", "is a JSON list, not an object"))
def iam_admin_star(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows every action (\"*\" or NotAction) on every resource: administrator access. "
        "Grant only the actions and resources needed.") for s in admin_statements(doc)])


@violates("iam-admin-star", resource="fn-policy")
def role_policy_admin():
    r = P.role()
    P.aws.iam.RolePolicy("fn-policy", role=r.id, policy=P.doc(ADMIN))


@violates("iam-admin-star", resource="fn-role")
def inline_policy_admin_as_json_string():
    P.role("fn-role", inline_policies=[{"name": "all", "policy": json.dumps({"Version": "2012-10-17",
                                                                              "Statement": [ADMIN]})}])


@violates("iam-admin-star", resource="everything")
def managed_policy_admin_as_object():
    P.aws.iam.Policy("everything", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]})


@complies("iam-admin-star")
def policy_scoped_to_table():
    t = P.aws.dynamodb.Table("orders", billing_mode="PAY_PER_REQUEST", hash_key="id", attributes=[{"name": "id", "type": "S"}])
    P.aws.iam.Policy("orders-access", policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": t.arn}]}))


@resource_rule(
    "iam-wildcard-service-action", CAT, Sev.MEDIUM, phase="stack", **MANAGED_RULE,
    title="Policies name actions instead of whole services",
    description="Allowing \"<service>:*\" (the source's dynamodb:* example) grants far more than a function uses.",
    remediation="""# Replace "dynamodb:*" by the calls the code makes: ["dynamodb:GetItem", "dynamodb:PutItem"]""",
    peers=["CKV_AWS_49", "CKV_AWS_63", "FSBP IAM.21"],
    config=list_setting("allowedServices", [], "Services (e.g. logs, xray) whose wildcard is accepted."),
    superseded_by=["iam-admin-star", "iam-admin-managed-policy", "lambda-role-overprivileged"],
    phrase="Name only the actions needed")
def iam_wildcard_service_action(r, cfg):
    allowed = tuple(s.lower() for s in cfg["allowedServices"])
    return _each_document(r, lambda where, doc: [(s, Fixed(
        f"{where}{_sid(s)} allows {', '.join(wild)}{' on every resource' if s.all_resources else ''}. Name "
        "only the actions needed.", _named_actions_fix(r, doc, wild)))
        for s, wild in wildcard_action_statements(doc, allowed)], with_managed=True,
        service_roles=False)   # a service's own role policy (AWSGlueServiceRole's glue:*) is AWS's design


@complies("iam-wildcard-service-action")
def policy_as_object_with_named_actions():
    P.aws.iam.Policy("orders-access", policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]})


@violates("iam-wildcard-service-action", resource="orders-access")
def policy_dynamodb_star():
    P.aws.iam.Policy("orders-access", policy=P.doc({"Effect": "Allow", "Action": "dynamodb:*",
                                                    "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}))


@complies("iam-wildcard-service-action", config={"iam-wildcard-service-action": {"allowedServices": ["xray"]}})
def policy_named_actions_and_allowed_service():
    P.aws.iam.Policy("orders-access", policy=P.doc(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"},
        {"Effect": "Allow", "Action": "xray:*", "Resource": "*"}))


@violates("iam-wildcard-service-action", resource="fn-role")
def role_with_managed_full_access_inline_argument():
    """Older code: managed_policy_arns on the Role (deprecated, still valid in pulumi-aws 7)."""
    r = P.role("fn-role", managed_policy_arns=[P.AWS_MANAGED + "AmazonDynamoDBFullAccess"])
    P.function("fn", role_arn=r.arn)


@violates("iam-wildcard-service-action", resource="s3-full")
def attachment_of_managed_full_access():
    r = P.role("fn-role")
    P.aws.iam.RolePolicyAttachment("s3-full", role=r.name, policy_arn=P.AWS_MANAGED + "AmazonS3FullAccess")
    P.function("fn", role_arn=r.arn)


@complies("iam-wildcard-service-action")
@complies("iam-wildcard-resource")
@complies("iam-data-exfil-star")
@complies("lambda-role-overprivileged")
def function_with_the_standard_execution_roles():
    """The tutorial execution roles: logs, the SQS poller, X-Ray. Nothing a reviewer would change."""
    r = P.role("worker-role")
    for name, arn in (("logs", "service-role/AWSLambdaBasicExecutionRole"),
                      ("sqs", "service-role/AWSLambdaSQSQueueExecutionRole"),
                      ("xray", "AWSXRayDaemonWriteAccess")):
        P.aws.iam.RolePolicyAttachment(name, role=r.name, policy_arn=P.AWS_MANAGED + arn)
    P.function("worker", role_arn=r.arn)


@complies("iam-wildcard-service-action")
def glue_job_with_the_glue_service_role():
    """aws-py-redshift-glue-etl: AWSGlueServiceRole is the role policy AWS publishes for Glue
    (policy/service-role/); its glue:* is the service's own design, not the program's choice."""
    r = P.role("glue-role", trust=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    P.aws.iam.RolePolicyAttachment("glue-service", role=r.name, policy_arn=P.AWS_MANAGED + "service-role/AWSGlueServiceRole")


@violates("iam-wildcard-service-action", resource="glue-s3")
def glue_job_with_s3_full_access_beside_its_service_role():
    r = P.role("glue-role", trust=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    P.aws.iam.RolePolicyAttachment("glue-service", role=r.name, policy_arn=P.AWS_MANAGED + "service-role/AWSGlueServiceRole")
    P.aws.iam.RolePolicyAttachment("glue-s3", role=r.name, policy_arn=P.AWS_MANAGED + "AmazonS3FullAccess")


@violates("iam-wildcard-service-action", resource="app-role", superseded_by="iam-admin-managed-policy", says="allows *")
def iam_wildcard_service_action_under_iam_admin_managed_policy():
    P.role("app-role", managed_policy_arns=[P.AWS_MANAGED + "AdministratorAccess"])


@violates("iam-wildcard-service-action", resource="app-policy", superseded_by="iam-admin-star", says="allows * on every resource")
def iam_wildcard_service_action_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@violates("iam-wildcard-service-action", resource="deployer-managed", superseded_by="lambda-role-overprivileged")
def iam_wildcard_service_action_under_lambda_role_overprivileged():
    """AWSLambda_FullAccess attached to a function's role: the function's over-privileged role is the finding."""
    _function_role_attaching("AWSLambda_FullAccess")


# What a function commonly calls of a service: the fix's starting point for replacing "<service>:*"
COMMON_ACTIONS = {
    "s3": ["s3:GetObject", "s3:PutObject"], "dynamodb": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
    "sqs": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"], "sns": ["sns:Publish"],
    "logs": ["logs:CreateLogStream", "logs:PutLogEvents"], "lambda": ["lambda:InvokeFunction"],
    "events": ["events:PutEvents"], "states": ["states:StartExecution"], "kinesis": ["kinesis:PutRecord"],
    "secretsmanager": ["secretsmanager:GetSecretValue"], "kms": ["kms:Decrypt"], "ssm": ["ssm:GetParameter"],
    "xray": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "cloudwatch": ["cloudwatch:PutMetricData"],
}


def _named_actions_fix(r, doc, wild: list) -> str:
    """The statement that replaces the wildcards found: the service's common calls, named (a managed policy is
    replaced by an inline one on the role it was attached to)."""
    import json

    actions = [a for w in wild for a in COMMON_ACTIONS.get(w.split(":")[0].lower(), [f"{w.split(':')[0]}:<Action>"])]
    statement = json.dumps({"Effect": "Allow", "Action": actions, "Resource": "<the ARNs it uses>"})
    if doc.managed_arn is not None:
        return (f'aws.iam.RolePolicy({literal(r.name + "-scoped")}, role=role.id, policy=json.dumps({{"Version": "2012-10-17", '
                f'"Statement": [{statement}]}}))  # instead of attaching {managed.name_of(doc.managed_arn)}')
    return f"statement = {statement}  # instead of {', '.join(wild)}"


@resource_rule(
    "iam-wildcard-resource", CAT, Sev.MEDIUM, phase="stack", **IDENTITY_RULE,
    title="Data-plane actions are scoped to resources",
    description="Data actions (S3 objects, DynamoDB items, queues, topics, secrets, keys) on Resource * reach "
                "every such resource in the account.",
    remediation="""# "Resource": [table.arn] instead of "*" """,
    peers=["CKV_AWS_355", "CKV_AWS_356"],
    # a statement that also grants a data-reading action, or a whole service, is reported by those rules
    superseded_by=["iam-admin-star", "iam-data-exfil-star", "iam-wildcard-service-action"],
    phrase="on Resource \"*\". Name the resources")
def iam_wildcard_resource(r, cfg):
    return _each_document(r, lambda where, doc: [
        (s, f"{where}{_sid(s)} allows {', '.join(hit)} on {s.everything}. Name the resources.")
        for s, hit in star_resource_grants(doc, DATA_PLANE)])


@violates("iam-wildcard-resource", resource="writer")
def put_object_anywhere():
    P.aws.iam.Policy("writer", policy=P.doc({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "*"}))


@complies("iam-wildcard-resource")
def put_object_in_one_bucket():
    b = P.aws.s3.Bucket("uploads")
    P.aws.iam.Policy("writer", policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": P.pulumi.Output.concat(b.arn, "/*")}]}))


@violates("iam-wildcard-resource", resource="app-policy", superseded_by="iam-wildcard-service-action", says="on Resource \"*\"")
def iam_wildcard_resource_under_iam_wildcard_service_action():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "dynamodb:*"})


@violates("iam-wildcard-resource", resource="app-policy", superseded_by="iam-admin-star", says="allows s3:GetObject")
def iam_wildcard_resource_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@violates("iam-wildcard-resource", resource="app-policy", superseded_by="iam-data-exfil-star", says="allows s3:GetObject, sqs:SendMessage on Resource \"*\"")
def iam_wildcard_resource_under_iam_data_exfil_star():
    _app_policy({"Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"], "Resource": "*"})


@resource_rule(
    "iam-passrole-star", CAT, Sev.HIGH, phase="stack", **MANAGED_RULE,
    title="iam:PassRole is scoped",
    description="PassRole on * lets the holder hand any role in the account to a service it controls.",
    remediation="""pass_role_statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": worker_role.arn,
    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}""",
    peers=["CKV_AWS_286", "CKV_AWS_110"],
    superseded_by=["iam-admin-star", "iam-admin-managed-policy", "lambda-role-overprivileged"],
    phrase="allows iam:PassRole on every role with no iam:PassedToService condition")
def iam_passrole_star(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows iam:PassRole on every role with no iam:PassedToService condition. Name the "
        "roles and the service.") for s in passrole_statements(doc)], with_managed=True)


@violates("iam-passrole-star", resource="deployer")
def passrole_anything():
    P.aws.iam.Policy("deployer", policy=P.doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}))


@complies("iam-passrole-star")
def passrole_to_lambda_only():
    P.aws.iam.Policy("deployer", policy=P.doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
                                               "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}))


@complies("iam-passrole-star")
def managed_policy_passes_one_role_to_one_service():
    P.native.iam.ManagedPolicy("deploy", policy_document={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/worker",
        "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]})


@violates("iam-passrole-star", resource="app-role", superseded_by="iam-admin-managed-policy", says="iam:PassRole on every role")
def iam_passrole_star_under_iam_admin_managed_policy():
    P.role("app-role", managed_policy_arns=[P.AWS_MANAGED + "AdministratorAccess"])


@violates("iam-passrole-star", resource="app-policy", superseded_by="iam-admin-star", says="allows iam:PassRole on every role")
def iam_passrole_star_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@violates("iam-passrole-star", resource="deployer-managed", superseded_by="lambda-role-overprivileged")
def iam_passrole_star_under_lambda_role_overprivileged():
    """AdministratorAccess attached to a function's role: the function's over-privileged role is the finding."""
    _function_role_attaching("AdministratorAccess")


@resource_rule(
    "iam-privesc-actions", CAT, Sev.HIGH, phase="stack", **MANAGED_RULE,
    title="Policies grant no privilege-escalation path",
    description="Actions that rewrite IAM policies, create keys, or replace function code let a compromised "
                "function make itself administrator.",
    remediation="""# Remove the IAM-write and code-update actions from function roles; deployment pipelines hold them.""",
    peers=["CKV_AWS_110", "CKV_AWS_286"],
    superseded_by=["iam-admin-star", "iam-admin-managed-policy", "lambda-role-overprivileged"],
    phrase="a known privilege-escalation path")
def iam_privesc_actions(r, cfg):
    def report(where, doc):
        paths = privesc_paths(doc)
        if not paths:
            return []
        statements = list({id(s): s for group in paths.values() for s in group}.values())   # the path's parts
        return [(statements, f"{where} grants {_some(sorted(paths))}: a known privilege-escalation path. Remove it.")]
    # a service's own AWS role policy (AWSGlueServiceRole's glue:*) is AWS's design for that service
    return _each_document(r, report, with_managed=True, service_roles=False)


@violates("iam-privesc-actions", resource="escalate")
def put_role_policy():
    P.aws.iam.Policy("escalate", policy=P.doc({"Effect": "Allow", "Action": ["iam:PutRolePolicy"], "Resource": "*"}))


@violates("iam-privesc-actions", resource="escalate")
def passrole_create_invoke_combo():
    P.aws.iam.Policy("escalate", policy=P.doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/x"},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}))


@violates("iam-privesc-actions", resource="escalate")
def passrole_to_lambda_create_invoke_combo():
    P.aws.iam.Policy("escalate", policy=P.doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringLike": {"iam:PassedToService": ["lambda.amazonaws.com", "dax.amazonaws.com"]}}},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}))


@complies("iam-privesc-actions")
def passrole_only_to_other_services_beside_lambda_create_invoke():
    # AmazonDynamoDBFullAccess's shape: roles can be passed to DAX and Application Auto Scaling only
    P.aws.iam.Policy("deployer", policy=P.doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringLike": {
            "iam:PassedToService": ["application-autoscaling.amazonaws.com", "dax.amazonaws.com"]}}},
        {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}))


@complies("iam-privesc-actions")
def read_only_iam():
    P.aws.iam.Policy("reader", policy=P.doc({"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoles"], "Resource": "*"}))


@violates("iam-privesc-actions", resource="escalate")
def login_profile_for_another_user():
    P.aws.iam.Policy("escalate", policy=P.doc({"Effect": "Allow", "Action": "iam:UpdateLoginProfile", "Resource": "*"}))


@violates("iam-privesc-actions", resource="escalate")
def passrole_to_cloudformation_with_create_stack():
    P.aws.iam.Policy("escalate", policy=P.doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/deployer"},
        {"Effect": "Allow", "Action": "cloudformation:CreateStack", "Resource": "*"}))


@complies("iam-privesc-actions")
def passrole_to_lambda_with_create_stack():
    P.aws.iam.Policy("deployer", policy=P.doc(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        {"Effect": "Allow", "Action": "cloudformation:CreateStack", "Resource": "*"}))


@violates("iam-privesc-actions", resource="app-role", superseded_by="iam-admin-managed-policy", says="a known privilege-escalation path")
def iam_privesc_actions_under_iam_admin_managed_policy():
    P.role("app-role", managed_policy_arns=[P.AWS_MANAGED + "AdministratorAccess"])


@violates("iam-privesc-actions", resource="app-policy", superseded_by="iam-admin-star", says="a known privilege-escalation path")
def iam_privesc_actions_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@violates("iam-privesc-actions", resource="deployer-managed", superseded_by="lambda-role-overprivileged")
def iam_privesc_actions_under_lambda_role_overprivileged():
    """AWSLambda_FullAccess attached to a function's role: the function's over-privileged role is the finding."""
    _function_role_attaching("AWSLambda_FullAccess")


@resource_rule(
    "iam-data-exfil-star", CAT, Sev.MEDIUM, phase="stack", **MANAGED_RULE,
    title="Data-reading actions are not granted on everything",
    description="Reading objects, secrets, parameters, whole tables or decrypting with any key on * is what "
                "an attacker with stolen function credentials needs to exfiltrate data.",
    remediation="""# Scope reads to the one bucket, secret, parameter path, table or key the function uses.""",
    peers=["CKV_AWS_108", "CKV_AWS_288", "FSBP KMS.1", "FSBP KMS.2"],
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-admin-managed-policy", "lambda-role-overprivileged"],
    phrase=("on Resource \"*\"", "on Resource \"arn:aws:s3:::*\""))
def iam_data_exfil_star(r, cfg):
    def report(where, doc):
        out = []
        for s, hit in star_resource_grants(doc, EXFIL):
            also = [a for a in s.grants_any(DATA_PLANE) if a not in hit]
            more = f" (and {', '.join(also)}, also on every resource)" if also else ""
            out.append((s, f"{where}{_sid(s)} allows {', '.join(hit)} on {s.everything}{more}. Scope it to the "
                           "resources it is used on."))
        return out
    return _each_document(r, report, with_managed=True)


@violates("iam-data-exfil-star", resource="reader")
def get_any_secret():
    P.aws.iam.Policy("reader", policy=P.doc({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@violates("iam-data-exfil-star", resource="reader")
def get_parameters_wildcard_action():
    P.aws.iam.Policy("reader", policy=P.doc({"Effect": "Allow", "Action": "ssm:GetParameter*", "Resource": "*"}))


@violates("iam-data-exfil-star", resource="s3-everywhere")
def read_every_object_of_every_bucket():
    """arn:aws:s3:::* names every bucket, as AWSLambdaExecute's s3:GetObject does: it is Resource * for S3."""
    P.aws.iam.Policy("s3-everywhere", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"}]}))


@complies("iam-data-exfil-star")
def read_the_objects_of_one_bucket():
    P.aws.iam.Policy("s3-one", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::uploads/*"}]}))


@complies("iam-data-exfil-star")
def get_one_secret():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.iam.Policy("reader", policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": s.arn}]}))


@violates("iam-data-exfil-star", resource="read-all")
def attachment_of_managed_read_only():
    r = P.role("fn-role")
    P.aws.iam.RolePolicyAttachment("read-all", role=r.name, policy_arn=P.AWS_MANAGED + "AmazonS3ReadOnlyAccess")


@violates("iam-data-exfil-star", resource="app-role", superseded_by="iam-admin-managed-policy", says="on Resource \"*\"")
def iam_data_exfil_star_under_iam_admin_managed_policy():
    P.role("app-role", managed_policy_arns=[P.AWS_MANAGED + "AdministratorAccess"])


@violates("iam-data-exfil-star", resource="app-policy", superseded_by="iam-wildcard-service-action", says="dynamodb:Scan")
def iam_data_exfil_star_under_iam_wildcard_service_action():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "dynamodb:*"})


@violates("iam-data-exfil-star", resource="app-policy", superseded_by="iam-admin-star", says="on Resource \"*\"")
def iam_data_exfil_star_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@violates("iam-data-exfil-star", resource="deployer-managed", superseded_by="lambda-role-overprivileged")
def iam_data_exfil_star_under_lambda_role_overprivileged():
    """AdministratorAccess attached to a function's role: the function's over-privileged role is the finding."""
    _function_role_attaching("AdministratorAccess")


@resource_rule(
    "iam-assume-role-star", CAT, Sev.HIGH, phase="stack", **IDENTITY_RULE,
    title="Roles to assume are named",
    description="sts:AssumeRole on Resource * lets the holder become any role in any account that trusts it: "
                "one compromised function hops to every role that trusts its account.",
    remediation="""assume_statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": reports_role.arn}""",
    peers=["KICS IAM Policy Grants 'AssumeRole' Permission Across All Services", "CKV_AWS_287 (cloudsplaining)"],
    superseded_by=["iam-admin-star"],
    phrase="allows sts:AssumeRole on every role")
def iam_assume_role_star(r, cfg):
    return _each_document(r, lambda where, doc: [
        (s, f"{where}{_sid(s)} allows sts:AssumeRole on every role ({s.everything}). Name the roles it may assume.")
        for s in doc.allows() if s.grants("sts:AssumeRole") and s.all_resources])


@violates("iam-assume-role-star", resource="hop")
def policy_assuming_any_role():
    r = P.role()
    P.aws.iam.RolePolicy("hop", role=r.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))


@complies("iam-assume-role-star")
def policy_assuming_one_role():
    r = P.role()
    P.aws.iam.RolePolicy("hop", role=r.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/reports"}]}))


@violates("iam-assume-role-star", resource="app-policy", superseded_by="iam-admin-star", says="allows sts:AssumeRole on every role")
def iam_assume_role_star_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@resource_rule(
    "iam-credentials-exposure", CAT, Sev.MEDIUM, phase="stack", **IDENTITY_RULE,
    title="Policies do not hand out credentials on every resource",
    description="Actions that return credentials (sts:GetSessionToken, sts:GetFederationToken, "
                "iam:UpdateAccessKey, redshift:GetClusterCredentials, sso:GetRoleCredentials and the rest of "
                "policy_sentry's list) on Resource * let stolen function credentials mint more, for anyone.",
    remediation="""# Remove credential-minting actions from function roles, or scope them to the one resource:
credentials_statement = {"Effect": "Allow", "Action": "redshift:GetClusterCredentials",
    "Resource": "arn:aws:redshift:us-east-1:444455556666:dbuser:reports/app"}""",
    peers=["CKV_AWS_107", "CKV_AWS_287"],
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-privesc-actions", "iam-assume-role-star", "iam-passrole-star"],
    phrase="on every resource: each returns credentials")
def iam_credentials_exposure(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows {_some(hit)} on every resource: each returns credentials. Remove them, or name "
        "the resources.") for s, hit in star_resource_grants(doc, credentials_actions())])


@violates("iam-credentials-exposure", resource="tokens")
def session_tokens_for_anyone():
    P.aws.iam.Policy("tokens", policy=P.doc({"Effect": "Allow", "Action": ["sts:GetSessionToken",
                                                                        "redshift:GetClusterCredentials"],
                                             "Resource": "*"}))


@complies("iam-credentials-exposure")
def cluster_credentials_for_one_user():
    P.aws.iam.Policy("tokens", policy=P.doc({"Effect": "Allow", "Action": "redshift:GetClusterCredentials",
                                             "Resource": "arn:aws:redshift:us-east-1:123456789012:dbuser:reports/app"}))


@complies("iam-credentials-exposure")
def ecr_authorization_token():
    # every image pull needs it, and it has no resource to name
    P.aws.iam.Policy("pull", policy=P.doc({"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}))


@violates("iam-credentials-exposure", resource="app-policy", superseded_by="iam-passrole-star", says="redshift:GetClusterCredentials")
def iam_credentials_exposure_under_iam_passrole_star():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["iam:PassRole", "redshift:GetClusterCredentials"]})


@violates("iam-credentials-exposure", resource="app-policy", superseded_by="iam-assume-role-star", says="sts:AssumeRole")
def iam_credentials_exposure_under_iam_assume_role_star():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "sts:AssumeRole"})


@violates("iam-credentials-exposure", resource="app-policy", superseded_by="iam-privesc-actions", says="iam:CreateAccessKey")
def iam_credentials_exposure_under_iam_privesc_actions():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "iam:CreateAccessKey"})


@violates("iam-credentials-exposure", resource="app-policy", superseded_by="iam-wildcard-service-action", says="each returns credentials")
def iam_credentials_exposure_under_iam_wildcard_service_action():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "sts:*"})


@violates("iam-credentials-exposure", resource="app-policy", superseded_by="iam-admin-star", says="each returns credentials")
def iam_credentials_exposure_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@resource_rule(
    "iam-permissions-management", CAT, Sev.MEDIUM, phase="stack", **IDENTITY_RULE,
    title="Policies do not manage permissions on every resource",
    description="Permissions-management actions (AWS's access level: they change who may do what, such as "
                "s3:PutBucketPolicy, sqs:AddPermission, lambda:AddPermission, kms:CreateGrant, "
                "iam:CreateRole) on Resource * let stolen function credentials open any resource of the "
                "service to anyone.",
    remediation="""# Name the resource the code changes the policy of:
permission_statement = {"Effect": "Allow", "Action": "sqs:SetQueueAttributes", "Resource": queue.arn}""",
    peers=["CKV_AWS_109", "CKV_AWS_289"],
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-privesc-actions", "iam-passrole-star", "iam-credentials-exposure"],
    phrase="on every resource: each changes who may use a resource")
def iam_permissions_management(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows {_some(hit)} on every resource: each changes who may use a resource. Name the "
        "resources.") for s, hit in star_resource_grants(doc, permissions_actions())])


@violates("iam-permissions-management", resource="opener")
def bucket_and_queue_policies_on_everything():
    P.aws.iam.Policy("opener", policy=P.doc({"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "sqs:AddPermission",
                                                                        "s3:GetObject"], "Resource": "*"}))


@complies("iam-permissions-management")
def queue_attributes_of_one_queue():
    P.aws.iam.Policy("opener", policy=P.doc({"Effect": "Allow", "Action": "sqs:SetQueueAttributes",
                                             "Resource": "arn:aws:sqs:us-east-1:123456789012:orders"}))


@complies("iam-permissions-management")
def whole_service_is_the_wildcard_rules_finding():
    P.aws.iam.Policy("opener", policy=P.doc({"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}))


@violates("iam-permissions-management", resource="app-policy", superseded_by="iam-credentials-exposure", says="sqs:SetQueueAttributes")
def iam_permissions_management_under_iam_credentials_exposure():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["redshift:GetClusterCredentials", "sqs:SetQueueAttributes"]})


@violates("iam-permissions-management", resource="app-policy", superseded_by="iam-passrole-star", says="sqs:SetQueueAttributes")
def iam_permissions_management_under_iam_passrole_star():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["iam:PassRole", "sqs:SetQueueAttributes"]})


@violates("iam-permissions-management", resource="app-policy", superseded_by="iam-privesc-actions", says="iam:AttachRolePolicy")
def iam_permissions_management_under_iam_privesc_actions():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "iam:AttachRolePolicy"})


@violates("iam-permissions-management", resource="app-policy", superseded_by="iam-wildcard-service-action", says="allows sqs:AddPermission")
def iam_permissions_management_under_iam_wildcard_service_action():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "sqs:*"})


@violates("iam-permissions-management", resource="app-policy", superseded_by="iam-admin-star", says="changes who may use")
def iam_permissions_management_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@resource_rule(
    "iam-write-star", CAT, Sev.LOW, phase="stack", **IDENTITY_RULE, hygiene=True,
    title="Write actions name their resources",
    description="Write actions (AWS's access level: they create, change or delete) on Resource * let stolen "
                "function credentials change every resource of the service, not just the function's own.",
    remediation="""# Name the resources the code writes to:
write_statement = {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": queue.arn}""",
    peers=["CKV_AWS_111", "CKV_AWS_290"],
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-wildcard-resource", "iam-data-exfil-star", "iam-privesc-actions", "iam-permissions-management", "iam-credentials-exposure", "iam-assume-role-star", "iam-passrole-star"],
    phrase="on every resource. Name the resources")
def iam_write_star(r, cfg):
    return _each_document(r, lambda where, doc: [
        (s, f"{where}{_sid(s)} allows {_some(hit)} on every resource. Name the resources.")
        for s in doc.allows() if (hit := write_grants(s))])


@violates("iam-write-star", resource="writer")
def queue_and_function_writes_on_everything():
    P.aws.iam.Policy("writer", policy=P.doc({"Effect": "Allow", "Action": ["dynamodb:DeleteTable", "lambda:PublishVersion"],
                                             "Resource": "*"}))


@complies("iam-write-star")
def writes_on_named_resources():
    P.aws.iam.Policy("writer", policy=P.doc({"Effect": "Allow", "Action": ["lambda:PublishVersion"],
                                             "Resource": "arn:aws:lambda:us-east-1:123456789012:function:orders"}))


@complies("iam-write-star")
def tracing_takes_no_resource():
    P.aws.iam.Policy("writer", policy=P.doc({"Effect": "Allow", "Action": ["xray:PutTraceSegments",
                                                                        "xray:PutTelemetryRecords"], "Resource": "*"}))


@violates("iam-write-star", resource="app-policy", superseded_by="iam-credentials-exposure", says="sqs:SendMessage")
def iam_write_star_under_iam_credentials_exposure():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["redshift:GetClusterCredentials", "sqs:SendMessage"]})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-permissions-management", says="sqs:SendMessage")
def iam_write_star_under_iam_permissions_management():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["sqs:SetQueueAttributes", "sqs:SendMessage"]})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-passrole-star", says="sqs:SendMessage")
def iam_write_star_under_iam_passrole_star():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["iam:PassRole", "sqs:SendMessage"]})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-assume-role-star", says="sqs:SendMessage")
def iam_write_star_under_iam_assume_role_star():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["sts:AssumeRole", "sqs:SendMessage"]})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-data-exfil-star", says="s3:PutObject")
def iam_write_star_under_iam_data_exfil_star():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": ["s3:GetObject", "s3:PutObject"]})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-privesc-actions", says="allows lambda:UpdateFunctionCode on every resource")
def iam_write_star_under_iam_privesc_actions():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "lambda:UpdateFunctionCode"})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-wildcard-resource", says="allows sqs:SendMessage on every resource")
def iam_write_star_under_iam_wildcard_resource():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "sqs:SendMessage"})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-wildcard-service-action", says="sqs:ChangeMessageVisibility")
def iam_write_star_under_iam_wildcard_service_action():
    _app_policy({"Effect": "Allow", "Resource": "*", "Action": "sqs:*"})


@violates("iam-write-star", resource="app-policy", superseded_by="iam-admin-star", says="on every resource. Name the resources.")
def iam_write_star_under_iam_admin_star():
    _app_policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@resource_rule(
    "iam-admin-managed-policy", CAT, Sev.HIGH, phase="stack",
    types=[aws.ROLE, aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT],
    title="No administrator managed policies",
    description="AdministratorAccess, IAMFullAccess and PowerUserAccess give a role far more than any function needs.",
    remediation="""# Detach the AWS-managed admin policy; attach a policy written for the function instead.""",
    peers=["CKV_AWS_274", "CKV2_AWS_56"], superseded_by=["lambda-role-overprivileged"],
    phrase="AdministratorAccess")
def iam_admin_managed_policy(r, cfg):
    arns = as_list(r.known("managedPolicyArns")) if r.type == aws.ROLE else [r.known("policyArn")]
    bad = [a for a in arns if isinstance(a, str) and (a in ADMIN_MANAGED or grants_admin(a))]
    if bad:   # about those policies: the other rules' findings on their statements are superseded
        return Keyed(f"attaches the AWS-managed {', '.join(a.rsplit('/', 1)[-1] for a in bad)} policy. Attach a "
                     "least-privilege policy instead.", (managed_where(bad[0]),), [(managed_where(a),) for a in bad[1:]])
    return None


@violates("iam-admin-managed-policy", resource="admin")
def attach_administrator_access():
    r = P.role()
    P.aws.iam.RolePolicyAttachment("admin", role=r.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")


@violates("iam-admin-managed-policy", resource="admin")
def attach_administrator_access_found_by_name():
    """The ARN a data source returns for an AWS managed policy's name is that policy's."""
    r = P.role()
    P.aws.iam.RolePolicyAttachment("admin", role=r.name,
                                   policy_arn=P.aws.iam.get_policy(name="AdministratorAccess").arn)


@complies("iam-admin-managed-policy")
def attach_a_customer_policy_found_by_name():
    r = P.role()
    P.aws.iam.RolePolicyAttachment("team", role=r.name, policy_arn=P.aws.iam.get_policy(name="TeamReadOnly").arn)


@complies("iam-admin-managed-policy")
def attach_basic_execution_role():
    r = P.role()
    P.aws.iam.RolePolicyAttachment("logs", role=r.name,
                                   policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")


@complies("iam-admin-managed-policy")
def attachment_of_a_retired_or_unknown_managed_policy():
    """An ARN the snapshot does not know is neither an error nor a finding."""
    r = P.role("fn-role")
    P.aws.iam.RolePolicyAttachment("old", role=r.name, policy_arn=P.AWS_MANAGED + "NoSuchPolicyAnyMore")


@violates("iam-admin-managed-policy", resource="deployer-managed", superseded_by="lambda-role-overprivileged")
def iam_admin_managed_policy_under_lambda_role_overprivileged():
    """AdministratorAccess attached to a function's role: the function's over-privileged role is the finding."""
    _function_role_attaching("AdministratorAccess")


# --- trust policies ---------------------------------------------------------------------------------

def _trust(r):
    doc = read_policy(r, "assumeRolePolicy")
    if isinstance(doc, iam.Malformed) or doc is None:
        return None
    return doc


@resource_rule(
    "iam-trust-account-root", CAT, Sev.MEDIUM, types=[aws.ROLE],
    title="Cross-account trust is pinned",
    description="Trusting another account's root lets every principal in that account that has sts:AssumeRole "
                "assume the role.",
    remediation="""trust_statement = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}""",
    peers=["CKV_AWS_61"],
    config=list_setting("trustedAccounts", [], "Account ids whose root may be trusted without a condition."),
    phrase="trusts another account (not in trustedAccounts) as a whole")
def iam_trust_account_root(r, cfg):
    doc = _trust(r)
    if doc is None:
        return []
    out = []
    for s in doc.allows():
        if {"sts:externalid", "aws:principalorgid"} & s.condition_keys():
            continue
        if _whole_accounts(s, cfg["trustedAccounts"]):
            out.append(Keyed("assumeRolePolicy trusts another account (not in trustedAccounts) as a whole with no "
                             "sts:ExternalId or aws:PrincipalOrgID condition. Name a role there, or add the condition.",
                             ("assumeRolePolicy", s.index, "account")))
    return out


@violates("iam-trust-account-root", resource="partner")
def trust_foreign_root():
    P.role("partner", trust=P.doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                                   "Action": "sts:AssumeRole"}))


@complies("iam-trust-account-root")
def trust_foreign_root_with_external_id():
    P.role("partner", trust=P.doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                                   "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "x-123"}}}))


def _whole_accounts(s, trusted) -> list:
    """The AWS principals of trust statement ``s`` that are a whole account (its id, or its root) not in
    ``trusted``."""
    return sorted({p for p in s.principal_values("AWS") if (acct := iam.principal_account(p))
                   and (p == acct or p.endswith(":root")) and acct not in trusted})


@resource_rule(
    "iam-trust-no-external-id", CAT, Sev.MEDIUM, types=[aws.ROLE],
    title="Roles trusted by another account's principals require an external id",
    description="A role that another account's role or user may assume with no sts:ExternalId (or "
                "aws:PrincipalOrgID, or MFA) condition is open to the confused deputy: a service in that account "
                "acting for someone else can be tricked into assuming it.",
    remediation="""trust_statement = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/partner"},
    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}""",
    peers=["KICS Cross-Account IAM Assume Role Policy Without ExternalId or MFA"],
    config=list_setting("trustedAccounts", [], "Account ids (your own) whose principals may be trusted without "
                                               "a condition."),
    superseded_by=["iam-trust-account-root"],
    phrase="assume the role with no sts:ExternalId, aws:PrincipalOrgID or MFA condition")
def iam_trust_no_external_id(r, cfg):
    doc = _trust(r)
    if doc is None:
        return []
    out = []
    for s in doc.allows():
        if {"sts:externalid", "aws:principalorgid", "aws:multifactorauthpresent"} & s.condition_keys():
            continue
        accounts = _whole_accounts(s, cfg["trustedAccounts"])
        foreign = sorted({p for p in s.principal_values("AWS") if (acct := iam.principal_account(p))
                          and p not in accounts and acct not in cfg["trustedAccounts"]})
        if foreign:
            out.append(f"assumeRolePolicy{_sid(s)} lets {_some(foreign, 3)} (another account, not in trustedAccounts) "
                       "assume the role with no sts:ExternalId, aws:PrincipalOrgID or MFA condition. Add sts:ExternalId.")
        if accounts:   # a whole account: iam-trust-account-root's finding, where it reports
            out.append(Keyed(f"assumeRolePolicy{_sid(s)} lets every principal of {_some(accounts, 3)} (a whole account, "
                             "not in trustedAccounts) assume the role with no sts:ExternalId, aws:PrincipalOrgID or "
                             "MFA condition. Add sts:ExternalId.", ("assumeRolePolicy", s.index, "account")))
    return out


@violates("iam-trust-no-external-id", resource="partner")
def partner_role_without_external_id():
    _trusting("arn:aws:iam::111122223333:role/integrations")


@complies("iam-trust-no-external-id")
def partner_role_with_external_id():
    _trusting("arn:aws:iam::111122223333:role/integrations", {"StringEquals": {"sts:ExternalId": "acme-7d1f"}})


@complies("iam-trust-no-external-id", config={"iam-trust-no-external-id": {"trustedAccounts": ["111122223333"]}})
def own_account_role_listed_as_trusted():
    _trusting("arn:aws:iam::111122223333:role/ci")


@violates("iam-trust-no-external-id", resource="partner-role", superseded_by="iam-trust-account-root", says="lets every principal of arn:aws:iam::444455556666:root (a whole account")
def iam_trust_no_external_id_under_iam_trust_account_root():
    P.aws.iam.Role("partner-role", assume_role_policy=P.doc({
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}))


GITHUB = "token.actions.githubusercontent.com"


@resource_rule(
    "iam-trust-github-oidc-unscoped", CAT, Sev.HIGH, types=[aws.ROLE],
    title="GitHub OIDC trust is pinned to a repository",
    description="A role that trusts GitHub's OIDC provider without a sub condition can be assumed from any "
                "GitHub repository.",
    remediation="""# in the role's trust statement for token.actions.githubusercontent.com:
condition = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
             "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:ref:refs/heads/main"}}""",
    peers=["CKV_AWS_358", "CKV_AWS_393"],
    phrase="trusts GitHub Actions OIDC without a token.actions.githubusercontent.com:sub")
def iam_trust_github_oidc_unscoped(r, cfg):
    doc = _trust(r)
    if doc is None:
        return None
    for s in doc.allows():
        if not any(isinstance(p, str) and GITHUB in p for p in s.principal_values("Federated")):
            continue
        subs = [v for op, block in s.condition.items() if isinstance(block, dict) and "not" not in op.lower()
                for k, v in block.items() if k.lower() == f"{GITHUB}:sub"]
        values = [x for v in subs for x in as_list(v)]
        if not values or any(not isinstance(v, str) or v in ("*", "repo:*") or v.startswith("repo:*") for v in values):
            return ("assumeRolePolicy trusts GitHub Actions OIDC without a token.actions.githubusercontent.com:sub "
                    "condition that pins a repository: any repository on GitHub can assume the role.")
    return None


@violates("iam-trust-github-oidc-unscoped", resource="deploy")
def github_oidc_any_repo():
    P.role("deploy", trust=P.doc({"Effect": "Allow", "Principal": {"Federated": GH},
                                  "Action": "sts:AssumeRoleWithWebIdentity",
                                  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}))


@complies("iam-trust-github-oidc-unscoped")
def github_oidc_pinned_repo():
    P.role("deploy", trust=P.doc({"Effect": "Allow", "Principal": {"Federated": GH},
                                  "Action": "sts:AssumeRoleWithWebIdentity",
                                  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                                                "StringLike": {"token.actions.githubusercontent.com:sub":
                                                               "repo:acme/orders:ref:refs/heads/main"}}}))


@resource_rule(
    "iam-policy-on-user", CAT, Sev.LOW,
    types=[aws.USER_POLICY, aws.POLICY_ATTACHMENT, aws.USER_POLICY_ATTACHMENT],
    title="Permissions go to roles and groups, not users",
    description="Policies attached straight to IAM users are hard to review and tend to outlive their purpose.",
    remediation="""# Attach the policy to a group (aws.iam.GroupPolicyAttachment) or use roles with SSO.""",
    peers=["CKV_AWS_40", "FSBP IAM.2"],
    phrase="attaches a policy directly to an IAM user")
def iam_policy_on_user(r, cfg):
    if r.type == aws.POLICY_ATTACHMENT and not as_list(r.known("users")):
        return None
    return "attaches a policy directly to an IAM user. Attach it to a group or a role."


@violates("iam-policy-on-user", resource="ci-user-policy")
def policy_on_user():
    u = P.aws.iam.User("ci")
    P.aws.iam.UserPolicy("ci-user-policy", user=u.name, policy=P.doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))


@complies("iam-policy-on-user")
def policy_on_group():
    g = P.aws.iam.Group("ci")
    P.aws.iam.GroupPolicy("ci-group-policy", group=g.name, policy=P.doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))


# --- across the stack ------------------------------------------------------------------------------


def _callback_message(role, attachments: list, problems: list) -> str:
    names = [a.get("policyArn").rsplit("/", 1)[-1] for a in attachments]
    if set(CALLBACK_DEFAULT_POLICIES) <= set(names):
        return (f"runs as {role.label()}, the default role aws.lambda.CallbackFunction creates when it is given "
                "neither `role` nor `policies` (so do event handlers such as bucket.onObjectCreated, "
                f"topic.onEvent and aws.cloudwatch.onSchedule). It attaches {len(names)} AWS-managed policies "
                f"({', '.join(names)}), which grant {'; '.join(problems)}. Pass `policies` with only what the "
                "code uses (e.g. the AWSLambdaBasicExecutionRole managed policy and a policy for its table), "
                "or a `role` of its own.")
    return (f"runs as {role.label()}, which aws.lambda.CallbackFunction created from its `policies` "
            f"({', '.join(names)}); they grant {'; '.join(problems)}. Narrow `policies` to what the code uses.")


BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": '
                '"lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')


@stack_rule(
    "lambda-role-overprivileged", CAT, Sev.HIGH, types=[aws.FUNCTION, aws.ROLE],
    title="Function execution roles are least-privilege",
    description="A function whose role grants admin, a privilege-escalation path or PassRole on * turns any "
                "code-injection bug into an account takeover.",
    remediation=f"""orders_role = aws.iam.Role("orders-role", assume_role_policy=json.dumps({LAMBDA_TRUST}))
aws.iam.RolePolicyAttachment("orders-logs", role=orders_role.name, policy_arn="{BASIC_EXECUTION}")
aws.iam.RolePolicy("orders-access", role=orders_role.id, policy=json.dumps({{"Version": "2012-10-17", "Statement": [
    {{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "<the table's ARN>"}}]}}))
aws.lambda_.Function("orders", ..., role=orders_role.arn)""",
    peers=["Trend Micro Lambda.SharedAdminRole"],
    phrase="Give the function a role with only what it needs")
def lambda_role_overprivileged(stack, cfg):
    # One exposure, one finding: this finding stands for the managed-policy attachments it names (their
    # own iam-* findings are superseded), and for every attachment of a CallbackFunction's role.
    public = None
    for fn in stack.of_type(aws.FUNCTION):
        for role in stack.targets(fn, "role", aws.ROLE):
            problems, sources = role_problem_sources(stack, role)
            if not problems:
                continue
            if public is None:
                public = public_functions(stack)
            worse = (" It is also invokable by anyone, which makes this critical." if fn.urn in public else "")
            made = callback_role_attachments(stack, role)
            if made:
                yield fn, Fixed(_callback_message(role, made, problems) + worse, _callback_fix(fn)), made
            else:
                yield fn, Fixed(f"runs as {role.label()}, which grants {'; '.join(problems)}. Give the function a "
                                f"role with only what it needs.{worse}", _own_role_fix(fn, role)), sources


@violates("lambda-role-overprivileged", resource="fn")
def function_with_admin_role():
    r = P.role("fn-role")
    P.aws.iam.RolePolicy("fn-admin", role=r.id, policy=P.doc(ADMIN))
    P.function("fn", role_arn=r.arn)


@violates("lambda-role-overprivileged", resource="fn")
def function_with_managed_admin():
    r = P.role("fn-role")
    P.aws.iam.RolePolicyAttachment("fn-admin", role=r.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    P.function("fn", role_arn=r.arn)


@complies("lambda-role-overprivileged")
def function_with_scoped_role():
    r = P.role("fn-role")
    P.aws.iam.RolePolicy("fn-policy", role=r.id, policy=P.doc(
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}))
    P.function("fn", role_arn=r.arn)


# --- a managed policy attached through its roles -----------------------------------------------
@violates("lambda-role-overprivileged", resource="fn")
def managed_policy_lets_the_function_pass_every_role():
    role = P.native.iam.Role("fn-role", assume_role_policy_document=P.LAMBDA_TRUST_OBJECT, managed_policy_arns=[P.BASIC_EXECUTION])
    P.native.lambda_.Function("fn", role=role.arn, runtime="python3.12", handler="index.handler",
                              code={"zip_file": "def handler(e, c): pass"})
    P.native.iam.ManagedPolicy("deploy", roles=[role.role_name],
                               policy_document={"Version": "2012-10-17", "Statement": [
                                 {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]})


def _own_role_fix(fn, role) -> str:
    """The function's own role: its trust, its logs, and a policy for the calls its code makes."""
    var = variable(f"{fn.name}_role", "r")
    return (f'{var} = aws.iam.Role({literal(fn.name + "-role")}, assume_role_policy=json.dumps({LAMBDA_TRUST}))\n'
            f'aws.iam.RolePolicyAttachment({literal(fn.name + "-logs")}, role={var}.name, '
            f'policy_arn="{BASIC_EXECUTION}")\n'
            f'aws.iam.RolePolicy({literal(fn.name + "-access")}, role={var}.id, policy=json.dumps({{"Version": "2012-10-17", '
            '"Statement": [{"Effect": "Allow", "Action": ["<the calls the code makes>"], '
            '"Resource": "<the ARNs they act on>"}]}))\n'
            f'aws.lambda_.Function({literal(fn.name)}, ..., role={var}.arn)  # instead of {literal(role.name)[1:-1]}')


def _callback_fix(fn) -> str:
    """CallbackFunction's own option: ``policies`` with only what the code uses."""
    return (f'aws.lambda_.CallbackFunction({literal(fn.name)}, ..., policies=["{BASIC_EXECUTION}", '
            f'{variable(fn.name + "_access", "r")}.arn])  # an aws.iam.Policy for the calls the code makes')


@stack_rule(
    "lambda-role-shared", CAT, Sev.MEDIUM, types=[aws.FUNCTION],
    title="Each function has its own role",
    description="Functions sharing a role each get the union of all their permissions; one compromised "
                "function gets them all.",
    remediation="""for name in ("orders", "payments"):
    role = aws.iam.Role(f"{name}-role", assume_role_policy=lambda_trust)
    aws.lambda_.Function(name, ..., role=role.arn)""",
    config=int_setting("maxFunctionsPerRole", 1, "How many functions may share one execution role.", 1,
                       stricter="lower"),
    phrase="with 1 other function(s) (orders)")
def lambda_role_shared(stack, cfg):
    by_role = defaultdict(list)
    for fn in stack.of_type(aws.FUNCTION):
        roles = stack.targets(fn, "role", aws.ROLE)
        value = fn.get("role")
        key = roles[0].urn if roles else (value if isinstance(value, str) else None)
        if key is not None:
            by_role[key].append(fn)
    for key, fns in by_role.items():
        if len(fns) > cfg["maxFunctionsPerRole"]:
            role = stack.by_urn.get(key)
            name = role.label() if role else "the same role ARN"
            for fn in fns:
                others = [f.name for f in fns if f is not fn]
                listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
                yield fn, (f"shares {name} with {len(others)} other function(s) ({listed}). Give each function "
                           "its own role.")


@violates("lambda-role-shared", resource="payments")
def two_functions_one_role():
    r = P.role("shared-role")
    P.function("orders", role_arn=r.arn)
    P.function("payments", role_arn=r.arn)


@complies("lambda-role-shared")
def one_role_per_function():
    P.function("orders")
    P.function("payments")


def _guest_roles(stack) -> list:
    """Roles used for unauthenticated identities: named so by an IdentityPoolRoleAttachment, or whose
    trust policy admits cognito-identity with amr "unauthenticated"."""
    out = []
    for att in stack.of_type(aws.IDENTITY_POOL_ROLES):
        by_kind = att.get("roles")
        if isinstance(by_kind, dict) and set(by_kind) == {"unauthenticated"}:
            out += stack.targets(att, "roles", aws.ROLE)  # every role it references is the guest role
        elif isinstance(by_kind, dict) and "unauthenticated" in by_kind:
            guest = att.known("roles.unauthenticated")   # a new role's ARN in preview: undecided, not a guess
            if isinstance(guest, str):
                out += [r for r in stack.carrying(aws.ROLE, guest) if r.get("arn") == guest]
    for role in stack.of_type(aws.ROLE):
        trust = role.document("assumeRolePolicy")
        if isinstance(trust, iam.Document) and any(
                isinstance(p, str) and "cognito-identity.amazonaws.com" in p and "unauthenticated" in str(s.condition)
                for s in trust.allows() for p in s.principal_values("Federated")):
            out.append(role)
    return list({r.urn: r for r in out}.values())


@stack_rule(
    "cognito-unauth-role-broad", CAT, Sev.HIGH, types=[aws.IDENTITY_POOL, aws.ROLE],
    title="The guest role of an identity pool is minimal",
    description="When an identity pool hands out guest credentials, whatever its unauthenticated role allows is "
                "allowed to the whole internet.",
    remediation="""# Limit the unauthenticated role to the few actions guests need (e.g. mobileanalytics:PutEvents).""",
    config=list_setting("allowedActions", ["mobileanalytics:PutEvents", "cognito-sync:*", "personalize:PutEvents"],
                        "Actions (glob patterns) a guest role may grant."),
    phrase="is the unauthenticated (guest) role")
def cognito_unauth_role_broad(stack, cfg):
    if not any(p.get("allowUnauthenticatedIdentities") is True for p in stack.of_type(aws.IDENTITY_POOL)):
        return
    allowed = [a.lower() for a in cfg["allowedActions"]]
    for role in _guest_roles(stack):
        extra: set = set()
        for _holder, doc in roles.documents(stack, role):
            if isinstance(doc, iam.Document):
                for s in doc.allows():
                    extra.update(a for a in s.actions if isinstance(a, str)
                                 and not any(fnmatch.fnmatchcase(a.lower(), p) for p in allowed))
                    if s.not_actions:
                        extra.add("NotAction")
        extra.update(managed.name_of(a) for a in roles.managed_arns(stack, role) if managed.document(a) is None)
        if extra:
            yield role, (f"is the unauthenticated (guest) role of an identity pool that allows guests, and grants "
                         f"{_some(sorted(extra))} beyond allowedActions: anyone on the internet gets that.")


@violates("cognito-unauth-role-broad", resource="guest")
def guest_role_can_write_s3():
    _unauth_role({"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::uploads/*"})


@violates("cognito-unauth-role-broad", resource="guest")
def guest_role_named_beside_the_signed_in_role():
    """The usual shape: one attachment names both roles, and the guest role's trust does not say which it is."""
    pool = P.aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=True)
    trust = P.doc({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                   "Action": "sts:AssumeRoleWithWebIdentity"})
    guest = P.aws.iam.Role("guest", assume_role_policy=trust)
    user = P.aws.iam.Role("user", assume_role_policy=trust)
    P.aws.iam.RolePolicy("guest-policy", role=guest.id, policy=P.doc(
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}))
    P.aws.cognito.IdentityPoolRoleAttachment("roles", identity_pool_id=pool.id,
                                             roles={"authenticated": user.arn, "unauthenticated": guest.arn})


@complies("cognito-unauth-role-broad")
def guest_role_analytics_only():
    _unauth_role({"Effect": "Allow", "Action": ["mobileanalytics:PutEvents"], "Resource": "*"})


@stack_rule(
    "iam-role-policy-conflict", CAT, Sev.LOW, types=[aws.ROLE, aws.ROLE_POLICY, aws.ROLE_POLICY_ATTACHMENT],
    title="A role's policies are managed in one place",
    description="pulumi-aws manages a Role's inlinePolicies and managedPolicyArns exclusively: separate RolePolicy "
                "or RolePolicyAttachment resources for the same role are removed on the next update and added back "
                "on the one after, so the role's permissions flap between deployments. (An aws-native Role changes "
                "only the policies it lists, so it is not judged.)",
    remediation="""# Either everything on the Role (inline_policies=[...], managed_policy_arns=[...]),
# or nothing there and one RolePolicy / RolePolicyAttachment per policy.""",
    peers=["AWSGuard iam-role-no-policy-management-conflicts"],
    phrase="each update removes the one and the next adds it back")
def iam_role_policy_conflict(stack, cfg):
    for role in stack.of_type(aws.ROLE):
        if role.origin is not None:
            # an aws-native role: CloudControl changes only the policies its own model lists, so policies
            # attached elsewhere stay (no flapping)
            continue
        inline = [p for p in as_list(role.known("inlinePolicies")) if isinstance(p, dict) and p.get("policy")]
        managed_arns = [a for a in as_list(role.known("managedPolicyArns")) if a is not None]
        separate_inline = stack.referrers(role, aws.ROLE_POLICY, prop="role")
        separate_managed = stack.referrers(role, aws.ROLE_POLICY_ATTACHMENT, prop="role")
        clashes = []
        if inline and separate_inline:
            clashes.append(f"inlinePolicies and {_names(separate_inline)}")
        if managed_arns and separate_managed:
            clashes.append(f"managedPolicyArns and {_names(separate_managed)}")
        if clashes:
            yield role, (f"sets {'; '.join(clashes)}: each update removes the one and the next adds it back. "
                         "Keep the role's policies in one place.")


@violates("iam-role-policy-conflict", resource="fn-role")
def role_with_managed_arns_and_an_attachment():
    r = P.role(managed_policy_arns=[P.AWS_MANAGED + "service-role/AWSLambdaBasicExecutionRole"])
    P.aws.iam.RolePolicyAttachment("xray", role=r.name, policy_arn=P.AWS_MANAGED + "AWSXRayDaemonWriteAccess")


@complies("iam-role-policy-conflict")
def role_with_attachments_only():
    r = P.role()
    P.aws.iam.RolePolicyAttachment("logs", role=r.name, policy_arn=P.AWS_MANAGED + "service-role/AWSLambdaBasicExecutionRole")
    P.aws.iam.RolePolicyAttachment("xray", role=r.name, policy_arn=P.AWS_MANAGED + "AWSXRayDaemonWriteAccess")


def _names(resources: list) -> str:
    shown = ", ".join(f"'{r.name}'" for r in resources[:3])
    return f"{resources[0].kind} {shown}" + (f" and {len(resources) - 3} more" if len(resources) > 3 else "")


# --- what the cases above are built with ---------------------------------------------------------------

ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


GH = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"


def _unauth_role(policy):
    pool = P.aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=True)
    r = P.aws.iam.Role("guest", assume_role_policy=P.pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool.id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "unauthenticated"}}}]}))
    P.aws.iam.RolePolicy("guest-policy", role=r.id, policy=P.doc(policy))
    P.aws.cognito.IdentityPoolRoleAttachment("roles", identity_pool_id=pool.id, roles={"unauthenticated": r.arn})


def _trusting(principal, condition=None):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return P.role("partner", trust=P.doc(statement))


def _function_role_attaching(managed: str):
    """A function whose own role has the AWS managed policy ``managed`` attached (as "deployer-managed")."""
    r = P.role("deployer-role")
    P.aws.iam.RolePolicyAttachment("deployer-managed", role=r.name, policy_arn=P.AWS_MANAGED + managed)
    P.function("deployer", role_arn=r.arn)


def _app_policy(*statements):
    """A customer-managed policy ("app-policy") of these statements."""
    P.aws.iam.Policy("app-policy", policy=P.doc(*statements))
