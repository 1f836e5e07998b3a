"""Thumbnail pipeline: uploads land in one bucket, a function writes thumbnails to another that a
website serves. Written the way older tutorials do it: inline bucket arguments (pulumi-aws 7 still
accepts them), aws.iam.get_policy_document, the caller identity for the account id."""
import pulumi
import pulumi_aws as aws

me = aws.get_caller_identity()
region = aws.get_region()

uploads = aws.s3.Bucket(
    "uploads",
    versioning={"enabled": True},
    server_side_encryption_configuration={
        "rule": {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}},
)
aws.s3.BucketPublicAccessBlock("uploads", bucket=uploads.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)

# Served straight from S3 by the website: the old way, a public-read ACL.
thumbnails = aws.s3.Bucket("thumbnails", acl="public-read", website={"index_document": "index.html"})

assume = aws.iam.get_policy_document(statements=[{
    "actions": ["sts:AssumeRole"],
    "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
}])
role = aws.iam.Role("thumbnailer-role", assume_role_policy=assume.json,
                    managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])
access = aws.iam.get_policy_document_output(statements=[
    {"sid": "ReadUploads", "actions": ["s3:GetObject"], "resources": [uploads.arn.apply(lambda a: f"{a}/*")]},
    {"sid": "WriteThumbnails", "actions": ["s3:PutObject"], "resources": [thumbnails.arn.apply(lambda a: f"{a}/*")]},
])
aws.iam.RolePolicy("thumbnailer-s3", role=role.id, policy=access.json)

fn = aws.lambda_.Function(
    "thumbnailer",
    runtime="python3.12",
    handler="app.handler",
    role=role.arn,
    timeout=60,
    memory_size=1024,
    code=pulumi.FileArchive("./app") if False else pulumi.AssetArchive(
        {"app.py": pulumi.StringAsset("def handler(event, context):\n    pass\n")}),
    environment={"variables": {"OUTPUT_BUCKET": thumbnails.bucket}},
    tracing_config={"mode": "Active"},
)
aws.cloudwatch.LogGroup("thumbnailer", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=14)

allow_s3 = aws.lambda_.Permission("allow-uploads", function=fn.name, action="lambda:InvokeFunction",
                                  principal="s3.amazonaws.com", source_arn=uploads.arn, source_account=me.account_id)
aws.s3.BucketNotification("uploads", bucket=uploads.id, lambda_functions=[{
    "lambda_function_arn": fn.arn, "events": ["s3:ObjectCreated:*"], "filter_prefix": "incoming/"}],
    opts=pulumi.ResourceOptions(depends_on=[allow_s3]))
failures = aws.sqs.Queue("thumbnail-failures", message_retention_seconds=1209600)
aws.lambda_.FunctionEventInvokeConfig("thumbnailer", function_name=fn.name, maximum_retry_attempts=2,
                                      destination_config={"on_failure": {"destination": failures.arn}})

pulumi.export("region", region.name)
