"""SAS-4 Over-privileged function permissions and roles.

Identity policies that grant admin, whole services, every resource, role passing or a known
privilege-escalation path; trust policies that let too many principals in; and, across the stack,
the execution roles functions and state machines actually get (inline policies, RolePolicy,
attachments of in-stack and AWS-managed policies) and roles shared between functions.
"""
from __future__ import annotations

import fnmatch
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
    "actions": ["dynamodb:GetItem"], "resources": [table.arn]}]).json)  # or json.dumps of a dict""")
def policy_unreadable(r, cfg):
    return [malformed_message(path, doc) for path in _document_paths(r)
            if isinstance(doc := r.document(path), iam.Malformed)]


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
    peers=["CKV_AWS_1", "CKV_AWS_62", "FSBP IAM.1"])
def iam_admin_star(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows every action (\"*\" or NotAction) on every resource: administrator access. "
        "Grant only the actions and resources needed.") for s in admin_statements(doc)])


@resource_rule(
    "iam-wildcard-service-action", CAT, Sev.MEDIUM, phase="stack", **MANAGED_RULE,
    title="Policies name actions instead of whole services",
    description="Allowing \"<service>:*\" (the source's dynamodb:* example) grants far more than a function uses.",
    remediation="""# Replace "dynamodb:*" by the calls the code makes: ["dynamodb:GetItem", "dynamodb:PutItem"]""",
    peers=["CKV_AWS_49", "CKV_AWS_63", "FSBP IAM.21"],
    config=list_setting("allowedServices", [], "Services (e.g. logs, xray) whose wildcard is accepted."),
    superseded_by=["iam-admin-star", "iam-admin-managed-policy", "lambda-role-overprivileged"])
def iam_wildcard_service_action(r, cfg):
    allowed = tuple(s.lower() for s in cfg["allowedServices"])
    return _each_document(r, lambda where, doc: [(s, Fixed(
        f"{where}{_sid(s)} allows {', '.join(wild)}{' on every resource' if s.all_resources else ''}. Name "
        "only the actions needed.", _named_actions_fix(r, doc, wild)))
        for s, wild in wildcard_action_statements(doc, allowed)], with_managed=True,
        service_roles=False)   # a service's own role policy (AWSGlueServiceRole's glue:*) is AWS's design


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
    superseded_by=["iam-admin-star", "iam-data-exfil-star", "iam-wildcard-service-action"])
def iam_wildcard_resource(r, cfg):
    return _each_document(r, lambda where, doc: [
        (s, f"{where}{_sid(s)} allows {', '.join(hit)} on {s.everything}. Name the resources.")
        for s, hit in star_resource_grants(doc, DATA_PLANE)])


@resource_rule(
    "iam-passrole-star", CAT, Sev.HIGH, phase="stack", **MANAGED_RULE,
    title="iam:PassRole is scoped",
    description="PassRole on * lets the holder hand any role in the account to a service it controls.",
    remediation="""pass_role_statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": worker_role.arn,
    "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}""",
    peers=["CKV_AWS_286", "CKV_AWS_110"],
    superseded_by=["iam-admin-star", "iam-admin-managed-policy", "lambda-role-overprivileged"])
def iam_passrole_star(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows iam:PassRole on every role with no iam:PassedToService condition. Name the "
        "roles and the service.") for s in passrole_statements(doc)], with_managed=True)


@resource_rule(
    "iam-privesc-actions", CAT, Sev.HIGH, phase="stack", **MANAGED_RULE,
    title="Policies grant no privilege-escalation path",
    description="Actions that rewrite IAM policies, create keys, or replace function code let a compromised "
                "function make itself administrator.",
    remediation="""# Remove the IAM-write and code-update actions from function roles; deployment pipelines hold them.""",
    peers=["CKV_AWS_110", "CKV_AWS_286"],
    superseded_by=["iam-admin-star", "iam-admin-managed-policy", "lambda-role-overprivileged"])
def iam_privesc_actions(r, cfg):
    def report(where, doc):
        paths = privesc_paths(doc)
        if not paths:
            return []
        statements = list({id(s): s for group in paths.values() for s in group}.values())   # the path's parts
        return [(statements, f"{where} grants {_some(sorted(paths))}: a known privilege-escalation path. Remove it.")]
    # a service's own AWS role policy (AWSGlueServiceRole's glue:*) is AWS's design for that service
    return _each_document(r, report, with_managed=True, service_roles=False)


@resource_rule(
    "iam-data-exfil-star", CAT, Sev.MEDIUM, phase="stack", **MANAGED_RULE,
    title="Data-reading actions are not granted on everything",
    description="Reading objects, secrets, parameters, whole tables or decrypting with any key on * is what "
                "an attacker with stolen function credentials needs to exfiltrate data.",
    remediation="""# Scope reads to the one bucket, secret, parameter path, table or key the function uses.""",
    peers=["CKV_AWS_108", "CKV_AWS_288", "FSBP KMS.1", "FSBP KMS.2"],
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-admin-managed-policy", "lambda-role-overprivileged"])
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


@resource_rule(
    "iam-assume-role-star", CAT, Sev.HIGH, phase="stack", **IDENTITY_RULE,
    title="Roles to assume are named",
    description="sts:AssumeRole on Resource * lets the holder become any role in any account that trusts it: "
                "one compromised function hops to every role that trusts its account.",
    remediation="""assume_statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": reports_role.arn}""",
    peers=["KICS IAM Policy Grants 'AssumeRole' Permission Across All Services", "CKV_AWS_287 (cloudsplaining)"],
    superseded_by=["iam-admin-star"])
def iam_assume_role_star(r, cfg):
    return _each_document(r, lambda where, doc: [
        (s, f"{where}{_sid(s)} allows sts:AssumeRole on every role ({s.everything}). Name the roles it may assume.")
        for s in doc.allows() if s.grants("sts:AssumeRole") and s.all_resources])


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
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-privesc-actions", "iam-assume-role-star", "iam-passrole-star"])
def iam_credentials_exposure(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows {_some(hit)} on every resource: each returns credentials. Remove them, or name "
        "the resources.") for s, hit in star_resource_grants(doc, credentials_actions())])


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
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-privesc-actions", "iam-passrole-star", "iam-credentials-exposure"])
def iam_permissions_management(r, cfg):
    return _each_document(r, lambda where, doc: [(s,
        f"{where}{_sid(s)} allows {_some(hit)} on every resource: each changes who may use a resource. Name the "
        "resources.") for s, hit in star_resource_grants(doc, permissions_actions())])


@resource_rule(
    "iam-write-star", CAT, Sev.LOW, phase="stack", **IDENTITY_RULE, hygiene=True,
    title="Write actions name their resources",
    description="Write actions (AWS's access level: they create, change or delete) on Resource * let stolen "
                "function credentials change every resource of the service, not just the function's own.",
    remediation="""# Name the resources the code writes to:
write_statement = {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": queue.arn}""",
    peers=["CKV_AWS_111", "CKV_AWS_290"],
    superseded_by=["iam-admin-star", "iam-wildcard-service-action", "iam-wildcard-resource", "iam-data-exfil-star", "iam-privesc-actions", "iam-permissions-management", "iam-credentials-exposure", "iam-assume-role-star", "iam-passrole-star"])
def iam_write_star(r, cfg):
    return _each_document(r, lambda where, doc: [
        (s, f"{where}{_sid(s)} allows {_some(hit)} on every resource. Name the resources.")
        for s in doc.allows() if (hit := write_grants(s))])


@resource_rule(
    "iam-admin-managed-policy", CAT, Sev.HIGH, phase="stack",
    types=[aws.ROLE, aws.ROLE_POLICY_ATTACHMENT, aws.POLICY_ATTACHMENT],
    title="No administrator managed policies",
    description="AdministratorAccess, IAMFullAccess and PowerUserAccess give a role far more than any function needs.",
    remediation="""# Detach the AWS-managed admin policy; attach a policy written for the function instead.""",
    peers=["CKV_AWS_274", "CKV2_AWS_56"], superseded_by=["lambda-role-overprivileged"])
def iam_admin_managed_policy(r, cfg):
    arns = as_list(r.known("managedPolicyArns")) if r.type == aws.ROLE else [r.known("policyArn")]
    bad = [a for a in arns if isinstance(a, str) and (a in ADMIN_MANAGED or grants_admin(a))]
    if bad:   # about those policies: the other rules' findings on their statements are superseded
        return Keyed(f"attaches the AWS-managed {', '.join(a.rsplit('/', 1)[-1] for a in bad)} policy. Attach a "
                     "least-privilege policy instead.", (managed_where(bad[0]),), [(managed_where(a),) for a in bad[1:]])
    return None


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
    config=list_setting("trustedAccounts", [], "Account ids whose root may be trusted without a condition."))
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
    superseded_by=["iam-trust-account-root"])
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


GITHUB = "token.actions.githubusercontent.com"


@resource_rule(
    "iam-trust-github-oidc-unscoped", CAT, Sev.HIGH, types=[aws.ROLE],
    title="GitHub OIDC trust is pinned to a repository",
    description="A role that trusts GitHub's OIDC provider without a sub condition can be assumed from any "
                "GitHub repository.",
    remediation="""# in the role's trust statement for token.actions.githubusercontent.com:
condition = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
             "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:ref:refs/heads/main"}}""",
    peers=["CKV_AWS_358", "CKV_AWS_393"])
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


@resource_rule(
    "iam-policy-on-user", CAT, Sev.LOW,
    types=[aws.USER_POLICY, aws.POLICY_ATTACHMENT, aws.USER_POLICY_ATTACHMENT],
    title="Permissions go to roles and groups, not users",
    description="Policies attached straight to IAM users are hard to review and tend to outlive their purpose.",
    remediation="""# Attach the policy to a group (aws.iam.GroupPolicyAttachment) or use roles with SSO.""",
    peers=["CKV_AWS_40", "FSBP IAM.2"])
def iam_policy_on_user(r, cfg):
    if r.type == aws.POLICY_ATTACHMENT and not as_list(r.known("users")):
        return None
    return "attaches a policy directly to an IAM user. Attach it to a group or a role."


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
    peers=["Trend Micro Lambda.SharedAdminRole"])
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
                       stricter="lower"))
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


def _guest_roles(stack) -> list:
    """Roles used for unauthenticated identities: named so by an IdentityPoolRoleAttachment, or whose
    trust policy admits cognito-identity with amr "unauthenticated"."""
    out = []
    for att in stack.of_type(aws.IDENTITY_POOL_ROLES):
        by_kind = att.get("roles")
        if isinstance(by_kind, dict) and set(by_kind) == {"unauthenticated"}:
            out += stack.targets(att, "roles", aws.ROLE)  # every role it references is the guest role
        elif isinstance(by_kind, dict) and isinstance(by_kind.get("unauthenticated"), str):
            out += [r for r in stack.of_type(aws.ROLE) if r.get("arn") == by_kind["unauthenticated"]]
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
                        "Actions (glob patterns) a guest role may grant."))
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


@stack_rule(
    "iam-role-policy-conflict", CAT, Sev.LOW, types=[aws.ROLE, aws.ROLE_POLICY, aws.ROLE_POLICY_ATTACHMENT],
    title="A role's policies are managed in one place",
    description="pulumi-aws manages a Role's inlinePolicies and managedPolicyArns exclusively: separate RolePolicy "
                "or RolePolicyAttachment resources for the same role are removed on the next update and added back "
                "on the one after, so the role's permissions flap between deployments. (An aws-native Role changes "
                "only the policies it lists, so it is not judged.)",
    remediation="""# Either everything on the Role (inline_policies=[...], managed_policy_arns=[...]),
# or nothing there and one RolePolicy / RolePolicyAttachment per policy.""",
    peers=["AWSGuard iam-role-no-policy-management-conflicts"])
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


def _names(resources: list) -> str:
    shown = ", ".join(f"'{r.name}'" for r in resources[:3])
    return f"{resources[0].kind} {shown}" + (f" and {len(resources) - 3} more" if len(resources) > 3 else "")
