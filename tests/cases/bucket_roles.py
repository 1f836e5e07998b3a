"""What a bucket is for (policies/core/buckets.py): the S3 hygiene rules judge buckets of application data,
not static content CloudFront reads through origin access, not log buckets, not a published component's
own buckets; ``everyBucket`` judges them all. Each class both ways."""
import pulumi
import pulumi_aws as aws

from . import case

HYGIENE = ("s3-versioning", "s3-access-logging", "s3-tls-only")


def _site(name="site", guarded=True):
    """A bucket of static content behind a distribution: through origin access control, or (guarded False)
    through the bucket's REST endpoint with no origin access, so the bucket must be readable another way."""
    bucket = aws.s3.Bucket(name)
    oac = aws.cloudfront.OriginAccessControl(f"{name}-oac", origin_access_control_origin_type="s3",
                                             signing_behavior="always", signing_protocol="sigv4") if guarded else None
    origin = {"domain_name": bucket.bucket_regional_domain_name, "origin_id": "s3"}
    if oac is not None:
        origin["origin_access_control_id"] = oac.id
    aws.cloudfront.Distribution(
        f"{name}-cdn", enabled=True, origins=[origin], default_root_object="index.html",
        default_cache_behavior={"target_origin_id": "s3", "viewer_protocol_policy": "redirect-to-https",
                                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True})
    return bucket


def static_content_behind_origin_access():
    _site()


def static_content_without_origin_access():
    _site(guarded=False)


for _rule in HYGIENE:
    case(_rule, violates=False)(static_content_behind_origin_access)
    case(_rule, violates=True, resource="site", config={_rule: {"everyBucket": True}})(
        static_content_behind_origin_access)
    case(_rule, violates=True, resource="site")(static_content_without_origin_access)


class StaticRoutes(pulumi.ComponentResource):
    """A published component (its package is aws-apigateway) that builds a bucket the program cannot set up."""

    def __init__(self, name):
        super().__init__("aws-apigateway:index:RestAPI", name)
        aws.s3.Bucket(f"{name}-static", opts=pulumi.ResourceOptions(parent=self))


class OwnComponent(pulumi.ComponentResource):
    """The program's own component: its bucket is the program's to configure."""

    def __init__(self, name):
        super().__init__("acme:storage:Uploads", name)
        aws.s3.Bucket(f"{name}-data", opts=pulumi.ResourceOptions(parent=self))


def bucket_a_published_component_builds():
    StaticRoutes("api")


def bucket_of_the_programs_own_component():
    OwnComponent("uploads")


for _rule in HYGIENE:
    case(_rule, violates=False)(bucket_a_published_component_builds)
    case(_rule, violates=True, resource="api-static", config={_rule: {"everyBucket": True}})(
        bucket_a_published_component_builds)
    case(_rule, violates=True, resource="uploads-data")(bucket_of_the_programs_own_component)
