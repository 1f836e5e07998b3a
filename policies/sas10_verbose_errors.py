"""SAS-10 Improper exception handling and verbose error messages.

Debug switches left on, full request/response logging, schema introspection, user-enumerating
sign-in errors and gateway responses that echo internal error details.
"""
from __future__ import annotations

import re

from .core import Sev, Want, property_rule, fixes, resource_rule
from .core import aws
from .core.cases import P, complies, violates

CAT = "SAS-10"
DEBUG_TRUE = {"true", "1", "yes", "on"}
DEBUG_VARS = ("DEBUG", "FLASK_DEBUG", "DJANGO_DEBUG")
LEVEL_VARS = ("POWERTOOLS_LOG_LEVEL", "LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL")
VERBOSE_TEMPLATE = re.compile(r"\$context\.(error\.message|error\.validationErrorString|authorizer\.)")


property_rule(
    "appsync-introspection", CAT, Sev.LOW, types=[aws.GRAPHQL_API],
    title="GraphQL introspection is off",
    description="Introspection (on by default) hands anyone the whole schema, including fields meant to stay internal.",
    path="introspectionConfig", want=Want.equals("DISABLED"),
    message="{path} is not DISABLED (the default is ENABLED). Set {path}=\"DISABLED\".",
    example='aws.appsync.GraphQLApi("api", ...)', note="keep it on in development stacks with a per-stack setting (README, governance)")


@violates("appsync-introspection", resource="graphql")
def introspection_default():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@complies("appsync-introspection")
def introspection_disabled():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", introspection_config="DISABLED")


property_rule(
    "cognito-client-enumeration", CAT, Sev.MEDIUM, types=[aws.USER_POOL_CLIENT],
    title="Sign-in errors do not reveal which users exist",
    description="Without preventUserExistenceErrors, sign-in and recovery errors tell an attacker which accounts exist.",
    path="preventUserExistenceErrors", want=Want.equals("ENABLED"),
    message="{path} is not ENABLED. Set {path}=\"ENABLED\".",
    example='aws.cognito.UserPoolClient("web", user_pool_id=pool.id)', remediate=True)


@violates("cognito-client-enumeration", resource="web")
def client_reveals_users():
    pool = P.aws.cognito.UserPool("users")
    P.aws.cognito.UserPoolClient("web", user_pool_id=pool.id, prevent_user_existence_errors="LEGACY",
                                 explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@complies("cognito-client-enumeration")
def client_hides_users():
    pool = P.aws.cognito.UserPool("users")
    P.aws.cognito.UserPoolClient("web", user_pool_id=pool.id, prevent_user_existence_errors="ENABLED",
                                 explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@resource_rule(
    "apigw-data-trace", CAT, Sev.MEDIUM, types=[aws.REST_METHOD_SETTINGS, aws.HTTP_STAGE],
    title="API Gateway does not log full requests and responses",
    description="Data trace writes whole request and response bodies (tokens, personal data) to CloudWatch.",
    remediation="""aws.apigateway.MethodSettings("all", ..., settings={"logging_level": "ERROR", "data_trace_enabled": False})""",
    peers=["CKV_AWS_276"],
    phrase=("settings.data_trace_enabled is true", "default_route_settings.data_trace_enabled is true", "stage_description.data_trace_enabled is true"))
def apigw_data_trace(r, cfg):
    prop = "settings.dataTraceEnabled" if r.type == aws.REST_METHOD_SETTINGS else "defaultRouteSettings.dataTraceEnabled"
    if r.flag(prop) is True:
        return f"{prop} is true: full payloads go to the logs. Turn it off outside debugging."
    return None


@fixes("apigw-data-trace")
def _no_data_trace(r, cfg):
    prop = "settings.dataTraceEnabled" if r.type == aws.REST_METHOD_SETTINGS else "defaultRouteSettings.dataTraceEnabled"
    return {prop: False}


@violates("apigw-data-trace", resource="all", fixed={"settings.dataTraceEnabled": False})
def rest_data_trace_on():
    _settings(logging_level="INFO", data_trace_enabled=True)


@violates("apigw-data-trace", resource="live")
def websocket_data_trace_on():
    api = P.aws.apigatewayv2.Api("ws", protocol_type="WEBSOCKET", route_selection_expression="$request.body.action")
    P.aws.apigatewayv2.Stage("live", api_id=api.id, name="live",
                             default_route_settings={"data_trace_enabled": True, "logging_level": "INFO"})


@complies("apigw-data-trace")
def rest_error_logging_only():
    _settings(logging_level="ERROR", data_trace_enabled=False)


@violates("apigw-data-trace", resource="deploy")
def deployment_stage_tracing_data():
    P.native.apigateway.Deployment("deploy", rest_api_id=P.native_rest_api().rest_api_id, stage_name="prod",
                                   stage_description={"logging_level": "INFO", "data_trace_enabled": True})


@resource_rule(
    "lambda-debug-flags", CAT, Sev.LOW, types=[aws.FUNCTION],
    title="Functions do not run with debug settings",
    description="Debug flags and DEBUG/TRACE log levels print stack traces, payloads and internals.",
    remediation="""aws.lambda_.Function("fn", ..., logging_config={"log_format": "JSON", "application_log_level": "INFO"},
    environment={"variables": {"LOG_LEVEL": "INFO"}})""",
    phrase=("turns on debug output", "logging_config.application_log_level is"))
def lambda_debug_flags(r, cfg):
    out = []
    variables = r.known("environment.variables")
    if isinstance(variables, dict):
        for key, value in variables.items():
            if not isinstance(value, str):
                continue
            v = value.strip().lower()
            if (key.upper() in DEBUG_VARS and v in DEBUG_TRUE) or (key.upper() == "NODE_ENV" and v == "development") \
                    or (key.upper() in LEVEL_VARS and v in ("debug", "trace")):
                out.append(f"environment variable {key} turns on debug output. Remove it or set a production value.")
    level = r.known("loggingConfig.applicationLogLevel")
    if level in ("DEBUG", "TRACE"):
        out.append(f"loggingConfig.applicationLogLevel is {level}. Use INFO or higher.")
    return out


@fixes("lambda-debug-flags")
def _info_logging(r, cfg):
    # the log level only (kept only when no debug environment variable remains: changing those changes
    # what the code does, which is the owner's call)
    return {"loggingConfig.applicationLogLevel": "INFO"} if r.known("loggingConfig.applicationLogLevel") in ("DEBUG", "TRACE") else None


@violates("lambda-debug-flags", resource="fn")
def function_with_debug_env():
    P.function(environment={"variables": {"DEBUG": "true", "NODE_ENV": "development"}})


@violates("lambda-debug-flags", resource="fn", fixed={"loggingConfig.applicationLogLevel": "INFO"})
def function_with_debug_log_level():
    P.function(logging_config={"log_format": "JSON", "application_log_level": "DEBUG"})


@complies("lambda-debug-flags")
def function_with_production_settings():
    P.function(environment={"variables": {"LOG_LEVEL": "INFO", "NODE_ENV": "production"}},
               logging_config={"log_format": "JSON", "application_log_level": "INFO"})


@resource_rule(
    "apigw-gateway-response-verbose", CAT, Sev.INFO, types=[aws.REST_RESPONSE],
    title="Gateway error responses do not echo internal errors",
    description="Templates that return $context.error.message, validation details or authorizer context tell "
                "callers how the API failed.",
    remediation="""aws.apigateway.Response("5xx", rest_api_id=api.id, response_type="DEFAULT_5XX",
    response_templates={"application/json": '{"message": "Internal error", "requestId": "$context.requestId"}'})""",
    phrase="response template echoes internal error")
def apigw_gateway_response_verbose(r, cfg):
    templates = r.known("responseTemplates")
    if isinstance(templates, dict) and any(isinstance(t, str) and VERBOSE_TEMPLATE.search(t) for t in templates.values()):
        return (f"the {r.known('responseType')} response template echoes internal error or authorizer details. "
                "Return a generic message and the request id.")
    return None


@violates("apigw-gateway-response-verbose", resource="5xx")
def response_echoes_error():
    api = P.aws.apigateway.RestApi("api")
    P.aws.apigateway.Response("5xx", rest_api_id=api.id, response_type="DEFAULT_5XX",
                              response_templates={"application/json": '{"message": $context.error.messageString}'})


@complies("apigw-gateway-response-verbose")
def response_generic():
    api = P.aws.apigateway.RestApi("api")
    P.aws.apigateway.Response("5xx", rest_api_id=api.id, response_type="DEFAULT_5XX",
                              response_templates={"application/json": '{"message": "Internal error", "id": "$context.requestId"}'})


# --- what the cases above are built with ---------------------------------------------------------------

def _settings(**settings):
    api = P.aws.apigateway.RestApi("api")
    dep = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    stage = P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
    P.aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*", settings=settings)
