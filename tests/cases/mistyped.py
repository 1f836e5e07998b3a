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


@case("iam-admin-star", violates=True, resource="broken")
def policy_that_is_not_json():
    aws.iam.Policy("broken", policy='{"Statement": [')


@case("iam-admin-star", violates=True, resource="broken")
def policy_that_is_json_but_not_an_object():
    aws.iam.Policy("broken", policy='["not", "a", "policy"]')
