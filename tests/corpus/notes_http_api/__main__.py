"""Notes service on an HTTP API with a Cognito JWT authorizer, the current pulumi-aws way. One route
was added later without the authorizer; the stage has logging but no throttling."""
import json

import pulumi
import pulumi_aws as aws

region = aws.get_region()

table = aws.dynamodb.Table("notes", billing_mode="PAY_PER_REQUEST", hash_key="pk", range_key="sk",
                           attributes=[{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
                           point_in_time_recovery={"enabled": True}, deletion_protection_enabled=True)

pool = aws.cognito.UserPool("notes-users", mfa_configuration="OPTIONAL",
                            software_token_mfa_configuration={"enabled": True},
                            password_policy={"minimum_length": 14},
                            user_pool_add_ons={"advanced_security_mode": "ENFORCED"})
client = aws.cognito.UserPoolClient("notes-web", user_pool_id=pool.id, generate_secret=False,
                                    prevent_user_existence_errors="ENABLED",
                                    explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])

role = aws.iam.Role("notes-fn-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
aws.iam.RolePolicyAttachment("notes-fn-logs", role=role.name,
                             policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
aws.iam.RolePolicy("notes-fn-table", role=role.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"],
        "Resource": [table.arn]}]}))

fn = aws.lambda_.Function("notes", runtime="python3.12", handler="app.handler", role=role.arn, timeout=10,
                          code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c):\n    return {}\n")}),
                          environment={"variables": {"TABLE": table.name, "LOG_LEVEL": "INFO"}},
                          tracing_config={"mode": "Active"}, reserved_concurrent_executions=25)
aws.cloudwatch.LogGroup("notes", name=fn.name.apply(lambda n: f"/aws/lambda/{n}"), retention_in_days=30)

api = aws.apigatewayv2.Api("notes", protocol_type="HTTP",
                           cors_configuration={"allow_origins": ["https://notes.example.com"],
                                               "allow_methods": ["GET", "POST", "DELETE"]})
jwt = aws.apigatewayv2.Authorizer("jwt", api_id=api.id, authorizer_type="JWT",
                                  identity_sources=["$request.header.Authorization"],
                                  jwt_configuration={"audiences": [client.id],
                                                     "issuer": pulumi.Output.concat("https://cognito-idp.", region.name,
                                                                                    ".amazonaws.com/", pool.id)})
integration = aws.apigatewayv2.Integration("notes", api_id=api.id, integration_type="AWS_PROXY",
                                           integration_uri=fn.invoke_arn, payload_format_version="2.0")
for key in ("GET /notes", "POST /notes", "DELETE /notes/{id}"):
    aws.apigatewayv2.Route(key.split()[0].lower() + "-" + key.split()[1].strip("/").split("/")[0], api_id=api.id,
                           route_key=key, target=integration.id.apply(lambda i: f"integrations/{i}"),
                           authorization_type="JWT", authorizer_id=jwt.id)
# Added later for a share link, without the authorizer.
aws.apigatewayv2.Route("get-shared", api_id=api.id, route_key="GET /shared/{token}",
                       target=integration.id.apply(lambda i: f"integrations/{i}"))

logs = aws.cloudwatch.LogGroup("notes-api-access", retention_in_days=90)
aws.apigatewayv2.Stage("live", api_id=api.id, name="$default", auto_deploy=True,
                       access_log_settings={"destination_arn": logs.arn,
                                            "format": json.dumps({"requestId": "$context.requestId"})})
aws.lambda_.Permission("notes-api", function=fn.name, action="lambda:InvokeFunction",
                       principal="apigateway.amazonaws.com",
                       source_arn=pulumi.Output.concat(api.execution_arn, "/*/*/notes*"))
