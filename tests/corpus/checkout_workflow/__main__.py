"""Checkout as a Step Functions workflow: validate, charge, notify. Current best practice for the most
part (a role per function, logging, tracing), with one leftover: the charge step also has a URL the
team used while testing."""
import json

import pulumi
import pulumi_aws as aws

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
STATES_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
CODE = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return event\n")})

secret = aws.secretsmanager.Secret("payment-api-key", description="Payment provider API key",
                                   tags={"serverless-guard:exempt:secret-rotation-missing":
                                         "issued by the payment provider; rotated in their console"})

functions = {}
for step in ("validate", "charge", "notify"):
    role = aws.iam.Role(f"{step}-role", assume_role_policy=LAMBDA_TRUST)
    aws.iam.RolePolicyAttachment(f"{step}-logs", role=role.name,
                                 policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    fn = aws.lambda_.Function(step, runtime="python3.12", handler="index.handler", role=role.arn, code=CODE,
                              timeout=15, tracing_config={"mode": "Active"},
                              environment={"variables": {"PAYMENT_KEY_ARN": secret.arn}} if step == "charge" else None)
    aws.cloudwatch.LogGroup(step, name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=30)
    functions[step] = fn
    if step == "charge":
        aws.iam.RolePolicy("charge-secret", role=role.id, policy=pulumi.Output.json_dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret.arn}]}))

# Left over from testing: a public URL straight to the charge step.
aws.lambda_.FunctionUrl("charge-test-url", function_name=functions["charge"].name, authorization_type="NONE")
aws.lambda_.Permission("charge-test-public", function=functions["charge"].name, action="lambda:InvokeFunctionUrl",
                       principal="*", function_url_auth_type="NONE")

sfn_role = aws.iam.Role("checkout-sfn-role", assume_role_policy=STATES_TRUST)
aws.iam.RolePolicy("checkout-sfn-invoke", role=sfn_role.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [f.arn for f in functions.values()]},
        {"Effect": "Allow", "Action": ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                                       "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                                       "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"], "Resource": "*"}]}))
sfn_logs = aws.cloudwatch.LogGroup("checkout-sfn", retention_in_days=30)
definition = pulumi.Output.all(*[f.arn for f in functions.values()]).apply(lambda arns: json.dumps({
    "StartAt": "Validate",
    "States": {
        "Validate": {"Type": "Task", "Resource": arns[0], "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": arns[1], "Next": "Notify"},
        "Notify": {"Type": "Task", "Resource": arns[2], "End": True},
    }}))
aws.sfn.StateMachine("checkout", role_arn=sfn_role.arn, definition=definition,
                     logging_configuration={"level": "ERROR", "include_execution_data": False,
                                            "log_destination": sfn_logs.arn.apply(lambda a: f"{a}:*")},
                     tracing_configuration={"enabled": True})
