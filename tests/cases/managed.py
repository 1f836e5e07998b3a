"""AWS managed policies analysed like inline documents: the old ``managed_policy_arns`` shape and
``RolePolicyAttachment``, both ways."""
import json
import pulumi
import pulumi_aws as aws

from . import case
from ._util import function, role
from .sas09 import DEFINITION, SFN_TRUST

MANAGED = "arn:aws:iam::aws:policy/"


@case("iam-wildcard-service-action", violates=True, resource="fn-role")
def role_with_managed_full_access_inline_argument():
    """Older code: managed_policy_arns on the Role (deprecated, still valid in pulumi-aws 7)."""
    r = role("fn-role", managed_policy_arns=[MANAGED + "AmazonDynamoDBFullAccess"])
    function("fn", role_arn=r.arn)


@case("iam-wildcard-service-action", violates=True, resource="s3-full")
def attachment_of_managed_full_access():
    r = role("fn-role")
    aws.iam.RolePolicyAttachment("s3-full", role=r.name, policy_arn=MANAGED + "AmazonS3FullAccess")
    function("fn", role_arn=r.arn)


@case("iam-data-exfil-star", violates=True, resource="read-all")
def attachment_of_managed_read_only():
    r = role("fn-role")
    aws.iam.RolePolicyAttachment("read-all", role=r.name, policy_arn=MANAGED + "AmazonS3ReadOnlyAccess")


@case("iam-wildcard-service-action", violates=False)
@case("iam-wildcard-resource", violates=False)
@case("iam-data-exfil-star", violates=False)
@case("lambda-role-overprivileged", violates=False)
def function_with_the_standard_execution_roles():
    """The tutorial execution roles: logs, the SQS poller, X-Ray. Nothing a reviewer would change."""
    r = role("worker-role")
    for name, arn in (("logs", "service-role/AWSLambdaBasicExecutionRole"),
                      ("sqs", "service-role/AWSLambdaSQSQueueExecutionRole"),
                      ("xray", "AWSXRayDaemonWriteAccess")):
        aws.iam.RolePolicyAttachment(name, role=r.name, policy_arn=MANAGED + arn)
    function("worker", role_arn=r.arn)


@case("s3-lambda-recursive-loop", violates=False)
def function_writes_back_through_a_managed_policy():
    """AmazonS3FullAccess grants s3:PutObject on every bucket: that says nothing about whether the code
    writes to the one that triggers it (aws-ts-s3-lambda-copyzip writes to another bucket with exactly this
    role). The broad grant is the iam-* rules' finding, not a loop."""
    bucket = aws.s3.Bucket("uploads")
    r = role("thumb-role", managed_policy_arns=[MANAGED + "AmazonS3FullAccess"])
    fn = function("thumb", role_arn=r.arn)
    perm = aws.lambda_.Permission("from-s3", function=fn.name, action="lambda:InvokeFunction",
                                  principal="s3.amazonaws.com", source_arn=bucket.arn, source_account="123456789012")
    aws.s3.BucketNotification("uploads-trigger", bucket=bucket.id, lambda_functions=[
        {"lambda_function_arn": fn.arn, "events": ["s3:ObjectCreated:*"]}], opts=pulumi.ResourceOptions(depends_on=[perm]))


@case("sfn-role-invoke-star", violates=True, resource="flow")
def state_machine_with_managed_lambda_role():
    r = role("sfn-role", trust=SFN_TRUST)
    aws.iam.RolePolicyAttachment("invoke", role=r.name, policy_arn=MANAGED + "service-role/AWSLambdaRole")
    aws.sfn.StateMachine("flow", role_arn=r.arn, definition=DEFINITION)


@case("iam-admin-managed-policy", violates=False)
def attachment_of_a_retired_or_unknown_managed_policy():
    """An ARN the snapshot does not know is neither an error nor a finding."""
    r = role("fn-role")
    aws.iam.RolePolicyAttachment("old", role=r.name, policy_arn=MANAGED + "NoSuchPolicyAnyMore")


@case("iam-wildcard-service-action", violates=False)
def glue_job_with_the_glue_service_role():
    """aws-py-redshift-glue-etl: AWSGlueServiceRole is the role policy AWS publishes for Glue
    (policy/service-role/); its glue:* is the service's own design, not the program's choice."""
    r = role("glue-role", trust=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    aws.iam.RolePolicyAttachment("glue-service", role=r.name, policy_arn=MANAGED + "service-role/AWSGlueServiceRole")


@case("iam-wildcard-service-action", violates=True, resource="glue-s3")
def glue_job_with_s3_full_access_beside_its_service_role():
    r = role("glue-role", trust=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    aws.iam.RolePolicyAttachment("glue-service", role=r.name, policy_arn=MANAGED + "service-role/AWSGlueServiceRole")
    aws.iam.RolePolicyAttachment("glue-s3", role=r.name, policy_arn=MANAGED + "AmazonS3FullAccess")
