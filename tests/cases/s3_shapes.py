"""S3 posture in every shape pulumi-aws 7 accepts: the older inline Bucket arguments (deprecated, still
valid, common in tutorials), the separate resources, and the deprecated V2 types."""
import json

import pulumi_aws as aws

from . import case

PUBLIC_READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::site/*"}]})
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
KMS = {"rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}, "bucket_key_enabled": True}}


@case("s3-acl-public", violates=True, resource="site")
def tutorial_static_site_with_inline_acl():
    aws.s3.Bucket("site", acl="public-read", website={"index_document": "index.html"})


@case("s3-acl-public", violates=True, resource="site")
def inline_grant_to_all_users():
    aws.s3.Bucket("site", grants=[{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}])


@case("s3-acl-public", violates=False)
def inline_private_acl():
    aws.s3.Bucket("site", acl="private")


@case("s3-policy-public", violates=True, resource="site")
def inline_public_bucket_policy():
    aws.s3.Bucket("site", policy=PUBLIC_READ)


@case("s3-policy-public", violates=False)
def inline_policy_for_one_account():
    aws.s3.Bucket("site", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::site/*"}]}))


@case("s3-versioning", violates=False)
@case("s3-sse-kms", violates=False)
@case("s3-access-logging", violates=False)
def older_bucket_with_inline_posture():
    logs = aws.s3.Bucket("logs", versioning={"enabled": True}, server_side_encryption_configuration=KMS)
    aws.s3.Bucket("data", versioning={"enabled": True}, server_side_encryption_configuration=KMS,
                  logging={"target_bucket": logs.id, "target_prefix": "data/"})


@case("s3-versioning", violates=True, resource="data")
def inline_versioning_overridden_by_a_suspended_resource():
    b = aws.s3.Bucket("data", versioning={"enabled": True})
    aws.s3.BucketVersioning("data", bucket=b.id, versioning_configuration={"status": "Suspended"})


@case("s3-sse-kms", violates=True, resource="data")
def inline_sse_s3():
    aws.s3.Bucket("data", server_side_encryption_configuration={
        "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}})


@case("s3-public-access-block-missing", violates=True, resource="v2")
def v2_bucket_without_public_access_block():
    aws.s3.BucketV2("v2")


@case("s3-public-access-block-missing", violates=False)
def v2_bucket_with_public_access_block():
    b = aws.s3.BucketV2("v2")
    aws.s3.BucketPublicAccessBlock("v2", bucket=b.id, block_public_acls=True, block_public_policy=True,
                                   ignore_public_acls=True, restrict_public_buckets=True)


@case("s3-acl-public", violates=True, resource="v2-acl")
def v2_public_acl():
    b = aws.s3.BucketV2("v2")
    aws.s3.BucketAclV2("v2-acl", bucket=b.id, acl="public-read")


@case("s3-versioning", violates=False)
@case("s3-sse-kms", violates=False)
@case("s3-access-logging", violates=False)
def v2_bucket_with_v2_satellites():
    logs = aws.s3.BucketV2("logs")
    aws.s3.BucketVersioningV2("logs", bucket=logs.id, versioning_configuration={"status": "Enabled"})
    aws.s3.BucketServerSideEncryptionConfigurationV2("logs", bucket=logs.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])
    b = aws.s3.BucketV2("v2")
    aws.s3.BucketVersioningV2("v2", bucket=b.id, versioning_configuration={"status": "Enabled"})
    aws.s3.BucketServerSideEncryptionConfigurationV2("v2", bucket=b.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}])
    aws.s3.BucketLoggingV2("v2", bucket=b.id, target_bucket=logs.id, target_prefix="v2/")


@case("s3-versioning", violates=True, resource="v2")
def v2_bucket_without_versioning():
    aws.s3.BucketV2("v2")


# --- website and log buckets: what versioning and a TLS-only policy would mean there -------------------

@case("s3-tls-only", violates=False)
@case("s3-versioning", violates=False)
def website_bucket_with_a_website_configuration():
    """aws-py-static-website's content bucket: its website endpoint speaks only HTTP (so a TLS-only
    policy would take the site down) and its content is published from the program's files."""
    site = aws.s3.Bucket("site")
    aws.s3.BucketWebsiteConfiguration("site-website", bucket=site.bucket, index_document={"suffix": "index.html"})


@case("s3-tls-only", violates=False)
@case("s3-versioning", violates=False)
def website_bucket_with_the_inline_website_argument():
    aws.s3.Bucket("site", website={"index_document": "index.html"})


@case("s3-versioning", violates=False)
def cloudfront_log_bucket():
    logs = aws.s3.Bucket("logs")
    aws.cloudfront.Distribution(
        "cdn", enabled=True, default_root_object="index.html",
        origins=[{"domain_name": "example.com", "origin_id": "site", "custom_origin_config": {
            "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": ["TLSv1.2"]}}],
        default_cache_behavior={"target_origin_id": "site", "viewer_protocol_policy": "redirect-to-https",
                                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}}},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
        logging_config={"bucket": logs.bucket_domain_name, "include_cookies": False, "prefix": "cdn/"})


@case("s3-tls-only", violates=True, resource="data")
@case("s3-versioning", violates=True, resource="data")
def a_data_bucket_beside_a_website_bucket():
    aws.s3.Bucket("site", website={"index_document": "index.html"})
    aws.s3.Bucket("data")
