"""An orders API with the mistakes serverless-guard exists to stop (never deploy this)."""
import json

import pulumi
import pulumi_aws as aws

code = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return event\n")})

# One role for every function, which anyone may assume.
role = aws.iam.Role("shared-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}))

orders = aws.lambda_.Function("orders", role=role.arn, runtime="python3.12", handler="index.handler", code=code,
                              environment={"variables": {
                                  "DB_PASSWORD": pulumi.Output.secret("s3cr3t-Passw0rd!"),
                                  "STRIPE_KEY": "sk_live_51H8xYzAbCdEfGhIjKlMnOpQrStUv",
                                  "TABLE": "orders"}})
webhook = aws.lambda_.Function("webhook", role=role.arn, runtime="python3.12", handler="index.handler", code=code)

# A function URL anyone can call, and a permission that confirms it.
url = aws.lambda_.FunctionUrl("webhook-url", function_name=webhook.name, authorization_type="NONE",
                              cors={"allow_origins": ["*"], "allow_credentials": True})
aws.lambda_.Permission("webhook-public", function=webhook.name, action="lambda:InvokeFunctionUrl", principal="*",
                       function_url_auth_type="NONE")
aws.lambda_.Permission("orders-anyone", function=orders.name, action="lambda:InvokeFunction", principal="*")

# REST API without authorization, with a public policy.
api = aws.apigateway.RestApi("orders-api")
res = aws.apigateway.Resource("orders", rest_api=api.id, parent_id=api.root_resource_id, path_part="orders")
get = aws.apigateway.Method("get-orders", rest_api=api.id, resource_id=res.id, http_method="GET",
                            authorization="NONE")
integ = aws.apigateway.Integration("get-orders", rest_api=api.id, resource_id=res.id, http_method=get.http_method,
                                   type="AWS_PROXY", integration_http_method="POST", uri=orders.invoke_arn)
aws.apigateway.RestApiPolicy("orders-api-policy", rest_api_id=api.id, policy=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                                            "Resource": "*"}]}))
deployment = aws.apigateway.Deployment("orders-api", rest_api=api.id, opts=pulumi.ResourceOptions(depends_on=[integ]))
stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=deployment.id, stage_name="prod",
                             variables={"paymentsToken": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"})

# HTTP API route without authorization.
http = aws.apigatewayv2.Api("http-api", protocol_type="HTTP")
aws.apigatewayv2.Route("list-orders", api_id=http.id, route_key="GET /orders")

# Cognito with weak settings.
aws.cognito.UserPool("users", password_policy={"minimum_length": 8, "require_symbols": False})
aws.cognito.IdentityPool("identities", identity_pool_name="orders", allow_unauthenticated_identities=True)
aws.appsync.GraphQLApi("graphql", authentication_type="API_KEY")

# Data stores exposed or unencrypted.
uploads = aws.s3.Bucket("uploads")
aws.s3.BucketPolicy("uploads-public", bucket=uploads.id, policy=pulumi.Output.json_dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                            "Resource": pulumi.Output.concat(uploads.arn, "/*")}]}))
queue = aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False)
aws.sqs.QueuePolicy("jobs-open", queue_url=queue.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]}))
aws.sns.Topic("events")
table = aws.dynamodb.Table("orders-table", billing_mode="PAY_PER_REQUEST", hash_key="id",
                           attributes=[{"name": "id", "type": "S"}])

# The shared role may do anything to every table and read and write every object: what the internet reaches
# through the public URL and API, it reaches through this role too.
aws.iam.RolePolicy("shared-role-data", role=role.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*/*"}]}))
aws.ssm.Parameter("db-password", name="/orders/db/password", type="String",
                  value=pulumi.Output.secret("s3cr3t-Passw0rd!"))
aws.kms.Key("data")
aws.secretsmanager.Secret("api-key")
