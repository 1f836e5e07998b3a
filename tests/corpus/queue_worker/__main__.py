"""A queue worker: jobs arrive on SQS, a function processes them and publishes results to SNS. The
team re-queues jobs it cannot finish yet by sending them back to the same queue."""
import json

import pulumi
import pulumi_aws as aws

dlq = aws.sqs.Queue("jobs-dlq", message_retention_seconds=1209600)
jobs = aws.sqs.Queue("jobs", visibility_timeout_seconds=60,
                     redrive_policy=dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn,
                                                                           "maxReceiveCount": 5})))
results = aws.sns.Topic("results")

role = aws.iam.Role("worker-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
aws.iam.RolePolicyAttachment("worker-sqs", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole")
aws.iam.RolePolicy("worker-publish", role=role.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": results.arn},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": jobs.arn},
    ],
}))

worker = aws.lambda_.Function(
    "worker",
    runtime="nodejs20.x",
    handler="index.handler",
    role=role.arn,
    timeout=60,
    code=pulumi.AssetArchive({"index.js": pulumi.StringAsset("exports.handler = async () => {};\n")}),
    environment={"variables": {"RESULTS_TOPIC": results.arn, "JOBS_QUEUE": jobs.url}},
    tracing_config={"mode": "Active"},
)
aws.cloudwatch.LogGroup("worker", name=worker.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=30)
aws.lambda_.EventSourceMapping("jobs", event_source_arn=jobs.arn, function_name=worker.arn, batch_size=10,
                               scaling_config={"maximum_concurrency": 10},
                               function_response_types=["ReportBatchItemFailures"])
