"""The aws-native types of the serverless services, each as the pulumi-aws type(s) the rules read.

Each entry maps a pulumi-aws wire path to the aws-native (CloudFormation) path it reads, with a
conversion where the two spell a value differently (``native.py`` applies it). Names the two share are
copied as they are. Checked against pulumi-aws 7.51 and pulumi-aws-native 1.84 (their Python classes'
wire names); ``tests/test_native.py`` runs each through real programs of both providers.
"""
from __future__ import annotations

from . import aws
from .native_forms import (Satellite, Spec, canned_acl, epoch_to_iso, first, json_text, keyed, listed, log_destination,
                     pairs, present, tags)


def _one(value):
    """One value where pulumi-aws takes a list of them (an S3 notification's event)."""
    return [value] if isinstance(value, str) else value


def _suffix(value):
    return {"suffix": value} if isinstance(value, str) else value


def _key(value):
    return {"key": value} if isinstance(value, str) else value


def _method_path(item):
    """A CloudFormation MethodSetting's ``resourcePath`` (``/~1orders``, ``/*``) and ``httpMethod`` as
    pulumi-aws's ``methodPath`` (``orders/GET``, ``*/*``)."""
    if not isinstance(item, dict):
        return None
    path = item.get("resourcePath", "/*")
    method = item.get("httpMethod", "*")
    if not isinstance(path, str) or not isinstance(method, str):
        return None
    path = path.replace("~1", "/").strip("/") or "*"
    return f"{path}/{method}"


def _all_methods(_item):
    return "*/*"


def _stage_method_settings(source: str) -> Satellite:
    """A CloudFormation MethodSetting (``resourcePath`` and ``httpMethod``) as a MethodSettings resource."""
    return Satellite("MethodSettings", aws.REST_METHOD_SETTINGS, source, {
        "restApi": "^restApi", "stageName": "^stageName",
        "methodPath": ("", _method_path),
        "settings.loggingLevel": "loggingLevel", "settings.dataTraceEnabled": "dataTraceEnabled",
        "settings.metricsEnabled": "metricsEnabled", "settings.throttlingBurstLimit": "throttlingBurstLimit",
        "settings.throttlingRateLimit": "throttlingRateLimit", "settings.cachingEnabled": "cachingEnabled",
        "settings.cacheDataEncrypted": "cacheDataEncrypted", "settings.cacheTtlInSeconds": "cacheTtlInSeconds",
    }, each=True)


FUNCTION_FIELDS = {"name": "functionName", "tags": ("tags", tags), "imageUri": "code.imageUri",
                   "s3Bucket": "code.s3Bucket", "s3Key": "code.s3Key"}

# The settings of a stage, whether declared by a Stage or by a Deployment's stageDescription.
_STAGE_SETTINGS = {"accessLogSettings": "accessLogSetting", "xrayTracingEnabled": "tracingEnabled",
                   "cacheClusterEnabled": "cacheClusterEnabled", "cacheClusterSize": "cacheClusterSize",
                   "clientCertificateId": "clientCertificateId", "variables": "variables", "tags": ("tags", tags)}

BUCKET_WORDS = {"BucketLogging": "loggingConfiguration", "BucketVersioning": "versioningConfiguration",
                "BucketServerSideEncryptionConfiguration": "bucketEncryption",
                "BucketPublicAccessBlock": "publicAccessBlockConfiguration",
                "BucketOwnershipControls": "ownershipControls", "BucketAcl": "accessControl",
                "BucketNotification": "notificationConfiguration",
                "BucketWebsiteConfiguration": "websiteConfiguration",
                # the canned ACLs as CloudFormation spells them (the view holds the S3 API's spelling)
                "public-read-write": "PublicReadWrite", "public-read": "PublicRead",
                "authenticated-read": "AuthenticatedRead"}

SPECS: dict = {
    # --- Lambda ---
    "aws-native:lambda:Function": Spec(aws.FUNCTION, FUNCTION_FIELDS, drop=("code",), satellites=[
        Satellite("RecursionConfig", aws.RECURSION_CONFIG, "", {"recursiveLoop": "recursiveLoop"},
                  link=("functionName",), when=lambda p: p.get("recursiveLoop") is not None)]),
    "aws-native:lambda:Url": Spec(aws.FUNCTION_URL, {"functionName": "targetFunctionArn",
                                                     "authorizationType": "authType"}),
    "aws-native:lambda:Permission": Spec(aws.PERMISSION, {"function": "functionName"}),
    "aws-native:lambda:EventSourceMapping": Spec(aws.EVENT_SOURCE_MAPPING, {
        "destinationConfig.onFailure.destinationArn": "destinationConfig.onFailure.destination",
        "tags": ("tags", tags)}),
    "aws-native:lambda:EventInvokeConfig": Spec(aws.EVENT_INVOKE_CONFIG),
    "aws-native:lambda:LayerVersion": Spec(aws.LAYER_VERSION),
    "aws-native:lambda:LayerVersionPermission": Spec(aws.LAYER_PERMISSION, {"layerName": "layerVersionArn"}),
    "aws-native:lambda:CodeSigningConfig": Spec(aws.CODE_SIGNING_CONFIG, {"policies": "codeSigningPolicies",
                                                                          "tags": ("tags", tags)}),
    # --- API Gateway REST ---
    "aws-native:apigateway:RestApi": Spec(aws.REST_API, {"body": ("body", json_text), "tags": ("tags", tags)}),
    "aws-native:apigateway:Stage": Spec(aws.REST_STAGE, {
        "restApi": "restApiId", "deployment": "deploymentId", **_STAGE_SETTINGS},
        drop=("methodSettings",), words={"MethodSettings": "methodSettings"},
        satellites=[_stage_method_settings("methodSettings")]),
    "aws-native:apigateway:Deployment": Spec("aws:apigateway/deployment:Deployment", {"restApi": "restApiId"},
                                             drop=("stageDescription",),
                                             words={"MethodSettings": "stageDescription.methodSettings"},
                                             satellites=[
        Satellite("Stage", aws.REST_STAGE, "", {
            "restApi": "restApiId", "stageName": "stageName",
            **{k: (f"stageDescription.{v}" if isinstance(v, str) else (f"stageDescription.{v[0]}", v[1]))
               for k, v in _STAGE_SETTINGS.items()}},
                  when=lambda p: isinstance(p.get("stageName"), str) and bool(p["stageName"])),
        Satellite("MethodSettings", aws.REST_METHOD_SETTINGS, "stageDescription", {
            "restApi": "^restApi", "stageName": "^stageName", "methodPath": ("", _all_methods),
            "settings.loggingLevel": "loggingLevel", "settings.dataTraceEnabled": "dataTraceEnabled",
            "settings.metricsEnabled": "metricsEnabled", "settings.throttlingBurstLimit": "throttlingBurstLimit",
            "settings.throttlingRateLimit": "throttlingRateLimit", "settings.cachingEnabled": "cachingEnabled",
            "settings.cacheDataEncrypted": "cacheDataEncrypted"}),
        _stage_method_settings("stageDescription.methodSettings")]),
    "aws-native:apigateway:Method": Spec(aws.REST_METHOD, {"restApi": "restApiId",
                                                           "authorization": "authorizationType"},
                                         drop=("integration",), satellites=[
        Satellite("Integration", aws.REST_INTEGRATION, "integration", {
            "restApi": "^restApi", "resourceId": "^resourceId", "httpMethod": "^httpMethod", "type": "type",
            "uri": "uri", "integrationHttpMethod": "integrationHttpMethod", "credentials": "credentials",
            "connectionType": "connectionType", "requestTemplates": "requestTemplates",
            "passthroughBehavior": "passthroughBehavior"})]),
    "aws-native:apigateway:DomainName": Spec(aws.REST_DOMAIN, {"tags": ("tags", tags)}),
    "aws-native:apigateway:UsagePlan": Spec(aws.REST_USAGE_PLAN, {
        "throttleSettings": "throttle", "quotaSettings": "quota", "name": "usagePlanName",
        "tags": ("tags", tags)}),
    "aws-native:apigateway:Account": Spec(aws.REST_ACCOUNT, {"cloudwatchRoleArn": "cloudWatchRoleArn"}),
    "aws-native:apigateway:GatewayResponse": Spec(aws.REST_RESPONSE),
    "aws-native:apigateway:BasePathMapping": Spec(aws.BASE_PATH_MAPPING, {"restApi": "restApiId",
                                                                          "stageName": "stage"}),
    # --- API Gateway HTTP and WebSocket ---
    "aws-native:apigatewayv2:Api": Spec(aws.HTTP_API, {"body": ("body", json_text), "tags": ("tags", tags)}),
    "aws-native:apigatewayv2:Route": Spec(aws.HTTP_ROUTE),
    "aws-native:apigatewayv2:Integration": Spec(aws.HTTP_INTEGRATION),
    "aws-native:apigatewayv2:Stage": Spec(aws.HTTP_STAGE, {
        "name": "stageName", "routeSettings": ("routeSettings", keyed("routeKey")), "tags": ("tags", tags)}),
    "aws-native:apigatewayv2:DomainName": Spec(aws.HTTP_DOMAIN, {
        "domainNameConfiguration": ("domainNameConfigurations", first), "tags": ("tags", tags)}),
    "aws-native:apigatewayv2:ApiMapping": Spec(aws.HTTP_API_MAPPING),
    # --- AppSync ---
    "aws-native:appsync:GraphQlApi": Spec(aws.GRAPHQL_API, {
        "logConfig.cloudwatchLogsRoleArn": "logConfig.cloudWatchLogsRoleArn",
        "logConfig.fieldLogLevel": "logConfig.fieldLogLevel",
        "logConfig.excludeVerboseContent": "logConfig.excludeVerboseContent", "tags": ("tags", tags)}),
    "aws-native:appsync:ApiKey": Spec(aws.APPSYNC_API_KEY, {"expires": ("expires", epoch_to_iso)}),
    "aws-native:appsync:ApiCache": Spec(aws.APPSYNC_CACHE),
    # --- WAF ---
    "aws-native:wafv2:WebAcl": Spec(aws.WEB_ACL, {"tags": ("tags", tags)}),
    "aws-native:wafv2:WebAclAssociation": Spec(aws.WEB_ACL_ASSOCIATION),
    "aws-native:wafv2:LoggingConfiguration": Spec(aws.WEB_ACL_LOGGING),
    # --- Cognito ---
    "aws-native:cognito:UserPool": Spec(aws.USER_POOL, {
        "name": "userPoolName", "passwordPolicy": "policies.passwordPolicy", "tags": "userPoolTags"},
        drop=("policies",)),
    "aws-native:cognito:UserPoolClient": Spec(aws.USER_POOL_CLIENT, {
        "name": "clientName", "allowedOauthFlows": "allowedOAuthFlows", "allowedOauthScopes": "allowedOAuthScopes",
        "allowedOauthFlowsUserPoolClient": "allowedOAuthFlowsUserPoolClient"}),
    "aws-native:cognito:IdentityPool": Spec(aws.IDENTITY_POOL),
    "aws-native:cognito:IdentityPoolRoleAttachment": Spec(aws.IDENTITY_POOL_ROLES),
    # --- S3 ---
    "aws-native:s3:Bucket": Spec(aws.BUCKET, {"bucket": "bucketName", "tags": ("tags", tags)}, copy=False,
                                 words=BUCKET_WORDS, satellites=[
        Satellite("PublicAccessBlock", aws.BUCKET_PAB, "publicAccessBlockConfiguration", {
            "blockPublicAcls": "blockPublicAcls", "blockPublicPolicy": "blockPublicPolicy",
            "ignorePublicAcls": "ignorePublicAcls", "restrictPublicBuckets": "restrictPublicBuckets"},
                  link=("bucket",), ref="bucket"),
        Satellite("OwnershipControls", aws.BUCKET_OWNERSHIP, "ownershipControls", {
            "rule": ("rules", first)}, link=("bucket",), ref="bucket"),
        Satellite("Encryption", aws.BUCKET_SSE, "bucketEncryption", {
            "rules[].applyServerSideEncryptionByDefault":
                "serverSideEncryptionConfiguration[].serverSideEncryptionByDefault",
            "rules[].bucketKeyEnabled": "serverSideEncryptionConfiguration[].bucketKeyEnabled"},
                  link=("bucket",), ref="bucket"),
        Satellite("Versioning", aws.BUCKET_VERSIONING, "versioningConfiguration", {
            "versioningConfiguration.status": "status"}, link=("bucket",), ref="bucket"),
        Satellite("Logging", aws.BUCKET_LOGGING, "loggingConfiguration", {
            "targetBucket": "destinationBucketName", "targetPrefix": "logFilePrefix"},
                  link=("bucket",), ref="bucket"),
        Satellite("Website", aws.BUCKET_WEBSITES[0], "websiteConfiguration", {
            "indexDocument": ("indexDocument", _suffix), "errorDocument": ("errorDocument", _key),
            "redirectAllRequestsTo": "redirectAllRequestsTo", "routingRules": "routingRules"},
                  link=("bucket",), ref="bucket"),
        Satellite("Acl", aws.BUCKET_ACL, "", {"acl": ("accessControl", canned_acl)}, link=("bucket",),
                  ref="bucket", when=lambda p: p.get("accessControl") is not None),
        Satellite("Notification", aws.BUCKET_NOTIFICATION, "notificationConfiguration", {
            "lambdaFunctions[].lambdaFunctionArn": "lambdaConfigurations[].function",
            "lambdaFunctions[].events": ("lambdaConfigurations[].event", _one),
            "queues[].queueArn": "queueConfigurations[].queue",
            "queues[].events": ("queueConfigurations[].event", _one),
            "topics[].topicArn": "topicConfigurations[].topic",
            "topics[].events": ("topicConfigurations[].event", _one),
            "eventbridge": ("eventBridgeConfiguration.eventBridgeEnabled", None)},
                  link=("bucket",), ref="bucket")]),
    "aws-native:s3:BucketPolicy": Spec(aws.BUCKET_POLICY, {"policy": "policyDocument"}),
    # --- DynamoDB ---
    "aws-native:dynamodb:Table": Spec(aws.TABLE, {
        "name": "tableName", "tags": ("tags", tags),
        "serverSideEncryption.enabled": "sseSpecification.sseEnabled",
        "serverSideEncryption.kmsKeyArn": "sseSpecification.kmsMasterKeyId",
        "pointInTimeRecovery.enabled": "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled",
        "streamEnabled": ("streamSpecification", present),
        "streamViewType": "streamSpecification.streamViewType",
        "ttl.enabled": "timeToLiveSpecification.enabled",
        "ttl.attributeName": "timeToLiveSpecification.attributeName"},
        drop=("resourcePolicy",), satellites=[
        Satellite("ResourcePolicy", aws.DYNAMODB_RESOURCE_POLICY, "resourcePolicy", {
            "policy": "policyDocument"}, link=("resourceArn",), ref="arn")]),
    # --- SQS and SNS ---
    "aws-native:sqs:Queue": Spec(aws.QUEUE, {
        "name": "queueName", "messageRetentionSeconds": "messageRetentionPeriod",
        "visibilityTimeoutSeconds": "visibilityTimeout", "maxMessageSize": "maximumMessageSize",
        "receiveWaitTimeSeconds": "receiveMessageWaitTimeSeconds", "redrivePolicy": ("redrivePolicy", json_text),
        "redriveAllowPolicy": ("redriveAllowPolicy", json_text), "url": "queueUrl", "tags": ("tags", tags)}),
    "aws-native:sqs:QueueInlinePolicy": Spec(aws.QUEUE_POLICY, {"queueUrl": "queue", "policy": "policyDocument"}),
    "aws-native:sns:Topic": Spec(aws.TOPIC, {"name": "topicName", "arn": "topicArn", "tags": ("tags", tags)},
                                 drop=("subscription",), words={"TopicSubscription": "subscription"}, satellites=[
        Satellite("Subscription", aws.TOPIC_SUBSCRIPTION, "subscription", {
            "protocol": "protocol", "endpoint": "endpoint"}, each=True, link=("topic",), ref="arn")]),
    "aws-native:sns:Subscription": Spec(aws.TOPIC_SUBSCRIPTION, {"topic": "topicArn"}),
    "aws-native:sns:TopicPolicy": Spec(aws.TOPIC_POLICY, {"arn": ("topics", first), "policy": "policyDocument"}),
    "aws-native:sns:TopicInlinePolicy": Spec(aws.TOPIC_POLICY, {"arn": "topicArn", "policy": "policyDocument"}),
    # --- EventBridge, Scheduler, Step Functions ---
    "aws-native:events:Rule": Spec(aws.EVENT_RULE, {"eventPattern": ("eventPattern", json_text),
                                                    "tags": ("tags", tags)}, drop=("targets",),
                                   words={"EventTarget": "targets"}, satellites=[
        Satellite("Target", aws.EVENT_TARGET, "targets", {
            "arn": "arn", "targetId": "id", "roleArn": "roleArn", "deadLetterConfig": "deadLetterConfig",
            "retryPolicy": "retryPolicy", "input": "input", "inputPath": "inputPath",
            "eventBusName": "^eventBusName"}, each=True, link=("rule",))]),
    "aws-native:events:EventBusPolicy": Spec(aws.EVENT_BUS_POLICY, {"policy": ("statement", json_text)}),
    "aws-native:scheduler:Schedule": Spec(aws.SCHEDULE),
    "aws-native:stepfunctions:StateMachine": Spec(aws.STATE_MACHINE, {
        "name": "stateMachineName", "type": "stateMachineType", "tags": ("tags", tags),
        "loggingConfiguration.level": "loggingConfiguration.level",
        "loggingConfiguration.includeExecutionData": "loggingConfiguration.includeExecutionData",
        "loggingConfiguration.logDestination": ("loggingConfiguration.destinations", log_destination)},
        drop=("definitionString",), words={"logDestination": "destinations"}),
    # --- IAM ---
    "aws-native:iam:Role": Spec(aws.ROLE, {
        "name": "roleName", "assumeRolePolicy": "assumeRolePolicyDocument", "inlinePolicies[].name":
        "policies[].policyName", "inlinePolicies[].policy": "policies[].policyDocument", "tags": ("tags", tags)}),
    "aws-native:iam:RolePolicy": Spec(aws.ROLE_POLICY, {"role": "roleName", "name": "policyName",
                                                        "policy": "policyDocument"}),
    "aws-native:iam:UserPolicy": Spec(aws.USER_POLICY, {"user": "userName", "name": "policyName",
                                                        "policy": "policyDocument"}),
    "aws-native:iam:GroupPolicy": Spec(aws.GROUP_POLICY, {"group": "groupName", "name": "policyName",
                                                          "policy": "policyDocument"}),
    "aws-native:iam:ManagedPolicy": Spec(aws.IAM_POLICY, {"name": "managedPolicyName", "policy": "policyDocument",
                                                          "arn": "policyArn"}, drop=("roles",), satellites=[
        Satellite("Attachment", aws.ROLE_POLICY_ATTACHMENT, "roles", {"role": ""},
                  each=True, link=("policyArn",), ref="arn")]),
    # --- KMS, Secrets Manager, SSM ---
    "aws-native:kms:Key": Spec(aws.KMS_KEY, {"policy": "keyPolicy", "customerMasterKeySpec": "keySpec",
                                             "deletionWindowInDays": "pendingWindowInDays", "isEnabled": "enabled",
                                             "tags": ("tags", tags)}, words={"KeyPolicy": "keyPolicy"}),
    "aws-native:secretsmanager:Secret": Spec(aws.SECRET, {"arn": "awsId", "tags": ("tags", tags)}),
    "aws-native:secretsmanager:RotationSchedule": Spec(aws.SECRET_ROTATION, {
        "rotationLambdaArn": "rotationLambdaArn"}),
    "aws-native:secretsmanager:ResourcePolicy": Spec(aws.SECRET_POLICY, {"secretArn": "secretId",
                                                                         "policy": "resourcePolicy"}),
    "aws-native:ssm:Parameter": Spec(aws.SSM_PARAMETER),
    # --- CloudWatch ---
    "aws-native:logs:LogGroup": Spec(aws.LOG_GROUP, {"name": "logGroupName", "tags": ("tags", tags)}),
    "aws-native:logs:ResourcePolicy": Spec(aws.LOG_RESOURCE_POLICY),
    "aws-native:cloudwatch:Alarm": Spec(aws.METRIC_ALARM, {"name": "alarmName", "dimensions": ("dimensions", pairs)}),
    # --- Kinesis, ECR, CloudFront, scaling ---
    "aws-native:kinesis:Stream": Spec(aws.KINESIS_STREAM, {
        "retentionPeriod": "retentionPeriodHours", "encryptionType": "streamEncryption.encryptionType",
        "kmsKeyId": "streamEncryption.keyId", "tags": ("tags", tags)}, drop=("streamEncryption",)),
    "aws-native:ecr:Repository": Spec(aws.ECR_REPOSITORY, {
        "name": "repositoryName", "encryptionConfigurations": ("encryptionConfiguration", listed),
        "tags": ("tags", tags)}, drop=("repositoryPolicyText", "lifecyclePolicy"),
        words={"LifecyclePolicy": "lifecyclePolicy", "RepositoryPolicy": "repositoryPolicyText"}, satellites=[
        Satellite("Policy", aws.ECR_REPOSITORY_POLICY, "", {"policy": ("repositoryPolicyText", json_text)},
                  link=("repository",), when=lambda p: p.get("repositoryPolicyText") is not None),
        Satellite("LifecyclePolicy", aws.ECR_LIFECYCLE_POLICY, "lifecyclePolicy", {
            "policy": "lifecyclePolicyText"}, link=("repository",))]),
    "aws-native:ecr:RegistryScanningConfiguration": Spec(aws.ECR_REGISTRY_SCANNING),
    "aws-native:cloudfront:Distribution": Spec(aws.DISTRIBUTION, {
        "origins[].originId": "distributionConfig.origins[].id",
        "origins[].domainName": "distributionConfig.origins[].domainName",
        "origins[].originAccessControlId": "distributionConfig.origins[].originAccessControlId",
        "origins[].s3OriginConfig": "distributionConfig.origins[].s3OriginConfig",
        "origins[].customOriginConfig": "distributionConfig.origins[].customOriginConfig",
        "defaultCacheBehavior": "distributionConfig.defaultCacheBehavior",
        "orderedCacheBehaviors": "distributionConfig.cacheBehaviors",
        "viewerCertificate.cloudfrontDefaultCertificate": "distributionConfig.viewerCertificate."
                                                          "cloudFrontDefaultCertificate",
        "viewerCertificate.acmCertificateArn": "distributionConfig.viewerCertificate.acmCertificateArn",
        "viewerCertificate.minimumProtocolVersion": "distributionConfig.viewerCertificate.minimumProtocolVersion",
        "viewerCertificate.sslSupportMethod": "distributionConfig.viewerCertificate.sslSupportMethod",
        "webAclId": "distributionConfig.webAclId", "loggingConfig": "distributionConfig.logging",
        "aliases": "distributionConfig.aliases", "enabled": "distributionConfig.enabled",
        "defaultRootObject": "distributionConfig.defaultRootObject", "tags": ("tags", tags)},
        drop=("distributionConfig",)),
    "aws-native:applicationautoscaling:ScalableTarget": Spec(aws.AUTOSCALING_TARGET),
}
