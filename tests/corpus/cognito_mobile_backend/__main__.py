"""Mobile app backend: a user pool for sign-in and an identity pool that also gives guests AWS
credentials, so the app can upload photos before sign-up. Uses the pulumi-aws 7 separate bucket
resources."""
import json

import pulumi
import pulumi_aws as aws

pool = aws.cognito.UserPool("app-users", password_policy={"minimum_length": 8},
                            auto_verified_attributes=["email"])
client = aws.cognito.UserPoolClient("app-mobile", user_pool_id=pool.id,
                                    explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
identity = aws.cognito.IdentityPool("app-identities", identity_pool_name="app_identities",
                                    allow_unauthenticated_identities=True,
                                    cognito_identity_providers=[{"client_id": client.id,
                                                                 "provider_name": pool.endpoint}])

photos = aws.s3.Bucket("photos")
aws.s3.BucketPublicAccessBlock("photos", bucket=photos.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)
aws.s3.BucketVersioning("photos", bucket=photos.id, versioning_configuration={"status": "Enabled"})


def trust(amr: str) -> pulumi.Output:
    return identity.id.apply(lambda pool_id: json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}}}]}))


guest = aws.iam.Role("guest", assume_role_policy=trust("unauthenticated"))
aws.iam.RolePolicy("guest-upload", role=guest.id, policy=photos.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                                            "Resource": f"{arn}/uploads/*"}]})))
member = aws.iam.Role("member", assume_role_policy=trust("authenticated"))
aws.iam.RolePolicy("member-photos", role=member.id, policy=photos.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                                            "Resource": f"{arn}/private/*"}]})))
aws.cognito.IdentityPoolRoleAttachment("roles", identity_pool_id=identity.id,
                                       roles={"unauthenticated": guest.arn, "authenticated": member.arn})
