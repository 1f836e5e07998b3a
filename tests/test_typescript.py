"""The rule pages show each fix in Python and in TypeScript; the TypeScript is translated from the Python
(policies/typescript.py). Every fix must be Python that calls pulumi-aws 7 with arguments it has,
translate, and parse as TypeScript."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT
from policies import REGISTRY, presentation
from policies.typescript import Untranslatable, _dotted, translate

TYPESCRIPT = os.path.join(ROOT, ".ci", "node_modules", "typescript")


def test_every_fix_is_python_and_translates():
    for rule in REGISTRY.values():
        ast.parse(rule.remediation, filename=f"{rule.id} fix")  # a SyntaxError names the rule
        assert translate(rule.remediation).strip(), rule.id


def test_the_stored_typescript_is_what_the_fixes_translate_to():
    """Starting the pack translates nothing: each fix's TypeScript is read from policies/data (written by
    tools/update_readme_rules.py), and the file must hold every rule's fix as it now reads."""
    with open(presentation.DATA, encoding="utf-8") as f:
        assert json.load(f) == presentation.translations(REGISTRY.values())


def test_a_fix_the_file_does_not_hold_is_translated_when_shown():
    import dataclasses

    rule = REGISTRY["dynamodb-pitr"]
    stored = presentation.fix_text(rule, "typescript")
    changed = dataclasses.replace(rule, remediation=rule.remediation.replace('"orders"', '"invoices"'))
    assert presentation.fix_text(changed, "typescript") == stored.replace('"orders"', '"invoices"') != stored
    custom = dataclasses.replace(rule, id="acme-custom", remediation="this is not python (")
    assert presentation.fix_text(custom, "typescript") == "# (in pulumi-aws Python)\nthis is not python ("
    assert presentation.fix_text(custom) == "this is not python ("


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


# --- the Python fixes are pulumi-aws 7 programs --------------------------------------------------------

def _typed_dict(module, annotation: str):
    """The ``...ArgsDict`` TypedDict an argument's annotation names (its keys are the dict keys the
    program may write), or None."""
    import re
    import sys

    for name in re.findall(r"'(\w+ArgsDict)'", annotation or ""):
        for mod in (module, sys.modules.get(f"{module.__name__}._inputs")):
            found = getattr(mod, name, None) if mod is not None else None
            if found is not None:
                return found
    return None


def _check_value(module, where: str, annotation: str, value, errors: list) -> None:
    """Dict keys against the TypedDict the annotation names, recursively (lists of dicts too)."""
    if isinstance(value, ast.List):
        for item in value.elts:
            _check_value(module, where, annotation, item, errors)
        return
    if not isinstance(value, ast.Dict):
        return
    typed = _typed_dict(module, annotation)
    if typed is None:
        return  # a map (tags, environment variables) or an untyped value: any key
    fields = typing_hints(typed)
    for key, item in zip(value.keys, value.values):
        name = key.value if isinstance(key, ast.Constant) else None
        if name not in fields:
            errors.append(f"{where}: {typed.__name__} has no key {name!r}")
        else:
            _check_value(module, f"{where}.{name}", str(fields[name]), item, errors)


def typing_hints(typed) -> dict:
    hints: dict = {}
    for klass in reversed(typed.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    return hints


def _pulumi_aws_errors(rule_id: str, source: str) -> list:
    """What in ``source`` pulumi-aws 7 does not have: a resource or data source, a keyword argument, or a
    key of a dict argument's type."""
    import importlib
    import inspect
    import typing

    errors: list = []
    for node in ast.walk(ast.parse(source)):
        name = (_dotted(node.func) or "") if isinstance(node, ast.Call) else ""
        if not name.startswith("aws."):
            continue
        _, module_name, attr = name.split(".")
        module = importlib.import_module(f"pulumi_aws.{module_name}")
        target = getattr(module, attr, None)
        if target is None:
            errors.append(f"{rule_id}: pulumi_aws has no {name}")
            continue
        signature = inspect.signature(typing.get_overloads(target.__init__)[0] if inspect.isclass(target) else target)
        for kw in node.keywords:
            param = signature.parameters.get(kw.arg)
            if param is None:
                errors.append(f"{rule_id}: {name} has no argument {kw.arg!r}")
            else:
                _check_value(module, f"{rule_id}: {name}({kw.arg})", str(param.annotation), kw.value, errors)
    return errors


def test_every_python_fix_calls_pulumi_aws_with_arguments_it_has():
    """Each ``aws.<module>.<Resource>(...)`` or data-source call of a fix exists in pulumi-aws 7 with the
    keyword arguments the fix passes, and each dict it passes has keys of the argument's type - so the
    Python on a rule page runs, and its TypeScript (the same names in camelCase) names real inputs."""
    assert [e for rule in REGISTRY.values() for e in _pulumi_aws_errors(rule.id, rule.remediation)] == []


def test_the_pulumi_aws_check_sees_wrong_names():
    errors = _pulumi_aws_errors("t", """
aws.lambda_.Function("fn", ..., enviroment={"variables": {}})
aws.dynamodb.Table("t", point_in_time_recovery={"enable": True})
aws.wafv2.WebAcl("a", rules=[{"name": "r", "statment": {}}])
aws.s3.BucketAcl2("b")
aws.iam.get_policy_document(statement=[])
aws.lambda_.Function("ok", environment={"variables": {"ANY_NAME": "x"}})
""")
    assert errors == ["t: aws.lambda_.Function has no argument 'enviroment'",
                      "t: aws.dynamodb.Table(point_in_time_recovery): TablePointInTimeRecoveryArgsDict has no key 'enable'",
                      "t: aws.wafv2.WebAcl(rules): WebAclRuleArgsDict has no key 'statment'",
                      "t: pulumi_aws has no aws.s3.BucketAcl2",
                      "t: aws.iam.get_policy_document has no argument 'statement'"]


def test_typescript_fixes_name_nothing_only_python_has():
    """pulumi-aws's Python enum members (``aws.iam.ManagedPolicy.AWS_LAMBDA_BASIC_EXECUTION_ROLE``) do not exist in
    TypeScript, and ``lambda_`` is Python's module name: no TypeScript fix may carry either."""
    import json
    import re

    from policies.presentation import DATA

    with open(DATA, encoding="utf-8") as f:
        fixes = {rule: entry["typescript"] for rule, entry in json.load(f).items()}
    assert {r: t for r, t in fixes.items() if re.search(r"ManagedPolicy\.[A-Z0-9]+_[A-Z0-9_]+|\blambda_\.", t)} == {}


def test_a_component_fix_is_a_component_in_typescript():
    """A fix that is a component's own option (@pulumi/aws-apigateway's RestAPI routes) is constructed with
    ``new`` and its route fields in the args object's names."""
    from policies.presentation import fix_in

    ts = fix_in('apigateway.RestAPI("shop", routes=[{"path": "/orders", "method": "GET", "event_handler": handler, '
                '"authorizers": [authorizer]}])  # and the API\'s other routes', "typescript")
    assert ts.startswith('new apigateway.RestAPI("shop", {'), ts
    assert 'path: "/orders"' in ts and "eventHandler: handler" in ts and "authorizers: [authorizer]" in ts, ts
    assert ts.rstrip().endswith("// and the API's other routes"), ts
