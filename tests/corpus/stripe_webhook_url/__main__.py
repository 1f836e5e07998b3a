"""A Stripe webhook: Stripe cannot sign AWS requests, so the function URL is public on purpose and the
function verifies Stripe's signature. The team exempts the URL findings with a reason; the signing
secret comes from Secrets Manager. A debug flag was left on."""
import json

import pulumi
import pulumi_aws as aws

signing_secret = aws.secretsmanager.Secret("stripe-signing-secret",
                                           tags={"serverless-guard:exempt:secret-rotation-missing":
                                                 "issued by Stripe, rotated in the Stripe dashboard"})
role = aws.iam.Role("webhook-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])
aws.iam.RolePolicy("webhook-secret", role=role.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                            "Resource": signing_secret.arn}]}))
fn = aws.lambda_.Function(
    "stripe-webhook", runtime="nodejs20.x", handler="index.handler", role=role.arn, timeout=10,
    reserved_concurrent_executions=20,
    code=pulumi.AssetArchive({"index.js": pulumi.StringAsset("exports.handler = async () => ({statusCode: 200});\n")}),
    environment={"variables": {"SIGNING_SECRET_ARN": signing_secret.arn, "DEBUG": "true"}},
    tracing_config={"mode": "Active"},
)
aws.cloudwatch.LogGroup("stripe-webhook", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=30)
aws.lambda_.FunctionUrl("stripe-webhook-url", function_name=fn.name, authorization_type="NONE")
aws.lambda_.Permission("stripe-webhook-public", function=fn.name, action="lambda:InvokeFunctionUrl",
                       principal="*", function_url_auth_type="NONE")
