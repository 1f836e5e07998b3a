"""SAS-2 Broken authentication: entry points that anyone can call.

Function URLs, Lambda permissions and resource policies, API Gateway methods, routes and API
policies, AppSync, Cognito and IAM trust policies: each rule finds a way in that needs no identity.

Remediation (level remediate): only the password length. Authorization types, principals, MFA and threat
protection (which is billed per user) change who can sign in or what it costs, so they stay findings.
"""
from __future__ import annotations

import datetime as dt
import fnmatch
import json

from .core import UNKNOWN, Sev, Undecided, as_list, bool_setting, fixes, iam, int_setting, list_setting, names_allowlist, \
    resource_rule, stack_rule
from .core import Want, aws, openapi, property_rule
from .core.rule import ComponentBuilt, Fixed, literal
from .core.checks import name_allowed as allowed, open_policy, read_policy
from .core.cases import P, complies, violates

CAT = "SAS-2"


# --- Lambda -----------------------------------------------------------------------------------

def _is_url_invoke_permission(p) -> bool:
    action = p.get("action")
    if action == "lambda:InvokeFunctionUrl":
        return p.get("functionUrlAuthType") in (None, "NONE")
    return action == "lambda:InvokeFunction" and p.get("invokedViaFunctionUrl") is True


def _function_keys(stack, r, prop) -> set:
    """What identifies the function ``r.prop`` names: its URN when in the stack, else the known value."""
    keys = {f.urn for f in stack.targets(r, prop, aws.FUNCTION)}
    value = r.get(prop)
    return keys or ({value} if isinstance(value, str) else set())


def public_url_exposures(stack) -> list:
    """(function URL with authorization NONE, Permission granting its invocation to "*") pairs: the one
    exposure that lambda-url-public-invoke-confirmed reports, for the URL and the permission both (the
    URL and permission rules declare that it supersedes them)."""
    public: dict = {}
    for p in stack.of_type(aws.PERMISSION):
        if p.get("principal") == "*" and _is_url_invoke_permission(p):
            for key in _function_keys(stack, p, "function"):
                public.setdefault(key, p)
    out = []
    if public:
        for url in stack.of_type(aws.FUNCTION_URL):
            if url.get("authorizationType") == "NONE":
                p = next((public[k] for k in _function_keys(stack, url, "functionName") if k in public), None)
                if p is not None:
                    out.append((url, p))
    return out


@stack_rule(
    "lambda-url-auth-none", CAT, Sev.HIGH, types=[aws.FUNCTION_URL, aws.PERMISSION],
    title="Lambda function URLs require IAM authentication",
    description="A Lambda function URL with authorization type NONE can be invoked by anyone on the internet "
                "once invocation is granted to principal * (here, in the console or in another stack). When this "
                "stack grants it, lambda-url-public-invoke-confirmed reports the exposure instead.",
    remediation="""aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM")
# Public on purpose (a webhook)? Put it behind API Gateway + WAF, or list it in allowedNames.""",
    peers=["CKV_AWS_258", "FSBP Lambda.1"], config=names_allowlist("function URLs"),
    superseded_by=["lambda-url-public-invoke-confirmed"],
    phrase="authorization_type is NONE: anyone who finds the URL can invoke the function")
def lambda_url_auth_none(stack, cfg):
    for url in stack.of_type(aws.FUNCTION_URL):
        kind = url.get("authorizationType")
        if kind is UNKNOWN:
            yield Undecided(url, "authorizationType")
        elif kind == "NONE":
            yield url, ("authorizationType is NONE: anyone who finds the URL can invoke the function as soon as "
                        "invocation is granted to principal \"*\". Use authorizationType=\"AWS_IAM\", or front "
                        "the function with API Gateway and WAF.")


@violates("lambda-url-auth-none", resource="url")
def function_url_without_auth():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")


@complies("lambda-url-auth-none")
def function_url_with_iam_auth():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM")


@complies("lambda-url-auth-none", config={"lambda-url-auth-none": {"allowedNames": ["*-webhook"]}})
def allow_listed_webhook_url():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("stripe-webhook", function_name=fn.name, authorization_type="NONE")


@complies("lambda-url-auth-none")
@complies("lambda-permission-public-principal")
def public_url_is_reported_once_by_the_confirmed_rule():
    """A NONE URL plus a permission for "*" is one exposure: lambda-url-public-invoke-confirmed reports it."""
    public_url_with_public_permission()


@violates("lambda-url-auth-none", resource="url", superseded_by="lambda-url-public-invoke-confirmed")
def lambda_url_auth_none_under_lambda_url_public_invoke_confirmed():
    """A NONE URL and a permission for "*": one exposure, the confirmed rule's finding."""
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    P.aws.lambda_.Permission("public-url", function=fn.name, action="lambda:InvokeFunctionUrl", principal="*",
                             function_url_auth_type="NONE")


@stack_rule(
    "lambda-url-public-invoke-confirmed", CAT, Sev.CRITICAL,
    types=[aws.FUNCTION_URL, aws.PERMISSION],
    title="No function URL is both unauthenticated and granted to everyone",
    description="A function URL with authorization NONE plus a Lambda permission for principal * makes the "
                "function callable from the whole internet.",
    remediation="""aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM")
# and remove the aws.lambda_.Permission with principal="*" for lambda:InvokeFunctionUrl""",
    peers=["CKV_AWS_258", "CKV_AWS_301", "FSBP Lambda.1"], config=names_allowlist("function URLs"),
    phrase="authorization_type is NONE and Permission")
def lambda_url_public_invoke_confirmed(stack, cfg):
    for url, p in public_url_exposures(stack):
        yield url, (f"authorizationType is NONE and Permission '{p.name}' grants "
                    f"{p.get('action')} to principal \"*\": the function is invokable from the whole "
                    "internet. Use authorizationType=\"AWS_IAM\" and grant invoke to named principals."), (p,)


@violates("lambda-url-public-invoke-confirmed", resource="url")
def public_url_with_public_permission():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    P.aws.lambda_.Permission("public-url", function=fn.name, action="lambda:InvokeFunctionUrl", principal="*",
                             function_url_auth_type="NONE")


@violates("lambda-url-public-invoke-confirmed", resource="url")
def public_url_with_invoke_function_via_url():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    P.aws.lambda_.Permission("public-invoke", function=fn.name, action="lambda:InvokeFunction", principal="*",
                             invoked_via_function_url=True)


@complies("lambda-url-public-invoke-confirmed")
def public_url_permission_on_other_function():
    fn, other = P.function("fn"), P.function("other")
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    P.aws.lambda_.Permission("public-url", function=other.name, action="lambda:InvokeFunctionUrl", principal="*",
                             function_url_auth_type="NONE")


@stack_rule(
    "lambda-permission-public-principal", CAT, Sev.CRITICAL, types=[aws.PERMISSION, aws.FUNCTION_URL],
    title="Lambda permissions name their caller",
    description="A Lambda permission for principal * with no source or organization condition lets any AWS "
                "account invoke the function. A permission that opens a NONE function URL of this stack is "
                "reported once, by lambda-url-public-invoke-confirmed.",
    remediation="""aws.lambda_.Permission("invoke", function=fn.name, action="lambda:InvokeFunction",
    principal="events.amazonaws.com", source_arn=rule.arn)""",
    peers=["CKV_AWS_301", "FSBP Lambda.1"], config=names_allowlist("permissions"),
    superseded_by=["lambda-url-public-invoke-confirmed"],
    phrase="principal is \"*\" with no principal_org_id")
def lambda_permission_public_principal(stack, cfg):
    for r in stack.of_type(aws.PERMISSION):
        principal = r.get("principal")
        if principal is UNKNOWN:
            yield Undecided(r, "principal")
            continue
        if principal != "*":
            continue
        if r.get("functionUrlAuthType") == "AWS_IAM":
            continue
        if any(r.is_set(k) for k in ("principalOrgId", "sourceAccount", "sourceArn")):
            continue
        if r.get("functionUrlAuthType") == "NONE" or r.get("action") == "lambda:InvokeFunctionUrl":
            yield r, ("principal is \"*\" with no principalOrgId, sourceAccount or sourceArn, for a function "
                      "URL: anyone on the internet can invoke the function. Use authorizationType=\"AWS_IAM\" on "
                      "the URL and grant named principals, or put the function behind API Gateway with an authorizer.")
        else:
            yield r, ("principal is \"*\" with no principalOrgId, sourceAccount or sourceArn: any AWS account "
                      "can invoke the function. Name the calling service or account and set sourceArn.")


@violates("lambda-permission-public-principal", resource="anyone")
def permission_for_everyone():
    fn = P.function()
    P.aws.lambda_.Permission("anyone", function=fn.name, action="lambda:InvokeFunction", principal="*")


@complies("lambda-permission-public-principal")
def permission_with_org_condition():
    fn = P.function()
    P.aws.lambda_.Permission("org", function=fn.name, action="lambda:InvokeFunction", principal="*",
                             principal_org_id="o-abc123def4")


@complies("lambda-permission-public-principal")
def permission_for_a_service_with_source():
    fn = P.function()
    bucket = P.aws.s3.Bucket("uploads")
    P.aws.lambda_.Permission("s3", function=fn.name, action="lambda:InvokeFunction", principal="s3.amazonaws.com",
                             source_arn=bucket.arn, source_account="123456789012")


@violates("lambda-permission-public-principal", resource="public-url",
          superseded_by="lambda-url-public-invoke-confirmed")
def lambda_permission_public_principal_under_lambda_url_public_invoke_confirmed():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="NONE")
    P.aws.lambda_.Permission("public-url", function=fn.name, action="lambda:InvokeFunctionUrl", principal="*",
                             function_url_auth_type="NONE")


@resource_rule(
    "lambda-resource-policy-public", CAT, Sev.CRITICAL, types=[aws.LAMBDA_RESOURCE_POLICY],
    title="Lambda resource policies are not open to everyone",
    description="A Lambda resource policy that allows Principal * without a restricting condition lets anyone "
                "call the function.",
    remediation="""# In the policy document, replace "Principal": "*" by the calling service or account and add
# "Condition": {"ArnLike": {"aws:SourceArn": <caller arn>}}""",
    peers=["FSBP Lambda.1"],
    phrase=("allows anyone - Principal \"*\"", "is not valid JSON"))
def lambda_resource_policy_public(r, cfg):
    return open_policy(r, "policy")


@violates("lambda-resource-policy-public", resource="fn-policy")
def lambda_resource_policy_open():
    fn = P.function()
    P.aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*"}))


@complies("lambda-resource-policy-public")
def lambda_resource_policy_with_source_arn():
    fn = P.function()
    P.aws.lambda_.ResourcePolicy("fn-policy", resource_arn=fn.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction", "Resource": "*",
         "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/nightly"}}}))


# --- API Gateway ------------------------------------------------------------------------------

@resource_rule(
    "apigw-method-no-auth", CAT, Sev.HIGH, types=[aws.REST_METHOD, aws.REST_API],
    title="API Gateway methods require authorization",
    description="A REST API method with authorization NONE and no API key accepts calls from anyone, whether it "
                "is a Method resource or a route of the API's OpenAPI body.",
    remediation="""aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET",
    authorization="COGNITO_USER_POOLS", authorizer_id=authorizer.id)""",
    peers=["CKV_AWS_59", "CKV2_AWS_70"], config=names_allowlist("methods"),
    phrase=("has authorization NONE and no API key", "of the OpenAPI body has no security requirement and no API key", "of the RestAPI component has no authorizer and no API key"))
def apigw_method_no_auth(r, cfg):
    if r.type == aws.REST_API:
        open_routes = [route for route in openapi.routes(r.known("body")) or () if route.method != "OPTIONS"
                       and route.authorization == "NONE" and not route.api_key]
        if REST_API_COMPONENT in r.component_types:   # @pulumi/aws-apigateway built the body from its routes
            # (a route serving the program's local files from the component's bucket is a website's: public)
            return [(ComponentBuilt if route.static_content else Fixed)(
                f"route {route.label} of the RestAPI component has no authorizer and no API key: anyone can call it. "
                "Give the route authorizers (or apiKeyRequired).", _route_fix(r, route)) for route in open_routes]
        return [f"route {route.label} of the OpenAPI body has no security requirement and no API key: anyone can "
                "call it. Add a security scheme with x-amazon-apigateway-authtype (cognito_user_pools, custom "
                "or awsSigv4) to the route or the document." for route in open_routes]
    method = r.known("httpMethod")
    if isinstance(method, str) and method.upper() == "OPTIONS":
        return None
    if str(r.known("authorization") or "").upper() == "NONE" and not r.flag("apiKeyRequired"):
        return (f"{method} has authorization NONE and no API key: anyone can call it. Use an authorizer "
                "(COGNITO_USER_POOLS, CUSTOM or AWS_IAM).")
    return None


@violates("apigw-method-no-auth", resource="get-orders")
def method_without_auth():
    api, res = _rest_api()
    P.aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE")


@complies("apigw-method-no-auth")
def method_with_cognito():
    api, res = _rest_api()
    pool = P.aws.cognito.UserPool("users")
    auth = P.aws.apigateway.Authorizer("cognito", rest_api=api.id, type="COGNITO_USER_POOLS", provider_arns=[pool.arn])
    P.aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=res.id, http_method="GET",
                            authorization="COGNITO_USER_POOLS", authorizer_id=auth.id)


@complies("apigw-method-no-auth")
def options_and_api_key_methods():
    api, res = _rest_api()
    P.aws.apigateway.Method("cors", rest_api=api.id, resource_id=res.id, http_method="OPTIONS", authorization="NONE")
    P.aws.apigateway.Method("keyed", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE",
                            api_key_required=True)


@violates("apigw-method-no-auth", resource="orders-api")
def openapi3_yaml_body_with_an_open_proxy_route():
    P.aws.apigateway.RestApi("orders-api", body=P.OPENAPI3_YAML)


@complies("apigw-method-no-auth")
def swagger_json_body_with_cognito_and_api_keys():
    P.aws.apigateway.RestApi("orders-api", body=json.dumps(P.SWAGGER_SECURED))


@complies("apigw-method-no-auth")
def swagger_body_with_iam_auth_on_every_operation():
    # what a RestAPI route with iam_auth_enabled writes: API Gateway's own x-amazon-apigateway-auth extension
    P.aws.apigateway.RestApi("orders-api", body=json.dumps({
        "swagger": "2.0", "info": {"title": "orders", "version": "1"},
        "paths": {"/admin": {"delete": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"},
                                        "x-amazon-apigateway-integration": {"type": "aws_proxy"}}}}}))


@violates("apigw-method-no-auth", resource="orders-api")
def swagger_body_with_iam_auth_on_one_operation_only():
    P.aws.apigateway.RestApi("orders-api", body=json.dumps({
        "swagger": "2.0", "info": {"title": "orders", "version": "1"},
        "paths": {"/admin": {"delete": {"x-amazon-apigateway-auth": {"type": "AWS_IAM"}}},
                  "/orders": {"get": {"x-amazon-apigateway-auth": {"type": "NONE"}}}}}))


REST_API_COMPONENT = "aws-apigateway:index:RestAPI"


def _route_fix(api, route) -> str:
    """The RestAPI component's own option for one route: its authorizers."""
    return (f'apigateway.RestAPI({literal(api.name)}, routes=[{{"path": {literal(route.path)}, '
            f'"method": {literal(route.method)}, "event_handler": handler, "authorizers": [authorizer]}}])'
            "  # and the API's other routes")


@stack_rule(
    "apigw-rest-policy-public", CAT, Sev.HIGH, types=[aws.REST_API, aws.REST_API_POLICY],
    title="REST API resource policies restrict callers",
    description="A REST API policy that allows execute-api:Invoke to everyone, or a PRIVATE API without a "
                "VPC or VPC-endpoint condition, exposes the API beyond its intended callers.",
    remediation="""aws.apigateway.RestApiPolicy("policy", rest_api_id=api.id, policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
    "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
    "Condition": {"StringEquals": {"aws:SourceVpce": vpce.id}}}]}))""",
    peers=["CKV2_AWS_70"], config=names_allowlist("REST APIs (which covers the RestApiPolicy resources attached to them)"),
    phrase=("allows anyone - Principal \"*\"", "is a PRIVATE API without a resource policy"))
def apigw_rest_policy_public(stack, cfg):
    for api in stack.of_type(aws.REST_API):
        if allowed(api, cfg):
            continue  # the allow-list names the API; the findings are on its policy resources
        holders = [(api, "policy")] if api.get("policy") not in (None, "") else []
        holders += [(p, "policy") for p in stack.referrers(api, aws.REST_API_POLICY, prop="restApiId")]
        for holder, prop in holders:
            try:
                for m in open_policy(holder, prop, actions=["execute-api:Invoke"]):
                    yield holder, m
            except Undecided:
                continue
        types = as_list(api.get("endpointConfiguration.types"))
        if "PRIVATE" in types:
            scoped = False
            for holder, prop in holders:
                doc = holder.document(prop)
                if isinstance(doc, iam.Document) and any(
                        {"aws:sourcevpce", "aws:sourcevpc"} & s.condition_keys() for s in doc.allows()):
                    scoped = True
            if not scoped and not any(h.document(p) is iam.UNKNOWN for h, p in holders):
                yield api, ("is a PRIVATE API without a resource policy that limits callers with an "
                            "aws:SourceVpce or aws:SourceVpc condition. Add a RestApiPolicy with that condition.")


@violates("apigw-rest-policy-public", resource="api-policy")
def rest_api_policy_open():
    api, _ = _rest_api()
    P.aws.apigateway.RestApiPolicy("api-policy", rest_api_id=api.id, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}))


@complies("apigw-rest-policy-public", config={"apigw-rest-policy-public": {"allowedNames": ["public-*"]}})
def rest_api_policy_open_on_an_api_allowed_by_name():
    """The allow-list names the API; its RestApiPolicy (the resource a finding would be on) is covered."""
    api, _ = _rest_api("public-webhooks")
    P.aws.apigateway.RestApiPolicy("webhooks-policy", rest_api_id=api.id, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}))


@violates("apigw-rest-policy-public", resource="private-api")
def private_api_without_vpce_condition():
    P.aws.apigateway.RestApi("private-api", endpoint_configuration={"types": "PRIVATE"})


@complies("apigw-rest-policy-public")
def private_api_scoped_to_endpoint():
    api = P.aws.apigateway.RestApi("private-api", endpoint_configuration={"types": "PRIVATE"})
    P.aws.apigateway.RestApiPolicy("api-policy", rest_api_id=api.id, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}}))


@resource_rule(
    "apigwv2-route-no-auth", CAT, Sev.HIGH, types=[aws.HTTP_ROUTE, aws.HTTP_API],
    title="HTTP and WebSocket API routes require authorization",
    description="An API Gateway v2 route with authorization type NONE (the default) accepts calls from anyone: a "
                "Route resource, the route of a quick-create API (target), or a route of the API's OpenAPI body.",
    remediation="""aws.apigatewayv2.Route("route", api_id=api.id, route_key="GET /orders",
    authorization_type="JWT", authorizer_id=authorizer.id, target=integration.id.apply(lambda i: f"integrations/{i}"))""",
    peers=["CKV_AWS_309", "FSBP APIGateway.8"],
    config={**list_setting("allowedRouteKeys", ["$disconnect", "OPTIONS *"],
                           "Route keys (glob patterns) that may stay unauthenticated."),
            **names_allowlist("routes")},
    phrase="anyone can call it")
def apigwv2_route_no_auth(r, cfg):
    if r.type == aws.HTTP_API:
        return _http_api_routes_no_auth(r, cfg)
    kind = r.known("authorizationType")
    if kind not in (None, "NONE"):
        return None
    key = r.known("routeKey")
    if isinstance(key, str) and any(fnmatch.fnmatchcase(key, p) for p in cfg["allowedRouteKeys"]):
        return None
    if r.flag("apiKeyRequired"):
        return None
    return (f"has authorizationType {'NONE' if kind else 'unset (NONE)'}: anyone can call it. "
            "Set authorizationType to JWT, AWS_IAM or CUSTOM with an authorizer.")


@violates("apigwv2-route-no-auth", resource="get-orders")
def http_route_without_auth():
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    P.aws.apigatewayv2.Route("get-orders", api_id=api.id, route_key="GET /orders")


@complies("apigwv2-route-no-auth")
def http_route_with_jwt_and_allowed_keys():
    api = P.aws.apigatewayv2.Api("http", protocol_type="HTTP")
    pool = P.aws.cognito.UserPool("users")
    auth = P.aws.apigatewayv2.Authorizer("jwt", api_id=api.id, authorizer_type="JWT",
                                         identity_sources=["$request.header.Authorization"],
                                         jwt_configuration={"audiences": ["app"], "issuer": pool.endpoint})
    P.aws.apigatewayv2.Route("get-orders", api_id=api.id, route_key="GET /orders", authorization_type="JWT",
                             authorizer_id=auth.id)
    P.aws.apigatewayv2.Route("preflight", api_id=api.id, route_key="OPTIONS /orders")


@violates("apigwv2-route-no-auth", resource="quick")
def quick_create_http_api():
    P.aws.apigatewayv2.Api("quick", protocol_type="HTTP", route_key="GET /",
                           target="arn:aws:lambda:us-east-1:123456789012:function:orders")


@complies("apigwv2-route-no-auth")
def http_api_with_routes_declared_separately():
    P.aws.apigatewayv2.Api("api", protocol_type="HTTP")


def _http_api_routes_no_auth(r, cfg) -> list:
    """The routes an Api resource defines itself: quick-create (``target``, with ``route_key`` or
    ``$default``) has no authorizer; an OpenAPI ``body`` says per route."""
    def open_key(key: str) -> bool:
        return not any(fnmatch.fnmatchcase(key, p) for p in cfg["allowedRouteKeys"])

    if r.is_set("target"):
        key = r.known("routeKey") or "$default"
        if isinstance(key, str) and open_key(key):
            return [f"is a quick-create API (target) whose route {key} has no authorizer: anyone can call it. Declare "
                    "the route as an apigatewayv2.Route with authorizationType JWT, AWS_IAM or CUSTOM."]
        return []
    return [f"route {route.label} of the OpenAPI body has no security requirement: anyone can call it. Add a JWT or "
            "Lambda authorizer (x-amazon-apigateway-authorizer) to the route or the document."
            for route in openapi.routes(r.known("body")) or ()
            if route.authorization == "NONE" and open_key(f"{route.method} {route.path}")]


@stack_rule(
    "apigw-client-cert", CAT, Sev.LOW, types=[aws.REST_STAGE, aws.REST_INTEGRATION],
    title="REST stages calling HTTP backends present a client certificate",
    description="A REST API stage that proxies to an HTTP backend without a client certificate lets the "
                "backend accept calls that did not come through API Gateway.",
    remediation="""cert = aws.apigateway.ClientCertificate("backend")
aws.apigateway.Stage("prod", rest_api=api.id, deployment=deployment.id, stage_name="prod",
    client_certificate_id=cert.id)""",
    peers=["CKV2_AWS_51", "FSBP APIGateway.2"], sets=["clientCertificateId"],
    phrase="proxies to an HTTP backend but has no client_certificate_id")
def apigw_client_cert(stack, cfg):
    http_apis = set()
    for integ in stack.of_type(aws.REST_INTEGRATION):
        if str(integ.get("type") or "").upper() in ("HTTP", "HTTP_PROXY"):
            for api in stack.targets(integ, "restApi", aws.REST_API):
                http_apis.add(api.urn)
    if not http_apis:
        return
    for stage in stack.of_type(aws.REST_STAGE):
        apis = stack.targets(stage, "restApi", aws.REST_API)
        if any(a.urn in http_apis for a in apis) and not stage.get("clientCertificateId"):
            yield stage, ("proxies to an HTTP backend but has no clientCertificateId, so the backend cannot tell "
                          "API Gateway's calls from anyone else's. Create a ClientCertificate and set it on the stage.")


@violates("apigw-client-cert", resource="prod")
def http_backend_stage_without_cert():
    api, res = _rest_api()
    m = P.aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE")
    i = P.aws.apigateway.Integration("backend", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                                     type="HTTP_PROXY", integration_http_method="GET", uri="https://backend.example.com/orders")
    d = P.aws.apigateway.Deployment("deploy", rest_api=api.id, opts=__import__("pulumi").ResourceOptions(depends_on=[i]))
    P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=d.id, stage_name="prod")


@complies("apigw-client-cert")
def http_backend_stage_with_cert():
    api, res = _rest_api()
    m = P.aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="NONE")
    P.aws.apigateway.Integration("backend", rest_api=api.id, resource_id=res.id, http_method=m.http_method,
                                 type="HTTP_PROXY", integration_http_method="GET", uri="https://backend.example.com/orders")
    cert = P.aws.apigateway.ClientCertificate("backend-cert")
    d = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=d.id, stage_name="prod", client_certificate_id=cert.id)


@stack_rule(
    "apigw-default-endpoint-bypass", CAT, Sev.MEDIUM,
    types=[aws.REST_API, aws.HTTP_API, aws.BASE_PATH_MAPPING, aws.HTTP_API_MAPPING],
    title="APIs behind a custom domain disable the default endpoint",
    description="An API mapped to a custom domain that keeps its execute-api endpoint lets callers bypass the "
                "domain's WAF, mTLS and logging.",
    remediation="""aws.apigateway.RestApi("api", ..., disable_execute_api_endpoint=True)
aws.apigatewayv2.Api("api", protocol_type="HTTP", disable_execute_api_endpoint=True)""",
    phrase="disable_execute_api_endpoint is not true")
def apigw_default_endpoint_bypass(stack, cfg):
    for api_type, mapping_type, prop in ((aws.REST_API, aws.BASE_PATH_MAPPING, "restApi"),
                                         (aws.HTTP_API, aws.HTTP_API_MAPPING, "apiId")):
        for api in stack.of_type(api_type):
            if api.get("disableExecuteApiEndpoint") is True:
                continue
            mappings = stack.referrers(api, mapping_type, prop=prop)
            if mappings:
                yield api, (f"is mapped to a custom domain by {mappings[0].label()} but "
                            "disableExecuteApiEndpoint is not true: the default execute-api URL bypasses the "
                            "domain's controls. Set disableExecuteApiEndpoint=True.")


@violates("apigw-default-endpoint-bypass", resource="api")
def custom_domain_with_default_endpoint():
    api = P.aws.apigatewayv2.Api("api", protocol_type="HTTP")
    domain = P.aws.apigatewayv2.DomainName("domain", domain_name="api.example.com", domain_name_configuration={
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2"})
    stage = P.aws.apigatewayv2.Stage("live", api_id=api.id, name="live")
    P.aws.apigatewayv2.ApiMapping("mapping", api_id=api.id, domain_name=domain.id, stage=stage.id)


@complies("apigw-default-endpoint-bypass")
def custom_domain_with_default_endpoint_disabled():
    api = P.aws.apigatewayv2.Api("api", protocol_type="HTTP", disable_execute_api_endpoint=True)
    domain = P.aws.apigatewayv2.DomainName("domain", domain_name="api.example.com", domain_name_configuration={
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2"})
    stage = P.aws.apigatewayv2.Stage("live", api_id=api.id, name="live")
    P.aws.apigatewayv2.ApiMapping("mapping", api_id=api.id, domain_name=domain.id, stage=stage.id)


# --- AppSync ----------------------------------------------------------------------------------

@resource_rule(
    "appsync-api-key-auth", CAT, Sev.MEDIUM, types=[aws.GRAPHQL_API, aws.APPSYNC_API_KEY],
    title="AppSync APIs use identity-based authentication",
    description="API keys identify no user and are easy to leak; long-lived ones are worse.",
    remediation="""aws.appsync.GraphQLApi("api", authentication_type="AMAZON_COGNITO_USER_POOLS",
    user_pool_config={"user_pool_id": pool.id, "default_action": "ALLOW", "aws_region": "us-east-1"})""",
    peers=["FSBP AppSync.5"],
    config={**int_setting("maxApiKeyDays", 30, "Longest allowed lifetime of an AppSync API key, in days.", 1,
                              stricter="lower"),
            **names_allowlist("public GraphQL APIs")},
    phrase=("uses API_KEY authentication", "more than maxApiKeyDays"))
def appsync_api_key_auth(r, cfg):
    if r.type == aws.APPSYNC_API_KEY:
        expires = r.known("expires")
        if isinstance(expires, str):
            try:
                when = dt.datetime.fromisoformat(expires.replace("Z", "+00:00"))
            except ValueError:
                return "expires is not an RFC 3339 timestamp; set an expiry within maxApiKeyDays."
            if when.tzinfo is None:  # a date or a time without an offset: read it as UTC, as AppSync does
                when = when.replace(tzinfo=dt.timezone.utc)
            days = (when - dt.datetime.now(dt.timezone.utc)).days
            if days > cfg["maxApiKeyDays"]:
                return (f"expires in {days} days, more than maxApiKeyDays ({cfg['maxApiKeyDays']}). "
                        "Rotate API keys often, or use Cognito or IAM authentication.")
        return None
    kinds = [r.known("authenticationType")] + [
        p.get("authenticationType") for p in as_list(r.known("additionalAuthenticationProviders")) if isinstance(p, dict)]
    if "API_KEY" in kinds:
        return ("uses API_KEY authentication, which identifies no caller. Use AMAZON_COGNITO_USER_POOLS, "
                "OPENID_CONNECT, AWS_IAM or AWS_LAMBDA.")
    return None


@violates("appsync-api-key-auth", resource="graphql")
def appsync_with_api_key():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="API_KEY")


@violates("appsync-api-key-auth", resource="key")
def appsync_key_expiring_in_a_year():
    api = P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    P.aws.appsync.ApiKey("key", api_id=api.id, expires="2099-01-01T00:00:00Z")


@complies("appsync-api-key-auth")
def appsync_with_cognito():
    pool = P.aws.cognito.UserPool("users")
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AMAZON_COGNITO_USER_POOLS",
                             user_pool_config={"user_pool_id": pool.id, "default_action": "ALLOW",
                                               "aws_region": "us-east-1"})


@violates("appsync-api-key-auth", resource="key", config={"appsync-api-key-auth": {"maxApiKeyDays": 7}})
def api_key_valid_for_a_year():
    api = P.native.appsync.GraphQlApi("graph", name="graph", authentication_type="AWS_IAM",
                                      additional_authentication_providers=[{"authentication_type": "API_KEY"}])
    P.native.appsync.ApiKey("key", api_id=api.api_id, expires=1893456000)   # 2030-01-01


# --- Cognito ----------------------------------------------------------------------------------

@resource_rule(
    "cognito-identity-unauth", CAT, Sev.HIGH, types=[aws.IDENTITY_POOL],
    title="Cognito identity pools do not hand out guest credentials",
    description="An identity pool that allows unauthenticated identities (or the classic flow) gives AWS "
                "credentials to anyone.",
    remediation="""aws.cognito.IdentityPool("pool", identity_pool_name="app",
    allow_unauthenticated_identities=False, allow_classic_flow=False)""",
    peers=["CKV_AWS_366", "FSBP Cognito.2"], config=names_allowlist("identity pools"),
    phrase=("allow_unauthenticated_identities is true", "allow_classic_flow is true"))
def cognito_identity_unauth(r, cfg):
    out = []
    if r.flag("allowUnauthenticatedIdentities"):
        out.append("allowUnauthenticatedIdentities is true: anyone gets AWS credentials for the unauthenticated "
                   "role. Set it to false, or keep that role to the bare minimum.")
    if r.flag("allowClassicFlow"):
        out.append("allowClassicFlow is true: the basic (classic) flow skips the enhanced flow's session "
                   "policy. Set it to false.")
    return out


@violates("cognito-identity-unauth", resource="ids")
def identity_pool_with_guests():
    P.aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=True)


@violates("cognito-identity-unauth", resource="ids")
def identity_pool_with_classic_flow():
    P.aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_classic_flow=True)


@complies("cognito-identity-unauth")
def identity_pool_authenticated_only():
    P.aws.cognito.IdentityPool("ids", identity_pool_name="app", allow_unauthenticated_identities=False)


@resource_rule(
    "cognito-mfa", CAT, Sev.MEDIUM, types=[aws.USER_POOL],
    title="Cognito user pools use multi-factor authentication",
    description="A user pool without MFA lets one stolen password take over an account.",
    remediation="""aws.cognito.UserPool("users", mfa_configuration="ON",
    software_token_mfa_configuration={"enabled": True})""",
    peers=["FSBP Cognito.5"],
    config=bool_setting("requireOn", False, "Require mfaConfiguration ON, as FSBP Cognito.5 does; by default "
                                           "OPTIONAL (users choose, adaptive authentication may step up) passes."),
    phrase=("mfa_configuration is OFF", "mfa_configuration is OPTIONAL, so users who never enrol"))
def cognito_mfa(r, cfg):
    mfa = r.known("mfaConfiguration")
    if mfa in (None, "OFF"):
        return (f"mfaConfiguration is {mfa or 'unset (OFF)'}. Set it to ON (or OPTIONAL with adaptive "
                "authentication) and enable software token MFA.")
    if mfa == "OPTIONAL" and cfg["requireOn"]:
        return ("mfaConfiguration is OPTIONAL, so users who never enrol sign in with a password alone; requireOn "
                "asks for ON. Set it to ON.")
    return None


@violates("cognito-mfa", resource="users")
def user_pool_without_mfa():
    _strong_pool(mfa_configuration="OFF")


@complies("cognito-mfa")
def user_pool_with_mfa():
    _strong_pool()


@violates("cognito-mfa", resource="users", config={"cognito-mfa": {"requireOn": True}})
def user_pool_optional_mfa_when_on_is_required():
    _strong_pool(mfa_configuration="OPTIONAL")


@complies("cognito-mfa")
def user_pool_optional_mfa_by_default():
    _strong_pool(mfa_configuration="OPTIONAL")


@resource_rule(
    "cognito-custom-auth-threat-protection", CAT, Sev.MEDIUM, types=[aws.USER_POOL],
    title="Custom authentication flows are covered by threat protection",
    description="A user pool with a custom authentication challenge (Lambda triggers) is not protected by "
                "threat protection unless customAuthMode is ENFORCED, even when password sign-ins are.",
    remediation="""aws.cognito.UserPool("users", lambda_config={"define_auth_challenge": define.arn},
    user_pool_add_ons={"advanced_security_mode": "ENFORCED",
                       "advanced_security_additional_flows": {"custom_auth_mode": "ENFORCED"}})""",
    peers=["FSBP Cognito.4"],
    phrase="risky custom sign-ins are not blocked")
def cognito_custom_auth_threat_protection(r, cfg):
    if not r.is_set("lambdaConfig.defineAuthChallenge"):
        return None
    mode = r.known("userPoolAddOns.advancedSecurityAdditionalFlows.customAuthMode")
    if mode != "ENFORCED":
        return (f"has a custom authentication challenge (lambdaConfig.defineAuthChallenge) but "
                f"userPoolAddOns.advancedSecurityAdditionalFlows.customAuthMode is {mode or 'unset (AUDIT)'}: "
                "risky custom sign-ins are not blocked. Set it to ENFORCED.")
    return None


@violates("cognito-custom-auth-threat-protection", resource="users")
def custom_auth_not_enforced():
    _strong_pool(lambda_config={"define_auth_challenge": "arn:aws:lambda:us-east-1:123456789012:function:define",
                                "create_auth_challenge": "arn:aws:lambda:us-east-1:123456789012:function:create",
                                "verify_auth_challenge_response": "arn:aws:lambda:us-east-1:123456789012:function:verify"})


@complies("cognito-custom-auth-threat-protection")
def custom_auth_enforced():
    _strong_pool(lambda_config={"define_auth_challenge": "arn:aws:lambda:us-east-1:123456789012:function:define"},
                 user_pool_add_ons={"advanced_security_mode": "ENFORCED",
                                    "advanced_security_additional_flows": {"custom_auth_mode": "ENFORCED"}})


@complies("cognito-custom-auth-threat-protection")
def no_custom_auth():
    _strong_pool()


@resource_rule(
    "cognito-self-registration", CAT, Sev.INFO, types=[aws.USER_POOL], hygiene=True,
    title="Who may create accounts in a user pool is a decision",
    description="Unless adminCreateUserConfig.allowAdminCreateUserOnly is true, anyone on the internet can sign "
                "up; right for a consumer app, wrong for a back office.",
    remediation="""aws.cognito.UserPool("staff", admin_create_user_config={"allow_admin_create_user_only": True})""",
    peers=["Prowler cognito_user_pool_self_registration_disabled"],
    phrase="lets anyone sign up")
def cognito_self_registration(r, cfg):
    if r.flag("adminCreateUserConfig.allowAdminCreateUserOnly") is not True:
        return ("lets anyone sign up (adminCreateUserConfig.allowAdminCreateUserOnly is not true). Set it, unless "
                "self-registration is intended.")
    return None


@violates("cognito-self-registration", resource="staff")
def back_office_pool_open_to_sign_up():
    _strong_pool("staff")


@complies("cognito-self-registration")
def back_office_pool_admin_only():
    _strong_pool("staff", admin_create_user_config={"allow_admin_create_user_only": True})


@stack_rule(
    "cognito-waf", CAT, Sev.LOW, types=[aws.USER_POOL, aws.WEB_ACL_ASSOCIATION], hygiene=True,
    title="User pools are behind a WAF",
    description="A user pool's sign-in and sign-up endpoints are public: without a web ACL, credential "
                "stuffing and sign-up floods reach Cognito unfiltered (and are billed).",
    remediation="""aws.wafv2.WebAclAssociation("users", resource_arn=pool.arn, web_acl_arn=acl.arn)""",
    peers=["Prowler cognito_user_pool_waf_acl_attached"],
    phrase="has no WAF web ACL association. Associate a web ACL with the user pool")
def cognito_waf(stack, cfg):
    for pool in stack.of_type(aws.USER_POOL):
        if not stack.referrers(pool, aws.WEB_ACL_ASSOCIATION, prop="resourceArn"):
            yield pool, "has no WAF web ACL association. Associate a web ACL with the user pool."


@violates("cognito-waf", resource="users")
def user_pool_without_waf():
    _strong_pool()


@complies("cognito-waf")
def user_pool_behind_waf():
    pool = _strong_pool()
    acl = P.aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config={
        "cloudwatch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True})
    P.aws.wafv2.WebAclAssociation("users", resource_arn=pool.arn, web_acl_arn=acl.arn)


property_rule(
    "cognito-deletion-protection", CAT, Sev.LOW, types=[aws.USER_POOL],
    title="Cognito user pools are protected from deletion",
    description="Deleting a user pool deletes every user and their credentials, beyond recovery; one mistaken "
                "`pulumi destroy` or replacement is enough.",
    path="deletionProtection", want=Want.equals("ACTIVE", unset="unset (INACTIVE)"),
    message="{path} is {value}. Set it to \"ACTIVE\".",
    example='aws.cognito.UserPool("users")', remediate=True,
    peers=["FSBP Cognito.6", "Prowler cognito_user_pool_deletion_protection_enabled"])


@violates("cognito-deletion-protection", resource="users")
def user_pool_without_deletion_protection():
    P.aws.cognito.UserPool("users", mfa_configuration="ON", software_token_mfa_configuration={"enabled": True})


@complies("cognito-deletion-protection")
def user_pool_protected_from_deletion():
    P.aws.cognito.UserPool("users", deletion_protection="ACTIVE")


property_rule(
    "cognito-token-revocation", CAT, Sev.MEDIUM, types=[aws.USER_POOL_CLIENT],
    title="Cognito app clients can revoke refresh tokens",
    description="With token revocation off, a stolen refresh token keeps minting access tokens until it expires "
                "(30 days by default), and signing the user out does not stop it.",
    path="enableTokenRevocation", want=Want.not_false(),
    message="{path} is false: a stolen refresh token cannot be revoked. Set it to true.",
    example='aws.cognito.UserPoolClient("web", user_pool_id=pool.id)',
    peers=["Prowler cognito_user_pool_client_token_revocation_enabled"])


@violates("cognito-token-revocation", resource="web")
def client_with_token_revocation_off():
    pool = P.aws.cognito.UserPool("users")
    P.aws.cognito.UserPoolClient("web", user_pool_id=pool.id, enable_token_revocation=False)


@complies("cognito-token-revocation")
def client_with_the_default_token_revocation():
    pool = P.aws.cognito.UserPool("users")
    P.aws.cognito.UserPoolClient("web", user_pool_id=pool.id)


@resource_rule(
    "cognito-temporary-password", CAT, Sev.LOW, types=[aws.USER_POOL],
    title="Cognito temporary passwords expire within a week",
    description="An administrator-created user's temporary password is sent by email or SMS; the longer it stays "
                "valid, the longer an intercepted one opens the account.",
    remediation="""aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 1})""",
    peers=["Prowler cognito_user_pool_temporary_password_expiration"],
    config=int_setting("maximumDays", 7, "Longest validity of a temporary password, in days.", 1, stricter="lower"),
    phrase="password_policy.temporary_password_validity_days is 30")
def cognito_temporary_password(r, cfg):
    days = r.known("passwordPolicy.temporaryPasswordValidityDays")
    if isinstance(days, (int, float)) and not isinstance(days, bool) and days > cfg["maximumDays"]:
        return (f"passwordPolicy.temporaryPasswordValidityDays is {days:g}, over {cfg['maximumDays']}. Set it to "
                f"{cfg['maximumDays']} or less.")
    return None


@violates("cognito-temporary-password", resource="users")
def temporary_passwords_valid_for_a_month():
    P.aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 30})


@complies("cognito-temporary-password")
def temporary_passwords_valid_for_a_day():
    P.aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 1})


@complies("cognito-temporary-password", config={"cognito-temporary-password": {"maximumDays": 30}})
def a_month_when_the_organisation_accepts_it():
    P.aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 30})


@resource_rule(
    "lambda-permission-broad-action", CAT, Sev.LOW, types=[aws.PERMISSION],
    title="Lambda permissions grant only invocation",
    description="A resource-based permission exists to let a caller invoke the function; any other action "
                "(lambda:*, lambda:UpdateFunctionCode, ...) hands that caller control of the function itself.",
    remediation="""aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction",
    principal="s3.amazonaws.com", source_arn=bucket.arn, source_account=account_id)""",
    peers=["KICS lambda_permission_misconfigured", "cfn_nag LambdaPermissionInvokeFunctionActionRule"],
    phrase="the principal gets more than invocation")
def lambda_permission_broad_action(r, cfg):
    action = r.known("action")
    if isinstance(action, str) and action.lower() not in ("lambda:invokefunction", "lambda:invokefunctionurl"):
        return (f"action is {action}, not lambda:InvokeFunction or lambda:InvokeFunctionUrl: the principal gets more "
                "than invocation. Grant lambda:InvokeFunction.")
    return None


@violates("lambda-permission-broad-action", resource="partner")
def permission_granting_every_lambda_action():
    fn = P.function("fn")
    P.aws.lambda_.Permission("partner", function=fn.name, action="lambda:*", principal="123456789012")


@complies("lambda-permission-broad-action")
def permission_granting_invocation():
    fn = P.function("fn")
    P.aws.lambda_.Permission("partner", function=fn.name, action="lambda:InvokeFunction", principal="123456789012")


@resource_rule(
    "cognito-password-policy", CAT, Sev.MEDIUM, types=[aws.USER_POOL],
    title="Cognito user pools require strong passwords",
    description="Short passwords make credential stuffing and guessing practical. Length is what counts: NIST SP "
                "800-63B and OWASP ASVS advise against composition rules (required character classes).",
    remediation="""aws.cognito.UserPool("users", password_policy={"minimum_length": 12})""",
    config=int_setting("minimumLength", 12, "Shortest password length accepted.", 6, stricter="higher"),
    phrase=("password_policy.minimum_length is 8, below 12", "has no password_policy"))
def cognito_password_policy(r, cfg):
    policy = r.known("passwordPolicy")
    if policy is None:
        return (f"has no passwordPolicy, so Cognito's default minimum length of 8 applies (below "
                f"{cfg['minimumLength']}). Set passwordPolicy.")
    length = r.number("passwordPolicy.minimumLength")
    if length is None or length < cfg["minimumLength"]:
        return (f"passwordPolicy.minimumLength is {f'{length:g}' if length is not None else 'unset (8)'}, below "
                f"{cfg['minimumLength']}. Set passwordPolicy minimumLength to at least {cfg['minimumLength']}.")
    return None


@fixes("cognito-password-policy")
def _longer_passwords(r, cfg):
    return {"passwordPolicy.minimumLength": cfg["minimumLength"]}  # applies at the next password change


@violates("cognito-password-policy", resource="users", fixed={"passwordPolicy.minimumLength": 12})
def user_pool_short_passwords():
    _strong_pool(password_policy={"minimum_length": 8, "require_symbols": False})


@violates("cognito-password-policy", resource="users")
def user_pool_default_password_policy():
    P.aws.cognito.UserPool("users")


@complies("cognito-password-policy")
def user_pool_strong_passwords():
    _strong_pool()


@complies("cognito-password-policy", config={"cognito-password-policy": {"minimumLength": 10}})
def user_pool_meets_configured_length():
    _strong_pool(password_policy={"minimum_length": 10, "require_lowercase": True, "require_uppercase": True,
                                  "require_numbers": True, "require_symbols": True})


@complies("cognito-password-policy")
def user_pool_long_passwords_without_composition_rules():
    """NIST SP 800-63B: length, not character classes."""
    _strong_pool(password_policy={"minimum_length": 14, "require_symbols": False, "require_uppercase": False})


@violates("cognito-password-policy", resource="users")
def minimum_length_as_a_string():
    P.aws.cognito.UserPool("users", password_policy={"minimum_length": "8", "require_lowercase": True,
                                                     "require_uppercase": True, "require_numbers": True,
                                                     "require_symbols": True})


@resource_rule(
    "cognito-client-password-auth", CAT, Sev.MEDIUM, types=[aws.USER_POOL_CLIENT],
    title="App clients sign in with SRP, not plain passwords",
    description="ALLOW_USER_PASSWORD_AUTH sends the password itself to Cognito (and through any proxy or log in "
                "between); SRP proves the password without sending it.",
    remediation="""aws.cognito.UserPoolClient("web", user_pool_id=pool.id,
    explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])""",
    phrase="explicit_auth_flows includes ALLOW_USER_PASSWORD_AUTH")
def cognito_client_password_auth(r, cfg):
    flows = [f for f in as_list(r.known("explicitAuthFlows")) if isinstance(f, str)]
    if "ALLOW_USER_PASSWORD_AUTH" in flows or "USER_PASSWORD_AUTH" in flows:
        return ("explicitAuthFlows includes ALLOW_USER_PASSWORD_AUTH: the plain password is sent at sign-in. "
                "Use ALLOW_USER_SRP_AUTH.")
    return None


@violates("cognito-client-password-auth", resource="web")
def client_sends_plain_passwords():
    pool = P.aws.cognito.UserPool("users")
    P.aws.cognito.UserPoolClient("web", user_pool_id=pool.id, prevent_user_existence_errors="ENABLED",
                                 explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])


@complies("cognito-client-password-auth")
def client_uses_srp():
    pool = P.aws.cognito.UserPool("users")
    P.aws.cognito.UserPoolClient("web", user_pool_id=pool.id, explicit_auth_flows=["ALLOW_USER_SRP_AUTH",
                                                                                   "ALLOW_REFRESH_TOKEN_AUTH"])


property_rule(
    "cognito-threat-protection", CAT, Sev.MEDIUM, types=[aws.USER_POOL],
    title="Cognito user pools enforce threat protection",
    description="Without enforced threat protection, compromised-credential and risky sign-ins are not blocked.",
    path="userPoolAddOns.advancedSecurityMode", want=Want.equals("ENFORCED", unset="unset (OFF)"),
    message="{path} is {value}: risky sign-ins are not blocked. Set it to ENFORCED.",
    example='aws.cognito.UserPool("users")',
    peers=["FSBP Cognito.1"])


@violates("cognito-threat-protection", resource="users")
def user_pool_threat_protection_audit():
    _strong_pool(user_pool_add_ons={"advanced_security_mode": "AUDIT"})


@complies("cognito-threat-protection")
def user_pool_threat_protection_enforced():
    _strong_pool()


# --- IAM trust --------------------------------------------------------------------------------

@resource_rule(
    "iam-trust-public", CAT, Sev.CRITICAL, types=[aws.ROLE],
    title="IAM roles cannot be assumed by anyone",
    description="A trust policy that allows Principal * with no condition lets any AWS account assume the role.",
    remediation="""aws.iam.Role("fn-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))""",
    peers=["CKV_AWS_60"],
    phrase="lets any AWS principal (Principal \"*\") assume the role")
def iam_trust_public(r, cfg):
    doc = read_policy(r, "assumeRolePolicy")
    if not isinstance(doc, iam.Document):   # absent, or unreadable (policy-unreadable's finding)
        return None
    found, undecided = doc.open_statements()
    if not found and undecided:
        raise Undecided(r, "assumeRolePolicy")
    if found:
        return ("assumeRolePolicy lets any AWS principal (Principal \"*\") assume the role with no restricting "
                "condition. Trust a named service or account.")
    return None


@violates("iam-trust-public", resource="open-role")
def role_anyone_can_assume():
    P.role("open-role", trust=P.doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}))


@violates("iam-trust-public", resource="open-role")
def role_trust_policy_as_object():
    P.aws.iam.Role("open-role", assume_role_policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]})


@complies("iam-trust-public")
def role_trusting_lambda():
    P.role("fn-role")


@complies("iam-trust-public")
def role_public_principal_with_org_condition():
    P.role("org-role", trust=P.doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}))


# --- what the cases above are built with ---------------------------------------------------------------

def _rest_api(name="api", **kw):
    api = P.aws.apigateway.RestApi(name, **kw)
    res = P.aws.apigateway.Resource(f"{name}-orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    return api, res


def _strong_pool(name="users", **kw):
    args = dict(mfa_configuration="ON", software_token_mfa_configuration={"enabled": True},
                password_policy={"minimum_length": 14, "require_lowercase": True, "require_uppercase": True,
                                 "require_numbers": True, "require_symbols": True},
                user_pool_add_ons={"advanced_security_mode": "ENFORCED"})
    args.update(kw)
    return P.aws.cognito.UserPool(name, **args)
