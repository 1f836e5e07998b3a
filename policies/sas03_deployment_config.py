"""SAS-3 Insecure serverless deployment configuration.

Storage, queues, topics, tables, registries and keys whose settings expose data or make it easy to
lose: public buckets and policies, missing TLS enforcement, versioning, recovery and deletion guards.
In pulumi-aws 7 a bucket's posture lives on separate resources, so the S3 rules join each bucket
with its satellites through the stack index.

Remediation (level remediate): s3-public-access-block-weak turns the four flags on (a bucket public on
purpose needs an exemption, which remediations honour); kms-deletion-safety restores the lockout check
and a 30-day window (a disabled key is left to its owner); apigw-domain-tls moves to TLS_1_2;
s3-versioning enables a suspended BucketVersioning or inline versioning argument. Policies, ACLs and
principals are never rewritten: they decide who can read or call something.
"""
from __future__ import annotations

import json
import re

from .core import Sev, Want, property_rule, Undecided, as_list, fixes, iam, int_setting, list_setting, lookup, names_allowlist, resource_rule, \
    stack_rule
from .core import accounts, aws, buckets
from .core.checks import open_policy, read_policy, s3_log_targets, website_buckets
from .core.cases import P, complies, violates

CAT = "SAS-3"
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


# --- S3 -----------------------------------------------------------------------------------------

@stack_rule(
    "s3-public-access-block-missing", CAT, Sev.HIGH, types=[*aws.BUCKETS, aws.BUCKET_PAB, aws.ACCOUNT_PAB],
    title="S3 buckets have a public access block",
    description="Without a bucket or account public access block declared in the stack, the bucket relies on "
                "S3's default (all four blocks on for buckets created since April 2023); an older or imported "
                "bucket, or a console change, is one ACL or policy away from public. Off in the default profile: "
                "a block that is switched off is s3-public-access-block-weak's finding. A bucket made public by "
                "its ACL or policy is reported by s3-acl-public or s3-policy-public instead.",
    remediation="""aws.s3.BucketPublicAccessBlock("uploads", bucket=bucket.id, block_public_acls=True,
    block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)""",
    peers=["CKV2_AWS_6", "FSBP S3.8"], config=names_allowlist("buckets that are public on purpose"), hygiene=True,
    superseded_by=["s3-policy-public", "s3-acl-public"],
    phrase="has no BucketPublicAccessBlock")
def s3_public_access_block_missing(stack, cfg):
    if stack.has_type(aws.ACCOUNT_PAB):
        return
    for bucket in stack.of_type(*aws.BUCKETS):
        if stack.referrers(bucket, aws.BUCKET_PAB, prop="bucket"):
            continue
        yield bucket, "has no BucketPublicAccessBlock (and the stack has no AccountPublicAccessBlock). Add one " \
                      "with all four settings true."


@violates("s3-public-access-block-missing", resource="uploads")
def bucket_without_pab():
    P.aws.s3.Bucket("uploads")


@complies("s3-public-access-block-missing")
def bucket_with_pab():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketPublicAccessBlock("uploads-pab", bucket=b.id, **ALL_BLOCKED)


@complies("s3-public-access-block-missing")
def bucket_with_account_pab():
    P.aws.s3.Bucket("uploads")
    P.aws.s3.AccountPublicAccessBlock("account", **ALL_BLOCKED)


@violates("s3-public-access-block-missing", resource="v2")
def v2_bucket_without_public_access_block():
    P.aws.s3.BucketV2("v2")


@complies("s3-public-access-block-missing")
def v2_bucket_with_public_access_block():
    b = P.aws.s3.BucketV2("v2")
    P.aws.s3.BucketPublicAccessBlock("v2", bucket=b.id, block_public_acls=True, block_public_policy=True,
                                     ignore_public_acls=True, restrict_public_buckets=True)


@violates("s3-public-access-block-missing", resource="site", superseded_by="s3-policy-public", says="has no BucketPublicAccessBlock")
def s3_public_access_block_missing_under_s3_policy_public():
    site = P.aws.s3.Bucket("site")
    P.aws.s3.BucketPolicy("site-policy", bucket=site.id, policy=site.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                "Resource": f"{arn}/*"}]})))


@violates("s3-public-access-block-missing", resource="site", superseded_by="s3-acl-public", says="has no BucketPublicAccessBlock")
def s3_public_access_block_missing_under_s3_acl_public():
    P.aws.s3.Bucket("site", acl="public-read")


def _exposures_and_blocks(stack, types: tuple, check):
    """``check(resource)``'s messages on each resource of ``types`` (a bucket, or what configures one),
    each yielded with the bucket and its public access blocks: one exposure, one finding, so the finding
    that a bucket is open stands for its weak or missing block (s3-public-access-block-weak and -missing
    are superseded there)."""
    for r in stack.of_type(*types):
        try:
            found = check(r)
        except Undecided as exc:
            yield exc
            continue
        found = [found] if isinstance(found, str) else list(found or ())
        if not found:
            continue
        buckets = [r] if r.type in aws.BUCKETS else stack.targets(r, "bucket", *aws.BUCKETS)
        blocks = [b for bucket in buckets for b in stack.referrers(bucket, aws.BUCKET_PAB, prop="bucket")]
        for message in found:
            yield r, message, [*blocks, *buckets]


@resource_rule(
    "s3-public-access-block-weak", CAT, Sev.HIGH, phase="stack", types=[aws.BUCKET_PAB],
    title="S3 public access blocks block everything",
    description="A public access block with any setting off leaves a path to a public bucket.",
    remediation="""aws.s3.BucketPublicAccessBlock("uploads", bucket=bucket.id, block_public_acls=True,
    block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True)""",
    peers=["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56", "FSBP S3.8"],
    config=names_allowlist("public access blocks"), superseded_by=["s3-policy-public", "s3-acl-public"],
    phrase="not true. Set all four to True")
def s3_public_access_block_weak(r, cfg):
    off = [k for k in PAB_FLAGS if r.flag(k) is not True]
    if off:
        return f"{', '.join(off)} not true. Set all four to True."
    return None


@fixes("s3-public-access-block-weak")
def _block_everything(r, cfg):
    return {flag: True for flag in PAB_FLAGS if r.flag(flag) is not True}


@violates("s3-public-access-block-weak", resource="uploads-pab", fixed={"blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True})
def pab_partial():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketPublicAccessBlock("uploads-pab", bucket=b.id, block_public_acls=True, block_public_policy=False)


@complies("s3-public-access-block-weak")
def pab_complete():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketPublicAccessBlock("uploads-pab", bucket=b.id, **ALL_BLOCKED)


# --- a bucket's blocks, ACL and encryption, held on the bucket --------------------------------
@violates("s3-public-access-block-weak", resource="site")
def bucket_block_off():
    P.native.s3.Bucket("site", public_access_block_configuration={"block_public_policy": False,
                                                                  "restrict_public_buckets": False})


@violates("s3-public-access-block-weak", resource="site-block", superseded_by="s3-acl-public", says="not true. Set all four to True.")
def s3_public_access_block_weak_under_s3_acl_public():
    site = P.aws.s3.Bucket("site", acl="public-read")
    P.aws.s3.BucketPublicAccessBlock("site-block", bucket=site.id, block_public_acls=False, block_public_policy=False,
                                     ignore_public_acls=False, restrict_public_buckets=False)


@violates("s3-public-access-block-weak", resource="site-block", superseded_by="s3-policy-public")
def s3_public_access_block_weak_under_s3_policy_public():
    """aws-py-s3-folder: the block is switched off so that the public-read policy can apply."""
    site = P.aws.s3.Bucket("site")
    block = P.aws.s3.BucketPublicAccessBlock("site-block", bucket=site.id, block_public_acls=False,
                                             block_public_policy=False, ignore_public_acls=False,
                                             restrict_public_buckets=False)
    P.aws.s3.BucketPolicy("site-policy", bucket=site.id, policy=site.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                "Resource": f"{arn}/*"}]})),
                          opts=P.pulumi.ResourceOptions(depends_on=[block]))


@stack_rule(
    "s3-policy-public", CAT, Sev.CRITICAL, types=[aws.BUCKET_POLICY, aws.BUCKET, aws.BUCKET_PAB],
    title="S3 bucket policies are not open to everyone",
    description="A bucket policy (a BucketPolicy, or the older inline `policy` argument of Bucket) that allows "
                "Principal * without a restricting condition exposes the bucket.",
    remediation="""# Grant named principals, or serve public content through CloudFront with origin access control:
# "Principal": {"Service": "cloudfront.amazonaws.com"}, "Condition": {"StringEquals": {"AWS:SourceArn": dist.arn}}""",
    peers=["CKV_AWS_70", "FSBP S3.2", "FSBP S3.3"], config=names_allowlist("bucket policies"),
    phrase="allows anyone - Principal \"*\"")
def s3_policy_public(stack, cfg):
    return _exposures_and_blocks(stack, (aws.BUCKET_POLICY, aws.BUCKET), lambda r: open_policy(r, "policy"))


@violates("s3-policy-public", resource="uploads-policy")
def bucket_policy_public_read():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketPolicy("uploads-policy", bucket=b.id, policy=P.pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                "Resource": P.pulumi.Output.concat(b.arn, "/*")}]}))


@complies("s3-policy-public")
def bucket_policy_cloudfront_only():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketPolicy("uploads-policy", bucket=b.id, policy=P.pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
            "Resource": P.pulumi.Output.concat(b.arn, "/*"),
            "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}}]}))


@violates("s3-policy-public", resource="site")
def inline_public_bucket_policy():
    P.aws.s3.Bucket("site", policy=PUBLIC_READ)


@complies("s3-policy-public")
def inline_policy_for_one_account():
    P.aws.s3.Bucket("site", policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::site/*"}]}))


@stack_rule(
    "s3-acl-public", CAT, Sev.CRITICAL, types=[*aws.BUCKET_ACLS, aws.BUCKET, aws.BUCKET_PAB],
    title="S3 bucket ACLs grant nothing to everyone",
    description="A public canned ACL or a grant to AllUsers/AuthenticatedUsers (on a BucketAcl, or the older inline "
                "`acl`/`grants` arguments of Bucket) exposes the bucket.",
    remediation="""aws.s3.BucketAcl("uploads", bucket=bucket.id, acl="private")""",
    peers=["CKV_AWS_20", "CKV_AWS_57", "CKV2_AWS_43"],
    phrase=("acl is public-read", "group. Remove the grant", "access_control is PublicRead"))
def s3_acl_public(stack, cfg):
    return _exposures_and_blocks(stack, (*aws.BUCKET_ACLS, aws.BUCKET), _public_acl)


@violates("s3-acl-public", resource="uploads-acl")
def bucket_acl_public_read():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketAcl("uploads-acl", bucket=b.id, acl="public-read")


@violates("s3-acl-public", resource="uploads-acl")
def bucket_acl_grant_all_users():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketAcl("uploads-acl", bucket=b.id, access_control_policy={
        "owner": {"id": "owner-id"},
        "grants": [{"permission": "READ", "grantee": {"type": "Group",
                                                       "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}}]})


@complies("s3-acl-public")
def bucket_acl_private():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketAcl("uploads-acl", bucket=b.id, acl="private")


@violates("s3-acl-public", resource="site")
def bucket_public_read_acl():
    P.native.s3.Bucket("site", access_control="PublicRead",
                       ownership_controls={"rules": [{"object_ownership": "ObjectWriter"}]})


@complies("s3-acl-public")
def bucket_private_acl():
    P.native.s3.Bucket("site", access_control="Private")


@violates("s3-acl-public", resource="site")
def tutorial_static_site_with_inline_acl():
    P.aws.s3.Bucket("site", acl="public-read", website={"index_document": "index.html"})


@violates("s3-acl-public", resource="site")
def inline_grant_to_all_users():
    P.aws.s3.Bucket("site", grants=[{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}])


@complies("s3-acl-public")
def inline_private_acl():
    P.aws.s3.Bucket("site", acl="private")


@violates("s3-acl-public", resource="v2-acl")
def v2_public_acl():
    b = P.aws.s3.BucketV2("v2")
    P.aws.s3.BucketAclV2("v2-acl", bucket=b.id, acl="public-read")


def _public_acl(r):
    acl = r.known("acl")
    if acl in PUBLIC_ACLS:
        return f"acl is {acl}. Use \"private\" and grant access through policies."
    grants = r.known("grants") if r.type == aws.BUCKET else r.known("accessControlPolicy.grants")
    for g in as_list(grants):
        uri = lookup(g, "uri") if r.type == aws.BUCKET else lookup(g, "grantee.uri")
        if uri in PUBLIC_GROUPS:
            return f"grants access to the {uri.rsplit('/', 1)[-1]} group. Remove the grant."
    return None


def _denies_insecure_transport(doc) -> bool:
    for s in doc.statements:
        if not s.denies:
            continue
        for op, block in s.condition.items():
            if op.lower().startswith("bool") and isinstance(block, dict):
                for k, v in block.items():
                    if k.lower() == "aws:securetransport" and any(x.lower() == "false" for x in v if isinstance(x, str)):
                        return True
    return False


@stack_rule(
    "s3-tls-only", CAT, Sev.MEDIUM, types=[aws.BUCKET, aws.BUCKET_POLICY, *aws.BUCKET_WEBSITES],
    title="S3 buckets refuse plain HTTP",
    description="Without a Deny on aws:SecureTransport false, clients may read and write over unencrypted HTTP.",
    remediation="""aws.s3.BucketPolicy("tls-only", bucket=bucket.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
    "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))""",
    peers=["CKV_AWS_379", "FSBP S3.5"], config=buckets.EVERY_BUCKET_SETTING,
    phrase="has no bucket policy that denies requests with aws:SecureTransport false")
def s3_tls_only(stack, cfg):
    # A website bucket is read over its website endpoint, which speaks only HTTP (CloudFront reaches an
    # S3 website origin over HTTP too): denying plain HTTP would take the site down.
    # (a bucket's older inline `policy` counts too: _tls_only reads the resource's own policy)
    # Log buckets are written by services, and content CloudFront reads through origin access never leaves
    # AWS over plain HTTP (buckets.content_or_internal): a TLS-only policy there changes nothing for anyone.
    return _tls_only(stack, aws.BUCKETS, aws.BUCKET_POLICY, "bucket", "bucket",
                     skip=website_buckets(stack) | s3_log_targets(stack) | buckets.content_or_internal(stack, cfg))


@fixes("s3-tls-only", types=[aws.BUCKET_POLICY])
def _deny_plain_http(r, cfg):
    """Add the secure-transport Deny to an existing bucket policy (the bucket's name must be known)."""
    bucket = r.known("bucket")
    doc = read_policy(r, "policy")
    if not isinstance(bucket, str) or not isinstance(doc, iam.Document) or doc.unknown or _denies_insecure_transport(doc):
        return None
    raw = r.get("policy")
    data = json.loads(raw) if isinstance(raw, str) else dict(raw)
    statements = data.get("Statement")
    statements = list(statements) if isinstance(statements, list) else [statements]
    arn = f"arn:aws:s3:::{bucket}"
    statements.append({"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                       "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    return {"policy": json.dumps({**data, "Statement": statements})}


@violates("s3-tls-only", resource="uploads")
def bucket_allows_http():
    P.aws.s3.Bucket("uploads")


@complies("s3-tls-only")
def bucket_denies_http():
    tls_only_policy(P.aws.s3.Bucket("uploads"))


@violates("s3-tls-only", resource="uploads", fixed=("policy",))
def bucket_policy_without_tls_deny():
    """A bucket policy for a partner account, but no secure-transport Deny (the remediate level adds it)."""
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketPolicy("uploads", bucket=b.id, policy=b.arn.apply(lambda arn: json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                "Action": "s3:GetObject", "Resource": f"{arn}/*"}]})))


@complies("s3-tls-only")
@complies("s3-versioning")
def website_bucket_with_a_website_configuration():
    """aws-py-static-website's content bucket: its website endpoint speaks only HTTP (so a TLS-only
    policy would take the site down) and its content is published from the program's files."""
    site = P.aws.s3.Bucket("site")
    P.aws.s3.BucketWebsiteConfiguration("site-website", bucket=site.bucket, index_document={"suffix": "index.html"})


@complies("s3-tls-only")
@complies("s3-versioning")
def website_bucket_with_the_inline_website_argument():
    P.aws.s3.Bucket("site", website={"index_document": "index.html"})


@violates("s3-tls-only", resource="data")
@violates("s3-versioning", resource="data")
def a_data_bucket_beside_a_website_bucket():
    P.aws.s3.Bucket("site", website={"index_document": "index.html"})
    P.aws.s3.Bucket("data")


@stack_rule(
    "s3-versioning", CAT, Sev.LOW, types=[*aws.BUCKETS, *aws.BUCKET_VERSIONINGS, *aws.BUCKET_WEBSITES],
    title="S3 buckets keep versions",
    description="Without versioning, an overwrite or delete (by a bug or an attacker) cannot be undone.",
    remediation="""aws.s3.BucketVersioning("uploads", bucket=bucket.id, versioning_configuration={"status": "Enabled"})""",
    peers=["CKV_AWS_21", "FSBP S3.14"], config={**names_allowlist("buckets"), **buckets.EVERY_BUCKET_SETTING},
    phrase=("has no BucketVersioning with status Enabled", "has a BucketVersioning whose status is not Enabled"))
def s3_versioning(stack, cfg):
    # Website content is published from the program's files and logs are written once by a service:
    # neither is data versioning can bring back, so neither is reported.
    skipped = website_buckets(stack) | s3_log_targets(stack) | buckets.content_or_internal(stack, cfg)
    for bucket in stack.of_type(*aws.BUCKETS):
        if bucket.urn in skipped:
            continue
        separate = stack.referrers(bucket, *aws.BUCKET_VERSIONINGS, prop="bucket")
        statuses = [v.get("versioningConfiguration.status") for v in separate]
        inline = bucket.get("versioning.enabled")  # the older inline argument
        if any(s is iam.UNKNOWN for s in statuses) or inline is iam.UNKNOWN:
            continue
        if separate:
            # The separate resource is what pulumi-aws 7 manages; an inline argument beside it conflicts.
            if "Enabled" not in statuses:
                yield bucket, ("has a BucketVersioning whose status is not Enabled"
                               + (" (its inline versioning argument is overridden by it)" if inline else "")
                               + ". Set versioningConfiguration status to Enabled.")
        elif inline is not True:
            yield bucket, "has no BucketVersioning with status Enabled. Add one."


@fixes("s3-versioning", types=[*aws.BUCKET_VERSIONINGS, aws.BUCKET])
def _enable_versioning(r, cfg):
    if r.type == aws.BUCKET:
        return {"versioning.enabled": True} if r.known("versioning.enabled") is False else None
    return {"versioningConfiguration.status": "Enabled"} if r.known("versioningConfiguration.status") == "Suspended" \
        else None


@violates("s3-versioning", resource="uploads", fixed={"versioningConfiguration.status": "Enabled"})
def bucket_versioning_suspended():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketVersioning("uploads-versioning", bucket=b.id, versioning_configuration={"status": "Suspended"})


@complies("s3-versioning")
def bucket_versioning_enabled():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketVersioning("uploads-versioning", bucket=b.id, versioning_configuration={"status": "Enabled"})


@complies("s3-versioning")
@complies("s3-sse-kms")
@complies("s3-access-logging")
def older_bucket_with_inline_posture():
    logs = P.aws.s3.Bucket("logs", versioning={"enabled": True}, server_side_encryption_configuration=KMS)
    P.aws.s3.Bucket("data", versioning={"enabled": True}, server_side_encryption_configuration=KMS,
                    logging={"target_bucket": logs.id, "target_prefix": "data/"})


@violates("s3-versioning", resource="data")
def inline_versioning_overridden_by_a_suspended_resource():
    b = P.aws.s3.Bucket("data", versioning={"enabled": True})
    P.aws.s3.BucketVersioning("data", bucket=b.id, versioning_configuration={"status": "Suspended"})


@complies("s3-versioning")
@complies("s3-sse-kms")
@complies("s3-access-logging")
def v2_bucket_with_v2_satellites():
    logs = P.aws.s3.BucketV2("logs")
    P.aws.s3.BucketVersioningV2("logs", bucket=logs.id, versioning_configuration={"status": "Enabled"})
    P.aws.s3.BucketServerSideEncryptionConfigurationV2("logs", bucket=logs.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])
    b = P.aws.s3.BucketV2("v2")
    P.aws.s3.BucketVersioningV2("v2", bucket=b.id, versioning_configuration={"status": "Enabled"})
    P.aws.s3.BucketServerSideEncryptionConfigurationV2("v2", bucket=b.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}])
    P.aws.s3.BucketLoggingV2("v2", bucket=b.id, target_bucket=logs.id, target_prefix="v2/")


@violates("s3-versioning", resource="v2")
def v2_bucket_without_versioning():
    P.aws.s3.BucketV2("v2")


@complies("s3-versioning")
def cloudfront_log_bucket():
    logs = P.aws.s3.Bucket("logs")
    P.aws.cloudfront.Distribution(
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


@resource_rule(
    "sns-subscription-http", CAT, Sev.MEDIUM, types=[aws.TOPIC_SUBSCRIPTION],
    title="SNS delivers to web endpoints over HTTPS",
    description="A subscription with protocol http sends every message, and the subscription confirmation, "
                "unencrypted across the internet.",
    remediation="""aws.sns.TopicSubscription("webhook", topic=topic.arn, protocol="https", endpoint="https://hooks.example.com/orders")""",
    peers=["Prowler sns_subscription_not_using_http_endpoints"],
    phrase="protocol is http: messages go to the endpoint unencrypted")
def sns_subscription_http(r, cfg):
    if r.known("protocol") == "http":
        return "protocol is http: messages go to the endpoint unencrypted. Use https."
    return None


# --- a topic's inline subscriptions and policies ---------------------------------------------
@violates("sns-subscription-http", resource="orders")
def topic_subscription_over_http():
    P.native.sns.Topic("orders", subscription=[{"protocol": "http", "endpoint": "http://hooks.example.com/o"}])


@complies("sns-subscription-http")
def topic_subscription_over_https():
    P.native.sns.Topic("orders", subscription=[{"protocol": "https", "endpoint": "https://hooks.example.com/o"}])


@violates("sns-subscription-http", resource="webhook")
def subscription_over_plain_http():
    topic = P.aws.sns.Topic("orders")
    P.aws.sns.TopicSubscription("webhook", topic=topic.arn, protocol="http", endpoint="http://hooks.example.com/orders")


@complies("sns-subscription-http")
def subscription_over_https():
    topic = P.aws.sns.Topic("orders")
    P.aws.sns.TopicSubscription("webhook", topic=topic.arn, protocol="https", endpoint="https://hooks.example.com/orders")


@stack_rule(
    "s3-acls-enabled", CAT, Sev.MEDIUM, types=[*aws.BUCKETS, aws.BUCKET_OWNERSHIP],
    title="S3 buckets have ACLs disabled",
    description="With object ownership other than BucketOwnerEnforced, ACLs apply again: any writer can make its "
                "objects public with an ACL, past the bucket policy. New buckets have ACLs disabled unless a "
                "program turns them back on.",
    remediation="""aws.s3.BucketOwnershipControls("uploads", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"})""",
    peers=["CKV2_AWS_65", "FSBP S3.12", "Prowler s3_bucket_acl_prohibited"],
    phrase="which turns ACLs back on")
def s3_acls_enabled(stack, cfg):
    # CloudFront's standard logs (and legacy S3 server access logs) are delivered by an ACL grant to the
    # log-delivery account, so a log bucket needs ACLs
    log_targets = s3_log_targets(stack)
    for controls in stack.of_type(aws.BUCKET_OWNERSHIP):
        owner = controls.known("rule.objectOwnership")
        if any(b.urn in log_targets for b in stack.targets(controls, "bucket", *aws.BUCKETS)):
            continue
        if owner in ("ObjectWriter", "BucketOwnerPreferred"):
            yield controls, f"sets rule.objectOwnership to {owner}, which turns ACLs back on. Use BucketOwnerEnforced."


@violates("s3-acls-enabled", resource="uploads-ownership")
def bucket_with_acls_turned_back_on():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketOwnershipControls("uploads-ownership", bucket=b.id, rule={"object_ownership": "ObjectWriter"})


@complies("s3-acls-enabled")
def bucket_owner_enforced_and_a_new_bucket():
    b = P.aws.s3.Bucket("uploads")
    P.aws.s3.BucketOwnershipControls("uploads-ownership", bucket=b.id, rule={"object_ownership": "BucketOwnerEnforced"})
    P.aws.s3.Bucket("new")   # ACLs are disabled on new buckets unless a program turns them on


@complies("s3-acls-enabled")
def cloudfront_log_bucket_with_acls():
    """aws-ts-static-website: CloudFront delivers standard logs by an ACL grant, so its log bucket keeps ACLs."""
    logs = P.aws.s3.Bucket("request-logs")
    P.aws.s3.BucketOwnershipControls("request-logs-ownership", bucket=logs.id,
                                     rule={"object_ownership": "BucketOwnerPreferred"})
    P.aws.cloudfront.Distribution(
        "cdn", enabled=True,
        origins=[{"domain_name": "example.com", "origin_id": "site", "custom_origin_config": {
            "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
            "origin_ssl_protocols": ["TLSv1.2"]}}],
        default_cache_behavior={"target_origin_id": "site", "viewer_protocol_policy": "redirect-to-https",
                                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}}},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate={"cloudfront_default_certificate": True},
        logging_config={"bucket": logs.bucket_domain_name, "include_cookies": False, "prefix": "cdn/"})


@resource_rule(
    "kinesis-stream-encryption", CAT, Sev.MEDIUM, types=[aws.KINESIS_STREAM],
    title="Kinesis streams are encrypted",
    description="A Kinesis stream (a common Lambda event source) without server-side encryption stores every "
                "record in plain text for its whole retention period.",
    remediation="""aws.kinesis.Stream("clicks", shard_count=1, encryption_type="KMS", kms_key_id="alias/aws/kinesis")""",
    peers=["CKV_AWS_43", "FSBP Kinesis.1", "Prowler kinesis_stream_encrypted_at_rest"],
    phrase="encryption_type is unset (NONE)")
def kinesis_stream_encryption(r, cfg):
    kind = r.known("encryptionType")
    if kind in (None, "NONE"):
        return f"encryptionType is {kind or 'unset (NONE)'}. Set it to \"KMS\" with a kmsKeyId."
    return None


@fixes("kinesis-stream-encryption")
def _encrypt_stream(r, cfg):
    return {"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"}


# --- other CloudFormation shapes -------------------------------------------------------------
@complies("kinesis-stream-encryption")
def stream_encrypted():
    P.native.kinesis.Stream("clicks", shard_count=1, retention_period_hours=168,
                            stream_encryption={"encryption_type": "KMS", "key_id": "alias/aws/kinesis"})


@violates("kinesis-stream-encryption", resource="clicks", fixed={"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"})
@violates("kinesis-stream-retention", resource="clicks")
def stream_with_the_defaults():
    P.aws.kinesis.Stream("clicks", shard_count=1)


@complies("kinesis-stream-encryption")
@complies("kinesis-stream-retention")
def stream_encrypted_for_a_week():
    P.aws.kinesis.Stream("clicks", shard_count=1, encryption_type="KMS", kms_key_id="alias/aws/kinesis",
                         retention_period=168)


@resource_rule(
    "kinesis-stream-retention", CAT, Sev.LOW, types=[aws.KINESIS_STREAM],
    title="Kinesis streams keep records long enough to recover",
    description="With the default 24-hour retention, a consumer that fails over a weekend loses the records it "
                "did not process.",
    remediation="""aws.kinesis.Stream("clicks", shard_count=1, retention_period=168)""",
    peers=["FSBP Kinesis.3", "Prowler kinesis_stream_data_retention_period"],
    config=int_setting("minimumHours", 168, "Shortest retention period accepted, in hours.", 24, stricter="higher"),
    phrase="retention_period is 24 hours")
def kinesis_stream_retention(r, cfg):
    hours = r.known("retentionPeriod")
    hours = 24 if hours is None else hours
    if isinstance(hours, (int, float)) and not isinstance(hours, bool) and hours < cfg["minimumHours"]:
        return (f"retentionPeriod is {hours:g} hours, under {cfg['minimumHours']}. Set retentionPeriod to "
                f"{cfg['minimumHours']} or more.")
    return None


def _behaviors(r) -> list:
    """(path of its viewerProtocolPolicy, what to call it, behavior) for the default cache behavior and
    each ordered one."""
    out = []
    default = r.known("defaultCacheBehavior")
    if isinstance(default, dict):
        out.append(("defaultCacheBehavior.viewerProtocolPolicy", "", default))
    for i, b in enumerate(as_list(r.known("orderedCacheBehaviors"))):
        if isinstance(b, dict):
            out.append((f"orderedCacheBehaviors.{i}.viewerProtocolPolicy", f" (path {b.get('pathPattern', '?')})", b))
    return out


@resource_rule(
    "cloudfront-viewer-https", CAT, Sev.MEDIUM, types=[aws.DISTRIBUTION],
    title="CloudFront serves viewers over HTTPS only",
    description="A cache behavior with viewerProtocolPolicy allow-all serves the site or API over plain HTTP, "
                "where cookies and tokens travel in clear text.",
    remediation="""aws.cloudfront.Distribution("site", ..., default_cache_behavior={"target_origin_id": "site",
    "viewer_protocol_policy": "redirect-to-https", "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"]})""",
    peers=["FSBP CloudFront.3", "CKV_AWS_34"],
    phrase=("default_cache_behavior.viewer_protocol_policy is allow-all", "distribution_config.cache_behaviors.0.viewer_protocol_policy (path /legacy/*) is allow-all"))
def cloudfront_viewer_https(r, cfg):
    return [f"{path}{where} is allow-all. Use redirect-to-https or https-only."
            for path, where, b in _behaviors(r) if b.get("viewerProtocolPolicy") == "allow-all"]


@violates("cloudfront-viewer-https", resource="cdn")
def distribution_allows_http_on_a_path():
    P.native.cloudfront.Distribution("cdn", distribution_config={
        "enabled": True, "origins": [{"id": "app", "domain_name": "app.example.com",
                                      "custom_origin_config": {"origin_protocol_policy": "https-only"}}],
        "default_cache_behavior": {"target_origin_id": "app", "viewer_protocol_policy": "redirect-to-https"},
        "cache_behaviors": [{"path_pattern": "/legacy/*", "target_origin_id": "app",
                             "viewer_protocol_policy": "allow-all"}]})


@violates("cloudfront-viewer-https", resource="cdn")
def distribution_serving_plain_http():
    P.distribution(viewer="allow-all")


@complies("cloudfront-viewer-https")
@complies("cloudfront-min-tls")
@complies("cloudfront-waf")
@complies("cloudfront-logging")
@complies("cloudfront-origin-https")
@complies("cloudfront-origin-access")
def distribution_hardened():
    _hardened_distribution()


@resource_rule(
    "cloudfront-min-tls", CAT, Sev.MEDIUM, types=[aws.DISTRIBUTION],
    title="CloudFront accepts TLS 1.2 or newer from viewers",
    description="A custom certificate with an old minimumProtocolVersion lets viewers negotiate TLS 1.0 or 1.1.",
    remediation="""aws.cloudfront.Distribution("site", ..., viewer_certificate={"acm_certificate_arn": cert.arn,
    "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.2_2021"})""",
    peers=["FSBP CloudFront.8", "CKV_AWS_174"],
    phrase="viewer_certificate.minimum_protocol_version is TLSv1")
def cloudfront_min_tls(r, cfg):
    if r.known("viewerCertificate.cloudfrontDefaultCertificate") is True:
        return None   # the *.cloudfront.net certificate: its policy is CloudFront's own
    version = r.known("viewerCertificate.minimumProtocolVersion")
    if isinstance(version, str) and not version.startswith(("TLSv1.2", "TLSv1.3")):
        return f"viewerCertificate.minimumProtocolVersion is {version}. Use TLSv1.2_2021."
    return None


@violates("cloudfront-min-tls", resource="cdn")
def distribution_accepting_tls_1_0():
    P.distribution(certificate={"acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                               "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1"})


_S3_REST = re.compile(r"\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$")
_S3_WEBSITE = re.compile(r"\.s3-website[.-]")


@resource_rule(
    "cloudfront-origin-access", CAT, Sev.MEDIUM, types=[aws.DISTRIBUTION],
    title="CloudFront reaches S3 origins with origin access control",
    description="An S3 origin without origin access control (or the older identity) must be readable by "
                "everyone for CloudFront to read it, so the bucket is public behind the distribution.",
    remediation="""oac = aws.cloudfront.OriginAccessControl("site", origin_access_control_origin_type="s3",
    signing_behavior="always", signing_protocol="sigv4")
aws.cloudfront.Distribution("site", ..., origins=[{"domain_name": bucket.bucket_regional_domain_name,
    "origin_id": "s3", "origin_access_control_id": oac.id}])""",
    peers=["FSBP CloudFront.13", "CKV2_AWS_46"],
    phrase="is an S3 bucket reached without origin_access_control_id")
def cloudfront_origin_access(r, cfg):
    out = []
    for origin in as_list(r.known("origins")):
        if not isinstance(origin, dict):
            continue
        domain = origin.get("domainName")
        if not isinstance(domain, str) or not _S3_REST.search(domain) or _S3_WEBSITE.search(domain):
            continue   # (a website endpoint cannot use origin access: cloudfront-origin-https says what to do)
        if origin.get("originAccessControlId") or lookup(origin, "s3OriginConfig.originAccessIdentity"):
            continue
        out.append(f"origin {origin.get('originId', domain)} is an S3 bucket reached without originAccessControlId. "
                   "Add an origin access control and let only CloudFront read the bucket.")
    return out


@violates("cloudfront-origin-access", resource="cdn")
def distribution_reading_a_bucket_without_origin_access():
    P.distribution(origin={"domain_name": "site.s3.us-east-1.amazonaws.com", "origin_id": "s3"})


@complies("cloudfront-origin-access")
def distribution_reading_a_bucket_with_origin_access_control():
    oac = P.aws.cloudfront.OriginAccessControl("site", origin_access_control_origin_type="s3",
                                               signing_behavior="always", signing_protocol="sigv4")
    P.distribution(origin={"domain_name": "site.s3.us-east-1.amazonaws.com", "origin_id": "s3",
                          "origin_access_control_id": oac.id})


@complies("cloudfront-origin-access")
def distribution_in_front_of_a_website_endpoint_is_origin_https_finding():
    """A website endpoint cannot use origin access control; cloudfront-origin-https reports it instead."""
    P.distribution(origin={"domain_name": "site.s3-website-us-east-1.amazonaws.com", "origin_id": "site",
                          "custom_origin_config": {"http_port": 80, "https_port": 443,
                                                   "origin_protocol_policy": "http-only",
                                                   "origin_ssl_protocols": ["TLSv1.2"]}})


@resource_rule(
    "cloudfront-origin-https", CAT, Sev.MEDIUM, types=[aws.DISTRIBUTION],
    title="CloudFront reaches custom origins over HTTPS",
    description="With originProtocolPolicy http-only (or match-viewer behind allow-all) the request, its cookies "
                "and tokens go from CloudFront to the origin in clear text.",
    remediation="""aws.cloudfront.Distribution("api", ..., origins=[{"domain_name": api_domain, "origin_id": "api",
    "custom_origin_config": {"http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
                             "origin_ssl_protocols": ["TLSv1.2"]}}])""",
    peers=["FSBP CloudFront.9", "CKV2_AWS_42"],
    phrase=("has custom_origin_config.origin_protocol_policy http-only", "is an S3 website endpoint, which speaks only HTTP"))
def cloudfront_origin_https(r, cfg):
    out = []
    for origin in as_list(r.known("origins")):
        if not isinstance(origin, dict) or lookup(origin, "customOriginConfig.originProtocolPolicy") != "http-only":
            continue
        name = origin.get("originId") or origin.get("domainName")
        if isinstance(origin.get("domainName"), str) and _S3_WEBSITE.search(origin["domainName"]):
            out.append(f"origin {name} is an S3 website endpoint, which speaks only HTTP. Serve the bucket through its "
                       "REST endpoint with origin access control instead.")
        else:
            out.append(f"origin {name} has customOriginConfig.originProtocolPolicy http-only. Use https-only.")
    return out


@violates("cloudfront-origin-https", resource="cdn")
def distribution_reaching_its_api_over_http():
    P.distribution(origin={"domain_name": "api.example.com", "origin_id": "api", "custom_origin_config": {
        "http_port": 80, "https_port": 443, "origin_protocol_policy": "http-only", "origin_ssl_protocols": ["TLSv1.2"]}})


@violates("cloudfront-origin-https", resource="cdn")
def distribution_in_front_of_an_s3_website_endpoint():
    P.distribution(origin={"domain_name": "site.s3-website-us-east-1.amazonaws.com", "origin_id": "site",
                          "custom_origin_config": {"http_port": 80, "https_port": 443,
                                                   "origin_protocol_policy": "http-only",
                                                   "origin_ssl_protocols": ["TLSv1.2"]}})


def _tls_only(stack, types: tuple, policy_type: str, prop: str, what: str, skip: frozenset | set = frozenset()):
    """A finding for each resource of ``types`` (not in ``skip``) whose policies (its own ``policy`` and the
    separate ``policy_type`` resources naming it by ``prop``) have no Deny on aws:SecureTransport false; an
    Undecided while one of them is not known (preview)."""
    for r in stack.of_type(*types):
        if r.urn in skip:
            continue
        docs = [p.document("policy") for p in [*stack.referrers(r, policy_type, prop=prop), r]]
        if any(isinstance(d, iam.Document) and _denies_insecure_transport(d) for d in docs):
            continue
        if any(d is iam.UNKNOWN or (isinstance(d, iam.Document) and d.unknown) for d in docs):
            yield Undecided(r, "policy")
        else:
            yield r, f"has no {what} policy that denies requests with aws:SecureTransport false. Add one."


@stack_rule(
    "sqs-tls-only", CAT, Sev.LOW, types=[aws.QUEUE, aws.QUEUE_POLICY],
    title="SQS queues refuse plain HTTP",
    description="SQS also answers on an HTTP endpoint; without a Deny on aws:SecureTransport false, a client "
                "can send and receive messages unencrypted.",
    remediation="""aws.sqs.QueuePolicy("jobs-tls-only", queue_url=queue.url, policy=queue.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": arn,
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))""",
    peers=["cdk-nag AwsSolutions-SQS4"], hygiene=True,
    phrase="has no queue policy that denies requests with aws:SecureTransport false")
def sqs_tls_only(stack, cfg):
    return _tls_only(stack, (aws.QUEUE,), aws.QUEUE_POLICY, "queueUrl", "queue")


@violates("sqs-tls-only", resource="jobs", config={"sqs-tls-only": "advisory"})
def queue_without_a_tls_only_policy():
    P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)


@complies("sqs-tls-only", config={"sqs-tls-only": "advisory"}, modes=("update",))
def queue_with_a_tls_only_policy():
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    P.aws.sqs.QueuePolicy("jobs-tls", queue_url=q.url, policy=q.arn.apply(lambda a: _deny_plain(a, "sqs:*")))


@stack_rule(
    "sns-tls-only", CAT, Sev.LOW, types=[aws.TOPIC, aws.TOPIC_POLICY],
    title="SNS topics refuse plain HTTP",
    description="Without a Deny on aws:SecureTransport false, a client can publish to the topic unencrypted.",
    remediation="""aws.sns.TopicPolicy("orders-tls-only", arn=topic.arn, policy=topic.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
    "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})))""",
    peers=["cdk-nag AwsSolutions-SNS3"], hygiene=True,
    phrase="has no topic policy that denies requests with aws:SecureTransport false")
def sns_tls_only(stack, cfg):
    return _tls_only(stack, (aws.TOPIC,), aws.TOPIC_POLICY, "arn", "topic")


@violates("sns-tls-only", resource="orders", config={"sns-tls-only": "advisory"})
def topic_without_a_tls_only_policy():
    P.aws.sns.Topic("orders", kms_master_key_id="alias/aws/sns")


@complies("sns-tls-only", config={"sns-tls-only": "advisory"}, modes=("update",))
def topic_with_a_tls_only_policy():
    t = P.aws.sns.Topic("orders", kms_master_key_id="alias/aws/sns")
    P.aws.sns.TopicPolicy("orders-tls", arn=t.arn, policy=t.arn.apply(lambda a: _deny_plain(a, "sns:Publish")))


@resource_rule(
    "dax-encryption", CAT, Sev.MEDIUM, types=[aws.DAX_CLUSTER],
    title="DAX clusters encrypt at rest and in transit",
    description="A DAX cluster caches whole table items: without server-side encryption they sit on its nodes "
                "in plain text, and without TLS they cross the network in clear.",
    remediation="""aws.dax.Cluster("orders-cache", ..., server_side_encryption={"enabled": True},
    cluster_endpoint_encryption_type="TLS")""",
    peers=["CKV_AWS_47", "CKV_AWS_239", "FSBP DynamoDB.3", "FSBP DynamoDB.7"],
    phrase=("server_side_encryption.enabled is not true", "cluster_endpoint_encryption_type is not TLS"))
def dax_encryption(r, cfg):
    out = []
    if r.flag("serverSideEncryption.enabled") is not True:
        out.append("serverSideEncryption.enabled is not true: cached items are stored unencrypted. Enable it.")
    if r.known("clusterEndpointEncryptionType") != "TLS":
        out.append("clusterEndpointEncryptionType is not TLS: clients read items in clear. Set it to \"TLS\".")
    return out


@violates("dax-encryption", resource="cache")
def dax_cluster_with_the_defaults():
    P.aws.dax.Cluster("cache", cluster_name="cache", node_type="dax.t3.small", replication_factor=1,
                      iam_role_arn="arn:aws:iam::123456789012:role/dax")


@complies("dax-encryption")
def dax_cluster_encrypted_both_ways():
    P.aws.dax.Cluster("cache", cluster_name="cache", node_type="dax.t3.small", replication_factor=1,
                      iam_role_arn="arn:aws:iam::123456789012:role/dax", server_side_encryption={"enabled": True},
                      cluster_endpoint_encryption_type="TLS")


# --- queues, topics, tables, registries ---------------------------------------------------------

def _full_access(doc, service: str) -> list:
    return [s for s in doc.allows() if s.public_principal and
            any(isinstance(a, str) and a.lower() in ("*", f"{service}:*") for a in s.actions)]


@resource_rule(
    "sqs-policy-public", CAT, Sev.HIGH, types=[aws.QUEUE_POLICY, aws.QUEUE],
    title="SQS queue policies are not open to everyone",
    description="A queue policy open to anyone lets strangers read, delete or inject messages.",
    remediation="""aws.sqs.QueuePolicy("jobs", queue_url=queue.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
    "Action": "sqs:SendMessage", "Resource": queue.arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic.arn}}}]}))""",
    peers=["CKV_AWS_72", "CKV_AWS_168", "CKV_AWS_387", "FSBP SQS.3"],
    phrase=("allows anyone - Principal \"*\"", "grants every SQS action"))
def sqs_policy_public(r, cfg):
    out = open_policy(r, "policy")
    doc = read_policy(r, "policy")
    if isinstance(doc, iam.Document) and not out and _full_access(doc, "sqs"):
        out.append("`policy` grants every SQS action (\"sqs:*\" or \"*\") to Principal \"*\". Grant only the actions needed.")
    return out


@violates("sqs-policy-public", resource="jobs-policy")
def queue_policy_open_send():
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    P.aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}))


@violates("sqs-policy-public", resource="jobs-policy")
def queue_policy_all_actions_with_condition():
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    P.aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}))


@complies("sqs-policy-public")
def queue_policy_from_topic():
    q = P.aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    t = P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    P.aws.sqs.QueuePolicy("jobs-policy", queue_url=q.id, policy=P.pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": q.arn, "Condition": {"ArnEquals": {"aws:SourceArn": t.arn}}}]}))


@violates("sqs-policy-public", resource="jobs-policy")
def queue_inline_policy_public():
    queue = P.native.sqs.Queue("jobs")
    P.native.sqs.QueueInlinePolicy("jobs-policy", queue=queue.queue_url, policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
                                               "Resource": "*"}]})


@resource_rule(
    "sns-policy-public", CAT, Sev.HIGH, types=[aws.TOPIC_POLICY, aws.TOPIC],
    title="SNS topic policies are not open to everyone",
    description="A topic policy open to anyone, or to another account without a condition, lets strangers "
                "publish events or subscribe to them.",
    remediation="""# statements for named principals, or services with an aws:SourceArn condition
aws.sns.TopicPolicy("events", arn=topic.arn, policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [...]}))""",
    peers=["CKV_AWS_169", "CKV_AWS_385", "FSBP SNS.4"],
    config=list_setting("trustedAccounts", [], "Account ids that may be granted access without a condition."),
    phrase=("allows anyone - Principal \"*\"", "other account(s) access with no condition"))
def sns_policy_public(r, cfg):
    out = open_policy(r, "policy")
    doc = read_policy(r, "policy")
    if isinstance(doc, iam.Document):
        for s in doc.allows():
            accounts = {a for p in s.principal_values("AWS") if (a := iam.principal_account(p)) is not None}
            foreign = sorted(accounts - set(cfg["trustedAccounts"]))
            if foreign and not s.condition:
                out.append(f"`policy` grants {len(foreign)} other account(s) access with no condition. Add a "
                           "condition or list them in trustedAccounts.")
    return out


@violates("sns-policy-public", resource="events-policy")
def topic_policy_open_publish():
    t = P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    P.aws.sns.TopicPolicy("events-policy", arn=t.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish", "Resource": "*"}))


@violates("sns-policy-public", resource="events-policy")
def topic_policy_foreign_account():
    t = P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    P.aws.sns.TopicPolicy("events-policy", arn=t.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sns:Subscribe",
         "Resource": "*"}))


@complies("sns-policy-public", config={"sns-policy-public": {"trustedAccounts": ["999988887777"]}})
def topic_policy_trusted_account():
    t = P.aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")
    P.aws.sns.TopicPolicy("events-policy", arn=t.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sns:Subscribe",
         "Resource": "*"}))


@violates("sns-policy-public", resource="orders-policy")
def topic_inline_policy_public():
    topic = P.native.sns.Topic("orders")
    P.native.sns.TopicInlinePolicy("orders-policy", topic_arn=topic.topic_arn, policy_document={
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sns:Publish",
                                               "Resource": "*"}]})


# Resource policies of the data and event services; SNS topics are sns-policy-public's (it has trustedAccounts
# too), Lambda permissions lambda-permission-cross-account's.
CROSS_ACCOUNT_POLICIES = {aws.DYNAMODB_RESOURCE_POLICY: "policy", aws.EVENT_BUS_POLICY: "policy",
                          aws.BUCKET_POLICY: "policy", aws.QUEUE_POLICY: "policy", aws.QUEUE: "policy",
                          aws.SECRET_POLICY: "policy", aws.BUCKET: "policy", aws.BUCKET_V2: "policy"}


@stack_rule(
    "resource-policy-cross-account", CAT, Sev.MEDIUM, types=[*CROSS_ACCOUNT_POLICIES, aws.EVENT_PERMISSION],
    title="Resource policies grant other accounts only under a condition",
    description="A bucket, queue, table, secret or event-bus policy that lets another account in with no "
                "condition hands the data (or the event stream) to every principal that account allows; "
                "list the accounts you trust, or add a condition (aws:PrincipalOrgID, aws:SourceArn).",
    remediation="""# name the principal, or keep the account under a condition:
statement = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sqs:SendMessage",
    "Resource": queue.arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}}""",
    peers=["FSBP S3.6", "Prowler dynamodb_table_cross_account_access", "Prowler eventbridge_bus_cross_account_access",
           "Prowler secretsmanager_has_restrictive_resource_policy"],
    config=list_setting("trustedAccounts", [], "Account ids (your own, your organisation's) that may be granted "
                                               "access without a condition."),
    phrase=("(not the stack's own, nor in trustedAccounts) in with no condition", "lets account 111122223333 (not the stack's own, nor in trustedAccounts) put events"))
def resource_policy_cross_account(stack, cfg):
    """Another account is one that is neither the stack's own (``core/accounts.py``: an account the stack's
    resources live in or its provider is pinned to, or a role or user the stack declares) nor trusted."""
    trusted = set(cfg["trustedAccounts"])
    for r in stack.of_type(aws.EVENT_PERMISSION):
        foreign = accounts.foreign_accounts(stack, [r.known("principal")], trusted)
        if foreign and not r.known("condition"):
            yield r, (f"lets account {foreign[0]} (not the stack's own, nor in trustedAccounts) put events on the "
                      "bus with no condition. Add a condition, or list the account in trustedAccounts.")
    for r in stack.of_type(*CROSS_ACCOUNT_POLICIES):
        prop = CROSS_ACCOUNT_POLICIES[r.type]
        doc = read_policy(r, prop)
        if not isinstance(doc, iam.Document):
            continue   # absent, unknown (Undecided raised), or malformed (policy-unreadable's)
        for s in doc.allows():
            foreign = accounts.foreign_accounts(stack, s.principal_values("AWS"), trusted)
            if foreign and not s.condition:
                yield r, (f"`{prop}`{' ' + s.label if s.label else ''} lets account(s) {', '.join(foreign[:5])} "
                          "(not the stack's own, nor in trustedAccounts) in with no condition. Add a condition, or "
                          "list them in trustedAccounts.")


@violates("resource-policy-cross-account", resource="orders-policy")
def queue_policy_lets_another_account_send():
    queue = P.aws.sqs.Queue("orders")
    P.aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=queue.arn.apply(lambda arn: P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:SendMessage",
         "Resource": arn})))


@violates("resource-policy-cross-account", resource="partner")
def bus_permission_for_another_account():
    P.aws.cloudwatch.EventPermission("partner", principal="111122223333", statement_id="partner")


@complies("resource-policy-cross-account")
def queue_policy_for_the_organisation():
    queue = P.aws.sqs.Queue("orders")
    P.aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=queue.arn.apply(lambda arn: P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sqs:SendMessage",
         "Resource": arn, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorgid"}}})))


@complies("resource-policy-cross-account", config={"resource-policy-cross-account": {"trustedAccounts": ["111122223333"]}})
def secret_policy_for_a_trusted_account():
    secret = P.aws.secretsmanager.Secret("db")
    P.aws.secretsmanager.SecretPolicy("db-policy", secret_arn=secret.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reports"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@complies("resource-policy-cross-account")
def secret_policy_for_the_stacks_own_rotator_role():
    """The stack's own role is no other account, whatever account its ARN names (scan's, or a real one)."""
    secret = P.aws.secretsmanager.Secret("db")
    rotator = P.aws.iam.Role("rotator", assume_role_policy=P.doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    P.aws.secretsmanager.SecretPolicy("db-policy", secret_arn=secret.arn, policy=rotator.arn.apply(lambda arn: P.doc(
        {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"})))


@complies("resource-policy-cross-account", modes=("update",))
def queue_policy_for_the_stacks_own_account():
    """An account the stack's own resources live in is the stack's own (in preview, new resources' ARNs are
    unknown, so this is an update case)."""
    queue = P.aws.sqs.Queue("orders")
    P.aws.sqs.QueuePolicy("orders-policy", queue_url=queue.url, policy=queue.arn.apply(lambda arn: P.doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{arn.split(':')[4]}:root"},
         "Action": "sqs:SendMessage", "Resource": arn})))


@violates("resource-policy-cross-account", resource="db-policy")
def secret_policy_for_a_role_of_another_account():
    """A role the stack does not declare, in another account, is foreign even beside the stack's own roles."""
    secret = P.aws.secretsmanager.Secret("db")
    P.aws.iam.Role("rotator", assume_role_policy=P.doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    P.aws.secretsmanager.SecretPolicy("db-policy", secret_arn=secret.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/reports"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


property_rule(
    "dynamodb-pitr", CAT, Sev.MEDIUM, types=[aws.TABLE],
    title="DynamoDB tables have point-in-time recovery",
    description="Without PITR, a bad write or a malicious delete cannot be rolled back.",
    path="pointInTimeRecovery.enabled", want=Want.true(),
    message="{path} is not true. Enable point-in-time recovery.",
    example='aws.dynamodb.Table("orders", ...)', remediate=True,
    peers=["CKV_AWS_28", "FSBP DynamoDB.2"])


@violates("dynamodb-pitr", resource="orders")
def table_without_pitr():
    P.table()


@complies("dynamodb-pitr")
def table_with_pitr():
    P.table(point_in_time_recovery={"enabled": True})


@complies("dynamodb-pitr")
def pitr_enabled_as_a_string():
    P.table(point_in_time_recovery={"enabled": "true"})


@stack_rule(
    "dynamodb-backup-plan", CAT, Sev.LOW, types=[aws.TABLE, aws.BACKUP_SELECTION], hygiene=True,
    title="Tables are in a backup plan",
    description="Point-in-time recovery keeps 35 days in the table's own account and region; a backup plan keeps "
                "copies on a schedule, for longer, and (with copy actions) elsewhere.",
    remediation="""aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn=backup_role.arn,
    resources=[orders.arn])""",
    peers=["FSBP DynamoDB.4", "Prowler dynamodb_table_protected_by_backup_plan"],
    phrase="is in no backup plan of the stack")
def dynamodb_backup_plan(stack, cfg):
    selected = _backup_selections(stack)
    for table in stack.of_type(aws.TABLE):
        if not selected(table):
            yield table, "is in no backup plan of the stack (aws.backup.Selection). Add it to one."


@violates("dynamodb-backup-plan", resource="orders")
def table_in_no_backup_plan():
    P.table()


@complies("dynamodb-backup-plan")
def table_selected_by_a_backup_plan():
    t = P.table()
    plan = P.aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": "default",
                                              "schedule": "cron(0 5 * * ? *)"}])
    P.aws.backup.Selection("tables", plan_id=plan.id, iam_role_arn="arn:aws:iam::123456789012:role/backup",
                           resources=[t.arn])


@complies("dynamodb-backup-plan")
def table_selected_by_tag():
    P.table(tags={"backup": "daily"})
    plan = P.aws.backup.Plan("daily", rules=[{"rule_name": "daily", "target_vault_name": "default"}])
    P.aws.backup.Selection("tagged", plan_id=plan.id, iam_role_arn="arn:aws:iam::123456789012:role/backup",
                           selection_tags=[{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}])


def _backup_selections(stack):
    """Whether the stack's backup selections take a table: by reference, by ARN (a pattern, or exactly), or by
    tag. What every selection takes is gathered once, so each table is one lookup (and a match against the
    distinct ARN patterns), not a pass over the selections."""
    import fnmatch

    by_reference: set = set()
    arns: set = set()
    patterns: set = set()
    tags: set = set()
    for selection in stack.of_type(aws.BACKUP_SELECTION):
        by_reference.update(t.urn for t in stack.targets(selection, "resources", aws.TABLE))
        for p in as_list(selection.get("resources")):
            if isinstance(p, str):
                (patterns if any(c in p for c in "*?[") else arns).add(p)
        tags.update((t["key"], t["value"]) for t in as_list(selection.get("selectionTags"))
                    if isinstance(t, dict) and isinstance(t.get("key"), str) and isinstance(t.get("value"), str))

    def selected(table) -> bool:
        if table.urn in by_reference:
            return True
        arn = table.get("arn")
        if isinstance(arn, str) and (arn in arns or any(fnmatch.fnmatchcase(arn, p) for p in patterns)):
            return True
        return any(isinstance(v, str) and (k, v) in tags for k, v in table.tags.items())
    return selected


property_rule(
    "dynamodb-deletion-protection", CAT, Sev.LOW, types=[aws.TABLE],
    title="DynamoDB tables are protected from deletion",
    description="A table without deletion protection can be dropped by one API call.",
    path="deletionProtectionEnabled", want=Want.true(),
    message="{path} is not true. Set {path}=True.",
    example='aws.dynamodb.Table("orders", ...)', remediate=True,
    peers=["FSBP DynamoDB.6"])


@violates("dynamodb-deletion-protection", resource="orders")
def table_unprotected():
    P.table()


@complies("dynamodb-deletion-protection")
def table_protected():
    P.table(deletion_protection_enabled=True)


@resource_rule(
    "dynamodb-resource-policy-public", CAT, Sev.HIGH, types=[aws.DYNAMODB_RESOURCE_POLICY],
    title="DynamoDB resource policies are not open to everyone",
    description="A table or stream policy open to anyone exposes its data.",
    remediation="""# Name the principals in the aws.dynamodb.ResourcePolicy document, or add an aws:PrincipalOrgID condition.""",
    phrase="allows anyone - Principal \"*\"")
def dynamodb_resource_policy_public(r, cfg):
    return open_policy(r, "policy")


@violates("dynamodb-resource-policy-public", resource="orders-policy")
def table_policy_open():
    t = P.table()
    P.aws.dynamodb.ResourcePolicy("orders-policy", resource_arn=t.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}))


@complies("dynamodb-resource-policy-public")
def table_policy_org_only():
    t = P.table()
    P.aws.dynamodb.ResourcePolicy("orders-policy", resource_arn=t.arn, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*",
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}))


@resource_rule(
    "ecr-repo-policy-public", CAT, Sev.HIGH, types=[aws.ECR_REPOSITORY_POLICY],
    title="ECR repository policies are not open to everyone",
    description="A public repository policy lets anyone pull (or push) function images.",
    remediation="""# Name the accounts that may pull, or add an aws:PrincipalOrgID condition.""",
    peers=["CKV_AWS_32"],
    phrase="allows anyone - Principal \"*\"")
def ecr_repo_policy_public(r, cfg):
    return open_policy(r, "policy")


@violates("ecr-repo-policy-public", resource="images-policy")
def ecr_policy_public_pull():
    repo = P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
    P.aws.ecr.RepositoryPolicy("images-policy", repository=repo.name, policy=P.doc(
        {"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}))


@complies("ecr-repo-policy-public")
def ecr_policy_lambda_service():
    repo = P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
    P.aws.ecr.RepositoryPolicy("images-policy", repository=repo.name, policy=P.doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "Condition": {"StringLike": {"aws:sourceArn": "arn:aws:lambda:us-east-1:123456789012:function:*"}}}))


@stack_rule(
    "ecr-lifecycle", CAT, Sev.LOW, types=[aws.ECR_REPOSITORY, aws.ECR_LIFECYCLE_POLICY],
    title="ECR repositories have a lifecycle policy",
    description="Without a lifecycle policy old, vulnerable images pile up and stay deployable.",
    remediation="""aws.ecr.LifecyclePolicy("images", repository=repo.name, policy=json.dumps({"rules": [{
    "rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
    "countUnit": "days", "countNumber": 14}, "action": {"type": "expire"}}]}))""",
    peers=["FSBP ECR.3"],
    phrase="has no LifecyclePolicy")
def ecr_lifecycle(stack, cfg):
    for repo in stack.of_type(aws.ECR_REPOSITORY):
        if not stack.referrers(repo, aws.ECR_LIFECYCLE_POLICY, prop="repository"):
            yield repo, "has no LifecyclePolicy. Add one that expires old and untagged images."


@violates("ecr-lifecycle", resource="images")
def ecr_without_lifecycle():
    P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


@complies("ecr-lifecycle")
def ecr_with_lifecycle():
    repo = P.aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
    P.aws.ecr.LifecyclePolicy("images-lifecycle", repository=repo.name, policy='{"rules":[{"rulePriority":1,'
                              '"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days",'
                              '"countNumber":14},"action":{"type":"expire"}}]}')


# --- API Gateway, KMS, Lambda -------------------------------------------------------------------

@resource_rule(
    "apigw-domain-tls", CAT, Sev.MEDIUM, types=[aws.REST_DOMAIN, aws.HTTP_DOMAIN],
    title="API custom domains require TLS 1.2",
    description="TLS 1.0 custom domains accept clients with broken cryptography.",
    remediation="""aws.apigateway.DomainName("api", ..., domain_name="api.example.com", security_policy="TLS_1_2")""",
    peers=["CKV_AWS_206"],
    phrase="security_policy is TLS_1_0")
def apigw_domain_tls(r, cfg):
    prop = "securityPolicy" if r.type == aws.REST_DOMAIN else "domainNameConfiguration.securityPolicy"
    policy = r.known(prop)
    if policy in (None, "TLS_1_0"):
        return f"{prop} is {policy or 'unset'}. Set it to TLS_1_2 (or a newer policy)."
    return None


@fixes("apigw-domain-tls")
def _tls_1_2(r, cfg):
    return {"securityPolicy" if r.type == aws.REST_DOMAIN else "domainNameConfiguration.securityPolicy": "TLS_1_2"}


@violates("apigw-domain-tls", resource="api-domain", fixed={"securityPolicy": "TLS_1_2"})
def rest_domain_tls10():
    P.aws.apigateway.DomainName("api-domain", domain_name="api.example.com", security_policy="TLS_1_0",
                                regional_certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/abc",
                                endpoint_configuration={"types": "REGIONAL"})


@complies("apigw-domain-tls")
def http_domain_tls12():
    P.aws.apigatewayv2.DomainName("api-domain", domain_name="api.example.com", domain_name_configuration={
        "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "endpoint_type": "REGIONAL",
        "security_policy": "TLS_1_2"})


@resource_rule(
    "kms-deletion-safety", CAT, Sev.LOW, types=[aws.KMS_KEY, aws.KMS_KEY_POLICY],
    title="KMS keys keep their safety nets",
    description="Bypassing the policy lockout check, a short deletion window or a disabled key risk losing "
                "access to data for good.",
    remediation="""aws.kms.Key("data", deletion_window_in_days=30, enable_key_rotation=True)""",
    peers=["CKV_AWS_227", "FSBP KMS.3"],
    config=int_setting("minDeletionWindowDays", 30, "Shortest accepted deletion window in days.", 7,
                       stricter="higher"),
    phrase=("bypass_policy_lockout_safety_check is true", "deletion_window_in_days", "is_enabled"))
def kms_deletion_safety(r, cfg):
    out = []
    if r.flag("bypassPolicyLockoutSafetyCheck") is True:
        out.append("bypassPolicyLockoutSafetyCheck is true: a policy mistake can lock everyone out of the key.")
    if r.type == aws.KMS_KEY:
        window = r.number("deletionWindowInDays")
        if window is not None and window < cfg["minDeletionWindowDays"]:
            out.append(f"deletionWindowInDays is {window:g}, below {cfg['minDeletionWindowDays']}.")
        if r.flag("isEnabled") is False:
            out.append("isEnabled is false: data encrypted under it cannot be read.")
    return out


@fixes("kms-deletion-safety", types=[aws.KMS_KEY])
def _safe_deletion(r, cfg):
    out = {}
    if r.flag("bypassPolicyLockoutSafetyCheck") is True:
        out["bypassPolicyLockoutSafetyCheck"] = False
    window = r.number("deletionWindowInDays")
    if window is not None and window < cfg["minDeletionWindowDays"]:
        out["deletionWindowInDays"] = max(cfg["minDeletionWindowDays"], 7)
    return out


@violates("kms-deletion-safety", resource="data", fixed={"bypassPolicyLockoutSafetyCheck": False, "deletionWindowInDays": 30})
def key_short_window_and_bypass():
    P.aws.kms.Key("data", enable_key_rotation=True, deletion_window_in_days=7, bypass_policy_lockout_safety_check=True)


@complies("kms-deletion-safety")
def key_safe_defaults():
    P.aws.kms.Key("data", enable_key_rotation=True, deletion_window_in_days=30)


@resource_rule(
    "lambda-in-vpc", CAT, Sev.INFO, types=[aws.FUNCTION],
    title="Functions that reach private data run in a VPC",
    description="A function outside a VPC reaches data stores over public endpoints (information only).",
    remediation="""aws.lambda_.Function("fn", ..., vpc_config={"subnet_ids": private_subnet_ids,
    "security_group_ids": [sg.id]})""",
    peers=["CKV_AWS_117", "FSBP Lambda.3"], config=names_allowlist("functions that need no VPC"), hygiene=True,
    phrase="runs outside a VPC")
def lambda_in_vpc(r, cfg):
    if not as_list(r.known("vpcConfig.subnetIds")):
        return "runs outside a VPC. If it touches VPC-only data stores, give it vpcConfig with private subnets."
    return None


@violates("lambda-in-vpc", resource="fn")
def function_outside_vpc():
    P.function()


@complies("lambda-in-vpc")
def function_in_vpc():
    P.function(vpc_config={"subnet_ids": ["subnet-aaa", "subnet-bbb"], "security_group_ids": ["sg-123"]})


# --- what the cases above are built with ---------------------------------------------------------------

ALL_BLOCKED = dict(block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
                   restrict_public_buckets=True)


def tls_only_policy(b):
    return P.aws.s3.BucketPolicy(f"{b._name}-tls", bucket=b.id, policy=P.pulumi.Output.json_dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [b.arn, P.pulumi.Output.concat(b.arn, "/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))


def _hardened_distribution(**kw):
    logs = P.aws.s3.Bucket("cdn-logs")
    return P.distribution(web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc",
                         logging_config={"bucket": logs.bucket_domain_name, "prefix": "cdn/"},
                         certificate={"acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                                      "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.2_2021"},
                         **kw)


def _deny_plain(arn, action):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": action,
                       "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


PUBLIC_READ = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::site/*"}]})


ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


KMS = {"rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}, "bucket_key_enabled": True}}
