"""Building blocks the case programs share (real pulumi-aws resources)."""
import json

import pulumi
import pulumi_aws as aws

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def role(name="fn-role", trust=LAMBDA_TRUST, **kw):
    return aws.iam.Role(name, assume_role_policy=trust, **kw)


def function(name="fn", role_arn=None, **kw):
    kw.setdefault("runtime", "python3.12")
    kw.setdefault("handler", "index.handler")
    kw.setdefault("code", pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(e, c):\n    return e\n")}))
    return aws.lambda_.Function(name, role=role_arn if role_arn is not None else role(f"{name}-role").arn, **kw)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def table(name="orders", **kw):
    return aws.dynamodb.Table(name, billing_mode="PAY_PER_REQUEST", hash_key="id",
                              attributes=[{"name": "id", "type": "S"}], **kw)
