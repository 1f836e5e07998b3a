"""SAS-2 broken authentication cases."""

import json

import pulumi_aws as aws

from . import case
from ._util import doc, function, role


@case("lambda-url-auth-none", violates=True, resource="url")
def function_url_without_auth():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")


@case("lambda-url-auth-none", violates=False)
def function_url_with_iam_auth():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM")


@case("lambda-url-auth-none", violates=False, config={"lambda-url-auth-none": {"allowedNames": ["*-webhook"]}})
def allow_listed_webhook_url():
    fn = function()
    aws.lambda_.FunctionUrl("stripe-webhook", function_name=fn.name, authorization_type="NONE")


@case("lambda-url-public-invoke-confirmed", violates=True, resource="url")
def public_url_with_public_permission():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    aws.lambda_.Permission("public-url", function=fn.name, action="lambda:InvokeFunctionUrl", principal="*",
                           function_url_auth_type="NONE")


@case("lambda-url-public-invoke-confirmed", violates=True, resource="url")
def public_url_with_invoke_function_via_url():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    aws.lambda_.Permission("public-invoke", function=fn.name, action="lambda:InvokeFunction", principal="*",
                           invoked_via_function_url=True)


@case("lambda-url-public-invoke-confirmed", violates=False)
def public_url_permission_on_other_function():
    fn, other = function("fn"), function("other")
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    aws.lambda_.Permission("public-url", function=other.name, action="lambda:InvokeFunctionUrl", principal="*",
                           function_url_auth_type="NONE")


@case("lambda-permission-public-principal", violates=True, resource="anyone")
def permission_for_everyone():
    fn = function()
    aws.lambda_.Permission("anyone", function=fn.name, action="lambda:InvokeFunction", principal="*")


@case("lambda-permission-public-principal", violates=False)
def permission_with_org_condition():
    fn = function()
    aws.lambda_.Permission("org", function=fn.name, action="lambda:InvokeFunction", principal="*",
                           principal_org_id="o-abc123def4")


@case("lambda-permission-public-principal", violates=False)
def permission_for_a_service_with_source():
    fn = function()
    bucket = aws.s3.Bucket("uploads")
    aws.lambda_.Permission("s3", function=fn.name, action="lambda:InvokeFunction", principal="s3.amazonaws.com",
                           source_arn=bucket.arn, source_account="123456789012")


@case("lambda-resource-policy-public", violates=True, resource="fn-policy")
def lambda_resource_policy_open():
    fn = function()
    aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"}))


@case("policy-unreadable", violates=True, resource="fn-policy")
def lambda_resource_policy_not_json():
    fn = function()
    aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy="{not json")


@case("lambda-resource-policy-public", violates=False)
def lambda_resource_policy_with_source_arn():
    fn = function()
    aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*",
         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/nightly"}}}))


def _rest_api(name="api", **kw):
    api = aws.apigateway.RestApi(name, **kw)
    res = aws.apigateway.Resource(f"{name}-orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    return api, res


@case("apigw-method-no-auth", violates=True, resource="get-orders")
def method_without_auth():
    api, res = _rest_api()
    aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE")


@case("apigw-method-no-auth", violates=False)
def method_with_cognito():
    api, res = _rest_api()
    pool = aws.cognito.UserPool("users")
    auth = aws.apigateway.Authorizer("cognito", rest_api=api.id, type="COGNITO_USER_POOLS", provider_arns=[pool.arn])
    aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=res.id, http_method="GET",
                          authorization="COGNITO_USER_POOLS", authorizer_id=auth.id)


@case("apigw-method-no-auth", violates=False)
def options_and_api_key_methods():
    api, res = _rest_api()
    aws.apigateway.Method("cors", rest_api=api.id, resource_id=res.id, http_method="OPTIONS", authorization="NONE")
    aws.apigateway.Method("keyed", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE",
                          api_key_required=True)


@case("apigw-rest-policy-public", violates=True, resource="api-policy")
def rest_api_policy_open():
    api, _ = _rest_api()
    aws.apigateway.RestApiPolicy("api-policy", rest_api_id=api.id, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}))


@case("apigw-rest-policy-public", violates=False,
      config={"apigw-rest-policy-public": {"allowedNames": ["public-*"]}})
def rest_api_policy_open_on_an_api_allowed_by_name():
    """The allow-list names the API; its RestApiPolicy (the resource a finding would be on) is covered."""
    api, _ = _rest_api("public-webhooks")
    aws.apigateway.RestApiPolicy("webhooks-policy", rest_api_id=api.id, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}))


@case("apigw-rest-policy-public", violates=True, resource="private-api")
def private_api_without_vpce_condition():
    aws.apigateway.RestApi("private-api", endpoint_configuration={"types": "PRIVATE"})


@case("apigw-rest-policy-public", violates=False)
def private_api_scoped_to_endpoint():
    api = aws.apigateway.RestApi("private-api", endpoint_configuration={"types": "PRIVATE"})
    aws.apigateway.RestApiPolicy("api-policy", rest_api_id=api.id, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}}))


@case("apigwv2-route-no-auth", violates=True, resource="get-orders")
def http_route_without_auth():
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Route("get-orders", api_id=api.id, route_key="GET /orders")


@case("apigwv2-route-no-auth", violates=False)
def http_route_with_jwt_and_allowed_keys():
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    pool = aws.cognito.UserPool("users")
    auth = aws.apigatewayv2.Authorizer("jwt", api_id=api.id, authorizer_type="JWT",
                                       identity_sources=["$request.header.Authorization"],
                                       jwt_configuration={"audiences": ["app"], "issuer": pool.endpoint})
    aws.apigatewayv2.Route("get-orders", api_id=api.id, route_key="GET /orders", authorization_type="JWT",
                           authorizer_id=auth.id)
    aws.apigatewayv2.Route("preflight", api_id=api.id, route_key="OPTIONS /orders")


@case("appsync-api-key-auth", violates=True, resource="graphql")
def appsync_with_api_key():
    aws.appsync.GraphQLApi("graphql", authentication_type="API_KEY")


@case("appsync-api-key-auth", violates=True, resource="key")
def appsync_key_expiring_in_a_year():
    api = aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    aws.appsync.ApiKey("key", api_id=api.id, expires="2099-01-01T00:00:00Z")


@case("appsync-api-key-auth", violates=False)
def appsync_with_cognito():
    pool = aws.cognito.UserPool("users")
    aws.appsync.GraphQLApi("graphql", authentication_type="AMAZON_COGNITO_USER_POOLS",
                           user_pool_config={"user_pool_id": pool.id, "default_action": "ALLOW",
                                             "aws_region": "us-east-1"})


@case("cognito-identity-unauth", violates=True, resource="ids")
def identity_pool_with_guests():
    aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=True)


@case("cognito-identity-unauth", violates=True, resource="ids")
def identity_pool_with_classic_flow():
    aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_classic_flow=True)


@case("cognito-identity-unauth", violates=False)
def identity_pool_authenticated_only():
    aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=False)


def _strong_pool(name="users", **kw):
    args = dict(mfa_configuration="ON", software_token_mfa_configuration={"enabled": True},
                password_policy={"minimum_length": 14, "require_lowercase": True, "require_uppercase": True,
                                 "require_numbers": True, "require_symbols": True},
                user_pool_add_ons={"advanced_security_mode": "ENFORCED"})
    args.update(kw)
    return aws.cognito.UserPool(name, **args)


@case("cognito-mfa", violates=True, resource="users")
def user_pool_without_mfa():
    _strong_pool(mfa_configuration="OFF")


@case("cognito-mfa", violates=False)
def user_pool_with_mfa():
    _strong_pool()


@case("cognito-password-policy", violates=True, resource="users")
def user_pool_short_passwords():
    _strong_pool(password_policy={"minimum_length": 8, "require_symbols": False})


@case("cognito-password-policy", violates=True, resource="users")
def user_pool_default_password_policy():
    aws.cognito.UserPool("users")


@case("cognito-password-policy", violates=False)
def user_pool_strong_passwords():
    _strong_pool()


@case("cognito-password-policy", violates=False, config={"cognito-password-policy": {"minimumLength": 10}})
def user_pool_meets_configured_length():
    _strong_pool(password_policy={"minimum_length": 10, "require_lowercase": True, "require_uppercase": True,
                                  "require_numbers": True, "require_symbols": True})


@case("cognito-threat-protection", violates=True, resource="users")
def user_pool_threat_protection_audit():
    _strong_pool(user_pool_add_ons={"advanced_security_mode": "AUDIT"})


@case("cognito-threat-protection", violates=False)
def user_pool_threat_protection_enforced():
    _strong_pool()


@case("apigw-client-cert", violates=True, resource="prod")
def http_backend_stage_without_cert():
    api, res = _rest_api()
    m = aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE")
    i = aws.apigateway.Integration("backend", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                                   type="HTTP_PROXY", integration_http_method="GET", uri="https://backend.example.com/orders")
    d = aws.apigateway.Deployment("deploy", rest_api=api.id, opts=__import__("pulumi").ResourceOptions(depends_on=[i]))
    aws.apigateway.Stage("prod", rest_api=api.id, deployment=d.id, stage_name="prod")


@case("apigw-client-cert", violates=False)
def http_backend_stage_with_cert():
    api, res = _rest_api()
    m = aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE")
    aws.apigateway.Integration("backend", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                               type="HTTP_PROXY", integration_http_method="GET", uri="https://backend.example.com/orders")
    cert = aws.apigateway.ClientCertificate("backend-cert")
    d = aws.apigateway.Deployment("deploy", rest_api=api.id)
    aws.apigateway.Stage("prod", rest_api=api.id, deployment=d.id, stage_name="prod", client_certificate_id=cert.id)


@case("iam-trust-public", violates=True, resource="open-role")
def role_anyone_can_assume():
    role("open-role", trust=doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}))


@case("iam-trust-public", violates=True, resource="open-role")
def role_trust_policy_as_object():
    aws.iam.Role("open-role", assume_role_policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]})


@case("iam-trust-public", violates=False)
def role_trusting_lambda():
    role("fn-role")


@case("iam-trust-public", violates=False)
def role_public_principal_with_org_condition():
    role("org-role", trust=doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}))


@case("apigw-default-endpoint-bypass", violates=True, resource="api")
def custom_domain_with_default_endpoint():
    api = aws.apigatewayv2.Api("api", protocol_type="HTTP")
    domain = aws.apigatewayv2.DomainName("domain", domain_name="api.example.com", domain_name_configuration={
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2"})
    stage = aws.apigatewayv2.Stage("live", api_id=api.id, name="live")
    aws.apigatewayv2.ApiMapping("mapping", api_id=api.id, domain_name=domain.id, stage=stage.id)


@case("apigw-default-endpoint-bypass", violates=False)
def custom_domain_with_default_endpoint_disabled():
    api = aws.apigatewayv2.Api("api", protocol_type="HTTP", disable_execute_api_endpoint=True)
    domain = aws.apigatewayv2.DomainName("domain", domain_name="api.example.com", domain_name_configuration={
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2"})
    stage = aws.apigatewayv2.Stage("live", api_id=api.id, name="live")
    aws.apigatewayv2.ApiMapping("mapping", api_id=api.id, domain_name=domain.id, stage=stage.id)


@case("cognito-client-password-auth", violates=True, resource="web")
def client_sends_plain_passwords():
    pool = aws.cognito.UserPool("users")
    aws.cognito.UserPoolClient("web", user_pool_id=pool.id, prevent_user_existence_errors="ENABLED",
                               explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@case("cognito-client-password-auth", violates=False)
def client_uses_srp():
    pool = aws.cognito.UserPool("users")
    aws.cognito.UserPoolClient("web", user_pool_id=pool.id, explicit_auth_flows=["ALLOW_USER_SRP_AUTH",
                                                                                 "ALLOW_REFRESH_TOKEN_AUTH"])


@case("cognito-password-policy", violates=False)
def user_pool_long_passwords_without_composition_rules():
    """NIST SP 800-63B: length, not character classes."""
    _strong_pool(password_policy={"minimum_length": 14, "require_symbols": False, "require_uppercase": False})


@case("lambda-url-auth-none", violates=False)
@case("lambda-permission-public-principal", violates=False)
def public_url_is_reported_once_by_the_confirmed_rule():
    """A NONE URL plus a permission for "*" is one exposure: lambda-url-public-invoke-confirmed reports it."""
    public_url_with_public_permission()


# --- APIs defined by an OpenAPI body, and quick-create HTTP APIs -----------------------------------------------

OPENAPI3_YAML = """
openapi: 3.0.1
info: {title: orders, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:orders/invocations"}
  /orders:
    options:
      x-amazon-apigateway-integration: {type: mock}
"""

SWAGGER_SECURED = {
    "swagger": "2.0", "info": {"title": "orders", "version": "1"},
    "securityDefinitions": {
        "cognito": {"type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["arn:x"]}},
        "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
    "security": [{"cognito": []}],
    "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": True, "validateRequestParameters": True}},
    "x-amazon-apigateway-request-validator": "all",
    "paths": {"/orders": {"get": {}, "post": {}},
              "/health": {"get": {"security": [{"api_key": []}]}}},
}


@case("apigw-method-no-auth", violates=True, resource="orders-api")
def openapi3_yaml_body_with_an_open_proxy_route():
    aws.apigateway.RestApi("orders-api", body=OPENAPI3_YAML)


@case("apigw-method-no-auth", violates=False)
def swagger_json_body_with_cognito_and_api_keys():
    aws.apigateway.RestApi("orders-api", body=json.dumps(SWAGGER_SECURED))


@case("apigw-method-no-auth", violates=False)
def swagger_body_with_iam_auth_on_every_operation():
    # what a RestAPI route with iam_auth_enabled writes: API Gateway's own x-amazon-apigateway-auth extension
    aws.apigateway.RestApi("orders-api", body=json.dumps({
        "swagger": "2.0", "info": {"title": "orders", "version": "1"},
        "paths": {"/admin": {"delete": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"},
                                        "x-amazon-apigateway-integration": {"type": "aws_proxy"}}}}}))


@case("apigw-method-no-auth", violates=True, resource="orders-api")
def swagger_body_with_iam_auth_on_one_operation_only():
    aws.apigateway.RestApi("orders-api", body=json.dumps({
        "swagger": "2.0", "info": {"title": "orders", "version": "1"},
        "paths": {"/admin": {"delete": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}}},
                  "/orders": {"get": {"x-amazon-apigateway-auth": {"type": "NONE"}}}}}))


@case("apigw-method-request-validation", violates=True, resource="orders-api")
def openapi_body_any_method_without_validator():
    aws.apigateway.RestApi("orders-api", body=OPENAPI3_YAML)


@case("apigw-method-request-validation", violates=False)
def openapi_body_with_document_validator():
    aws.apigateway.RestApi("orders-api", body=json.dumps(SWAGGER_SECURED))


@case("apigwv2-route-no-auth", violates=True, resource="quick")
def quick_create_http_api():
    aws.apigatewayv2.Api("quick", protocol_type="HTTP", route_key="GET /",
                         target="arn:aws:lambda:us-east-1:123456789012:function:orders")


@case("apigwv2-route-no-auth", violates=False)
def http_api_with_routes_declared_separately():
    aws.apigatewayv2.Api("api", protocol_type="HTTP")


@case("cognito-mfa", violates=True, resource="users", config={"cognito-mfa": {"requireOn": True}})
def user_pool_optional_mfa_when_on_is_required():
    _strong_pool(mfa_configuration="OPTIONAL")


@case("cognito-mfa", violates=False)
def user_pool_optional_mfa_by_default():
    _strong_pool(mfa_configuration="OPTIONAL")


@case("cognito-custom-auth-threat-protection", violates=True, resource="users")
def custom_auth_not_enforced():
    _strong_pool(lambda_config={"define_auth_challenge": "arn:aws:lambda:us-east-1:123456789012:function:define",
                                "create_auth_challenge": "arn:aws:lambda:us-east-1:123456789012:function:create",
                                "verify_auth_challenge_response": "arn:aws:lambda:us-east-1:123456789012:function:verify"})


@case("cognito-custom-auth-threat-protection", violates=False)
def custom_auth_enforced():
    _strong_pool(lambda_config={"define_auth_challenge": "arn:aws:lambda:us-east-1:123456789012:function:define"},
                 user_pool_add_ons={"advanced_security_mode": "ENFORCED",
                                    "advanced_security_additional_flows": {"custom_auth_mode": "ENFORCED"}})


@case("cognito-custom-auth-threat-protection", violates=False)
def no_custom_auth():
    _strong_pool()


@case("cognito-self-registration", violates=True, resource="staff")
def back_office_pool_open_to_sign_up():
    _strong_pool("staff")


@case("cognito-self-registration", violates=False)
def back_office_pool_admin_only():
    _strong_pool("staff", admin_create_user_config={"allow_admin_create_user_only": True})


@case("cognito-waf", violates=True, resource="users")
def user_pool_without_waf():
    _strong_pool()


@case("cognito-waf", violates=False)
def user_pool_behind_waf():
    pool = _strong_pool()
    acl = aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config={
        "cloudwatch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True})
    aws.wafv2.WebAclAssociation("users", resource_arn=pool.arn, web_acl_arn=acl.arn)
