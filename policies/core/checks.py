"""Checks several modules share, so each is written (and tested) once."""
from __future__ import annotations

from . import aws, governance, iam
from .resource import Resource, Undecided
from .values import UNKNOWN, as_list


def read_policy(resource: Resource, prop: str = "policy"):
    """The parsed document at ``prop``: None if absent, raises ``Undecided`` if unknown, and a
    ``Malformed`` (falsy) when it cannot be read."""
    doc = resource.document(prop)
    if doc is UNKNOWN:
        raise Undecided(resource, prop)
    return doc


def malformed_message(prop: str, doc: iam.Malformed) -> str:
    return (f"`{prop}` {doc.reason}, so the pack cannot tell what it allows; "
            "write it with aws.iam.get_policy_document or json.dumps of a dict.")


def open_policy(resource: Resource, prop: str = "policy", actions=None, what: str = "",
                also_restricting: tuple = ()) -> list:
    """Messages for each statement of ``resource.prop`` that is open to anyone (optionally only
    those granting one of ``actions``). ``also_restricting`` adds lower-case condition keys that count
    as restricting for this service. One helper for S3, SQS, SNS, KMS, Secrets Manager, ECR,
    DynamoDB, Lambda, API Gateway and EventBridge resource policies."""
    doc = read_policy(resource, prop)
    if not isinstance(doc, iam.Document):   # absent, or unreadable (policy-unreadable's finding)
        return []
    found, undecided = doc.open_statements(actions)
    # Service-specific condition keys that also pin the caller (e.g. kms:ViaService).
    found = [s for s in found if not set(also_restricting) & s.condition_keys()]
    if not found and undecided:
        raise Undecided(resource, prop)
    out = []
    for s in found:
        named = [a for a in s.actions if isinstance(a, str)]
        acts = (", ".join(named[:6]) + (f" and {len(named) - 6} more" if len(named) > 6 else "")) if named \
            else "every action except its NotAction"
        out.append(f"`{prop}` {s.label} allows anyone - Principal \"*\" with no condition that restricts the caller "
                   f"(aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce...) - to {acts}"
                   f"{what}. Name the principals, or add such a condition.")
    return out


def name_allowed(resource: Resource, cfg: dict) -> bool:
    """Whether the rule's ``allowedNames`` config (glob patterns) lists this resource."""
    return governance.name_matches(resource, governance.Patterns(as_list(cfg.get("allowedNames"))))


def s3_log_targets(stack) -> set:
    """URNs of buckets that receive access logs: server access logs (BucketLogging, its V2 form, or a
    bucket's inline ``logging`` argument), or a service's own (CloudFront, CloudTrail, load balancers)."""
    out = {t.urn for bl in stack.of_type(*aws.BUCKET_LOGGINGS) for t in stack.targets(bl, "targetBucket", *aws.BUCKETS)}
    for b in stack.of_type(*aws.BUCKETS):
        if b.is_set("logging.targetBucket"):
            out.update(t.urn for t in stack.targets(b, "logging.targetBucket", *aws.BUCKETS))
    by_name: dict | None = None
    for type_, prop in LOG_DELIVERIES:
        for source in stack.of_type(type_):
            found = stack.targets(source, prop, *aws.BUCKETS)
            value = source.get(prop)
            if not found and isinstance(value, str):   # "logs.s3.amazonaws.com" (CloudFront) or a bucket name
                if by_name is None:
                    by_name = {}
                    for bucket in stack.of_type(*aws.BUCKETS):
                        name = bucket.get("bucket")
                        if isinstance(name, str):   # a join key is read as what it must be, or not joined
                            by_name.setdefault(name, []).append(bucket)
                found = by_name.get(value.split(".s3.")[0].split(".s3-")[0], [])
            out.update(t.urn for t in found)
    return out


def website_buckets(stack) -> set:
    """URNs of buckets served as S3 websites (a BucketWebsiteConfiguration, or the older inline
    ``website`` argument): the website endpoint speaks only HTTP, and its content is published from
    the program's files."""
    out = {t.urn for w in stack.of_type(*aws.BUCKET_WEBSITES) for t in stack.targets(w, "bucket", *aws.BUCKETS)}
    out.update(b.urn for b in stack.of_type(*aws.BUCKETS)
               if b.is_set("website.indexDocument") or b.is_set("website.redirectAllRequestsTo"))
    return out


# Services that deliver their own access logs to a bucket: such a bucket is a log bucket too.
LOG_DELIVERIES = (
    (aws.DISTRIBUTION, "loggingConfig.bucket"),   # <bucket>.s3.amazonaws.com
    (aws.TRAIL, "s3BucketName"),
    *((lb, "accessLogs.bucket") for lb in aws.LOAD_BALANCER),
)
