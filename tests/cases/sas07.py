"""SAS-7 insecure secrets storage cases."""
import json
import pulumi
import pulumi_aws as aws

from . import case
from ._util import doc, function, table

CANARY = "CANARY-7f3c9e21-do-not-print"


@case("lambda-env-secrets", violates=True, resource="fn")
def env_var_with_aws_key():
    function(environment={"variables": {"AWS_SECRET": "AKIAIOSFODNN7EXAMPLE", "TABLE": "orders"}})


@case("lambda-env-secrets", violates=True, resource="fn")
def env_var_password_marked_secret():
    function(environment={"variables": {"DB_PASSWORD": pulumi.Output.secret(CANARY)}})


@case("lambda-env-secrets", violates=True, resource="fn")
def env_var_marked_secret_that_no_detector_knows():
    """The program knows it is a secret (config.require_secret): Lambda still stores it in plain text."""
    function(environment={"variables": {"UPSTREAM_SETTING": pulumi.Output.secret("x1-y2-z3"), "TABLE": "orders"}})


@case("lambda-env-secrets", violates=False)
def env_var_references_only():
    secret = aws.secretsmanager.Secret("db")
    function(environment={"variables": {"DB_SECRET_ARN": secret.arn, "TABLE_NAME": "orders", "LOG_LEVEL": "INFO",
                                        "PASSWORD_PARAM": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}})


@case("lambda-env-secrets", violates=False, config={"lambda-env-secrets": {"allowedVariables": ["TEST_TOKEN"]}})
def env_var_allow_listed():
    function(environment={"variables": {"TEST_TOKEN": "not-a-real-token-value"}})


@case("lambda-env-cmk", violates=True, resource="fn")
def env_without_cmk():
    function(environment={"variables": {"TABLE": "orders"}})


@case("lambda-env-cmk", violates=False)
def env_with_cmk():
    key = aws.kms.Key("env", enable_key_rotation=True)
    function(environment={"variables": {"TABLE": "orders"}}, kms_key_arn=key.arn)


def _rest_stage(**kw):
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("deploy", rest_api=api.id)
    return aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod", **kw)


@case("apigw-stage-variable-secrets", violates=True, resource="prod")
def stage_variable_with_token():
    _rest_stage(variables={"backendToken": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"})


@case("apigw-stage-variable-secrets", violates=True, resource="live")
def http_stage_variable_with_password():
    api = aws.apigatewayv2.Api("http", protocol_type="HTTP")
    aws.apigatewayv2.Stage("live", api_id=api.id, name="live", stage_variables={"dbPassword": CANARY})


@case("apigw-stage-variable-secrets", violates=False)
def stage_variables_plain():
    _rest_stage(variables={"backendHost": "orders.internal", "featureFlag": "on"})


@case("ssm-param-plaintext-secret", violates=True, resource="db-password")
def ssm_string_named_password():
    aws.ssm.Parameter("db-password", name="/app/db/password", type="String", value=pulumi.Output.secret(CANARY))


@case("ssm-param-plaintext-secret", violates=False)
def ssm_string_plain_setting():
    """pulumi-aws marks every parameter value secret itself: that alone is no finding."""
    aws.ssm.Parameter("settings", name="/app/upstream", type="String", value="orders.internal")


@case("ssm-param-plaintext-secret", violates=False)
def ssm_secure_string():
    aws.ssm.Parameter("db-password", name="/app/db/password", type="SecureString", value=pulumi.Output.secret(CANARY))


@case("ssm-param-plaintext-secret", violates=True, resource="db-password",
      config={"ssm-param-plaintext-secret": {"requireCmk": True}})
def ssm_secure_string_without_cmk_when_required():
    aws.ssm.Parameter("db-password", name="/app/db/password", type="SecureString", value=CANARY)


@case("secret-cmk", violates=True, resource="db")
def secret_default_key():
    aws.secretsmanager.Secret("db")


@case("secret-cmk", violates=False)
def secret_customer_key():
    key = aws.kms.Key("secrets", enable_key_rotation=True)
    aws.secretsmanager.Secret("db", kms_key_id=key.arn)


@case("secret-rotation-missing", violates=True, resource="db")
def secret_without_rotation():
    aws.secretsmanager.Secret("db")


@case("secret-rotation-missing", violates=False)
def secret_with_rotation():
    s = aws.secretsmanager.Secret("db")
    rot = function("rotator")
    aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_lambda_arn=rot.arn,
                                      rotation_rules={"automatically_after_days": 30})


@case("secret-rotation-interval", violates=True, resource="db-rotation")
def rotation_every_half_year():
    s = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_rules={"automatically_after_days": 180})


@case("secret-rotation-interval", violates=True, resource="db-rotation")
def rotation_rate_expression():
    s = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_rules={"schedule_expression": "rate(120 days)"})


@case("secret-rotation-interval", violates=False)
def rotation_monthly():
    s = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretRotation("db-rotation", secret_id=s.id, rotation_rules={"automatically_after_days": 30})


@case("secret-policy-public", violates=True, resource="db-policy")
def secret_policy_open():
    s = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretPolicy("db-policy", secret_arn=s.arn, policy=doc(
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@case("secret-policy-public", violates=True, resource="db-policy")
def secret_policy_public_block_off():
    s = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretPolicy("db-policy", secret_arn=s.arn, block_public_policy=False, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@case("secret-policy-public", violates=False)
def secret_policy_named_principal():
    s = aws.secretsmanager.Secret("db")
    aws.secretsmanager.SecretPolicy("db-policy", secret_arn=s.arn, block_public_policy=True, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))


@case("kms-rotation", violates=True, resource="data")
def key_without_rotation():
    aws.kms.Key("data")


@case("kms-rotation", violates=False)
def key_with_rotation_and_asymmetric_key():
    aws.kms.Key("data", enable_key_rotation=True)
    aws.kms.Key("signing", key_usage="SIGN_VERIFY", customer_master_key_spec="RSA_2048")


@case("kms-policy-public", violates=True, resource="data")
def key_policy_open():
    aws.kms.Key("data", enable_key_rotation=True, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}))


@case("kms-policy-public", violates=False)
def key_policy_caller_account():
    aws.kms.Key("data", enable_key_rotation=True, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Encrypt"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}}}))


@case("kms-policy-defined", violates=True, resource="data")
def key_without_policy():
    aws.kms.Key("data", enable_key_rotation=True)


@case("kms-policy-defined", violates=False)
def key_with_key_policy_resource():
    key = aws.kms.Key("data", enable_key_rotation=True)
    aws.kms.KeyPolicy("data-policy", key_id=key.id, policy=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}))


@case("log-group-kms", violates=True, resource="logs")
def log_group_without_key():
    aws.cloudwatch.LogGroup("logs", retention_in_days=90)


@case("log-group-kms", violates=False)
def log_group_with_key():
    key = aws.kms.Key("logs", enable_key_rotation=True)
    aws.cloudwatch.LogGroup("logs", retention_in_days=90, kms_key_id=key.arn)


@case("s3-sse-kms", violates=True, resource="data")
def bucket_sse_s3():
    b = aws.s3.Bucket("data")
    aws.s3.BucketServerSideEncryptionConfiguration("data-sse", bucket=b.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])


@case("s3-sse-kms", violates=False)
def bucket_sse_kms():
    key = aws.kms.Key("data", enable_key_rotation=True)
    b = aws.s3.Bucket("data")
    aws.s3.BucketServerSideEncryptionConfiguration("data-sse", bucket=b.id, rules=[
        {"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
         "bucket_key_enabled": True}])


@case("sqs-encryption", violates=True, resource="jobs")
def queue_unencrypted():
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False)


@case("sqs-encryption", violates=False)
def queue_encrypted():
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=True)
    key = aws.kms.Key("q", enable_key_rotation=True)
    aws.sqs.Queue("jobs-kms", kms_master_key_id=key.arn)


@case("sns-encryption", violates=True, resource="events")
def topic_unencrypted():
    aws.sns.Topic("events")


@case("sns-encryption", violates=False)
def topic_encrypted():
    aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")


@case("dynamodb-cmk", violates=True, resource="orders")
def table_owned_key():
    table()


@case("dynamodb-cmk", violates=False)
def table_customer_key():
    key = aws.kms.Key("table", enable_key_rotation=True)
    table(server_side_encryption={"enabled": True, "kms_key_arn": key.arn})


def _method_settings(**settings):
    api = aws.apigateway.RestApi("api")
    dep = aws.apigateway.Deployment("deploy", rest_api=api.id)
    stage = aws.apigateway.Stage("prod", rest_api=api.id, deployment=dep.id, stage_name="prod")
    aws.apigateway.MethodSettings("all", rest_api=api.id, stage_name=stage.stage_name, method_path="*/*",
                                  settings=settings)


@case("apigw-cache-encryption", violates=True, resource="all")
def cache_unencrypted():
    _method_settings(caching_enabled=True, cache_data_encrypted=False)


@case("apigw-cache-encryption", violates=False)
def cache_encrypted():
    _method_settings(caching_enabled=True, cache_data_encrypted=True)


@case("appsync-cache-encryption", violates=True, resource="cache")
def appsync_cache_plain():
    api = aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    aws.appsync.ApiCache("cache", api_id=api.id, api_caching_behavior="FULL_REQUEST_CACHING", ttl=60,
                         type="SMALL", transit_encryption_enabled=False, at_rest_encryption_enabled=True)


@case("appsync-cache-encryption", violates=False)
def appsync_cache_encrypted():
    api = aws.appsync.GraphQLApi("graphql", authentication_type="AWS_IAM")
    aws.appsync.ApiCache("cache", api_id=api.id, api_caching_behavior="FULL_REQUEST_CACHING", ttl=60,
                         type="SMALL", transit_encryption_enabled=True, at_rest_encryption_enabled=True)


@case("sfn-cmk", violates=True, resource="flow")
def state_machine_default_encryption():
    r = aws.iam.Role("sfn-role", assume_role_policy=doc(
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    aws.sfn.StateMachine("flow", role_arn=r.arn, definition='{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}')


@case("sfn-cmk", violates=False)
def state_machine_customer_key():
    r = aws.iam.Role("sfn-role", assume_role_policy=doc(
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    key = aws.kms.Key("sfn", enable_key_rotation=True)
    aws.sfn.StateMachine("flow", role_arn=r.arn, definition='{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}',
                         encryption_configuration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kms_key_id": key.arn,
                                                   "kms_data_key_reuse_period_seconds": 300})


@case("sqs-encryption", violates=False)
def queue_with_default_encryption():
    """New queues get SSE-SQS by default: setting nothing is encrypted."""
    aws.sqs.Queue("jobs")


# --- sfn-definition-secrets ---------------------------------------------------------------------------

def _flow(definition):
    from ._util import role

    r = role("sfn-role", trust=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    aws.sfn.StateMachine("checkout", role_arn=r.arn, definition=definition)


def _http_task(headers: dict) -> str:
    return json.dumps({"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
        "Parameters": {"ApiEndpoint": "https://api.payments.example.com/charge", "Method": "POST",
                       "Headers": headers}}}})


@case("sfn-definition-secrets", violates=True, resource="checkout")
def state_machine_with_a_token_in_an_http_header():
    _flow(_http_task({"Authorization": "Bearer " + "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"}))


@case("sfn-definition-secrets", violates=True, resource="checkout", modes=("update",))
def state_machine_built_from_a_pulumi_secret():
    token = pulumi.Output.secret("not-a-detectable-token")
    _flow(token.apply(lambda t: _http_task({"X-Api-Key": t})))


@case("sfn-definition-secrets", violates=True, resource="checkout")
def state_machine_with_an_api_key_header_of_no_known_format():
    _flow(_http_task({"X-Api-Key": "a1b2c3d4e5f6a7b8c9d0", "Content-Type": "application/json"}))


@case("sfn-definition-secrets", violates=True, resource="checkout")
def state_machine_with_a_basic_authorization_header():
    _flow(_http_task({"Authorization": "Basic dXNlcjpjaGFuZ2VtZTEyMw=="}))


@case("sfn-definition-secrets", violates=False)
def state_machine_passing_its_header_from_the_input():
    """Headers read from the execution's input (JSONPath) or with an intrinsic are no literal credential."""
    _flow(_http_task({"Authorization.$": "$.auth", "X-Api-Key.$": "States.Format('{}', $.key)",
                      "Content-Type": "application/json", "X-Request-Id": "checkout-flow-v2"}))


@case("sfn-definition-secrets", violates=False)
def state_machine_reading_its_secret_at_run_time():
    _flow(json.dumps({"StartAt": "GetToken", "States": {"GetToken": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", "End": True,
        "Parameters": {"SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-AbCdEf"},
        "ResultSelector": {"token.$": "$.SecretString"}}}}))


# --- tags-secrets ---------------------------------------------------------------------------------

@case("tags-secrets", violates=True, resource="orders", modes=("update",))
def a_secret_in_a_tag():
    aws.sqs.Queue("orders", tags={"owner": "payments", "db-password": pulumi.Output.secret("hunter2-not-really")})


@case("tags-secrets", violates=True, resource="uploads")
def a_token_in_a_tag():
    aws.s3.Bucket("uploads", tags={"deploy-token": "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"})


@case("tags-secrets", violates=False)
def plain_tags():
    aws.sqs.Queue("orders", tags={"owner": "payments", "cost-center": "cc-1042", "env": "prod"})


@case("dynamodb-cmk", violates=True, resource="orders")
def table_replica_without_key():
    table(stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES",
          server_side_encryption={"enabled": True, "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k1"},
          replicas=[{"region_name": "eu-west-1"}])


@case("sqs-cmk", violates=True, resource="jobs")
def queue_with_aws_managed_key():
    aws.sqs.Queue("jobs", kms_master_key_id="alias/aws/sqs")


@case("sqs-cmk", violates=False)
def queue_with_customer_key():
    key = aws.kms.Key("key", enable_key_rotation=True)
    aws.sqs.Queue("jobs", kms_master_key_id=key.arn)


@case("ecr-cmk", violates=True, resource="images")
def repository_with_default_encryption():
    aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")


@case("ecr-cmk", violates=False)
def repository_with_customer_key():
    key = aws.kms.Key("key", enable_key_rotation=True)
    aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE",
                       encryption_configurations=[{"encryption_type": "KMS", "kms_key": key.arn}])


def _schedule(**kw):
    return aws.scheduler.Schedule("nightly", schedule_expression="rate(1 day)",
                                  flexible_time_window={"mode": "OFF"},
                                  target={"arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
                                          "role_arn": "arn:aws:iam::123456789012:role/scheduler"}, **kw)


@case("scheduler-cmk", violates=True, resource="nightly")
def schedule_with_aws_owned_key():
    _schedule()


@case("scheduler-cmk", violates=False)
def schedule_with_customer_key():
    _schedule(kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k1")


@case("kinesis-cmk", violates=True, resource="clicks")
def stream_with_aws_managed_key():
    aws.kinesis.Stream("clicks", shard_count=1, retention_period=168, encryption_type="KMS",
                       kms_key_id="alias/aws/kinesis")


@case("kinesis-cmk", violates=False)
def stream_with_customer_key():
    key = aws.kms.Key("key", enable_key_rotation=True)
    aws.kinesis.Stream("clicks", shard_count=1, retention_period=168, encryption_type="KMS", kms_key_id=key.arn)
