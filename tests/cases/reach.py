"""Checks the peers have that the pack took up (issue: reach), each both ways."""
import json

import pulumi_aws as aws

from . import case
from ._util import function


@case("cognito-deletion-protection", violates=True, resource="users")
def user_pool_without_deletion_protection():
    aws.cognito.UserPool("users", mfa_configuration="ON", software_token_mfa_configuration={"enabled": True})


@case("cognito-deletion-protection", violates=False)
def user_pool_protected_from_deletion():
    aws.cognito.UserPool("users", deletion_protection="ACTIVE")


@case("cognito-token-revocation", violates=True, resource="web")
def client_with_token_revocation_off():
    pool = aws.cognito.UserPool("users")
    aws.cognito.UserPoolClient("web", user_pool_id=pool.id, enable_token_revocation=False)


@case("cognito-token-revocation", violates=False)
def client_with_the_default_token_revocation():
    pool = aws.cognito.UserPool("users")
    aws.cognito.UserPoolClient("web", user_pool_id=pool.id)


@case("cognito-temporary-password", violates=True, resource="users")
def temporary_passwords_valid_for_a_month():
    aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 30})


@case("cognito-temporary-password", violates=False)
def temporary_passwords_valid_for_a_day():
    aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 1})


@case("cognito-temporary-password", violates=False,
      config={"cognito-temporary-password": {"maximumDays": 30}})
def a_month_when_the_organisation_accepts_it():
    aws.cognito.UserPool("users", password_policy={"minimum_length": 12, "temporary_password_validity_days": 30})


@case("lambda-permission-broad-action", violates=True, resource="partner")
def permission_granting_every_lambda_action():
    fn = function("fn")
    aws.lambda_.Permission("partner", function=fn.name, action="lambda:*", principal="123456789012")


@case("lambda-permission-broad-action", violates=False)
def permission_granting_invocation():
    fn = function("fn")
    aws.lambda_.Permission("partner", function=fn.name, action="lambda:InvokeFunction", principal="123456789012")


@case("logs-resource-policy-public", violates=True, resource="anyone-writes")
def logs_policy_open_to_everyone():
    aws.cloudwatch.LogResourcePolicy("anyone-writes", policy_name="anyone", policy_document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:*"}]}))


@case("logs-resource-policy-public", violates=False)
def logs_policy_for_route53_from_this_account():
    aws.cloudwatch.LogResourcePolicy("route53", policy_name="route53", policy_document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"},
                                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/route53/*",
                                                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}))


@case("sns-subscription-http", violates=True, resource="webhook")
def subscription_over_plain_http():
    topic = aws.sns.Topic("orders")
    aws.sns.TopicSubscription("webhook", topic=topic.arn, protocol="http", endpoint="http://hooks.example.com/orders")


@case("sns-subscription-http", violates=False)
def subscription_over_https():
    topic = aws.sns.Topic("orders")
    aws.sns.TopicSubscription("webhook", topic=topic.arn, protocol="https", endpoint="https://hooks.example.com/orders")


MANAGED = "arn:aws:iam::aws:policy/"


def _role(name="fn-role", **kw):
    from ._util import role

    return role(name, **kw)


@case("iam-assume-role-star", violates=True, resource="hop")
def policy_assuming_any_role():
    r = _role()
    aws.iam.RolePolicy("hop", role=r.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))


@case("iam-assume-role-star", violates=False)
def policy_assuming_one_role():
    r = _role()
    aws.iam.RolePolicy("hop", role=r.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/reports"}]}))


@case("lambda-role-no-logs", violates=True, resource="fn")
def function_whose_role_cannot_log():
    r = _role()
    aws.iam.RolePolicy("read", role=r.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders"}]}))
    function("fn", role_arn=r.arn)


@case("lambda-role-no-logs", violates=False)
def function_with_the_basic_execution_role():
    r = _role()
    aws.iam.RolePolicyAttachment("logs", role=r.name, policy_arn=MANAGED + "service-role/AWSLambdaBasicExecutionRole")
    function("fn", role_arn=r.arn)


@case("lambda-role-no-logs", violates=False)
def function_whose_role_has_a_policy_from_outside_the_stack():
    r = _role()
    aws.iam.RolePolicyAttachment("shared", role=r.name, policy_arn="arn:aws:iam::123456789012:policy/platform-logging")
    function("fn", role_arn=r.arn)


@case("iam-role-policy-conflict", violates=True, resource="fn-role")
def role_with_managed_arns_and_an_attachment():
    r = _role(managed_policy_arns=[MANAGED + "service-role/AWSLambdaBasicExecutionRole"])
    aws.iam.RolePolicyAttachment("xray", role=r.name, policy_arn=MANAGED + "AWSXRayDaemonWriteAccess")


@case("iam-role-policy-conflict", violates=False)
def role_with_attachments_only():
    r = _role()
    aws.iam.RolePolicyAttachment("logs", role=r.name, policy_arn=MANAGED + "service-role/AWSLambdaBasicExecutionRole")
    aws.iam.RolePolicyAttachment("xray", role=r.name, policy_arn=MANAGED + "AWSXRayDaemonWriteAccess")


@case("s3-acls-enabled", violates=True, resource="uploads-ownership")
def bucket_with_acls_turned_back_on():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketOwnershipControls("uploads-ownership", bucket=b.id, rule={"object_ownership": "ObjectWriter"})


@case("s3-acls-enabled", violates=False)
def bucket_owner_enforced_and_a_new_bucket():
    b = aws.s3.Bucket("uploads")
    aws.s3.BucketOwnershipControls("uploads-ownership", bucket=b.id, rule={"object_ownership": "BucketOwnerEnforced"})
    aws.s3.Bucket("new")   # ACLs are disabled on new buckets unless a program turns them on


@case("kinesis-stream-encryption", violates=True, resource="clicks")
@case("kinesis-stream-retention", violates=True, resource="clicks")
def stream_with_the_defaults():
    aws.kinesis.Stream("clicks", shard_count=1)


@case("kinesis-stream-encryption", violates=False)
@case("kinesis-stream-retention", violates=False)
def stream_encrypted_for_a_week():
    aws.kinesis.Stream("clicks", shard_count=1, encryption_type="KMS", kms_key_id="alias/aws/kinesis",
                       retention_period=168)


@case("s3-acls-enabled", violates=False)
def cloudfront_log_bucket_with_acls():
    """aws-ts-static-website: CloudFront delivers standard logs by an ACL grant, so its log bucket keeps ACLs."""
    logs = aws.s3.Bucket("request-logs")
    aws.s3.BucketOwnershipControls("request-logs-ownership", bucket=logs.id,
                                   rule={"object_ownership": "BucketOwnerPreferred"})
    aws.cloudfront.Distribution(
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


# --- CloudFront in front of sites and APIs -------------------------------------------------------------

def _distribution(origin=None, viewer="redirect-to-https", certificate=None, **kw):
    origin = origin or {"domain_name": "api.example.com", "origin_id": "api", "custom_origin_config": {
        "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only", "origin_ssl_protocols": ["TLSv1.2"]}}
    return aws.cloudfront.Distribution(
        "cdn", enabled=True, origins=[origin],
        default_cache_behavior={"target_origin_id": origin["origin_id"], "viewer_protocol_policy": viewer,
                                "allowed_methods": ["GET", "HEAD"], "cached_methods": ["GET", "HEAD"],
                                "forwarded_values": {"query_string": False, "cookies": {"forward": "none"}}},
        restrictions={"geo_restriction": {"restriction_type": "none"}},
        viewer_certificate=certificate or {"cloudfront_default_certificate": True}, **kw)


def _hardened_distribution(**kw):
    logs = aws.s3.Bucket("cdn-logs")
    return _distribution(web_acl_id="arn:aws:wafv2:us-east-1:123456789012:global/webacl/site/abc",
                         logging_config={"bucket": logs.bucket_domain_name, "prefix": "cdn/"},
                         certificate={"acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                                      "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1.2_2021"},
                         **kw)


@case("cloudfront-viewer-https", violates=True, resource="cdn")
def distribution_serving_plain_http():
    _distribution(viewer="allow-all")


@case("cloudfront-viewer-https", violates=False)
@case("cloudfront-min-tls", violates=False)
@case("cloudfront-waf", violates=False)
@case("cloudfront-logging", violates=False)
@case("cloudfront-origin-https", violates=False)
@case("cloudfront-origin-access", violates=False)
def distribution_hardened():
    _hardened_distribution()


@case("cloudfront-min-tls", violates=True, resource="cdn")
def distribution_accepting_tls_1_0():
    _distribution(certificate={"acm_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
                               "ssl_support_method": "sni-only", "minimum_protocol_version": "TLSv1"})


@case("cloudfront-waf", violates=True, resource="cdn")
@case("cloudfront-logging", violates=True, resource="cdn")
def distribution_without_waf_or_logs():
    _distribution()


@case("cloudfront-origin-https", violates=True, resource="cdn")
def distribution_reaching_its_api_over_http():
    _distribution(origin={"domain_name": "api.example.com", "origin_id": "api", "custom_origin_config": {
        "http_port": 80, "https_port": 443, "origin_protocol_policy": "http-only", "origin_ssl_protocols": ["TLSv1.2"]}})


@case("cloudfront-origin-https", violates=True, resource="cdn")
def distribution_in_front_of_an_s3_website_endpoint():
    _distribution(origin={"domain_name": "site.s3-website-us-east-1.amazonaws.com", "origin_id": "site",
                          "custom_origin_config": {"http_port": 80, "https_port": 443,
                                                   "origin_protocol_policy": "http-only",
                                                   "origin_ssl_protocols": ["TLSv1.2"]}})


@case("cloudfront-origin-access", violates=True, resource="cdn")
def distribution_reading_a_bucket_without_origin_access():
    _distribution(origin={"domain_name": "site.s3.us-east-1.amazonaws.com", "origin_id": "s3"})


@case("cloudfront-origin-access", violates=False)
def distribution_reading_a_bucket_with_origin_access_control():
    oac = aws.cloudfront.OriginAccessControl("site", origin_access_control_origin_type="s3",
                                             signing_behavior="always", signing_protocol="sigv4")
    _distribution(origin={"domain_name": "site.s3.us-east-1.amazonaws.com", "origin_id": "s3",
                          "origin_access_control_id": oac.id})


@case("cloudfront-origin-access", violates=False)
def distribution_in_front_of_a_website_endpoint_is_origin_https_finding():
    """A website endpoint cannot use origin access control; cloudfront-origin-https reports it instead."""
    _distribution(origin={"domain_name": "site.s3-website-us-east-1.amazonaws.com", "origin_id": "site",
                          "custom_origin_config": {"http_port": 80, "https_port": 443,
                                                   "origin_protocol_policy": "http-only",
                                                   "origin_ssl_protocols": ["TLSv1.2"]}})


# --- TLS-only queue and topic policies (strict profile), DAX --------------------------------------------

def _deny_plain(arn, action):
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": action,
                       "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


@case("sqs-tls-only", violates=True, resource="jobs", config={"sqs-tls-only": "advisory"})
def queue_without_a_tls_only_policy():
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)


@case("sqs-tls-only", violates=False, config={"sqs-tls-only": "advisory"}, modes=("update",))
def queue_with_a_tls_only_policy():
    q = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    aws.sqs.QueuePolicy("jobs-tls", queue_url=q.url, policy=q.arn.apply(lambda a: _deny_plain(a, "sqs:*")))


@case("sns-tls-only", violates=True, resource="orders", config={"sns-tls-only": "advisory"})
def topic_without_a_tls_only_policy():
    aws.sns.Topic("orders", kms_master_key_id="alias/aws/sns")


@case("sns-tls-only", violates=False, config={"sns-tls-only": "advisory"}, modes=("update",))
def topic_with_a_tls_only_policy():
    t = aws.sns.Topic("orders", kms_master_key_id="alias/aws/sns")
    aws.sns.TopicPolicy("orders-tls", arn=t.arn, policy=t.arn.apply(lambda a: _deny_plain(a, "sns:Publish")))


@case("dax-encryption", violates=True, resource="cache")
def dax_cluster_with_the_defaults():
    aws.dax.Cluster("cache", cluster_name="cache", node_type="dax.t3.small", replication_factor=1,
                    iam_role_arn="arn:aws:iam::123456789012:role/dax")


@case("dax-encryption", violates=False)
def dax_cluster_encrypted_both_ways():
    aws.dax.Cluster("cache", cluster_name="cache", node_type="dax.t3.small", replication_factor=1,
                    iam_role_arn="arn:aws:iam::123456789012:role/dax", server_side_encryption={"enabled": True},
                    cluster_endpoint_encryption_type="TLS")
