"""SAS-10 verbose errors cases."""
import pulumi_aws as aws

from . import case
from ._util import function


@case("appsync-introspection", violates=True, resource="graphql")
def introspection_default():
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@case("appsync-introspection", violates=False)
def introspection_disabled():
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM", introspection_config="DISABLED")


@case("cognito-client-enumeration", violates=True, resource="web")
def client_reveals_users():
    pool = aws.cognito.UserPool("users")
    aws.cognito.UserPoolClient("web", user_pool_id=pool.id, prevent_user_existence_errors="LEGACY",
                               explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@case("cognito-client-enumeration", violates=False)
def client_hides_users():
    pool = aws.cognito.UserPool("users")
    aws.cognito.UserPoolClient("web", user_pool_id=pool.id, prevent_user_existence_errors="ENABLED",
                               explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


def _settings(**settings):
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("deploy", rest_api=api.id)
    stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
    aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*", settings=settings)


@case("apigw-data-trace", violates=True, resource="all")
def rest_data_trace_on():
    _settings(logging_level="INFO", data_trace_enabled=True)


@case("apigw-data-trace", violates=True, resource="live")
def websocket_data_trace_on():
    api = aws.apigatewayv2.Api("ws", protocol_type="WEBSOCKET", route_selection_expression="$request.body.action")
    aws.apigatewayv2.Stage("live", api_id=api.id, name="live",
                           default_route_settings={"data_trace_enabled": True, "logging_level": "INFO"})


@case("apigw-data-trace", violates=False)
def rest_error_logging_only():
    _settings(logging_level="ERROR", data_trace_enabled=False)


@case("lambda-debug-flags", violates=True, resource="fn")
def function_with_debug_env():
    function(environment={"variables": {"DEBUG": "true", "NODE_ENV": "development"}})


@case("lambda-debug-flags", violates=True, resource="fn")
def function_with_debug_log_level():
    function(logging_config={"log_format": "JSON", "application_log_level": "DEBUG"})


@case("lambda-debug-flags", violates=False)
def function_with_production_settings():
    function(environment={"variables": {"LOG_LEVEL": "INFO", "NODE_ENV": "production"}},
             logging_config={"log_format": "JSON", "application_log_level": "INFO"})


@case("apigw-gateway-response-verbose", violates=True, resource="5xx")
def response_echoes_error():
    api = aws.apigateway.RestApi("api")
    aws.apigateway.Response("5xx", rest_api_id=api.id, response_type="DEFAULT_5XX",
                            response_templates={"application/json": '{"message": $context.error.messageString}'})


@case("apigw-gateway-response-verbose", violates=False)
def response_generic():
    api = aws.apigateway.RestApi("api")
    aws.apigateway.Response("5xx", rest_api_id=api.id, response_type="DEFAULT_5XX",
                            response_templates={"application/json": '{"message": "Internal error", "id": "$context.requestId"}'})
