"""Mistyped and odd property values: the Python SDK passes them through unchecked, so rules must read
them as the provider would (numeric and boolean strings) and never crash on the rest."""
import pulumi_aws as aws

from . import case
from ._util import function, table


@case("cognito-password-policy", violates=True, resource="users")
def minimum_length_as_a_string():
    aws.cognito.UserPool("users", password_policy={"minimum_length": "8", "require_lowercase": True,
                                                   "require_uppercase": True, "require_numbers": True,
                                                   "require_symbols": True})


@case("dynamodb-pitr", violates=False)
def pitr_enabled_as_a_string():
    table(point_in_time_recovery={"enabled": "true"})


@case("lambda-env-secrets", violates=False)
def environment_variables_not_a_mapping():
    function(environment={"variables": "DB_PASSWORD=oops"})


@case("lambda-env-secrets", violates=False)
def environment_variable_values_not_strings():
    function(environment={"variables": {"DB_PASSWORD_RETRIES": 3, "TOKEN_TTL": 60}})


@case("policy-unreadable", violates=True, resource="broken")
def policy_that_is_not_json():
    aws.iam.Policy("broken", policy='{"Statement": [')


@case("policy-unreadable", violates=True, resource="broken")
def policy_that_is_json_but_not_an_object():
    aws.iam.Policy("broken", policy='["not", "a", "policy"]')


@case("policy-unreadable", violates=True, resource="fn-role")
def inline_and_trust_policies_that_are_not_json():
    aws.iam.Role("fn-role", assume_role_policy="{", inline_policies=[{"name": "a", "policy": "not json"}])


@case("policy-unreadable", violates=True, resource="uploads")
def bucket_policy_nested_too_deeply():
    bucket = aws.s3.BucketV2("uploads")
    aws.s3.BucketPolicy("uploads", bucket=bucket.id, policy="[" * 1000 + "]" * 1000)


@case("policy-unreadable", violates=False)
def policies_as_json_text_and_as_objects():
    aws.iam.Policy("ok", policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
                               '"Resource": "arn:aws:s3:::b/*"}]}')
    aws.iam.Role("fn-role", assume_role_policy={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    aws.sqs.Queue("jobs")
