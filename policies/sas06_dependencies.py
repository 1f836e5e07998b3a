"""SAS-6 Insecure third-party dependencies.

Unpatched runtimes, layers from unknown accounts or shared with everyone, unsigned code, mutable
and unscanned container images, and web ACLs without the known-bad-inputs rules (Log4Shell).

Remediation (level remediate): scanning on push, which changes nothing a caller sees. Tags stay mutable
(immutability breaks pipelines that push "latest").
"""
from __future__ import annotations

import datetime as dt
import json
import os
from functools import cache

from .core import Sev, Want, property_rule, Undecided, as_list, fixes, int_setting, list_setting, lookup, resource_rule, stack_rule
from .core import aws
from .core.rule import Fixed, literal
from .core.cases import P, complies, violates

CAT = "SAS-6"
RUNTIMES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "lambda_runtimes.json")


@cache
def lifecycle() -> dict:
    """Every Lambda runtime identifier AWS publishes, with its deprecation and block dates and language
    family (``policies/data/lambda_runtimes.json``, refreshed by ``tools/update_lambda_runtimes.py``)."""
    with open(RUNTIMES_FILE, encoding="utf-8") as f:
        return json.load(f)["runtimes"]


RUNTIME_CONFIG = {
    **list_setting("deprecatedRuntimes", [], "Runtimes to treat as deprecated beyond AWS's published dates "
                   "(which the pack knows for every runtime).", stricter="superset"),
    "deprecationDates": {"type": "object", "additionalProperties": {"type": "string", "format": "date"},
                         "default": {}, "x-stricter": "fixed",
                         "description": "Runtime -> deprecation date (YYYY-MM-DD), over AWS's published dates "
                                        "(for a date AWS announced after this release of the pack)."},
    **int_setting("warnDays", 90, "Report a runtime this many days before its deprecation date.", 0,
                   stricter="higher"),
}


def _date(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def successor(runtime: str, today: dt.date) -> str | None:
    """The newest runtime of the same language that is supported (and not container-only)."""
    data = lifecycle()
    family = data.get(runtime, {}).get("family") or next(
        (f for f in ("nodejs", "python", "ruby", "java", "dotnet", "provided") if runtime.startswith(f)), None)
    for name, info in data.items():  # newest first
        when = _date(info.get("deprecated"))
        if info.get("family") == family and not info.get("containerOnly") and (when is None or when > today):
            return name
    return None


def runtime_problem(runtime, cfg, today) -> str | None:
    if not isinstance(runtime, str):
        return None
    info = lifecycle().get(runtime, {})
    when = _date(cfg["deprecationDates"].get(runtime)) or _date(info.get("deprecated"))
    blocked = _date(info.get("blockUpdate"))
    if runtime in cfg["deprecatedRuntimes"] and (when is None or when > today):
        return f"{runtime} is deprecated: it gets no security patches"
    if when is None:
        return None
    days = (when - today).days
    if days < 0:
        text = f"{runtime} was deprecated on {when.isoformat()}: it gets no security patches"
        if blocked and blocked <= today:
            text += f", and AWS blocks updates of functions on it since {blocked.isoformat()}"
        elif blocked:
            text += f", and AWS blocks updates of functions on it from {blocked.isoformat()}"
        return text
    if days <= cfg["warnDays"]:
        return f"{runtime} is deprecated on {when.isoformat()}, in {days} days"
    return None


def _move_to(runtime, today) -> str:
    target = successor(runtime, today) if isinstance(runtime, str) else None
    return f"Move to {target}." if target else "Move to a supported runtime."


@resource_rule(
    "lambda-deprecated-runtime", CAT, Sev.HIGH, types=[aws.FUNCTION],
    title="Functions run on a supported runtime",
    description="A deprecated runtime gets no security patches for its language or OS, and AWS later blocks updates.",
    remediation="""aws.lambda_.Function("fn", ..., runtime="python3.14")""",
    peers=["CKV_AWS_363", "FSBP Lambda.2"], config=RUNTIME_CONFIG,
    phrase=("is deprecated: it gets no security patches", "was deprecated on", "is deprecated on"))
def lambda_deprecated_runtime(r, cfg):
    today = r.context.clock()
    runtime = r.known("runtime")
    problem = runtime_problem(runtime, cfg, today)
    if not problem:
        return None
    message = f"runtime {problem}. {_move_to(runtime, today)}"
    target = successor(runtime, today) if isinstance(runtime, str) else None
    # the fix for this function: its own runtime family's supported version, never another language's
    return Fixed(message, f'aws.lambda_.Function({literal(r.name)}, ..., runtime="{target}")') if target else message


@violates("lambda-deprecated-runtime", resource="fn")
def function_on_python38():
    P.function(runtime="python3.8")


@violates("lambda-deprecated-runtime", resource="fn")
def function_on_nodejs18_past_its_date():
    P.function(runtime="nodejs18.x", handler="index.handler")


@violates("lambda-deprecated-runtime", resource="fn")
def function_on_nodejs20_the_callback_function_default():
    """nodejs20.x was deprecated on 2026-04-30 (AWS's runtimes page); the fix names nodejs24.x, not Python."""
    P.function(runtime="nodejs20.x", handler="index.handler")


@violates("lambda-deprecated-runtime", resource="fn")
def function_on_dotnet8():
    P.function(runtime="dotnet8", handler="App::App.Function::Handler")


@complies("lambda-deprecated-runtime")
def function_on_python313():
    P.function(runtime="python3.13")


@resource_rule(
    "lambda-layer-deprecated-runtime", CAT, Sev.LOW, types=[aws.LAYER_VERSION],
    title="Layers target supported runtimes",
    description="A layer built for a deprecated runtime keeps functions on it.",
    remediation="""aws.lambda_.LayerVersion("deps", ..., compatible_runtimes=["python3.14"])""", config=RUNTIME_CONFIG,
    phrase="Rebuild the layer for a supported runtime")
def lambda_layer_deprecated_runtime(r, cfg):
    problems = [p for rt in as_list(r.known("compatibleRuntimes")) if (p := runtime_problem(rt, cfg, r.context.clock()))]
    if problems:
        return f"compatibleRuntimes: {'; '.join(problems)}. Rebuild the layer for a supported runtime."
    return None


@violates("lambda-layer-deprecated-runtime", resource="deps")
def layer_for_python37():
    P.aws.lambda_.LayerVersion("deps", layer_name="deps", code=P.pulumi.AssetArchive({}), compatible_runtimes=["python3.7"])


@complies("lambda-layer-deprecated-runtime")
def layer_for_python313():
    P.aws.lambda_.LayerVersion("deps", layer_name="deps", code=P.pulumi.AssetArchive({}), compatible_runtimes=["python3.13"])


@resource_rule(
    "lambda-layer-permission-public", CAT, Sev.MEDIUM, types=[aws.LAYER_PERMISSION],
    title="Layers are not shared with every account",
    description="A layer permission for principal * lets any account read the layer's code.",
    remediation="""aws.lambda_.LayerVersionPermission("share", ..., principal="*", organization_id="o-xxxxxxxx")""",
    phrase="shares the layer with principal \"*\" and no organization_id")
def lambda_layer_permission_public(r, cfg):
    if r.known("principal") == "*" and not r.known("organizationId"):
        return "shares the layer with principal \"*\" and no organizationId. Limit it to your organization."
    return None


@violates("lambda-layer-permission-public", resource="share")
def layer_shared_with_everyone():
    layer = _layer()
    P.aws.lambda_.LayerVersionPermission("share", layer_name=layer.layer_name, version_number=1, principal="*",
                                         action="lambda:GetLayerVersion", statement_id="all")


@complies("lambda-layer-permission-public")
def layer_shared_with_org():
    layer = _layer()
    P.aws.lambda_.LayerVersionPermission("share", layer_name=layer.layer_name, version_number=1, principal="*",
                                         organization_id="o-abc123def4", action="lambda:GetLayerVersion", statement_id="org")


@resource_rule(
    "lambda-code-signing", CAT, Sev.LOW, types=[aws.FUNCTION],
    title="Zip functions require signed code",
    description="Without a code signing config, any package - including a tampered one - can be deployed.",
    remediation="""csc = aws.lambda_.CodeSigningConfig("signed", allowed_publishers={"signing_profile_version_arns": [profile.version_arn]},
    policies={"untrusted_artifact_on_deployment": "Enforce"})
aws.lambda_.Function("fn", ..., code_signing_config_arn=csc.arn)""",
    peers=["CKV_AWS_272"], hygiene=True,
    phrase="without code_signing_config_arn")
def lambda_code_signing(r, cfg):
    if (r.known("packageType") or "Zip") == "Zip" and not r.is_set("codeSigningConfigArn"):
        return "is a Zip function without codeSigningConfigArn. Require signed code."
    return None


@violates("lambda-code-signing", resource="fn")
def unsigned_zip_function():
    P.function()


@complies("lambda-code-signing")
def signed_zip_function():
    P.function(code_signing_config_arn=_signing_config("Enforce").arn)


property_rule(
    "lambda-code-signing-enforce", CAT, Sev.MEDIUM, types=[aws.CODE_SIGNING_CONFIG],
    title="Code signing blocks unsigned code",
    description="The default Warn only logs unsigned deployments; Enforce blocks them.",
    path="policies.untrustedArtifactOnDeployment", want=Want.equals("Enforce"),
    message="{path} is not Enforce (the default Warn only logs). Set Enforce.",
    example='aws.lambda_.CodeSigningConfig("signed", ...)')


@violates("lambda-code-signing-enforce", resource="signed")
def signing_config_warn_only():
    _signing_config("Warn")


@complies("lambda-code-signing-enforce")
def signing_config_enforced():
    _signing_config("Enforce")


@stack_rule(
    "lambda-untrusted-layer", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.LAYER_VERSION],
    title="Functions use layers from trusted accounts",
    description="A layer from an unknown account runs its code inside the function, with the function's role.",
    remediation="""# Build the layer in this stack, or add its publisher account to trustedAccounts.""",
    config=list_setting("trustedAccounts", [],
                        "Accounts whose published layers you have vetted (for example the publisher of Powertools "
                        "for AWS Lambda); none by default."),
    phrase="that is neither in trustedAccounts nor built in this stack")
def lambda_untrusted_layer(stack, cfg):
    for fn in stack.of_type(aws.FUNCTION):
        own = {a for layer in stack.targets(fn, "layers", aws.LAYER_VERSION) if isinstance(a := layer.get("arn"), str)}
        for arn in as_list(fn.get("layers")):
            if not isinstance(arn, str) or arn in own:
                continue
            parts = arn.split(":")
            account = parts[4] if len(parts) > 4 else ""
            if account not in cfg["trustedAccounts"]:
                yield fn, (f"uses a layer from {'an account' if account else 'an unknown account'} that is neither in trustedAccounts nor "
                           "built in this stack. Vet it and trust its account, or build it yourself.")


@violates("lambda-untrusted-layer", resource="fn")
def function_with_foreign_layer():
    P.function(layers=["arn:aws:lambda:us-east-1:999988887777:layer:mystery:3"])


@complies("lambda-untrusted-layer")
def function_with_layer_built_in_the_stack():
    P.function(layers=[_layer().arn])


@complies("lambda-untrusted-layer", config={"lambda-untrusted-layer": {"trustedAccounts": ["017000801446"]}})
def function_with_own_and_trusted_layers():
    P.function(layers=[_layer().arn, "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"])


@stack_rule(
    "lambda-image-mutable-tag", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.ECR_REPOSITORY],
    title="Image functions are pinned to a digest",
    description="A function image referenced by a tag in a repository with mutable tags can be swapped underneath it.",
    remediation="""aws.lambda_.Function("fn", ..., package_type="Image", image_uri=f"{repo_url}@sha256:<digest>")""",
    peers=["CKV_AWS_51"],
    phrase="whose tags are mutable")
def lambda_image_mutable_tag(stack, cfg):
    repos = stack.of_type(aws.ECR_REPOSITORY)
    for fn in stack.of_type(aws.FUNCTION):
        uri = fn.get("imageUri")
        if fn.get("packageType") != "Image" or (isinstance(uri, str) and "@sha256:" in uri):
            continue
        linked = stack.targets(fn, "imageUri", aws.ECR_REPOSITORY) or [
            r for r in repos if isinstance(uri, str) and isinstance(r.get("repositoryUrl"), str)
            and uri.startswith(r.get("repositoryUrl"))]
        mutable = [repo for repo in linked if repo.get("imageTagMutability") != "IMMUTABLE"]
        if mutable and not isinstance(uri, str):
            yield Undecided(fn, "imageUri")  # a tag or a digest? known only after the update
        elif mutable:
            yield fn, (f"uses an image tag from {mutable[0].label()}, whose tags are mutable. Pin the image by "
                       "digest or make the repository's tags immutable.")


@violates("lambda-image-mutable-tag", resource="fn")
def image_by_tag_from_mutable_repo():
    _image_function("MUTABLE")


@complies("lambda-image-mutable-tag")
def image_by_digest():
    _image_function("MUTABLE", digest=True)


@stack_rule(
    "ecr-scan-on-push", CAT, Sev.MEDIUM, types=[aws.ECR_REPOSITORY, aws.ECR_REGISTRY_SCANNING],
    title="Images are scanned for vulnerabilities",
    description="Without scanning, images with known vulnerable packages are deployed unnoticed.",
    remediation="""aws.ecr.Repository("images", ..., image_scanning_configuration={"scan_on_push": True})
# or account-wide:
aws.ecr.RegistryScanningConfiguration("scan", scan_type="ENHANCED", rules=[...])""",
    peers=["CKV_AWS_163", "FSBP ECR.1"],
    phrase="does not scan images on push")
def ecr_scan_on_push(stack, cfg):
    if any(r.get("scanType") == "ENHANCED" or r.get("rules") for r in stack.of_type(aws.ECR_REGISTRY_SCANNING)):
        return
    for repo in stack.of_type(aws.ECR_REPOSITORY):
        if repo.get("imageScanningConfiguration.scanOnPush") is not True:
            yield repo, "does not scan images on push and the stack sets no registry scanning. Enable scanOnPush."


@fixes("ecr-scan-on-push", types=[aws.ECR_REPOSITORY])
def _scan_on_push(r, cfg):
    return {"imageScanningConfiguration.scanOnPush": True} if r.get("imageScanningConfiguration.scanOnPush") is not True \
        else None


@violates("ecr-scan-on-push", resource="images", fixed={"imageScanningConfiguration.scanOnPush": True})
def repo_without_scanning():
    P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


@complies("ecr-scan-on-push")
def repo_scans_on_push():
    P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE", image_scanning_configuration={"scan_on_push": True})


property_rule(
    "ecr-immutable-tags", CAT, Sev.MEDIUM, types=[aws.ECR_REPOSITORY],
    title="Image tags are immutable",
    description="Mutable tags let a pushed image silently replace the one a function was deployed with.",
    path="imageTagMutability", want=Want.equals("IMMUTABLE", unset="unset (MUTABLE)"),
    message="{path} is {value}. Set IMMUTABLE.",
    example='aws.ecr.Repository("images", ...)',
    peers=["CKV_AWS_51", "FSBP ECR.2"])


@violates("ecr-immutable-tags", resource="images")
def repo_mutable_tags():
    P.aws.ecr.Repository("images")


@complies("ecr-immutable-tags")
def repo_immutable_tags():
    P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


def _managed_groups(rules) -> dict:
    out = {}
    for rule in as_list(rules):
        if isinstance(rule, dict):
            group = lookup(rule, "statement.managedRuleGroupStatement")
            if isinstance(group, dict) and isinstance(group.get("name"), str):
                out[group["name"]] = group
    return out


@resource_rule(
    "waf-acl-known-bad-inputs", CAT, Sev.MEDIUM, types=[aws.WEB_ACL],
    title="Web ACLs block known bad inputs (Log4Shell)",
    description="AWSManagedRulesKnownBadInputsRuleSet blocks request patterns of known exploits such as Log4Shell "
                "against Java functions behind the API.",
    remediation="""# one more entry in the web ACL's rules:
known_bad_inputs = {"name": "bad-inputs", "priority": 2, "override_action": {"none": {}},
    "statement": {"managed_rule_group_statement": {"name": "AWSManagedRulesKnownBadInputsRuleSet", "vendor_name": "AWS"}},
    "visibility_config": {...}}""",
    peers=["CKV_AWS_192", "CKV2_AWS_77", "CKV2_AWS_78"],
    phrase=("has no AWSManagedRulesKnownBadInputsRuleSet", "overrides Log4JRCE"))
def waf_acl_known_bad_inputs(r, cfg):
    rule_json = r.known("ruleJson")
    if isinstance(rule_json, str) and "AWSManagedRulesKnownBadInputsRuleSet" in rule_json:
        return None
    group = _managed_groups(r.known("rules")).get("AWSManagedRulesKnownBadInputsRuleSet")
    if group is None:
        return "has no AWSManagedRulesKnownBadInputsRuleSet. Add it."
    for override in as_list(group.get("ruleActionOverrides")):
        if isinstance(override, dict) and override.get("name") == "Log4JRCE" and \
                isinstance(override.get("actionToUse"), dict) and "count" in override["actionToUse"]:
            return "overrides Log4JRCE in AWSManagedRulesKnownBadInputsRuleSet to count: Log4Shell is not blocked."
    return None


@violates("waf-acl-known-bad-inputs", resource="acl")
def acl_without_bad_inputs():
    _acl([_group("AWSManagedRulesCommonRuleSet", 1)])


@violates("waf-acl-known-bad-inputs", resource="acl")
def acl_log4j_counted():
    _acl([_group("AWSManagedRulesKnownBadInputsRuleSet", 1, rule_action_overrides=[
        {"name": "Log4JRCE", "action_to_use": {"count": {}}}])])


@complies("waf-acl-known-bad-inputs")
def acl_with_bad_inputs():
    _acl([_group("AWSManagedRulesKnownBadInputsRuleSet", 1)])


# --- what the cases above are built with ---------------------------------------------------------------

def _layer():
    return P.aws.lambda_.LayerVersion("deps", layer_name="deps", code=P.pulumi.AssetArchive({}),
                                      compatible_runtimes=["python3.13"])


def _signing_config(mode):
    return P.aws.lambda_.CodeSigningConfig("signed", allowed_publishers={"signing_profile_version_arns": [
        "arn:aws:signer:us-east-1:123456789012:/signing-profiles/app/abc"]}, policies={"untrusted_artifact_on_deployment": mode})


def _image_function(mutability, digest=False):
    repo = P.aws.ecr.Repository("images", image_tag_mutability=mutability)
    uri = repo.repository_url.apply(lambda u: f"{u}@sha256:{'a' * 64}" if digest else f"{u}:latest")
    P.aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/fn", package_type="Image", image_uri=uri)


def _acl(rules):
    P.aws.wafv2.WebAcl("acl", scope="REGIONAL", default_action={"allow": {}}, visibility_config=P.WAF_VISIBILITY, rules=rules)


def _group(name, priority, **extra):
    return {"name": name, "priority": priority, "override_action": {"none": {}}, "visibility_config": P.WAF_VISIBILITY,
            "statement": {"managed_rule_group_statement": {"name": name, "vendor_name": "AWS", **extra}}}
