"""Levels by profile, category and stack; stack config that may only tighten; exemptions; bad settings."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pulumi_aws as aws
import pytest

from conftest import ROOT, captured
from policies import load_rules
from policies.core import settings
from policies.engine import analyzer

load_rules()   # the settings schema names the pack's policies (alone, this module would see none)


def program():
    aws.cognito.UserPool("users", mfa_configuration="OFF")                      # cognito-mfa (medium)
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False)                        # sqs-encryption (medium)
    aws.iam.Role("open", assume_role_policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                            '"Principal":"*","Action":"sts:AssumeRole"}]}')  # critical
    aws.lambda_.FunctionUrl("url", function_name="fn", authorization_type="NONE")  # high
    aws.lambda_.FunctionUrl("hook", function_name="fn", authorization_type="NONE", opts=None)
    aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/r", runtime="python3.12",
                         handler="i.h", code=None, image_uri=None, package_type="Zip", s3_bucket="b", s3_key="k",
                         tags={"serverless-guard:exempt:lambda-in-vpc": "talks only to public APIs",
                               "serverless-guard:exempt:lambda-env-cmk": "old reason until 2020-01-01"},
                         environment={"variables": {"A": "b"}})


def run(tmp_path, settings_yaml: str | None = None, config=None, stack="dev", tags=None, stack_config=None):
    path = None
    if settings_yaml is not None:
        path = tmp_path / "settings.yaml"
        path.write_text(settings_yaml)
    with analyzer.PackProcess(stack=stack, project="payments", stack_config=stack_config,
                              settings=str(path) if path else None) as pack:
        pack.start(config or {}, tags or {})
        diags = pack.run(captured(program, "update").records)
    out = Findings()
    for d in diags:
        out[(d.policy, d.resource)] = d
    out.all = diags
    return out


class Findings(dict):
    all: list


def test_shipped_settings_default_profile(tmp_path):
    d = run(tmp_path)
    assert d[("iam-trust-public", "open")].level == "mandatory"
    assert d[("lambda-url-auth-none", "url")].level == "advisory"


def test_profile_change(tmp_path):
    d = run(tmp_path, "profile: strict\n")
    assert d[("lambda-url-auth-none", "url")].level == "mandatory"
    assert run(tmp_path, "profile: audit\n")[("iam-trust-public", "open")].level == "advisory"


def test_category_level(tmp_path):
    d = run(tmp_path, "categories: {SAS-7: mandatory}\n")
    assert d[("sqs-encryption", "jobs")].level == "mandatory"
    assert d[("cognito-mfa", "users")].level == "advisory"


def test_stack_override_by_name(tmp_path):
    assert run(tmp_path, stack="prod-eu")[("cognito-mfa", "users")].level == "mandatory"  # shipped: prod* strict
    assert run(tmp_path, stack="dev")[("cognito-mfa", "users")].level == "advisory"


def test_stack_override_by_tag(tmp_path):
    yaml = "stacks:\n  - match: {tags: {environment: sandbox}}\n    disable: [SAS-2]\n"
    d = run(tmp_path, yaml, tags={"environment": "sandbox"})
    assert not [k for k in d if k[0] == "lambda-url-auth-none"]
    d = run(tmp_path, yaml, tags={"environment": "prod"})
    assert ("lambda-url-auth-none", "url") in d


def test_stack_config_may_tighten(tmp_path):
    d = run(tmp_path, stack_config={"serverless-guard:categories": json.dumps({"SAS-2": "mandatory"})})
    assert d[("lambda-url-auth-none", "url")].level == "mandatory"
    assert ("serverless-guard-settings", "app-dev") not in d


def test_stack_config_may_not_loosen(tmp_path):
    d = run(tmp_path, stack_config={"serverless-guard:policies": json.dumps(
        {"iam-trust-public": {"enforcementLevel": "advisory"},
         "cognito-password-policy": {"minimumLength": 6}})})
    assert d[("iam-trust-public", "open")].level == "mandatory"
    notices = [v for v in d.all if v.policy == "serverless-guard-settings"]
    assert len(notices) == 2 and all(n.level == "advisory" for n in notices)
    assert any("lower 'iam-trust-public' from mandatory to advisory" in n.message for n in notices)
    assert any("'minimumLength'" in n.message and "loosens" in n.message for n in notices)


def test_loosening_allowed_by_settings(tmp_path):
    yaml = "stacks:\n  - match: {stack: dev}\n    allowLoosening: true\n"
    d = run(tmp_path, yaml, stack_config={"serverless-guard:policies": json.dumps(
        {"iam-trust-public": {"enforcementLevel": "advisory"}})})
    assert d[("iam-trust-public", "open")].level == "advisory"


def test_tag_exemption_with_reason_and_expired_exemption(tmp_path):
    d = run(tmp_path, "profile: strict\n")
    ex = d[("lambda-in-vpc", "fn")]
    assert ex.level == "advisory" and "Exempted: talks only to public APIs" in ex.message
    expired = d[("lambda-env-cmk", "fn")]
    assert "expired on 2020-01-01" in expired.message


def test_settings_exemption_by_name(tmp_path):
    yaml = ("profile: strict\nexemptions:\n  - policies: [lambda-url-auth-none]\n    resources: [hook]\n"
            "    reason: signed webhook\n    expires: 2999-01-01\n")
    d = run(tmp_path, yaml)
    assert d[("lambda-url-auth-none", "hook")].level == "advisory"
    assert "signed webhook" in d[("lambda-url-auth-none", "hook")].message
    assert d[("lambda-url-auth-none", "url")].level == "mandatory"
    # the exemption travels as data, exactly as given
    assert d[("lambda-url-auth-none", "hook")].exemption == {"reason": "signed webhook", "expires": "2999-01-01",
                                                             "source": "pack settings", "since": None}
    assert d[("lambda-url-auth-none", "url")].exemption is None


def test_platform_config_overrides_pack_settings(tmp_path):
    d = run(tmp_path, "profile: strict\n", config={"lambda-url-auth-none": "advisory", "cognito-mfa": "disabled"})
    assert d[("lambda-url-auth-none", "url")].level == "advisory"
    assert ("cognito-mfa", "users") not in d


BAD = [
    ("policies: {no-such-policy: {enforcementLevel: mandatory}}\n", "at 'policies'"),
    ("categories: {SAS-11: mandatory}\n", "at 'categories'"),
    ("severities: {high: loud}\n", "at 'severities.high'"),
    ("policies: {cognito-password-policy: {minimumLength: twelve}}\n", "at 'policies.cognito-password-policy.minimumLength'"),
    ("exemptions:\n  - {policies: [cognito-mfa], resources: [x], reason: why not, expires: 2027-13-45}\n",
     "at 'exemptions.0.expires'"),
    ("exemptions:\n  - {policies: [cognito-mfa], resources: ['bad pattern['], reason: because}\n",
     "at 'exemptions.0.resources.0'"),
    ("exemptions:\n  - {policies: ['*'], resources: [x], reason: because}\n", "'*' would silence every policy"),
    ("stacks:\n  - match: {tags: {env: prod}}\n    profile: strict\n", "cannot set profile"),
    ("profil: strict\n", "unknown key"),
    ("profile: [strict\n", "not valid YAML"),
]


@pytest.mark.parametrize("text,error", BAD)
def test_bad_settings_name_the_file_and_key(tmp_path, text, error):
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    with pytest.raises(settings.SettingsError) as exc:
        settings.compile_settings(settings.load_settings(str(path)), source=str(path))
    assert error in str(exc.value) and str(path) in str(exc.value)


def test_bad_settings_stop_the_pack_before_analysis(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("severities: {high: loud}\n")
    with pytest.raises(RuntimeError, match="severities.high"):
        analyzer.PackProcess(settings=str(path))


def test_bad_stack_config_is_an_error():
    with pytest.raises(settings.SettingsError, match="stack config"):
        settings.read_stack_config({"PULUMI_CONFIG": json.dumps({"serverless-guard:categories": "not json"})})
    with pytest.raises(settings.SettingsError, match="at 'categories.SAS-2'"):
        settings.read_stack_config({"PULUMI_CONFIG": json.dumps({"serverless-guard:categories": '{"SAS-2": "x"}'})})


def cli(*args):
    return subprocess.run([sys.executable, "-m", "policies", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_config_explain_and_export(tmp_path):
    r = cli("config", "explain", "--stack", "prod-1", "--project", "payments")
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == "stack organization/payments/prod-1; messages and fixes in python"
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("cognito-mfa "))
    assert "mandatory" in line and "stacks.0 profile strict" in line
    r = cli("config", "explain", "--tag", "environment=sandbox")
    assert "disabled (by stack tag)" in next(ln for ln in r.stdout.splitlines() if ln.startswith("lambda-in-vpc "))
    out = tmp_path / "config.json"
    assert cli("config", "export", "--profile", "audit", "--output", str(out)).returncode == 0
    exported = json.loads(out.read_text())
    assert exported["iam-trust-public"]["enforcementLevel"] == "advisory"
    # the export is a valid --policy-pack-config for the pack
    pack = analyzer.PackProcess()
    try:
        pack.start(exported)
    finally:
        pack.close()


@pytest.mark.parametrize("text,expected", [
    ("a: &x [1, 2]\nb: *x\n", "aliases (*name) are not allowed"),
    ("profile: default\nprofile: strict\n", "duplicate key 'profile'"),
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    (b"\xff\xfeprofile: x", "not UTF-8 text"),
])
def test_a_hostile_settings_file_is_one_line_error(tmp_path, text, expected):
    from policies.core import settings

    path = tmp_path / "serverless-guard.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(settings.SettingsError, match=re.escape(expected)) as err:
        settings.load_settings(str(path))
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_a_folder_as_settings_file_is_one_line_error(tmp_path):
    from policies.core import settings

    with pytest.raises(settings.SettingsError, match="is a folder"):
        settings.load_settings(str(tmp_path))


def test_an_exemption_date_is_split_in_linear_time():
    from policies.core import governance

    assert governance.split_until("webhook until 2027-01-31") == ("webhook", "2027-01-31")
    assert governance.split_until("until 2027-01-31") == ("", "2027-01-31")
    assert governance.split_until("kept until further notice") == ("kept until further notice", None)
    long = "x " * 50_000 + "until 2027-01-31"
    assert governance.split_until(long)[1] == "2027-01-31"


def test_a_typescript_organisation_reads_typescript_names_and_fixes(tmp_path):
    """``language: typescript``: messages keep the wire (TypeScript) argument names, and each policy's
    remediation steps, which Pulumi Cloud shows with a violation, are its fix in TypeScript."""
    python = run(tmp_path)
    ts = run(tmp_path, "language: typescript\n")
    assert "authorization_type" in python[("lambda-url-auth-none", "url")].message
    message = ts[("lambda-url-auth-none", "url")].message
    assert "authorizationType is NONE" in message and "authorization_type" not in message
    assert set(python) == set(ts)  # the same findings, only worded for the language
    with analyzer.PackProcess(settings=str(tmp_path / "settings.yaml")) as pack:
        pack.start()
        steps = {p.name: p.remediation_steps for p in pack.info.policies}
    assert steps["lambda-url-auth-none"].startswith('new aws.lambda.FunctionUrl("url", { functionName: fn.name')
    assert steps["dynamodb-pitr"] == 'new aws.dynamodb.Table("orders", { /* ... */ pointInTimeRecovery: { enabled: true } });'


def test_scan_hands_the_pack_the_stacks_own_config_as_the_engine_does(tmp_path):
    """``scan DIR --stack NAME`` gives the pack that stack's ``serverless-guard:*`` config, as ``pulumi preview``
    does: a stack owner's tightening shows in both."""
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    (prog / "__main__.py").write_text("import pulumi_aws as aws\naws.sqs.Queue('jobs', sqs_managed_sse_enabled=False)\n")
    (prog / "Pulumi.prod.yaml").write_text("config:\n  serverless-guard:categories: '{\"SAS-7\": \"mandatory\"}'\n")
    base = [sys.executable, "-m", "policies", "scan", str(prog), "--json", "-"]
    levels = {}
    for stack in ("dev", "prod"):
        r = subprocess.run([*base, "--stack", stack], cwd=ROOT, capture_output=True, text=True, timeout=300)
        levels[stack] = {f["policy"]: f["level"] for f in json.loads(r.stdout)["findings"]}
    assert levels["dev"]["sqs-encryption"] == "advisory" and levels["prod"]["sqs-encryption"] == "mandatory"
    (prog / "Pulumi.prod.yaml").write_text("config:\n  serverless-guard:profile:\n    secure: AAABAJ0=\n")
    r = subprocess.run([*base, "--stack", "prod"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "serverless-guard:profile is a secure value, which scan cannot decrypt" in r.stderr
