"""TypeScript programs scanned directly: run by their own ``@pulumi/pulumi`` under mocks served over gRPC,
as Pulumi's Node.js language host runs them; findings located at the user's own lines (never in
``node_modules``), fixes in TypeScript, a program's own error reported with its line."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

NODE_MODULES = os.path.join(ROOT, ".ci", "node_modules")
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "ts")
HAVE_NODE = shutil.which("node") is not None and os.path.isdir(os.path.join(NODE_MODULES, "@pulumi", "aws"))

if not HAVE_NODE:
    if os.environ.get("CI"):
        raise RuntimeError(".ci/run installs @pulumi/pulumi and @pulumi/aws into .ci/node_modules; they are missing")
    pytest.skip("Node.js programs need .ci/node_modules (run .ci/run once)", allow_module_level=True)


def scan(path, *args, env=None, timeout=240):
    run_env = {**os.environ, "NODE_PATH": NODE_MODULES, **(env or {})}
    return subprocess.run([sys.executable, "-m", "policies", "scan", path, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=run_env)


@pytest.fixture(scope="module", params=["update", "preview"])
def mixin_scan(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param) / "findings.json"
    sarif = out.with_suffix(".sarif")
    args = ["--json", str(out), "--sarif", str(sarif)] + (["--preview"] if request.param == "preview" else [])
    proc = scan(os.path.join(FIXTURES, "mixin_app"), *args)
    assert proc.returncode == 0, proc.stderr
    return request.param, json.loads(out.read_text()), json.loads(sarif.read_text()), proc


def _by(findings, policy, resource):
    found = [f for f in findings["findings"] if f["policy"] == policy and f["resource"] == resource]
    assert found, sorted((f["policy"], f["resource"]) for f in findings["findings"])
    return found[0]


def test_a_typescript_program_is_judged_at_its_own_lines(mixin_scan):
    mode, findings, sarif, _ = mixin_scan
    assert findings["input"]["kind"] == "program" and findings["input"]["mode"] == mode
    here = "tests/fixtures/ts/mixin_app/index.ts"
    secret = _by(findings, "lambda-env-secrets", "worker")
    assert secret["location"] == {"file": here, "line": 21}
    assert "'DB_PASSWORD' holds a secret value (marked secret by the program or its stack config)" in secret["message"]
    # resources @pulumi/aws creates inside bucket.onObjectCreated are placed at the user's call
    permission = _by(findings, "lambda-permission-service-no-source", "onUpload")
    assert permission["type"] == "aws:lambda/permission:Permission"
    assert permission["location"] == {"file": here, "line": 9}
    for f in findings["findings"]:
        assert f["location"]["file"] == here, f
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for run in sarif["runs"] for r in run["results"] for loc in r["locations"]}
    assert uris == {here}


def test_messages_and_fixes_speak_typescript(mixin_scan):
    _, findings, _, proc = mixin_scan
    xray = _by(findings, "lambda-xray", "worker")
    assert "tracingConfig.mode is unset" in xray["message"]
    assert xray["remediation"].startswith("new aws.lambda.Function(")
    assert "tracing_config" not in proc.stdout
    # keyword arguments in messages are written as the args object writes them
    table = _by(findings, "dynamodb-deletion-protection", "orders")
    assert table["message"].endswith("Set deletionProtectionEnabled: true."), table["message"]
    assert "=True" not in proc.stdout


def test_a_programs_own_error_is_named_with_its_line():
    proc = scan(os.path.join(FIXTURES, "broken"))
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("index.ts:6: Error: settings.region is required"), proc.stderr
    assert "internal error" not in proc.stderr


def test_a_program_without_its_node_modules_is_told_to_install_them(tmp_path):
    for name in ("Pulumi.yaml", "index.ts", "package.json"):
        shutil.copy(os.path.join(FIXTURES, "broken", name), tmp_path / name)
    proc = scan(str(tmp_path), env={"NODE_PATH": ""})
    assert proc.returncode == 2
    assert "has no node_modules/@pulumi/pulumi: run `npm install`" in proc.stderr, proc.stderr


def test_the_callback_functions_default_role_is_one_finding_in_its_apis_terms(mixin_scan):
    _, findings, _, _ = mixin_scan
    on_role = [(f["policy"], f["resource"]) for f in findings["findings"] if f["resource"].startswith("onUpload-")]
    assert on_role == []   # nine attachments, none reported on its own
    over = _by(findings, "lambda-role-overprivileged", "onUpload")
    assert "the default role aws.lambda.CallbackFunction creates when it is given neither `role` nor `policies`" \
        in over["message"]
    assert "AWSLambda_FullAccess" in over["message"] and "Pass `policies`" in over["message"]
    assert over["location"]["line"] == 9
    # the fix is the component's own option, in the program's language
    assert over["remediation"].startswith('new aws.lambda.CallbackFunction("onUpload", {'), over["remediation"]
    assert '"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"' in over["remediation"]
    assert "onUploadAccess.arn" in over["remediation"] and "aws.iam.Role(" not in over["remediation"]
    # the role's S3 access is on every bucket: not evidence the handler writes back to its trigger
    assert not [f for f in findings["findings"] if f["policy"] == "s3-lambda-recursive-loop"]


def test_with_the_role_finding_disabled_the_attachments_report(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"lambda-role-overprivileged": "disabled"}))
    out = tmp_path / "findings.json"
    proc = scan(os.path.join(FIXTURES, "mixin_app"), "--config", str(config), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    found = {(f["policy"], f["resource"]) for f in json.loads(out.read_text())["findings"]}
    assert ("iam-privesc-actions", "onUpload-b5aeb6b6") in found
    assert ("iam-wildcard-service-action", "onUpload-4aaabb8e") in found   # AmazonS3FullAccess


def test_a_value_the_program_marked_secret_never_reaches_an_output(mixin_scan):
    _, findings, sarif, proc = mixin_scan
    vault = _by(findings, "lambda-env-secrets", "vault")
    assert "'API_TOKEN' holds a secret value (marked secret by the program or its stack config)" in vault["message"]
    for text in (json.dumps(findings), json.dumps(sarif), proc.stdout, proc.stderr):
        assert "sgcanary" not in text


REFERENCES_TS = """
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
const org = pulumi.getOrganization();
const ref = new pulumi.StackReference(`${org}/network/prod`);
const creds = aws.ecr.getCredentialsOutput({ registryId: "123456789012" });
const user = creds.authorizationToken.apply(t => Buffer.from(t, "base64").toString().split(":")[0]);
new aws.sqs.Queue("q", { tags: { org, user, vpc: ref.getOutput("vpcId").apply(v => (v as string).toUpperCase()) } });
"""


def test_what_pulumi_preview_gives_a_typescript_program_scan_gives_it(tmp_path):
    """getOrganization() from --org, a StackReference's outputs from --stack-outputs (else unknown, never
    undefined), an ECR token that decodes to user:password: each failed under plain mocks."""
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: refs\nruntime: nodejs\n")
    (prog / "index.ts").write_text(REFERENCES_TS)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"acme/network/prod": {"vpcId": "vpc-0abc"}}))
    for extra in ([], ["--stack-outputs", str(outputs)]):
        out = tmp_path / "out.json"
        r = scan(str(prog), "--org", "acme", "--json", str(out), *extra)
        assert r.returncode == 0, r.stderr
        assert json.loads(out.read_text())["input"]["resources"] >= 1
    from policies.engine.program import run_directory

    env = dict(os.environ)
    os.environ["NODE_PATH"] = NODE_MODULES
    os.environ["SERVERLESS_GUARD_STACK_OUTPUTS"] = str(outputs)
    try:
        tags = [r.inputs["tags"] for r in run_directory(str(prog), organization="acme").records
                if r.type == "aws:sqs/queue:Queue"][0]
    finally:
        os.environ.clear()
        os.environ.update(env)
    assert tags == {"org": "acme", "user": "AWS", "vpc": "VPC-0ABC"}


def test_a_resource_made_in_an_apply_callback_is_located_at_its_line(tmp_path):
    """V8 writes an anonymous callback's frame without a name, which the SDK's frame pattern did not read: a
    resource made inside `output.apply(id => new ...)` had no position and was located at Pulumi.yaml line 1.
    It is located at the line that makes it, in SARIF too."""
    (tmp_path / "Pulumi.yaml").write_text("name: in-apply\nruntime: nodejs\n")
    (tmp_path / "package.json").write_text('{"name": "in-apply", "main": "index.ts"}\n')
    (tmp_path / "index.ts").write_text(
        'import * as aws from "@pulumi/aws";\n\n'
        'const bucket = new aws.s3.Bucket("data");\n\n'
        "bucket.id.apply(id => {\n"
        '    return new aws.sqs.Queue("jobs", { sqsManagedSseEnabled: false });\n'
        "});\n"
        'bucket.arn.apply(function named(arn) { return new aws.sns.Topic("alerts"); });\n')
    out, sarif = tmp_path / "f.json", tmp_path / "f.sarif"
    proc = scan(str(tmp_path), "--json", str(out), "--sarif", str(sarif))
    assert proc.returncode in (0, 1), proc.stderr
    where = {f["resource"]: f["location"] for f in json.loads(out.read_text())["findings"]}
    assert where["jobs"] == {"file": "index.ts", "line": 6}, where
    assert where["alerts"] == {"file": "index.ts", "line": 8}, where
    assert where["data"] == {"file": "index.ts", "line": 3}, where
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    lines = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] + ":" +
             str(r["locations"][0]["physicalLocation"]["region"]["startLine"])
             for r in results if "jobs" in r["message"]["text"]}
    assert lines == {"index.ts:6"}, lines
