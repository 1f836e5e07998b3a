"""The rule pages show each fix in Python and in TypeScript; the TypeScript is translated from the Python
(policies/typescript.py). Every fix must be Python, translate, and parse as TypeScript."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT
from policies import REGISTRY
from policies.typescript import Untranslatable, translate

TYPESCRIPT = os.path.join(ROOT, ".ci", "node_modules", "typescript")


def test_every_fix_is_python_and_translates():
    for rule in REGISTRY.values():
        ast.parse(rule.remediation, filename=f"{rule.id} fix")  # a SyntaxError names the rule
        assert translate(rule.remediation).strip(), rule.id


def test_a_resource_with_elided_arguments_a_map_and_a_comment():
    assert translate(REGISTRY["lambda-env-secrets"].remediation) == """\
const secret = new aws.secretsmanager.Secret("db-password");
new aws.lambda.Function("fn", {
    /* ... */
    environment: { variables: { DB_PASSWORD_SECRET_ARN: secret.arn } },
});
// and read the value at run time with the Secrets Manager SDK or the Parameters and Secrets extension"""


def test_loops_f_strings_lambdas_and_output_helpers():
    assert translate(REGISTRY["lambda-role-shared"].remediation) == """\
for (const name of ["orders", "payments"]) {
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: lambdaTrust });
    new aws.lambda.Function(name, { /* ... */ role: role.arn });
}"""
    ts = translate('aws.s3.BucketPolicy("p", bucket=b.id, policy=pulumi.Output.json_dumps({"Statement": [{'
                   '"Resource": pulumi.Output.concat(b.arn, "/*"), "Condition": None}]}), '
                   'name=fn.name.apply(lambda n: f"/aws/lambda/{n}"))')
    assert "pulumi.jsonStringify(" in ts and 'pulumi.concat(b.arn, "/*")' in ts and "Condition: undefined" in ts
    assert "name: fn.name.apply((n) => `/aws/lambda/${n}`)" in ts


def test_names_are_camel_case_but_map_keys_and_policy_keys_stay():
    ts = translate('aws.apigateway.Stage("s", rest_api=api.id, variables={"backend_url": "x", "DB_HOST": "y"}, '
                   'tags={"Team": "a"}, access_log_settings={"destination_arn": lg.arn}, x=api.execution_arn)')
    assert "restApi: api.id" in ts and "accessLogSettings: { destinationArn: lg.arn }" in ts
    assert "DB_HOST" in ts and "Team" in ts and "x: api.executionArn" in ts
    assert translate('x = aws.iam.get_policy_document(statements=[])') == \
        "const x = aws.iam.getPolicyDocument({ statements: [] });"


@pytest.mark.parametrize("source,construct", [
    ("while True:\n    pass", "statement While"),
    ('aws.s3.Bucket("b", **args)', r"\*\*kwargs"),
    ("x = {1, 2}", "set"),
    ('x = f"{a!r}"', "f-string conversion"),
    ("x = [i for i in y]", "ListComp"),
    ('aws.sns.TopicPolicy("t", policy=...)', "elided value"),
])
def test_a_construct_without_a_typescript_form_is_named(source, construct):
    with pytest.raises(Untranslatable, match=construct):
        translate(source)


@pytest.mark.skipif((not os.path.isdir(TYPESCRIPT) or not shutil.which("node")) and os.environ.get("CI") != "true",
                    reason="the TypeScript compiler is installed by .ci/run (npm); CI always runs this")
def test_every_translated_fix_parses_as_typescript():
    sources = {rule.id: translate(rule.remediation) for rule in REGISTRY.values()}
    sources["known-bad"] = 'new aws.s3.Bucket("b", { /* ... */, acl: "private" });'  # the checker must see errors
    r = subprocess.run(["node", os.path.join(ROOT, "tools", "typescript_syntax.js"), TYPESCRIPT],
                       input=json.dumps(sources), capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    errors = json.loads(r.stdout)
    assert errors.pop("known-bad"), "the TypeScript parser reported nothing on a broken snippet"
    assert {k: v for k, v in errors.items() if v} == {}
