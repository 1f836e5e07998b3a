"""SAS-7 Insecure application secrets storage.

Credentials in function environment variables, stage variables and plain SSM parameters (found by
detect-secrets), data stores and caches without customer-managed keys, secrets without rotation,
and key or secret policies open to anyone.

Remediation (level remediate): encryption switched on with AWS-managed keys (never a key the stack does
not have), rotation shortened to the allowed maximum. Customer-managed-key rules have no fix: they need
a key and its policy.
"""
from __future__ import annotations

import fnmatch
import json
import re

from .core import Sev, Want, property_rule, as_list, bool_setting, fixes, int_setting, list_setting, lookup, names_allowlist, \
    resource_rule, stack_rule
from .core import UNKNOWN, aws, secrets
from .core.checks import open_policy, s3_log_targets
from .core.cases import P, complies, violates

CAT = "SAS-7"
SECRET_NOT_HELPING = (" It is marked secret in Pulumi, which only hides it in Pulumi's state and output: anyone "
                      "who can read {where} still sees it in plain text.")
STORE_IT = "Store it in Secrets Manager or SSM SecureString and pass its ARN or name instead; read it at run time."


def marked_secret(r, path: str) -> bool:
    """Whether the program marked the value at ``path``, or a value that holds it, secret."""
    parts = path.split(".")
    return any(".".join(parts[:i]) in r.secret_paths for i in range(1, len(parts) + 1))


def _secret_findings(r, prop: str, cfg: dict, what: str, where: str, by_name: bool = False) -> list:
    """One message per variable under ``prop`` that holds a credential: a value the program marked secret
    (it knows it is one, and the service stores it in plain text), or one a detector recognises, or (with
    ``by_name``) a literal value under a name that names a secret (``API_TOKEN``), whatever its format. Names
    and detector types only, never a value."""
    variables = r.get(prop)
    if variables is UNKNOWN and marked_secret(r, prop):  # a whole map marked secret (its value hidden)
        return [f"{prop} is marked secret in Pulumi, so it holds credentials, which {where} shows in plain "
                f"text. {STORE_IT}"]
    variables = r.known(prop)
    if not isinstance(variables, dict):
        return []
    allowed = cfg.get("allowedVariables", ())
    out = []
    for key, value in variables.items():
        if any(fnmatch.fnmatchcase(key, p) for p in allowed):
            continue
        if marked_secret(r, f"{prop}.{key}"):
            out.append(f"{what} '{key}' holds a secret value (marked secret by the program or its stack config). {STORE_IT}"
                       + SECRET_NOT_HELPING.format(where=where))
            continue
        kinds = secrets.detect(key, value, entropy=cfg.get("entropyDetectors", False))
        if kinds == ["Secret Keyword"] and _a_setting(value):
            continue   # a name like USE_SECRETS with a flag or a number: the keyword matched the name, not a secret
        if kinds:
            out.append(f"{what} '{key}' holds what looks like a credential ({', '.join(kinds)}). {STORE_IT}")
        elif by_name and _literal_under_secret_name(key, value):
            out.append(f"{what} '{key}' holds what looks like a credential (a literal value under a name that names "
                       f"a secret). {STORE_IT}")
    return out


def _literal_under_secret_name(key: str, value) -> bool:
    """A value written as is (not computed, not an ARN or a reference to a secret store, not a flag or a number, at
    least 8 characters) under a name that names a secret (``API_TOKEN``, ``dbPassword``; not ``DB_PASSWORD_ARN``)."""
    if not isinstance(value, str) or not secrets.names_a_secret(key):
        return False
    text = value.strip()
    return len(text) >= 8 and not _a_setting(text) and not text.startswith("arn:") and not secrets.is_reference(text)


_SETTING_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null"})


def _a_setting(value) -> bool:
    """A flag or a short number: what a variable named like a secret holds when it is a setting
    (``USE_SECRETS=true``, ``TOKEN_TTL=86400``), never a credential. A number of six digits or more may be a
    PIN or a numeric key, and stays a finding."""
    text = value.strip().lower() if isinstance(value, str) else ""
    return text in _SETTING_WORDS or (len(text) <= 5 and text.replace(".", "", 1).isdigit())


SECRET_SCAN_CONFIG = {
    **list_setting("allowedVariables", [], "Variable names (glob patterns) known not to hold credentials."),
    **bool_setting("entropyDetectors", False,
                   "Also flag high-entropy strings (detect-secrets' Base64/Hex detectors); noisy on ids and hashes."),
}


@resource_rule(
    "lambda-env-secrets", CAT, Sev.HIGH, types=[aws.FUNCTION],
    title="Function environment variables hold no credentials",
    description="Credentials in Lambda environment variables are readable by anyone with "
                "lambda:GetFunctionConfiguration and end up in logs, state and CI output.",
    remediation="""secret = aws.secretsmanager.Secret("db-password")
aws.lambda_.Function("fn", ..., environment={"variables": {"DB_PASSWORD_SECRET_ARN": secret.arn}})
# and read the value at run time with the Secrets Manager SDK or the Parameters and Secrets extension""",
    peers=["CKV_AWS_45"], config=SECRET_SCAN_CONFIG,
    phrase=("holds what looks like a credential", "holds a secret value (marked secret by the program or its stack config)"))
def lambda_env_secrets(r, cfg):
    return _secret_findings(r, "environment.variables", cfg, "environment variable", "the function's configuration",
                            by_name=True)


@violates("lambda-env-secrets", resource="fn")
def env_var_with_aws_key():
    P.function(environment={"variables": {"AWS_SECRET": "AKIAIOSFODNN7EXAMPLE", "TABLE": "orders"}})


@violates("lambda-env-secrets", resource="fn")
def env_var_password_marked_secret():
    P.function(environment={"variables": {"DB_PASSWORD": P.pulumi.Output.secret(CANARY)}})


@violates("lambda-env-secrets", resource="fn")
def env_var_marked_secret_that_no_detector_knows():
    """The program knows it is a secret (config.require_secret): Lambda still stores it in plain text."""
    P.function(environment={"variables": {"UPSTREAM_SETTING": P.pulumi.Output.secret("x1-y2-z3"), "TABLE": "orders"}})


@complies("lambda-env-secrets")
def env_var_references_only():
    secret = P.aws.secretsmanager.Secret("db")
    P.function(environment={"variables": {"DB_SECRET_ARN": secret.arn, "TABLE_NAME": "orders", "LOG_LEVEL": "INFO",
                                          "PASSWORD_PARAM": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}})


@complies("lambda-env-secrets", config={"lambda-env-secrets": {"allowedVariables": ["TEST_TOKEN"]}})
def env_var_allow_listed():
    P.function(environment={"variables": {"TEST_TOKEN": "not-a-real-token-value"}})


@complies("lambda-env-secrets")
def environment_variables_not_a_mapping():
    P.function(environment={"variables": "DB_PASSWORD=oops"})


@complies("lambda-env-secrets")
def environment_variable_values_not_strings():
    P.function(environment={"variables": {"DB_PASSWORD_RETRIES": 3, "TOKEN_TTL": 60}})


@violates("lambda-env-secrets", resource="fn", says="environment variable 'DB_PASSWORD' holds what looks like a credential")
def env_var_numeric_password():
    """Six digits or more under a password's name may be a PIN: not a setting."""
    P.function(environment={"variables": {"DB_PASSWORD": "83920174", "TOKEN_TTL": "86400"}})


@violates("lambda-env-secrets", resource="fn", modes=("update",),
          says="environment variable 'API_TOKEN' holds what looks like a credential (a literal value")
def env_var_token_of_no_known_format():
    """A literal under a name that names a secret is the credential, whatever its shape (no detector knows it)."""
    P.function(environment={"variables": {"API_TOKEN": "plain-canary-token-123", "TABLE": "orders"}})


@complies("lambda-env-secrets")
def env_vars_named_like_secrets_holding_settings():
    """Under a secret's name, a number, an ARN, a reference to a secret store or a short flag is no credential; a
    name ending in _ARN, _NAME or _PARAM names where the secret is."""
    topic = P.aws.sns.Topic("token-events")
    P.function(environment={"variables": {
        "TOKEN_TTL_SECONDS": "3600", "PASSWORD_MIN_LENGTH": "12", "USE_SECRETS": "true",
        "TOKEN_EVENTS_TOPIC": topic.arn, "DB_PASSWORD_SECRET": "{{resolve:secretsmanager:db-password}}",
        "SECRET_NAME": "prod/orders/db", "API_KEY_PARAM": "/prod/orders/api-key"}})


@violates("lambda-env-secrets", resource="fn")
def function_env_secret_marked():
    _function(environment={"variables": {"DB_PASSWORD": P.pulumi.Output.secret("s3cr3t-value-xyz")}})


@resource_rule(
    "lambda-env-cmk", CAT, Sev.LOW, types=[aws.FUNCTION],
    title="Function environment variables are encrypted with a customer-managed key",
    description="Without kmsKeyArn, environment variables use the AWS-managed key, whose use cannot be limited "
                "by a key policy.",
    remediation="""key = aws.kms.Key("fn-env", enable_key_rotation=True)
aws.lambda_.Function("fn", ..., kms_key_arn=key.arn)""",
    peers=["CKV_AWS_173"], hygiene=True,
    phrase="has environment variables but no kms_key_arn")
def lambda_env_cmk(r, cfg):
    variables = r.known("environment.variables")
    if isinstance(variables, dict) and variables and not r.is_set("kmsKeyArn"):
        return "has environment variables but no kmsKeyArn. Encrypt them with a customer-managed KMS key."
    return None


@violates("lambda-env-cmk", resource="fn")
def env_without_cmk():
    P.function(environment={"variables": {"TABLE": "orders"}})


@complies("lambda-env-cmk")
def env_with_cmk():
    key = P.aws.kms.Key("env", enable_key_rotation=True)
    P.function(environment={"variables": {"TABLE": "orders"}}, kms_key_arn=key.arn)


@resource_rule(
    "apigw-stage-variable-secrets", CAT, Sev.MEDIUM, types=[aws.REST_STAGE, aws.HTTP_STAGE],
    title="API Gateway stage variables hold no credentials",
    description="Stage variables are plain configuration, visible to anyone who can read the stage.",
    remediation="""# Keep credentials in Secrets Manager; give the integration (Lambda) the secret's ARN instead.
aws.apigateway.Stage("prod", ..., variables={"backendSecretArn": secret.arn})""",
    config=SECRET_SCAN_CONFIG,
    phrase=("holds what looks like a credential", "holds a secret value (marked secret by the program or its stack config)"))
def apigw_stage_variable_secrets(r, cfg):
    prop = "variables" if r.type == aws.REST_STAGE else "stageVariables"
    return _secret_findings(r, prop, cfg, "stage variable", "the stage", by_name=True)


@violates("apigw-stage-variable-secrets", resource="prod")
def stage_variable_with_token():
    _rest_stage(variables={"backendToken": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"})


@violates("apigw-stage-variable-secrets", resource="live")
def http_stage_variable_with_password():
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Stage("live", api_id=api.id, name="live", stage_variables={"dbPassword": CANARY})


@violates("apigw-stage-variable-secrets", resource="prod",
          says="stage variable 'backendToken' holds what looks like a credential (a literal value")
def stage_variable_token_of_no_known_format():
    """The variable's name is shown as the program wrote it (not as a Python argument)."""
    _rest_stage(variables={"backendToken": "k3y-for-the-backend-9f2", "backendHost": "orders.internal"})


@complies("apigw-stage-variable-secrets")
def stage_variables_plain():
    _rest_stage(variables={"backendHost": "orders.internal", "featureFlag": "on"})


@resource_rule(
    "sfn-definition-secrets", CAT, Sev.HIGH, types=[aws.STATE_MACHINE],
    title="State machine definitions hold no credentials",
    description="A state machine's definition (its ASL JSON) is returned by states:DescribeStateMachine, shown in "
                "the console and copied into execution history: a token, key or password written into it (an HTTP "
                "task's header, a task's Parameters) is readable by everyone who can look at the workflow.",
    remediation="""# Read the secret at run time in the workflow, never write its value into the definition:
#   "GetToken": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
#                "Parameters": {"SecretId": "<secret ARN>"}, "ResultSelector": {"token.$": "$.SecretString"}, ...}
# and give HTTP tasks an EventBridge connection (Authentication.ConnectionArn), which keeps the credential.
aws.sfn.StateMachine("checkout", role_arn=role.arn, definition=secret.arn.apply(lambda arn: json.dumps(asl(arn))))""",
    peers=["Prowler stepfunctions_statemachine_no_secrets_in_definition"], config=SECRET_SCAN_CONFIG,
    phrase=("definition holds what looks like a credential", "definition holds a secret value (marked secret by the program or its stack config)"))
def sfn_definition_secrets(r, cfg):
    if marked_secret(r, "definition"):
        return ("definition holds a secret value (marked secret by the program or its stack config), and a definition is stored and shown in plain "
                f"text. Read the secret at run time in the workflow (an aws-sdk:secretsmanager:getSecretValue task) "
                f"instead.{SECRET_NOT_HELPING.format(where='the state machine')}")
    text = r.known("definition")
    if not isinstance(text, str):
        return None
    try:
        asl = json.loads(text)
    except ValueError:
        return None   # not JSON: the provider rejects it before anything is stored
    allowed = cfg.get("allowedVariables", ())
    hits = []
    for path, key, value in _string_leaves(asl):
        if any(fnmatch.fnmatchcase(key, p) for p in allowed):
            continue
        kinds = secrets.detect(key, value, entropy=cfg.get("entropyDetectors", False)) or _credential_header(key, value)
        if kinds:
            hits.append(f"{path} ({', '.join(kinds)})")
    if hits:
        more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
        return (f"definition holds what looks like a credential at {', '.join(hits[:3])}{more}. Read it at run time "
                "in the workflow (an aws-sdk:secretsmanager:getSecretValue task, or an EventBridge connection for "
                "HTTP tasks) instead.")
    return None


@violates("sfn-definition-secrets", resource="checkout")
def state_machine_with_a_token_in_an_http_header():
    _flow(_http_task({"Authorization": "Bearer " + "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"}))


@violates("sfn-definition-secrets", resource="checkout", modes=("update",))
def state_machine_built_from_a_pulumi_secret():
    token = P.pulumi.Output.secret("not-a-detectable-token")
    _flow(token.apply(lambda t: _http_task({"X-Api-Key": t})))


@violates("sfn-definition-secrets", resource="checkout")
def state_machine_with_an_api_key_header_of_no_known_format():
    _flow(_http_task({"X-Api-Key": "a1b2c3d4e5f6a7b8c9d0", "Content-Type": "application/json"}))


@violates("sfn-definition-secrets", resource="checkout")
def state_machine_with_a_basic_authorization_header():
    _flow(_http_task({"Authorization": "Basic dXNlcjpjaGFuZ2VtZTEyMw=="}))


@complies("sfn-definition-secrets")
def state_machine_passing_its_header_from_the_input():
    """Headers read from the execution's input (JSONPath) or with an intrinsic are no literal credential."""
    _flow(_http_task({"Authorization.$": "$.auth", "X-Api-Key.$": "States.Format('{}', $.key)",
                      "Content-Type": "application/json", "X-Request-Id": "checkout-flow-v2"}))


@complies("sfn-definition-secrets")
def state_machine_reading_its_secret_at_run_time():
    _flow(json.dumps({"StartAt": "GetToken", "States": {"GetToken": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", "End": True,
        "Parameters": {"SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-AbCdEf"},
        "ResultSelector": {"token.$": "$.SecretString"}}}}))


@complies("sfn-definition-secrets")
def state_machine_definition_as_object():
    role = P.native.iam.Role("flow-role", assume_role_policy_document=json.loads(json.dumps(P.LAMBDA_TRUST_OBJECT)))
    P.native.stepfunctions.StateMachine("flow", role_arn=role.arn, definition={
        "StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


# HTTP headers that carry a credential (an HTTP task's Headers), besides any key naming a secret
_AUTH_HEADER = re.compile(r"(?i)^(proxy-)?authorization$|^x-(api|auth|access|amz-security)-(key|token)$|^api-?key$")
# what in a definition is not a literal: a JSONPath or JSONata expression, an intrinsic function, an ARN
_NOT_LITERAL = ("$", "{%", "States.", "arn:")


def _credential_header(key: str, value: str) -> list:
    """``["a literal credential header"]`` when ``value`` is written into the definition as is under a header
    or key that carries a credential (``Authorization``, ``X-Api-Key``, ``x-auth-token``, ``db_password``):
    a value the detector knows no format of is still the credential (a key or token of any shape)."""
    if key.endswith(".$") or not isinstance(value, str) or value.startswith(_NOT_LITERAL):
        return []
    token = value.split(None, 1)[-1] if value.lower().startswith(("bearer ", "basic ", "token ")) else value
    if len(token.strip()) < 8 or token.startswith(_NOT_LITERAL):
        return []
    return ["a literal credential header"] if _AUTH_HEADER.search(key) or secrets.names_a_secret(key) else []


def _string_leaves(doc, limit: int = 10_000) -> list:
    """(path, key, string) for the string values of a parsed definition, breadth-first, at most ``limit``."""
    from collections import deque

    out: list = []
    queue = deque([("", "", doc)])
    while queue and len(out) < limit:
        path, key, value = queue.popleft()
        if isinstance(value, str):
            out.append((path or "(root)", key, value))
        elif isinstance(value, dict):
            queue.extend((f"{path}.{k}" if path else str(k), str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            queue.extend((f"{path}[{i}]", key, v) for i, v in enumerate(value))
    return out


@stack_rule(
    "tags-secrets", CAT, Sev.MEDIUM, types=[],
    title="Tags hold no credentials",
    description="Tags are metadata: anyone with tag:GetResources or a service's describe permission reads them, "
                "and they are copied into cost reports and inventories. A value the program marked secret, or "
                "one that looks like a credential, put in a tag is published that way.",
    remediation="""aws.lambda_.Function("orders", ..., tags={"owner": "payments-team"})   # names and owners, never credentials""",
    config=SECRET_SCAN_CONFIG,
    phrase=("tag 'db-password' holds a secret value (marked secret by the program or its stack config)", "tag 'deploy-token' holds what looks like a credential"))
def tags_secrets(stack, cfg):
    for r in stack.resources:
        if r.type.startswith("pulumi:"):
            continue
        for prop in ("tags", "tagsAll"):
            if r.get(prop) is None:
                continue
            found = _secret_findings(r, prop, cfg, "tag", "the resource's tags")
            if found:
                yield from ((r, m) for m in found)
                break   # tagsAll repeats tags


@violates("tags-secrets", resource="orders", modes=("update",))
def a_secret_in_a_tag():
    P.aws.sqs.Queue("orders", tags={"owner": "payments", "db-password": P.pulumi.Output.secret("hunter2-not-really")})


@violates("tags-secrets", resource="uploads")
def a_token_in_a_tag():
    P.aws.s3.Bucket("uploads", tags={"deploy-token": "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"})


@complies("tags-secrets")
def plain_tags():
    P.aws.sqs.Queue("orders", tags={"owner": "payments", "cost-center": "cc-1042", "env": "prod"})


@violates("tags-secrets", resource="fn")
def function_tag_holds_a_secret():
    _function(tags=[{"key": "db-password", "value": P.pulumi.Output.secret("s3cr3t-value-xyz")}])


@resource_rule(
    "ssm-param-plaintext-secret", CAT, Sev.MEDIUM, types=[aws.SSM_PARAMETER],
    title="Secrets in SSM Parameter Store are SecureStrings",
    description="A String parameter that holds a credential is stored and returned in plain text.",
    remediation="""aws.ssm.Parameter("db-password", type="SecureString", value=password, key_id=key.arn)""",
    peers=["CKV2_AWS_34", "CKV_AWS_337"],
    config={**bool_setting("requireCmk", False, "SecureString parameters must use a customer-managed key."),
            **SECRET_SCAN_CONFIG},
    phrase=("is type String but", "is a SecureString encrypted with the AWS-managed key"))
def ssm_param_plaintext_secret(r, cfg):
    kind = r.known("type")
    name = r.get("name")
    name = name if isinstance(name, str) else r.name
    if kind in ("String", "StringList"):
        value = r.get("value")
        value = value if isinstance(value, str) else r.get("insecureValue")
        kinds = secrets.detect(name.rsplit("/", 1)[-1], value) if isinstance(value, str) else []
        # (pulumi-aws marks every parameter's value secret itself, so being secret says nothing here)
        if kinds or secrets.names_a_secret(name.rsplit("/", 1)[-1]):
            why = f"its value looks like a credential ({', '.join(kinds)})" if kinds else "its name names a secret"
            return f"is type {kind} but {why}. Use type=\"SecureString\" with a KMS key."
    if kind == "SecureString" and cfg["requireCmk"]:
        key = r.get("keyId")  # an unknown key id comes from a key in the stack: not the AWS-managed alias
        if not key or (isinstance(key, str) and key.endswith("alias/aws/ssm")):
            return "is a SecureString encrypted with the AWS-managed key; requireCmk asks for a customer-managed keyId."
    return None


@violates("ssm-param-plaintext-secret", resource="db-password")
def ssm_string_named_password():
    P.aws.ssm.Parameter("db-password", name="/app/db/password", type="String", value=P.pulumi.Output.secret(CANARY))


@complies("ssm-param-plaintext-secret")
def ssm_string_plain_setting():
    """pulumi-aws marks every parameter value secret itself: that alone is no finding."""
    P.aws.ssm.Parameter("settings", name="/app/upstream", type="String", value="orders.internal")


@complies("ssm-param-plaintext-secret")
def ssm_secure_string():
    P.aws.ssm.Parameter("db-password", name="/app/db/password", type="SecureString", value=P.pulumi.Output.secret(CANARY))


@violates("ssm-param-plaintext-secret", resource="db-password", config={"ssm-param-plaintext-secret": {"requireCmk": True}})
def ssm_secure_string_without_cmk_when_required():
    P.aws.ssm.Parameter("db-password", name="/app/db/password", type="SecureString", value=CANARY)


property_rule(
    "secret-cmk", CAT, Sev.LOW, types=[aws.SECRET],
    title="Secrets Manager secrets use a customer-managed key",
    description="Secrets encrypted with aws/secretsmanager cannot be shared across accounts or limited by a key policy.",
    path="kmsKeyId", want=Want.customer_key("alias/aws/secretsmanager", unset="unset (aws/secretsmanager)"),
    message="{path} is {value}, not a customer-managed key. Set kmsKeyId to your own KMS key.",
    example='aws.secretsmanager.Secret("db")', peers=["CKV_AWS_149"], hygiene=True)


@violates("secret-cmk", resource="db")
def secret_default_key():
    P.aws.secretsmanager.Secret("db")


@complies("secret-cmk")
def secret_customer_key():
    key = P.aws.kms.Key("secrets", enable_key_rotation=True)
    P.aws.secretsmanager.Secret("db", kms_key_id=key.arn)


@stack_rule(
    "secret-rotation-missing", CAT, Sev.MEDIUM, types=[aws.SECRET, aws.SECRET_ROTATION],
    title="Secrets Manager secrets rotate",
    description="A secret that never rotates stays valid forever once leaked.",
    remediation="""aws.secretsmanager.SecretRotation("db", secret_id=secret.id, rotation_lambda_arn=rotator.arn,
    rotation_rules={"automatically_after_days": 30})""",
    peers=["CKV2_AWS_57", "FSBP SecretsManager.1"], config=names_allowlist("secrets that cannot rotate (third-party keys)"),
    phrase="has no SecretRotation")
def secret_rotation_missing(stack, cfg):
    rotated: set = set()
    for rot in stack.of_type(aws.SECRET_ROTATION):
        rotated.update(s.urn for s in stack.targets(rot, "secretId", aws.SECRET))
    for secret in stack.of_type(aws.SECRET):
        if secret.urn not in rotated:
            yield secret, ("has no SecretRotation. Add one with a rotation function, or list the secret in "
                           "allowedNames (or exempt it with a reason) if its issuer cannot rotate it.")


@violates("secret-rotation-missing", resource="db")
def secret_without_rotation():
    P.aws.secretsmanager.Secret("db")


@complies("secret-rotation-missing")
def secret_with_rotation():
    s = P.aws.secretsmanager.Secret("db")
    rot = P.function("rotator")
    P.aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_lambda_arn=rot.arn,
                                        rotation_rules={"automatically_after_days": 30})


RATE = re.compile(r"^rate\(\s*(\d+)\s+(day|days|hour|hours|minute|minutes)\s*\)$")


@resource_rule(
    "secret-rotation-interval", CAT, Sev.LOW, types=[aws.SECRET_ROTATION],
    title="Secrets rotate at least every 90 days",
    description="A long rotation interval leaves a leaked secret usable for months.",
    remediation="""aws.secretsmanager.SecretRotation("db", ..., rotation_rules={"automatically_after_days": 30})""",
    peers=["CKV_AWS_304", "FSBP SecretsManager.4"],
    config=int_setting("maxRotationDays", 90, "Longest allowed rotation interval in days.", 1, stricter="lower"),
    phrase="more than maxRotationDays")
def secret_rotation_interval(r, cfg):
    days = r.number("rotationRules.automaticallyAfterDays")
    expr = r.known("rotationRules.scheduleExpression")
    if days is None and isinstance(expr, str):
        m = RATE.match(expr.strip())
        if m:
            n, unit = int(m.group(1)), m.group(2)
            days = n if unit.startswith("day") else n / 24 if unit.startswith("hour") else n / 1440
    if days is not None and days > cfg["maxRotationDays"]:
        return f"rotates every {days:g} days, more than maxRotationDays ({cfg['maxRotationDays']})."
    return None


@fixes("secret-rotation-interval")
def _rotate_sooner(r, cfg):
    if r.known("rotationRules.scheduleExpression"):
        return None  # a schedule expression is the owner's to rewrite
    return {"rotationRules.automaticallyAfterDays": cfg["maxRotationDays"]}


@violates("secret-rotation-interval", resource="db-rotation", fixed={"rotationRules.automaticallyAfterDays": 90})
def rotation_every_half_year():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_rules={"automatically_after_days": 180})


@violates("secret-rotation-interval", resource="db-rotation")
def rotation_rate_expression():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_rules={"schedule_expression": "rate(120 days)"})


@complies("secret-rotation-interval")
def rotation_monthly():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_rules={"automatically_after_days": 30})


@resource_rule(
    "secret-policy-public", CAT, Sev.CRITICAL, types=[aws.SECRET_POLICY, aws.SECRET],
    title="Secret resource policies are not open to everyone",
    description="A secret policy that allows Principal * lets any AWS account read the secret.",
    remediation="""aws.secretsmanager.SecretPolicy("db", secret_arn=secret.arn, block_public_policy=True,
    policy=json.dumps({"Version": "2012-10-17", "Statement": [...]}))  # named principals only""",
    phrase=("allows anyone - Principal \"*\"", "block_public_policy is false"))
def secret_policy_public(r, cfg):
    out = open_policy(r, "policy")
    if r.type == aws.SECRET_POLICY and r.flag("blockPublicPolicy") is False:
        out.append("blockPublicPolicy is false, so a public policy would be accepted. Set blockPublicPolicy=True.")
    return out


@fixes("secret-policy-public", types=[aws.SECRET_POLICY])
def _block_public_secret_policy(r, cfg):
    return {"blockPublicPolicy": True}  # kept only if the policy itself is not public (the rule must pass)


@violates("secret-policy-public", resource="db-policy")
def secret_policy_open():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretPolicy("db-policy", secret_arn=s.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@violates("secret-policy-public", resource="db-policy", fixed={"blockPublicPolicy": True})
def secret_policy_public_block_off():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretPolicy("db-policy", secret_arn=s.arn, block_public_policy=False, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@complies("secret-policy-public")
def secret_policy_named_principal():
    s = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretPolicy("db-policy", secret_arn=s.arn, block_public_policy=True, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@resource_rule(
    "kms-rotation", CAT, Sev.MEDIUM, types=[aws.KMS_KEY],
    title="Symmetric KMS keys rotate",
    description="A symmetric key that never rotates keeps every ciphertext tied to one key material forever.",
    remediation="""aws.kms.Key("data", enable_key_rotation=True, rotation_period_in_days=365)""",
    peers=["CKV_AWS_7", "FSBP KMS.4", "AWSGuard cmk-backing-key-rotation-enabled"],
    phrase="with enable_key_rotation not true")
def kms_rotation(r, cfg):
    usage = r.known("keyUsage") or "ENCRYPT_DECRYPT"
    spec = r.known("customerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    if usage == "ENCRYPT_DECRYPT" and spec == "SYMMETRIC_DEFAULT" and r.flag("enableKeyRotation") is not True:
        return "is a symmetric encryption key with enableKeyRotation not true. Set enableKeyRotation=True."
    return None


@fixes("kms-rotation")
def _rotate_key(r, cfg):
    return {"enableKeyRotation": True}


@violates("kms-rotation", resource="data", fixed={"enableKeyRotation": True})
def key_without_rotation():
    P.aws.kms.Key("data")


@complies("kms-rotation")
def key_with_rotation_and_asymmetric_key():
    P.aws.kms.Key("data", enable_key_rotation=True)
    P.aws.kms.Key("signing", key_usage="SIGN_VERIFY", customer_master_key_spec="RSA_2048")


@resource_rule(
    "kms-policy-public", CAT, Sev.CRITICAL, types=[aws.KMS_KEY, aws.KMS_KEY_POLICY],
    title="KMS key policies are not open to everyone",
    description="A key policy that allows Principal * without an account, organization or service condition "
                "lets anyone use or manage the key.",
    remediation="""# In the key policy, give "Principal": {"AWS": "arn:aws:iam::<account>:root"} or add
# "Condition": {"StringEquals": {"kms:CallerAccount": "<account>"}}""",
    peers=["CKV_AWS_33", "FSBP KMS.5"],
    phrase="allows anyone - Principal \"*\"")
def kms_policy_public(r, cfg):
    # kms:ViaService pins the caller to an AWS service acting for a principal of the account.
    return open_policy(r, "policy", also_restricting=("kms:viaservice",))


@violates("kms-policy-public", resource="data")
def key_policy_open():
    P.aws.kms.Key("data", enable_key_rotation=True, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}))


@complies("kms-policy-public")
def key_policy_caller_account():
    P.aws.kms.Key("data", enable_key_rotation=True, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Encrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}}))


@stack_rule(
    "kms-policy-defined", CAT, Sev.LOW, types=[aws.KMS_KEY, aws.KMS_KEY_POLICY],
    title="KMS keys have an explicit key policy",
    description="A key without its own policy gets the default one, which leaves access to IAM policies alone.",
    remediation="""aws.kms.Key("data", enable_key_rotation=True, policy=json.dumps({...}))""",
    peers=["CKV2_AWS_64"],
    phrase="has no policy and no KeyPolicy")
def kms_policy_defined(stack, cfg):
    for key in stack.of_type(aws.KMS_KEY):
        if key.get("policy") in (None, "") and not stack.referrers(key, aws.KMS_KEY_POLICY, prop="keyId"):
            yield key, "has no policy and no KeyPolicy, so the default key policy applies. Write one that names " \
                       "the key's administrators and users."


@violates("kms-policy-defined", resource="data")
def key_without_policy():
    P.aws.kms.Key("data", enable_key_rotation=True)


@complies("kms-policy-defined")
def key_with_key_policy_resource():
    key = P.aws.kms.Key("data", enable_key_rotation=True)
    P.aws.kms.KeyPolicy("data-policy", key_id=key.id, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}))


property_rule(
    "log-group-kms", CAT, Sev.LOW, types=[aws.LOG_GROUP],
    title="Log groups are encrypted with a customer-managed key",
    description="Function logs often carry request data; a customer-managed key limits who can read them.",
    path="kmsKeyId", want=Want.present("key.arn"),
    message="has no {path}. Encrypt it with a customer-managed KMS key.",
    example='aws.cloudwatch.LogGroup("fn-logs", name="/aws/lambda/fn", retention_in_days=90)',
    peers=["CKV_AWS_158"],
    hygiene=True)


@violates("log-group-kms", resource="logs")
def log_group_without_key():
    P.aws.cloudwatch.LogGroup("logs", retention_in_days=90)


@complies("log-group-kms")
def log_group_with_key():
    key = P.aws.kms.Key("logs", enable_key_rotation=True)
    P.aws.cloudwatch.LogGroup("logs", retention_in_days=90, kms_key_id=key.arn)


# --- data stores and caches ---------------------------------------------------------------------

@stack_rule(
    "s3-sse-kms", CAT, Sev.LOW, types=[*aws.BUCKETS, *aws.BUCKET_SSES, *aws.BUCKET_LOGGINGS],
    title="S3 buckets encrypt with KMS",
    description="SSE-S3 (the default) leaves no key to audit or revoke: every decryption of an SSE-KMS object is "
                "a CloudTrail event and needs kms:Decrypt. Only a customer-managed key (kmsMasterKeyId) can also be "
                "limited by a key policy; the AWS-managed aws/s3 key cannot.",
    remediation="""aws.s3.BucketServerSideEncryptionConfiguration("data", bucket=bucket.id, rules=[{
    "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
    "bucket_key_enabled": True}])""",
    peers=["CKV_AWS_19", "CKV_AWS_145", "FSBP S3.17"], config=names_allowlist("buckets"), hygiene=True,
    phrase="is not encrypted with SSE-KMS")
def s3_sse_kms(stack, cfg):
    # Server access logs can only be delivered to a bucket encrypted with SSE-S3, so log targets are exempt.
    log_targets = s3_log_targets(stack)
    for bucket in stack.of_type(*aws.BUCKETS):
        if bucket.urn in log_targets:
            continue
        configs = stack.referrers(bucket, *aws.BUCKET_SSES, prop="bucket")
        algos = [lookup(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")
                 for c in configs for rule in as_list(c.get("rules")) if isinstance(rule, dict)]
        if not configs:  # the older inline argument (one rule object)
            inline = bucket.get("serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.sseAlgorithm")
            algos += [inline] if inline is not None else []
        if any(a not in ("aws:kms", "aws:kms:dsse") for a in algos if isinstance(a, str)) or not algos:
            if any(a is not None and not isinstance(a, str) for a in algos):
                continue  # unknown in preview
            yield bucket, ("is not encrypted with SSE-KMS (it has " + ("SSE-S3" if algos else "no encryption "
                           "configuration, so SSE-S3") + "). Add a BucketServerSideEncryptionConfiguration with "
                           "sseAlgorithm \"aws:kms\".")


@violates("s3-sse-kms", resource="data")
def bucket_sse_s3():
    b = P.aws.s3.Bucket("data")
    P.aws.s3.BucketServerSideEncryptionConfiguration("data-sse", bucket=b.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])


@complies("s3-sse-kms")
def bucket_sse_kms():
    key = P.aws.kms.Key("data", enable_key_rotation=True)
    b = P.aws.s3.Bucket("data")
    P.aws.s3.BucketServerSideEncryptionConfiguration("data-sse", bucket=b.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
         "bucket_key_enabled": True}])


@complies("s3-sse-kms")
def bucket_encrypted_with_a_customer_key():
    key = P.native.kms.Key("key", enable_key_rotation=True)
    P.native.s3.Bucket("data", bucket_encryption={"server_side_encryption_configuration": [{
        "server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}]})


@violates("s3-sse-kms", resource="data")
def inline_sse_s3():
    P.aws.s3.Bucket("data", server_side_encryption_configuration={
        "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}})


@resource_rule(
    "sqs-encryption", CAT, Sev.MEDIUM, types=[aws.QUEUE],
    title="SQS queues are encrypted",
    description="Messages carry event data. New queues are encrypted with SQS-managed keys by default; turning that "
                "off without a KMS key stores messages unencrypted at rest.",
    remediation="""aws.sqs.Queue("jobs", kms_master_key_id=key.arn)  # or leave sqs_managed_sse_enabled at its default (True)""",
    peers=["CKV_AWS_27", "FSBP SQS.1"],
    phrase="sets sqs_managed_sse_enabled to false with no kms_master_key_id")
def sqs_encryption(r, cfg):
    if not r.is_set("kmsMasterKeyId") and r.flag("sqsManagedSseEnabled") is False:
        return ("sets sqsManagedSseEnabled to false with no kmsMasterKeyId: messages are stored unencrypted at rest. "
                "Remove sqsManagedSseEnabled=False, or set kmsMasterKeyId.")
    return None


@fixes("sqs-encryption")
def _sse_sqs(r, cfg):
    return {"sqsManagedSseEnabled": True}


@violates("sqs-encryption", resource="jobs", fixed={"sqsManagedSseEnabled": True})
def queue_unencrypted():
    P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False)


@complies("sqs-encryption")
def queue_encrypted():
    P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    key = P.aws.kms.Key("q", enable_key_rotation=True)
    P.aws.sqs.Queue("jobs-kms", kms_master_key_id=key.arn)


@complies("sqs-encryption")
def queue_with_default_encryption():
    """New queues get SSE-SQS by default: setting nothing is encrypted."""
    P.aws.sqs.Queue("jobs")


property_rule(
    "sns-encryption", CAT, Sev.MEDIUM, types=[aws.TOPIC],
    title="SNS topics are encrypted",
    description="Without a KMS key, SNS stores messages unencrypted at rest.",
    path="kmsMasterKeyId", want=Want.present('"alias/aws/sns"', value="alias/aws/sns"),
    message="has no {path}. Set one (alias/aws/sns, or a customer-managed key).",
    example='aws.sns.Topic("events")', note="or your own key", remediate=True,
    peers=["CKV_AWS_26", "FSBP SNS.1"])


@violates("sns-encryption", resource="events")
def topic_unencrypted():
    P.aws.sns.Topic("events")


@complies("sns-encryption")
def topic_encrypted():
    P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")


@resource_rule(
    "dynamodb-cmk", CAT, Sev.LOW, types=[aws.TABLE],
    title="DynamoDB tables use a customer-managed key",
    description="Tables are always encrypted, but only a customer-managed key lets a key policy limit readers.",
    remediation="""aws.dynamodb.Table("orders", ..., server_side_encryption={"enabled": True, "kms_key_arn": key.arn})""",
    peers=["CKV_AWS_119"], hygiene=True,
    phrase=("does not use a customer-managed KMS key", "without kms_key_arn, which are encrypted with the AWS-owned"))
def dynamodb_cmk(r, cfg):
    if r.flag("serverSideEncryption.enabled") is not True or not r.is_set("serverSideEncryption.kmsKeyArn"):
        return "does not use a customer-managed KMS key. Set serverSideEncryption with enabled and kmsKeyArn."
    bare = [str(rep.get("regionName", i)) for i, rep in enumerate(as_list(r.known("replicas")))
            if isinstance(rep, dict) and not rep.get("kmsKeyArn")]
    if bare:
        return (f"has replicas ({', '.join(bare[:5])}) without kmsKeyArn, which are encrypted with the AWS-owned "
                "key. Give each replica the key of its region.")
    return None


@violates("dynamodb-cmk", resource="orders")
def table_owned_key():
    P.table()


@complies("dynamodb-cmk")
def table_customer_key():
    key = P.aws.kms.Key("table", enable_key_rotation=True)
    P.table(server_side_encryption={"enabled": True, "kms_key_arn": key.arn})


@violates("dynamodb-cmk", resource="orders")
def table_replica_without_key():
    P.table(stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES",
            server_side_encryption={"enabled": True, "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k1"},
            replicas=[{"region_name": "eu-west-1"}])


@resource_rule(
    "kinesis-cmk", CAT, Sev.LOW, types=[aws.KINESIS_STREAM], hygiene=True,
    title="Kinesis streams use a customer-managed key",
    description="A stream encrypted with the AWS-managed alias/aws/kinesis key cannot be limited by a key "
                "policy of yours.",
    remediation="""aws.kinesis.Stream("clicks", shard_count=1, encryption_type="KMS", kms_key_id=key.arn)""",
    peers=["CKV_AWS_185", "FSBP Kinesis.3"], superseded_by=["kinesis-stream-encryption"],
    phrase=("kms_key_id is alias/aws/kinesis, the AWS-managed key", "not encrypted with a customer-managed key"))
def kinesis_cmk(r, cfg):
    kind = r.known("encryptionType")
    if kind != "KMS":
        return f"encryptionType is {kind or 'unset (NONE)'}: not encrypted with a customer-managed key. Set KMS with one."
    key = r.known("kmsKeyId")
    if not key or key == "alias/aws/kinesis":
        return f"kmsKeyId is {key or 'unset'}, the AWS-managed key. Use a customer-managed key."
    return None


@violates("kinesis-cmk", resource="clicks")
def stream_with_aws_managed_key():
    P.aws.kinesis.Stream("clicks", shard_count=1, retention_period=168, encryption_type="KMS",
                         kms_key_id="alias/aws/kinesis")


@complies("kinesis-cmk")
def stream_with_customer_key():
    key = P.aws.kms.Key("key", enable_key_rotation=True)
    P.aws.kinesis.Stream("clicks", shard_count=1, retention_period=168, encryption_type="KMS", kms_key_id=key.arn)


@violates("kinesis-cmk", resource="clicks", superseded_by="kinesis-stream-encryption", says="encryption_type is unset (NONE): not encrypted with a customer-managed key")
def kinesis_cmk_under_kinesis_stream_encryption():
    P.aws.kinesis.Stream("clicks", shard_count=1)


property_rule(
    "sqs-cmk", CAT, Sev.LOW, types=[aws.QUEUE], hygiene=True,
    title="Queues use a customer-managed key",
    description="SQS-managed encryption and the AWS-managed alias/aws/sqs key cannot be limited by a key policy "
                "of yours, nor shared with a producer in another account.",
    path="kmsMasterKeyId", want=Want.customer_key("alias/aws/sqs"),
    message="{path} is {value}, not a customer-managed key. Set one.",
    example='aws.sqs.Queue("orders")', peers=["CKV2_AWS_73"])


@violates("sqs-cmk", resource="jobs")
def queue_with_aws_managed_key():
    P.aws.sqs.Queue("jobs", kms_master_key_id="alias/aws/sqs")


@complies("sqs-cmk")
def queue_with_customer_key():
    key = P.aws.kms.Key("key", enable_key_rotation=True)
    P.aws.sqs.Queue("jobs", kms_master_key_id=key.arn)


@resource_rule(
    "ecr-cmk", CAT, Sev.LOW, types=[aws.ECR_REPOSITORY], hygiene=True,
    title="Image repositories use a customer-managed key",
    description="Images are encrypted with AES256 by default; a customer-managed KMS key lets a key policy "
                "limit who can pull them.",
    remediation="""aws.ecr.Repository("app", encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}])""",
    peers=["CKV_AWS_136"],
    phrase="is not encrypted with a customer-managed key")
def ecr_cmk(r, cfg):
    configs = [c for c in as_list(r.known("encryptionConfigurations")) if isinstance(c, dict)]
    if not any(c.get("encryptionType") in ("KMS", "KMS_DSSE") and c.get("kmsKey") for c in configs):
        return ("is not encrypted with a customer-managed key (encryptionConfigurations with encryptionType KMS "
                "and a kmsKey). Set one.")
    return None


@violates("ecr-cmk", resource="images")
def repository_with_default_encryption():
    P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


@complies("ecr-cmk")
def repository_with_customer_key():
    key = P.aws.kms.Key("key", enable_key_rotation=True)
    P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE",
                         encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}])


property_rule(
    "scheduler-cmk", CAT, Sev.LOW, types=[aws.SCHEDULE],
    hygiene=True,
    title="Schedules use a customer-managed key",
    description="A schedule's target input (often an event with identifiers or tokens) is encrypted with an "
                "AWS-owned key unless kmsKeyArn names yours.",
    path="kmsKeyArn", want=Want.present("key.arn"),
    message="has no {path}. Set a customer-managed key.",
    example='aws.scheduler.Schedule("nightly", ...)',
    peers=["CKV_AWS_297"])


@violates("scheduler-cmk", resource="nightly")
def schedule_with_aws_owned_key():
    _schedule()


@complies("scheduler-cmk")
def schedule_with_customer_key():
    _schedule(kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k1")


@resource_rule(
    "apigw-cache-encryption", CAT, Sev.MEDIUM, types=[aws.REST_METHOD_SETTINGS],
    title="API Gateway caches are encrypted",
    description="Cached responses may hold tokens and personal data.",
    remediation="""aws.apigateway.MethodSettings("all", ..., settings={"caching_enabled": True, "cache_data_encrypted": True})""",
    peers=["CKV_AWS_308", "FSBP APIGateway.5", "AWSGuard apigateway-method-cached-and-encrypted"],
    phrase="enables caching without cache_data_encrypted")
def apigw_cache_encryption(r, cfg):
    if r.flag("settings.cachingEnabled") and not r.flag("settings.cacheDataEncrypted"):
        return "enables caching without cacheDataEncrypted. Set settings.cache_data_encrypted=True."
    return None


@fixes("apigw-cache-encryption")
def _encrypt_api_cache(r, cfg):
    return {"settings.cacheDataEncrypted": True}


@violates("apigw-cache-encryption", resource="all", fixed={"settings.cacheDataEncrypted": True})
def cache_unencrypted():
    _method_settings(caching_enabled=True, cache_data_encrypted=False)


@complies("apigw-cache-encryption")
def cache_encrypted():
    _method_settings(caching_enabled=True, cache_data_encrypted=True)


@violates("apigw-cache-encryption", resource="prod")
def stage_caches_orders_unencrypted():
    api = P.native_rest_api()
    deployment = P.native.apigateway.Deployment("deployment", rest_api_id=api.rest_api_id)
    P.native.apigateway.Stage("prod", rest_api_id=api.rest_api_id, deployment_id=deployment.deployment_id,
                              stage_name="prod", cache_cluster_enabled=True, method_settings=[{
                                "resource_path": "/~1orders", "http_method": "GET", "caching_enabled": True}])


@resource_rule(
    "appsync-cache-encryption", CAT, Sev.LOW, types=[aws.APPSYNC_CACHE],
    title="AppSync caches are encrypted",
    description="An unencrypted resolver cache keeps query results in plain text.",
    remediation="""aws.appsync.ApiCache("cache", ..., at_rest_encryption_enabled=True, transit_encryption_enabled=True)""",
    peers=["CKV_AWS_214", "CKV_AWS_215"],
    phrase="encryption_enabled not true")
def appsync_cache_encryption(r, cfg):
    off = [k for k in ("atRestEncryptionEnabled", "transitEncryptionEnabled") if r.flag(k) is not True]
    if off:
        return f"{' and '.join(off)} not true. Encrypt the cache at rest and in transit."
    return None


@fixes("appsync-cache-encryption")
def _encrypt_cache(r, cfg):
    return {k: True for k in ("atRestEncryptionEnabled", "transitEncryptionEnabled") if r.flag(k) is not True}


@violates("appsync-cache-encryption", resource="cache", fixed={"transitEncryptionEnabled": True})
def appsync_cache_plain():
    api = P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    P.aws.appsync.ApiCache("cache", api_id=api.id, api_caching_behavior="FULL_REQUEST_CACHING", ttl=60,
                           type="SMALL", transit_encryption_enabled=False, at_rest_encryption_enabled=True)


@complies("appsync-cache-encryption")
def appsync_cache_encrypted():
    api = P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    P.aws.appsync.ApiCache("cache", api_id=api.id, api_caching_behavior="FULL_REQUEST_CACHING", ttl=60,
                           type="SMALL", transit_encryption_enabled=True, at_rest_encryption_enabled=True)


property_rule(
    "sfn-cmk", CAT, Sev.LOW, types=[aws.STATE_MACHINE],
    title="State machines encrypt with a customer-managed key",
    description="Execution input and output (often sensitive) are otherwise encrypted with an AWS-owned key.",
    path="encryptionConfiguration.type", want=Want.equals("CUSTOMER_MANAGED_KMS_KEY", unset="unset (AWS_OWNED_KEY)"),
    message="{path} is {value}, not CUSTOMER_MANAGED_KMS_KEY. Set encryptionConfiguration with your KMS key.",
    example='aws.sfn.StateMachine("flow", ...)', note='and kms_key_id=key.arn in encryption_configuration',
    hygiene=True)


@violates("sfn-cmk", resource="flow")
def state_machine_default_encryption():
    r = P.aws.iam.Role("sfn-role", assume_role_policy=P.doc(
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    P.aws.sfn.StateMachine("flow", role_arn=r.arn, definition='{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')


@complies("sfn-cmk")
def state_machine_customer_key():
    r = P.aws.iam.Role("sfn-role", assume_role_policy=P.doc(
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    key = P.aws.kms.Key("sfn", enable_key_rotation=True)
    P.aws.sfn.StateMachine("flow", role_arn=r.arn, definition='{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
                           encryption_configuration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kms_key_id": key.arn,
                                                     "kms_data_key_reuse_period_seconds": 300})


# --- what the cases above are built with ---------------------------------------------------------------

CANARY = "CANARY-7f3c9e21-do-not-print"


def _rest_stage(**kw):
    api = P.aws.apigateway.RestApi("api")
    dep = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    return P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod", **kw)


def _method_settings(**settings):
    api = P.aws.apigateway.RestApi("api")
    dep = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    stage = P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
    P.aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                    settings=settings)


def _flow(definition):

    r = P.role("sfn-role", trust=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    P.aws.sfn.StateMachine("checkout", role_arn=r.arn, definition=definition)


def _http_task(headers: dict) -> str:
    return json.dumps({"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
        "Parameters": {"ApiEndpoint": "https://api.payments.example.com/charge", "Method": "POST",
                       "Headers": headers}}}})


def _schedule(**kw):
    return P.aws.scheduler.Schedule("nightly", schedule_expression="rate(1 day)",
                                    flexible_time_window={"mode": "OFF"},
                                    target={"arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
                                            "role_arn": "arn:aws:iam::123456789012:role/scheduler"}, **kw)


def _function(name="fn", **kw):
    role = P.native.iam.Role(f"{name}-role", assume_role_policy_document=P.LAMBDA_TRUST_OBJECT, managed_policy_arns=[P.BASIC_EXECUTION])
    return P.native.lambda_.Function(name, role=role.arn, runtime="python3.12", handler="index.handler",
                                     code={"zip_file": "def handler(e, c): pass"}, **kw)
