"""SAS-6 Insecure third-party dependencies.

Unpatched runtimes, layers from unknown accounts or shared with everyone, unsigned code, mutable
and unscanned container images, and web ACLs without the known-bad-inputs rules (Log4Shell).
"""
from __future__ import annotations

import datetime as dt
import json
import os
from functools import cache

from .core import Sev, Want, property_rule, Undecided, as_list, fixes, int_setting, list_setting, lookup, resource_rule, stack_rule
from .core import aws
from .core.rule import Fixed, literal

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
    peers=["CKV_AWS_363", "FSBP Lambda.2"], config=RUNTIME_CONFIG)
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


@resource_rule(
    "lambda-layer-deprecated-runtime", CAT, Sev.LOW, types=[aws.LAYER_VERSION],
    title="Layers target supported runtimes",
    description="A layer built for a deprecated runtime keeps functions on it.",
    remediation="""aws.lambda_.LayerVersion("deps", ..., compatible_runtimes=["python3.14"])""", config=RUNTIME_CONFIG)
def lambda_layer_deprecated_runtime(r, cfg):
    problems = [p for rt in as_list(r.known("compatibleRuntimes")) if (p := runtime_problem(rt, cfg, r.context.clock()))]
    if problems:
        return f"compatibleRuntimes: {'; '.join(problems)}. Rebuild the layer for a supported runtime."
    return None


@resource_rule(
    "lambda-layer-permission-public", CAT, Sev.MEDIUM, types=[aws.LAYER_PERMISSION],
    title="Layers are not shared with every account",
    description="A layer permission for principal * lets any account read the layer's code.",
    remediation="""aws.lambda_.LayerVersionPermission("share", ..., principal="*", organization_id="o-xxxxxxxx")""")
def lambda_layer_permission_public(r, cfg):
    if r.known("principal") == "*" and not r.known("organizationId"):
        return "shares the layer with principal \"*\" and no organizationId. Limit it to your organization."
    return None


@resource_rule(
    "lambda-code-signing", CAT, Sev.LOW, types=[aws.FUNCTION],
    title="Zip functions require signed code",
    description="Without a code signing config, any package - including a tampered one - can be deployed.",
    remediation="""csc = aws.lambda_.CodeSigningConfig("signed", allowed_publishers={"signing_profile_version_arns": [profile.version_arn]},
    policies={"untrusted_artifact_on_deployment": "Enforce"})
aws.lambda_.Function("fn", ..., code_signing_config_arn=csc.arn)""",
    peers=["CKV_AWS_272"], hygiene=True)
def lambda_code_signing(r, cfg):
    if (r.known("packageType") or "Zip") == "Zip" and not r.is_set("codeSigningConfigArn"):
        return "is a Zip function without codeSigningConfigArn. Require signed code."
    return None


property_rule(
    "lambda-code-signing-enforce", CAT, Sev.MEDIUM, types=[aws.CODE_SIGNING_CONFIG],
    title="Code signing blocks unsigned code",
    description="The default Warn only logs unsigned deployments; Enforce blocks them.",
    path="policies.untrustedArtifactOnDeployment", want=Want.equals("Enforce"),
    message="{path} is not Enforce (the default Warn only logs). Set Enforce.",
    example='aws.lambda_.CodeSigningConfig("signed", ...)')


@stack_rule(
    "lambda-untrusted-layer", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.LAYER_VERSION],
    title="Functions use layers from trusted accounts",
    description="A layer from an unknown account runs its code inside the function, with the function's role.",
    remediation="""# Build the layer in this stack, or add its publisher account to trustedAccounts.""",
    config=list_setting("trustedAccounts", [],
                        "Accounts whose published layers you have vetted (for example the publisher of Powertools "
                        "for AWS Lambda); none by default."))
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


@stack_rule(
    "lambda-image-mutable-tag", CAT, Sev.MEDIUM, types=[aws.FUNCTION, aws.ECR_REPOSITORY],
    title="Image functions are pinned to a digest",
    description="A function image referenced by a tag in a repository with mutable tags can be swapped underneath it.",
    remediation="""aws.lambda_.Function("fn", ..., package_type="Image", image_uri=f"{repo_url}@sha256:<digest>")""",
    peers=["CKV_AWS_51"])
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


@stack_rule(
    "ecr-scan-on-push", CAT, Sev.MEDIUM, types=[aws.ECR_REPOSITORY, aws.ECR_REGISTRY_SCANNING],
    title="Images are scanned for vulnerabilities",
    description="Without scanning, images with known vulnerable packages are deployed unnoticed.",
    remediation="""aws.ecr.Repository("images", ..., image_scanning_configuration={"scan_on_push": True})
# or account-wide:
aws.ecr.RegistryScanningConfiguration("scan", scan_type="ENHANCED", rules=[...])""",
    peers=["CKV_AWS_163", "FSBP ECR.1"])
def ecr_scan_on_push(stack, cfg):
    if any(r.get("scanType") == "ENHANCED" or r.get("rules") for r in stack.of_type(aws.ECR_REGISTRY_SCANNING)):
        return
    for repo in stack.of_type(aws.ECR_REPOSITORY):
        if repo.get("imageScanningConfiguration.scanOnPush") is not True:
            yield repo, "does not scan images on push and the stack sets no registry scanning. Enable scanOnPush."


property_rule(
    "ecr-immutable-tags", CAT, Sev.MEDIUM, types=[aws.ECR_REPOSITORY],
    title="Image tags are immutable",
    description="Mutable tags let a pushed image silently replace the one a function was deployed with.",
    path="imageTagMutability", want=Want.equals("IMMUTABLE", unset="unset (MUTABLE)"),
    message="{path} is {value}. Set IMMUTABLE.",
    example='aws.ecr.Repository("images", ...)',
    peers=["CKV_AWS_51", "FSBP ECR.2"])


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
    peers=["CKV_AWS_192", "CKV2_AWS_77", "CKV2_AWS_78"])
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


# --- remediations (level remediate) ----------------------------------------------------------------
# Tags stay mutable (immutability breaks pipelines that push "latest"); scanning on push changes nothing
# a caller sees.

@fixes("ecr-scan-on-push", types=[aws.ECR_REPOSITORY])
def _scan_on_push(r, cfg):
    return {"imageScanningConfiguration.scanOnPush": True} if r.get("imageScanningConfiguration.scanOnPush") is not True \
        else None
