"""Every text a person or a tool reads is safe: no raw format or bidirectional character in the terminal,
SARIF or JUnit (JSON keeps exact values as data), no credential in anything echoed (exemption reasons,
stack config errors, a program's own error), and no internal error from input the reports handle."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata

import pytest

from conftest import ROOT
from policies.core import safety

AKIA = "AKIAQWERTYUIOPASDFGH"   # a credential-shaped value no test or example uses


def scan(*args, env=None, input_text=None):
    return subprocess.run([sys.executable, "-m", "policies", "scan", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": ROOT, **(env or {})},
                          errors="replace")


def write_program(folder, body: str) -> str:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "Pulumi.yaml"), "w") as f:
        f.write("name: app\nruntime: python\n")
    with open(os.path.join(folder, "__main__.py"), "w") as f:
        f.write(body)
    return str(folder)


def test_every_unicode_format_character_is_escaped():
    missed = [hex(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"
              and "\\" not in safety.printable(chr(c))]
    assert not missed, f"format characters this Python knows that safety._FORMAT lacks: {missed}"
    for ch in ("\u200b", "\u061c", "\ufeff", "\u202e", "\u2066", "\u00ad"):
        assert ch not in safety.printable(f"a{ch}b") and ch not in safety.visible(f"a{ch}b")
    assert safety.visible("line one\nline\ttwo") == "line one\nline\ttwo"


LOOKALIKES = '''
import pulumi_aws as aws
aws.lambda_.FunctionUrl("admin", function_name="fn", authorization_type="NONE")
aws.lambda_.FunctionUrl("admin\\u200b", function_name="fn", authorization_type="NONE")
aws.lambda_.FunctionUrl("\\u202egnp.exe", function_name="fn", authorization_type="NONE")
aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False,
              tags={"serverless-guard:exempt:sqs-encryption": "rotated key AKIAQWERTYUIOPASDFGH until 2999-01-01"})
'''


@pytest.fixture(scope="module")
def lookalike_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lookalikes")
    program = write_program(folder / "prog", LOOKALIKES)
    paths = {k: str(folder / f"out.{k}") for k in ("json", "sarif", "xml")}
    r = scan(program, "--json", paths["json"], "--sarif", paths["sarif"], "--junit", paths["xml"])
    assert r.returncode in (0, 1), r.stderr[-800:]
    texts = {k: open(p, encoding="utf-8").read() for k, p in paths.items()}
    texts["terminal"] = r.stdout + r.stderr
    return texts


@pytest.mark.parametrize("fmt", ["terminal", "sarif", "xml"])
def test_names_that_differ_by_an_invisible_character_never_look_the_same(lookalike_reports, fmt):
    text = lookalike_reports[fmt]
    if fmt == "sarif":   # what a code-scanning page shows: the SARIF's own strings
        results = json.loads(text)["runs"][0]["results"]
        text = "\n".join(loc["name"] + r["message"]["text"] for r in results for loc in r["locations"][0]["logicalLocations"])
    for ch in ("\u200b", "\u202e"):
        assert ch not in text
    assert "admin\\u200b" in text and "\\u202egnp.exe" in text


def test_json_keeps_the_exact_names_as_data(lookalike_reports):
    names = {f["resource"] for f in json.loads(lookalike_reports["json"])["findings"]}
    assert {"admin", "admin\u200b", "\u202egnp.exe"} <= names


@pytest.mark.parametrize("fmt", ["terminal", "json", "sarif", "xml"])
def test_a_credential_shaped_exemption_reason_is_never_shown(lookalike_reports, fmt):
    text = lookalike_reports[fmt]
    assert AKIA not in text
    if fmt in ("terminal", "json"):
        assert "the reason in tag serverless-guard:exempt:sqs-encryption looks like a credential and is not shown" \
            in text


def test_a_stack_config_error_never_shows_the_value(tmp_path):
    config = tmp_path / "Pulumi.dev.yaml"
    config.write_text(f"config:\n  serverless-guard:profile: {AKIA}\n"
                      f"  serverless-guard:policies: '{{\"{AKIA}\": {{\"enforcementLevel\": \"advisory\"}}}}'\n")
    r = scan(os.path.join(ROOT, "examples", "hardened-serverless-api"), "--stack-config", str(config))
    assert r.returncode == 2 and AKIA not in r.stderr + r.stdout, r.stderr
    assert "stack config (serverless-guard:*)" in r.stderr


@pytest.mark.parametrize("language", ["python", "typescript"])
def test_a_programs_own_error_text_never_shows_a_credential(tmp_path, language):
    if language == "python":
        program = write_program(tmp_path / "prog", f"raise RuntimeError('cannot log in with {AKIA}')\n")
        env = {}
    else:
        node_modules = os.path.join(ROOT, ".ci", "node_modules")
        if not shutil.which("node") or not os.path.isdir(os.path.join(node_modules, "@pulumi", "aws")):
            assert not os.environ.get("CI"), ".ci/run installs the Node.js packages; they are missing"
            pytest.skip("Node.js programs need .ci/node_modules")
        program = str(tmp_path / "prog")
        os.makedirs(program)
        with open(os.path.join(program, "Pulumi.yaml"), "w") as f:
            f.write("name: app\nruntime: nodejs\n")
        with open(os.path.join(program, "index.ts"), "w") as f:
            f.write(f'throw new Error("cannot log in with {AKIA}");\n')
        env = {"NODE_PATH": node_modules}
    r = scan(program, env=env)
    assert r.returncode == 2 and "cannot log in with" in r.stderr, r.stderr
    assert AKIA not in r.stderr + r.stdout and "[credential hidden]" in r.stderr


def test_a_nul_byte_in_a_source_position_is_no_internal_error(tmp_path):
    urn = "urn:pulumi:dev::app::aws:lambda/functionUrl:FunctionUrl::url"
    export = {"version": 3, "deployment": {"manifest": {}, "resources": [{
        "urn": urn, "type": "aws:lambda/functionUrl:FunctionUrl", "custom": True,
        "sourcePosition": "project:///__main__.py\x00/../etc#3",
        "inputs": {"functionName": "fn", "authorizationType": "NONE"},
        "outputs": {"functionName": "fn", "authorizationType": "NONE"}}]}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export))
    sarif = tmp_path / "out.sarif"
    r = scan(str(path), "--json", "-", "--sarif", str(sarif))
    assert "internal error" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)["findings"]
    assert [f["policy"] for f in found] == ["lambda-url-auth-none"]
    assert found[0]["location"]["line"] == 1   # the project file: a path that cannot be resolved is not placed


def test_a_huge_number_is_judged_not_raised(tmp_path):
    queue = "urn:pulumi:dev::app::aws:sqs/queue:Queue::jobs"
    fn = "urn:pulumi:dev::app::aws:lambda/function:Function::worker"
    export = {"version": 3, "deployment": {"manifest": {}, "resources": [
        {"urn": queue, "type": "aws:sqs/queue:Queue", "custom": True,
         "outputs": {"arn": "arn:aws:sqs:us-east-1:123456789012:jobs", "visibilityTimeoutSeconds": 1e300,
                     "name": "jobs"}},
        {"urn": fn, "type": "aws:lambda/function:Function", "custom": True,
         "outputs": {"arn": "arn:aws:lambda:us-east-1:123456789012:function:worker", "name": "worker",
                     "timeout": 1e308, "role": "arn:aws:iam::123456789012:role/r"}},
        {"urn": "urn:pulumi:dev::app::aws:lambda/eventSourceMapping:EventSourceMapping::m",
         "type": "aws:lambda/eventSourceMapping:EventSourceMapping", "custom": True,
         "dependencies": [queue, fn],
         "outputs": {"eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs", "functionName": "worker"}}]}}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export).replace("1e+300", "1" + "0" * 300))
    r = scan(str(path), "--json", "-", "--config", os.path.join(ROOT, "tests", "fixtures", "mandatory_url.json"))
    assert "internal error" not in r.stdout + r.stderr, (r.stdout + r.stderr)[-800:]
    assert r.returncode in (0, 1), r.stderr
    visibility = [f for f in json.loads(r.stdout)["findings"] if f["policy"] == "sqs-visibility-timeout"]
    assert visibility and "less than 6 x the 1e+308 s timeout" in visibility[0]["message"]


def test_a_previews_cant_run_notice_is_never_counted_as_a_finding(tmp_path):
    """A policy that could not run in preview found nothing: the summary counts no severity for it, and
    --fail-on does not fail on it."""
    program = write_program(tmp_path / "prog", '''
import json
import pulumi_aws as aws
role = aws.iam.Role("fn-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
bucket = aws.s3.Bucket("data")
aws.iam.RolePolicy("read", role=role.id, policy=bucket.arn.apply(lambda arn: json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": arn}]})))
''')
    r = scan(program, "--preview", "--json", "-", "--fail-on", "critical")
    doc = json.loads(r.stdout)
    notices = [f for f in doc["findings"] if f["notice"]]
    assert notices and all(f["message"].startswith("can't run policy") for f in notices)
    assert doc["summary"]["notices"] == len(notices)
    assert doc["summary"]["total"] == len(doc["findings"]) - len(notices)
    assert "critical" not in doc["summary"]["bySeverity"]
    assert r.returncode == 0, r.stderr
    text = scan(program, "--preview").stdout
    assert "can't-run notice(s): values unknown until deploy" in text and "critical" not in text.splitlines()[-1]
