"""SAS-1 event-data injection cases."""
import pulumi_aws as aws

from . import case
from ._util import function

VIS = {"cloudwatch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True}


@case("lambda-url-cors-wildcard", violates=True, resource="url")
def url_cors_any_origin_with_credentials():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM",
                            cors={"allow_origins": ["*"], "allow_credentials": True})


@case("lambda-url-cors-wildcard", violates=False)
def url_cors_named_origin():
    fn = function()
    aws.lambda_.FunctionUrl("url", function_name=fn.name, authorization_type="AWS_IAM",
                            cors={"allow_origins": ["https://app.example.com"]})


def _method(**kw):
    api = aws.apigateway.RestApi("api")
    res = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    return api, aws.apigateway.Method("post", rest_api=api.id, resource_id=res.id, http_method="POST",
                                      authorization="AWS_IAM", **kw)


@case("apigw-method-request-validation", violates=True, resource="post")
def method_with_model_but_no_validator():
    _method(request_models={"application/json": "Empty"})


@case("apigw-method-request-validation", violates=False)
def method_with_validator():
    api = aws.apigateway.RestApi("api")
    v = aws.apigateway.RequestValidator("body", rest_api=api.id, validate_request_body=True)
    res = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    aws.apigateway.Method("post", rest_api=api.id, resource_id=res.id, http_method="POST", authorization="AWS_IAM",
                          request_models={"application/json": "Empty"}, request_validator_id=v.id)


def _acl():
    return aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=VIS, rules=[{
        "name": "common", "priority": 1, "override_action": {"none": {}}, "visibility_config": VIS,
        "statement": {"managed_rule_group_statement": {"name": "AWSManagedRulesCommonRuleSet", "vendor_name": "AWS"}}}])


def _stage():
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("deploy", rest_api=api.id)
    return aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")


@case("apigw-rest-stage-waf", violates=True, resource="prod")
def stage_without_waf():
    _stage()


@case("apigw-rest-stage-waf", violates=False)
def stage_with_waf():
    stage = _stage()
    aws.wafv2.WebAclAssociation("prod-waf", resource_arn=stage.arn, web_acl_arn=_acl().arn)


@case("appsync-waf", violates=True, resource="graphql")
def graphql_without_waf():
    aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")


@case("appsync-waf", violates=False)
def graphql_with_waf():
    api = aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    aws.wafv2.WebAclAssociation("graphql-waf", resource_arn=api.arn, web_acl_arn=_acl().arn)


@case("waf-acl-empty", violates=True, resource="acl")
def acl_without_rules():
    aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=VIS)


@case("waf-acl-empty", violates=False)
def acl_with_rules():
    _acl()


@case("apigw-method-request-validation", violates=True, resource="post")
def post_without_model_or_validator():
    """The common tutorial shape: a POST proxied to a function, nothing validated."""
    _method()


@case("apigw-method-request-validation", violates=False)
def get_without_parameters_needs_no_validator():
    api = aws.apigateway.RestApi("api")
    res = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
    aws.apigateway.Method("get", rest_api=api.id, resource_id=res.id, http_method="GET", authorization="AWS_IAM")
