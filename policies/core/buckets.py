"""What a bucket is for, as the S3 hygiene rules ask it: application data, or content and logs that
versioning, access logs and a TLS-only policy do nothing for (or that the program cannot change).

- **Website content**: a bucket served as an S3 website (``checks.website_buckets``).
- **Log buckets**: a bucket that receives access logs (``checks.s3_log_targets``).
- **Static content behind CloudFront**: a bucket that a distribution reads through origin access control
  (or the older origin access identity): published from the program's files, read only by CloudFront.
- **A published component's own bucket**: built inside a component of a published package (the static
  route bucket of ``@pulumi/aws-apigateway``'s RestAPI, awsx's), which the program cannot configure.

``s3-access-logging`` leaves log buckets alone, ``s3-versioning`` and ``s3-tls-only`` website content and log
buckets too (``checks``), and all three leave the CloudFront content and component buckets alone unless their
``everyBucket`` setting is on (``content_or_internal``).
"""
from __future__ import annotations

from . import aws
from .rule import STRICTER
from .values import as_list, lookup

# packages whose components build buckets the program does not declare (their type tokens' first part)
PUBLISHED_COMPONENTS = ("aws-apigateway", "awsx", "synced-folder", "aws-static-website")


def cloudfront_content(stack) -> set:
    """URNs of buckets a distribution reads only through origin access (OAC, or an origin access identity)."""
    def build() -> set:
        buckets = stack.of_type(*aws.BUCKETS)
        by_name: dict = {}
        for b in buckets:
            name = b.get("bucket")
            if isinstance(name, str):
                by_name.setdefault(name, []).append(b)
        out: set = set()
        for dist in stack.of_type(aws.DISTRIBUTION):
            origins = [o for o in as_list(dist.get("origins")) if isinstance(o, dict)]
            guarded = [o for o in origins if o.get("originAccessControlId") or
                       lookup(o, "s3OriginConfig.originAccessIdentity")]
            if not guarded:
                continue
            named = [d for o in guarded if isinstance(d := o.get("domainName"), str)]
            if len(named) == len(guarded):
                for domain in named:
                    out.update(b.urn for b in by_name.get(domain.split(".s3")[0], []))
            elif len(guarded) == len(origins):   # preview: every origin is guarded, so every bucket it names is
                out.update(b.urn for b in stack.targets(dist, "origins", *aws.BUCKETS))
        return out
    return stack.cached(("cloudfront-content",), build)


def component_built(resource) -> bool:
    """Whether a published component (``PUBLISHED_COMPONENTS``) built the resource: its URN's type chain
    has such a component above it."""
    return any(p.split(":")[0] in PUBLISHED_COMPONENTS for p in resource.component_types)


def content_or_internal(stack, cfg: dict) -> set:
    """URNs of the static-content buckets behind CloudFront, which the S3 hygiene rules leave alone unless their
    ``everyBucket`` setting is on. (The published components' own buckets are left alone by the runtime, and
    only while the rule runs advisory: ``internal``, since a component's type is the program's text.)"""
    if cfg.get(EVERY_BUCKET):
        return set()
    return stack.cached(("content-or-internal",), lambda: cloudfront_content(stack))


def internal(resource, rule_config: dict, cfg: dict) -> bool:
    """Whether a finding of a bucket rule (one with ``everyBucket``) is on a published component's own bucket
    that the rule leaves alone (``everyBucket`` off)."""
    return EVERY_BUCKET in rule_config and not cfg.get(EVERY_BUCKET) and resource.type in aws.BUCKETS \
        and component_built(resource)


EVERY_BUCKET = "everyBucket"
EVERY_BUCKET_SETTING = {EVERY_BUCKET: {
    "type": "boolean", "default": False, STRICTER: "true",
    "description": "Judge every bucket, also static content CloudFront reads through origin access and the "
                   "buckets a published component builds (the default judges buckets of application data)."}}
