"""SAS-6 third-party dependencies cases."""
import pulumi
import pulumi_aws as aws

from . import case
from ._util import function

VIS = {"cloudwatch_metrics_enabled": True, "metric_name": "acl", "sampled_requests_enabled": True}


@case("lambda-deprecated-runtime", violates=True, resource="fn")
def function_on_python38():
    function(runtime="python3.8")


@case("lambda-deprecated-runtime", violates=True, resource="fn")
def function_on_nodejs18_past_its_date():
    function(runtime="nodejs18.x", handler="index.handler")


@case("lambda-deprecated-runtime", violates=True, resource="fn")
def function_on_nodejs20_the_callback_function_default():
    """nodejs20.x was deprecated on 2026-04-30 (AWS's runtimes page); the fix names nodejs24.x, not Python."""
    function(runtime="nodejs20.x", handler="index.handler")


@case("lambda-deprecated-runtime", violates=True, resource="fn")
def function_on_dotnet8():
    function(runtime="dotnet8", handler="App::App.Function::Handler")


@case("lambda-deprecated-runtime", violates=False)
def function_on_python313():
    function(runtime="python3.13")


@case("lambda-layer-deprecated-runtime", violates=True, resource="deps")
def layer_for_python37():
    aws.lambda_.LayerVersion("deps", layer_name="deps", code=pulumi.AssetArchive({}), compatible_runtimes=["python3.7"])


@case("lambda-layer-deprecated-runtime", violates=False)
def layer_for_python313():
    aws.lambda_.LayerVersion("deps", layer_name="deps", code=pulumi.AssetArchive({}), compatible_runtimes=["python3.13"])


def _layer():
    return aws.lambda_.LayerVersion("deps", layer_name="deps", code=pulumi.AssetArchive({}),
                                    compatible_runtimes=["python3.13"])


@case("lambda-layer-permission-public", violates=True, resource="share")
def layer_shared_with_everyone():
    layer = _layer()
    aws.lambda_.LayerVersionPermission("share", layer_name=layer.layer_name, version_number=1, principal="*",
                                       action="lambda:GetLayerVersion", statement_id="all")


@case("lambda-layer-permission-public", violates=False)
def layer_shared_with_org():
    layer = _layer()
    aws.lambda_.LayerVersionPermission("share", layer_name=layer.layer_name, version_number=1, principal="*",
                                       organization_id="o-abc123def4", action="lambda:GetLayerVersion", statement_id="org")


def _signing_config(mode):
    return aws.lambda_.CodeSigningConfig("signed", allowed_publishers={"signing_profile_version_arns": [
        "arn:aws:signer:us-east-1:123456789012:/signing-profiles/app/abc"]}, policies={"untrusted_artifact_on_deployment": mode})


@case("lambda-code-signing", violates=True, resource="fn")
def unsigned_zip_function():
    function()


@case("lambda-code-signing", violates=False)
def signed_zip_function():
    function(code_signing_config_arn=_signing_config("Enforce").arn)


@case("lambda-code-signing-enforce", violates=True, resource="signed")
def signing_config_warn_only():
    _signing_config("Warn")


@case("lambda-code-signing-enforce", violates=False)
def signing_config_enforced():
    _signing_config("Enforce")


@case("lambda-untrusted-layer", violates=True, resource="fn")
def function_with_foreign_layer():
    function(layers=["arn:aws:lambda:us-east-1:999988887777:layer:mystery:3"])


@case("lambda-untrusted-layer", violates=False)
def function_with_layer_built_in_the_stack():
    function(layers=[_layer().arn])


@case("lambda-untrusted-layer", violates=False, config={"lambda-untrusted-layer": {"trustedAccounts": ["017000801446"]}})
def function_with_own_and_trusted_layers():
    function(layers=[_layer().arn, "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"])


def _image_function(mutability, digest=False):
    repo = aws.ecr.Repository("images", image_tag_mutability=mutability)
    uri = repo.repository_url.apply(lambda u: f"{u}@sha256:{'a' * 64}" if digest else f"{u}:latest")
    aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/fn", package_type="Image", image_uri=uri)


@case("lambda-image-mutable-tag", violates=True, resource="fn")
def image_by_tag_from_mutable_repo():
    _image_function("MUTABLE")


@case("lambda-image-mutable-tag", violates=False)
def image_by_digest():
    _image_function("MUTABLE", digest=True)


@case("ecr-scan-on-push", violates=True, resource="images")
def repo_without_scanning():
    aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


@case("ecr-scan-on-push", violates=False)
def repo_scans_on_push():
    aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE", image_scanning_configuration={"scan_on_push": True})


@case("ecr-immutable-tags", violates=True, resource="images")
def repo_mutable_tags():
    aws.ecr.Repository("images")


@case("ecr-immutable-tags", violates=False)
def repo_immutable_tags():
    aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


def _acl(rules):
    aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=VIS, rules=rules)


def _group(name, priority, **extra):
    return {"name": name, "priority": priority, "override_action": {"none": {}}, "visibility_config": VIS,
            "statement": {"managed_rule_group_statement": {"name": name, "vendor_name": "AWS", **extra}}}


@case("waf-acl-known-bad-inputs", violates=True, resource="acl")
def acl_without_bad_inputs():
    _acl([_group("AWSManagedRulesCommonRuleSet", 1)])


@case("waf-acl-known-bad-inputs", violates=True, resource="acl")
def acl_log4j_counted():
    _acl([_group("AWSManagedRulesKnownBadInputsRuleSet", 1, rule_action_overrides=[
        {"name": "Log4JRCE", "action_to_use": {"count": {}}}])])


@case("waf-acl-known-bad-inputs", violates=False)
def acl_with_bad_inputs():
    _acl([_group("AWSManagedRulesKnownBadInputsRuleSet", 1)])
