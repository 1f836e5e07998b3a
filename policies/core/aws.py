"""pulumi-aws 7 type tokens used by the rules (verified against pulumi_aws 7.51.1), and small
AWS facts shared by several modules."""

FUNCTION = "aws:lambda/function:Function"
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_RESOURCE_POLICY = "aws:lambda/resourcePolicy:ResourcePolicy"
LAYER_VERSION = "aws:lambda/layerVersion:LayerVersion"
LAYER_PERMISSION = "aws:lambda/layerVersionPermission:LayerVersionPermission"
EVENT_SOURCE_MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
EVENT_INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
RECURSION_CONFIG = "aws:lambda/functionRecursionConfig:FunctionRecursionConfig"
CODE_SIGNING_CONFIG = "aws:lambda/codeSigningConfig:CodeSigningConfig"

REST_API = "aws:apigateway/restApi:RestApi"
REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
REST_STAGE = "aws:apigateway/stage:Stage"
REST_METHOD = "aws:apigateway/method:Method"
REST_METHOD_SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
REST_DEPLOYMENT = "aws:apigateway/deployment:Deployment"
REST_INTEGRATION = "aws:apigateway/integration:Integration"
REST_DOMAIN = "aws:apigateway/domainName:DomainName"
REST_USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
REST_ACCOUNT = "aws:apigateway/account:Account"
REST_RESPONSE = "aws:apigateway/response:Response"
BASE_PATH_MAPPING = "aws:apigateway/basePathMapping:BasePathMapping"
HTTP_API = "aws:apigatewayv2/api:Api"
HTTP_ROUTE = "aws:apigatewayv2/route:Route"
HTTP_STAGE = "aws:apigatewayv2/stage:Stage"
HTTP_DOMAIN = "aws:apigatewayv2/domainName:DomainName"
HTTP_API_MAPPING = "aws:apigatewayv2/apiMapping:ApiMapping"
HTTP_INTEGRATION = "aws:apigatewayv2/integration:Integration"

GRAPHQL_API = "aws:appsync/graphQLApi:GraphQLApi"
APPSYNC_API_KEY = "aws:appsync/apiKey:ApiKey"
APPSYNC_CACHE = "aws:appsync/apiCache:ApiCache"

WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"

USER_POOL = "aws:cognito/userPool:UserPool"
USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
LOG_RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
KINESIS_STREAM = "aws:kinesis/stream:Stream"
BUCKET_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
DAX_CLUSTER = "aws:dax/cluster:Cluster"
IDENTITY_POOL = "aws:cognito/identityPool:IdentityPool"
IDENTITY_POOL_ROLES = "aws:cognito/identityPoolRoleAttachment:IdentityPoolRoleAttachment"

ROLE = "aws:iam/role:Role"
USER = "aws:iam/user:User"
AWS_PROVIDER = "pulumi:providers:aws"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
USER_POLICY_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_OBJECT = "aws:s3/bucketObject:BucketObject"
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BUCKET_ACL = "aws:s3/bucketAcl:BucketAcl"
BUCKET_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
BUCKET_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
BUCKET_NOTIFICATION = "aws:s3/bucketNotification:BucketNotification"
# The deprecated V2 tokens pulumi-aws 7 still accepts (same shapes as their successors).
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKET_ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
BUCKET_VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
BUCKET_SSE_V2 = ("aws:s3/bucketServerSideEncryptionConfigurationV2:"
                 "BucketServerSideEncryptionConfigurationV2")
BUCKET_LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2"
# Every form of each bucket setting (a bucket's own inline arguments are read by the rules too).
BUCKETS = (BUCKET, BUCKET_V2)
BUCKET_ACLS = (BUCKET_ACL, BUCKET_ACL_V2)
BUCKET_VERSIONINGS = (BUCKET_VERSIONING, BUCKET_VERSIONING_V2)
BUCKET_SSES = (BUCKET_SSE, BUCKET_SSE_V2)
BUCKET_LOGGINGS = (BUCKET_LOGGING, BUCKET_LOGGING_V2)
BUCKET_WEBSITES = ("aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
                   "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2")

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
REDRIVE_POLICY = "aws:sqs/redrivePolicy:RedrivePolicy"
TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EVENT_BUS_POLICY = "aws:cloudwatch/eventBusPolicy:EventBusPolicy"
EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_BUS = "aws:cloudwatch/eventBus:EventBus"
SCHEDULE = "aws:scheduler/schedule:Schedule"
STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"

TABLE = "aws:dynamodb/table:Table"
DYNAMODB_RESOURCE_POLICY = "aws:dynamodb/resourcePolicy:ResourcePolicy"
AUTOSCALING_TARGET = "aws:appautoscaling/target:Target"

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
KMS_KEY = "aws:kms/key:Key"
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

ECR_REPOSITORY = "aws:ecr/repository:Repository"
ECR_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
ECR_LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
ECR_REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"

# Load balancers: pulumi-aws names each type twice (``aws:alb/...`` is the older alias of ``aws:lb/...``).
LOAD_BALANCER = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENER = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
TARGET_GROUP = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
TARGET_ATTACHMENT = ("aws:lb/targetGroupAttachment:TargetGroupAttachment",
                     "aws:alb/targetGroupAttachment:TargetGroupAttachment")

SUBNET = "aws:ec2/subnet:Subnet"
BACKUP_SELECTION = "aws:backup/selection:Selection"
TRAIL = "aws:cloudtrail/trail:Trail"

IDENTITY_POLICY_TYPES = (IAM_POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY)

# The properties by which one resource names another: its ARN, id or name (joins, and a statement's Resource).
IDENTITY_FIELDS = ("arn", "id", "name", "bucket", "url", "executionArn")
