"""SAS-1 Function event-data injection.

Untrusted input reaches functions from every event source; these rules keep the first filters in
place: a WAF in front of public APIs and GraphQL endpoints, web ACLs that actually have rules,
request validation, and no browser-wide CORS on function URLs.
"""
from __future__ import annotations

import json

from .core import Sev, Want, property_rule, as_list, resource_rule, stack_rule
from .core import aws, components, openapi
from .core.rule import ComponentBuilt, Fixed, literal
from .core.cases import P, complies, violates

CAT = "SAS-1"


@resource_rule(
    "lambda-url-cors-wildcard", CAT, Sev.MEDIUM, types=[aws.FUNCTION_URL],
    title="Function URLs do not allow every origin",
    description="CORS allowOrigins * lets any web page call the function from a visitor's browser (worse with "
                "credentials or every method).",
    remediation="""aws.lambda_.FunctionUrl("url", ..., cors={"allow_origins": ["https://app.example.com"],
    "allow_methods": ["GET", "POST"]})""",
    peers=["CKV2_AWS_75"],
    phrase="cors.allow_origins contains \"*\"")
def lambda_url_cors_wildcard(r, cfg):
    if "*" not in as_list(r.known("cors.allowOrigins")):
        return None
    worse = []
    if r.flag("cors.allowCredentials") is True:
        worse.append("allowCredentials is true")
    if "*" in as_list(r.known("cors.allowMethods")):
        worse.append("allowMethods is *")
    extra = f" ({' and '.join(worse)}, which makes it high severity)" if worse else ""
    return f"cors.allowOrigins contains \"*\"{extra}. List the origins that may call it."


@violates("lambda-url-cors-wildcard", resource="url")
def url_cors_any_origin_with_credentials():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM",
                              cors={"allow_origins": ["*"], "allow_credentials": True})


@complies("lambda-url-cors-wildcard")
def url_cors_named_origin():
    fn = P.function()
    P.aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM",
                              cors={"allow_origins": ["https://app.example.com"]})


@resource_rule(
    "apigw-method-request-validation", CAT, Sev.LOW, types=[aws.REST_METHOD, aws.REST_API],
    title="Methods that take input validate it",
    description="Without a request validator, malformed and oversized input reaches the function unchecked: "
                "every POST, PUT and PATCH takes a body, and any method can declare parameters.",
    remediation="""validator = aws.apigateway.RequestValidator("body", rest_api=api.id, validate_request_body=True,
    validate_request_parameters=True)
aws.apigateway.Method("post", ..., request_models={"application/json": model.name}, request_validator_id=validator.id)""",
    peers=["CKV2_AWS_53"],
    phrase=("no request_validator_id", "but no request validator applies"))
def apigw_method_request_validation(r, cfg):
    if r.type == aws.REST_API:
        website = components.REST_API_COMPONENT in r.component_types   # its routes serving local files: no body
        return [(ComponentBuilt if website and route.static_content else str)(
                f"route {route.label} of the OpenAPI body takes a request body but no request validator applies: any "
                "payload reaches the backend. Set x-amazon-apigateway-request-validator (with validateRequestBody) "
                "on the route or the document.")
                for route in openapi.routes(r.known("body")) or ()
                if route.method in ("POST", "PUT", "PATCH", "ANY") and not route.validator]
    method = r.known("httpMethod")
    if isinstance(method, str) and method.upper() == "OPTIONS":
        return None
    if r.is_set("requestValidatorId"):
        return None
    takes_body = isinstance(method, str) and method.upper() in ("POST", "PUT", "PATCH", "ANY")
    if r.is_set("requestModels") or r.is_set("requestParameters"):
        return "declares request models or parameters but no requestValidatorId. Add a RequestValidator."
    if takes_body:
        return (f"{method.upper()} takes a request body but has no requestValidatorId (and no request model): any "
                "payload reaches the function. Add a model and a RequestValidator.")
    return None


@violates("apigw-method-request-validation", resource="post")
def method_with_model_but_no_validator():
    _method(request_models={"application/json": "Empty"})


@complies("apigw-method-request-validation")
def method_with_validator():
    api = P.aws.apigateway.RestApi("api")
    v = P.aws.apigateway.RequestValidator("body", rest_api=api.id, validate_request_body=True)
    res = P.aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    P.aws.apigateway.Method("post", rest_api=api.id, resource_id=res.id, http_method="POST", authorization="AWS_IAM",
                            request_models={"application/json": "Empty"}, request_validator_id=v.id)


@violates("apigw-method-request-validation", resource="post")
def post_without_model_or_validator():
    """The common tutorial shape: a POST proxied to a function, nothing validated."""
    _method()


@complies("apigw-method-request-validation")
def get_without_parameters_needs_no_validator():
    api = P.aws.apigateway.RestApi("api")
    res = P.aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    P.aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="AWS_IAM")


@violates("apigw-method-request-validation", resource="orders-api")
def openapi_body_any_method_without_validator():
    P.aws.apigateway.RestApi("orders-api", body=P.OPENAPI3_YAML)


@complies("apigw-method-request-validation")
def openapi_body_with_document_validator():
    P.aws.apigateway.RestApi("orders-api", body=json.dumps(P.SWAGGER_SECURED))


def _associated(stack, target) -> bool:
    return bool(stack.referrers(target, aws.WEB_ACL_ASSOCIATION, prop="resourceArn"))


@stack_rule(
    "apigw-rest-stage-waf", CAT, Sev.MEDIUM, types=[aws.REST_STAGE, aws.WEB_ACL_ASSOCIATION, aws.REST_API],
    title="Public REST API stages are behind a WAF",
    description="A regional or edge REST stage without a web ACL takes injection payloads and floods unfiltered.",
    remediation="""aws.wafv2.WebAclAssociation("prod", resource_arn=stage.arn, web_acl_arn=acl.arn)""",
    peers=["CKV2_AWS_29", "FSBP APIGateway.4"],
    phrase="has no WAF web ACL association")
def apigw_rest_stage_waf(stack, cfg):
    for stage in stack.of_type(aws.REST_STAGE):
        apis = stack.targets(stage, "restApi", aws.REST_API)
        if any("PRIVATE" in as_list(a.get("endpointConfiguration.types")) for a in apis):
            continue
        if not _associated(stack, stage):
            message = "has no WAF web ACL association. Associate a web ACL with the stage."
            built = components.stage_outputs(stage)   # the RestAPI component's stage: its output names it
            yield stage, (Fixed(message, f'aws.wafv2.WebAclAssociation({literal(stage.name + "-waf")}, resource_arn={built[1]}, '
                                         'web_acl_arn=acl.arn)') if built else message)


@violates("apigw-rest-stage-waf", resource="prod")
def stage_without_waf():
    _stage()


@complies("apigw-rest-stage-waf")
def stage_with_waf():
    stage = _stage()
    P.aws.wafv2.WebAclAssociation("prod-waf", resource_arn=stage.arn, web_acl_arn=_acl().arn)


property_rule(
    "cloudfront-waf", CAT, Sev.MEDIUM, types=[aws.DISTRIBUTION],
    title="CloudFront distributions are behind a WAF",
    description="A distribution in front of an API or a site passes injection payloads and floods to its origins "
                "unfiltered without a web ACL.",
    path="webAclId", want=Want.present("acl.arn"),
    message="has no {path}. Attach a WAF web ACL (scope CLOUDFRONT).",
    example='aws.cloudfront.Distribution("site", ...)', note="a wafv2 WebAcl with scope CLOUDFRONT",
    peers=["FSBP CloudFront.6", "CKV_AWS_68"])


@violates("cloudfront-waf", resource="cdn")
def distribution_without_waf():
    P.distribution()


@complies("cloudfront-waf")
def distribution_with_a_web_acl():
    P.distribution(web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc")


@stack_rule(
    "appsync-waf", CAT, Sev.MEDIUM, types=[aws.GRAPHQL_API, aws.WEB_ACL_ASSOCIATION],
    title="Public GraphQL APIs are behind a WAF",
    description="A public AppSync API without a web ACL takes injection payloads and floods unfiltered.",
    remediation="""aws.wafv2.WebAclAssociation("graphql", resource_arn=api.arn, web_acl_arn=acl.arn)""",
    peers=["CKV2_AWS_33"],
    phrase="has no WAF web ACL association")
def appsync_waf(stack, cfg):
    for api in stack.of_type(aws.GRAPHQL_API):
        if api.get("visibility") == "PRIVATE":
            continue
        if not _associated(stack, api):
            yield api, "has no WAF web ACL association. Associate a web ACL with the API."


@violates("appsync-waf", resource="graphql")
def graphql_without_waf():
    P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@complies("appsync-waf")
def graphql_with_waf():
    api = P.aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    P.aws.wafv2.WebAclAssociation("graphql-waf", resource_arn=api.arn, web_acl_arn=_acl().arn)


@resource_rule(
    "waf-acl-empty", CAT, Sev.MEDIUM, types=[aws.WEB_ACL],
    title="Web ACLs have rules",
    description="A web ACL with no rules and a default action of allow filters nothing.",
    remediation="""aws.wafv2.WebAcl("api", scope="REGIONAL", default_action={"allow": {}}, rules=[{
    "name": "common", "priority": 1, "override_action": {"none": {}},
    "statement": {"managed_rule_group_statement": {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}},
    "visibility_config": {...}}], visibility_config={...})""",
    peers=["CKV_AWS_175", "FSBP WAF.10"],
    phrase="has no rules and allows by default")
def waf_acl_empty(r, cfg):
    if not r.is_set("rules") and not r.is_set("ruleJson") and r.known("defaultAction.allow") is not None:
        return "has no rules and allows by default: it filters nothing. Add managed or custom rules."
    return None


@violates("waf-acl-empty", resource="acl")
def acl_without_rules():
    P.aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=P.WAF_VISIBILITY)


@complies("waf-acl-empty")
def acl_with_rules():
    _acl()


# --- what the cases above are built with ---------------------------------------------------------------

def _method(**kw):
    api = P.aws.apigateway.RestApi("api")
    res = P.aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    return api, P.aws.apigateway.Method("post", rest_api=api.id, resource_id=res.id, http_method="POST",
                                        authorization="AWS_IAM", **kw)


def _acl():
    return P.aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=P.WAF_VISIBILITY, rules=[{
        "name": "common", "priority": 1, "override_action": {"none": {}}, "visibility_config": P.WAF_VISIBILITY,
        "statement": {"managed_rule_group_statement": {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}}}])


def _stage():
    api = P.aws.apigateway.RestApi("api")
    dep = P.aws.apigateway.Deployment("deploy", rest_api=api.id)
    return P.aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
