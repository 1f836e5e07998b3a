"""scan's inputs and outputs: stack exports and preview JSON written from real programs, the JSON
schema, SARIF for code scanning, JUnit, exit codes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT
from policies.core import values
from policies.engine import analyzer
from policies.engine.program import run_directory

EXAMPLE = os.path.join(ROOT, "examples", "insecure-serverless-api")
SECRET_TEXT = "s3cr3t-Passw0rd!"   # a Pulumi secret in the insecure example
SIG = {values.SIG_KEY: values.SECRET_SIG}


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "policies", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": ROOT})


def _export_secrets(value, plaintext: bool):
    """The engine's secret form -> a stack export's: ciphertext, or plaintext JSON text (--show-secrets)."""
    if isinstance(value, dict):
        if value.get(values.SIG_KEY) == values.SECRET_SIG:
            return {**SIG, "plaintext": json.dumps(value.get("value"))} if plaintext else {**SIG, "ciphertext": "v1:AbC=="}
        return {k: _export_secrets(v, plaintext) for k, v in value.items()}
    if isinstance(value, list):
        return [_export_secrets(v, plaintext) for v in value]
    return value


def _preview_secrets(value):
    if isinstance(value, dict):
        if value.get(values.SIG_KEY) == values.SECRET_SIG:
            return "[secret]"
        return {k: _preview_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_preview_secrets(v) for v in value]
    return value


def _position(rec, program=EXAMPLE) -> str:
    if not rec.source_file.startswith(program):
        return ""
    return f"project:///{os.path.relpath(rec.source_file, program)}#{rec.source_line},5"


def write_export(path, plaintext: bool, program: str = EXAMPLE) -> None:
    """A `pulumi stack export` (deployment version 3) of a program, as apitype.ResourceV3."""
    cap = run_directory(program, "update")
    resources = [{"urn": "urn:pulumi:dev::insecure-serverless-api::pulumi:providers:aws::default_7_51_1",
                  "custom": True, "id": "p", "type": "pulumi:providers:aws", "inputs": {}, "outputs": {}}]
    for r in cap.records:
        resources.append({
            "urn": r.urn, "custom": r.custom, "id": r.outputs.get("id", ""), "type": r.type,
            "inputs": _export_secrets(r.inputs, plaintext), "outputs": _export_secrets(r.outputs, plaintext),
            "parent": r.parent, "dependencies": r.dependencies, "propertyDependencies": r.property_dependencies,
            "sourcePosition": _position(r, program)})
    # a resource pending deletion is not judged
    resources.append({"urn": "urn:pulumi:dev::insecure-serverless-api::aws:lambda/functionUrl:FunctionUrl::gone",
                      "custom": True, "delete": True, "type": "aws:lambda/functionUrl:FunctionUrl",
                      "inputs": {"authorizationType": "NONE", "functionName": "x"}, "outputs": {}})
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {"time": "2026-11-29T00:00:00Z",
                                                                          "magic": "", "version": "v3.200.0"},
                                                             "resources": resources}}))


def write_preview(path, program: str = EXAMPLE) -> None:
    """A `pulumi preview --json` of a program (display.PreviewDigest)."""
    cap = run_directory(program, "preview")
    steps = [{"op": "create", "urn": r.urn, "provider": "", "newState": {
        "urn": r.urn, "custom": r.custom, "type": r.type, "inputs": _preview_secrets(r.inputs), "parent": r.parent,
        "dependencies": r.dependencies, "propertyDependencies": r.property_dependencies,
        "sourcePosition": _position(r, program)}} for r in cap.records]
    steps.append({"op": "delete", "urn": "urn:pulumi:dev::x::aws:lambda/functionUrl:FunctionUrl::gone",
                  "oldState": {"type": "aws:lambda/functionUrl:FunctionUrl", "inputs": {"authorizationType": "NONE"}}})
    path.write_text(json.dumps({"config": {}, "steps": steps, "changeSummary": {"create": len(steps) - 1}}))


def _violations(out) -> set:
    return {(f["policy"], f["resource"], f["level"]) for f in json.loads(out.read_text())["findings"]}


@pytest.fixture(scope="module")
def program_findings(tmp_path_factory):
    out = tmp_path_factory.mktemp("p") / "program.json"
    assert run("scan", "examples/insecure-serverless-api", "--json", str(out)).returncode == 1
    return _violations(out)


@pytest.mark.parametrize("plaintext", [True, False], ids=["show-secrets", "ciphertext"])
def test_a_stack_export_gets_the_verdicts_of_its_program(tmp_path, program_findings, plaintext):
    state = tmp_path / "state.json"
    write_export(state, plaintext)
    out = tmp_path / "out.json"
    r = run("scan", str(state), "--json", str(out), "--project-dir", "examples/insecure-serverless-api")
    assert r.returncode == 1, r.stderr
    found = _violations(out)
    data = json.loads(out.read_text())
    assert data["input"]["kind"] == "stack-export" and not any(f[1] == "gone" for f in found)
    assert SECRET_TEXT not in out.read_text() and SECRET_TEXT not in r.stdout
    if plaintext:
        assert found == program_findings
    else:
        # a ciphertext secret is a secret whose value is unknown: it never adds a finding
        assert found <= program_findings
        assert program_findings - found <= {("lambda-env-secrets", "orders", "advisory")}


def test_a_preview_json_gets_no_violation_the_update_lacks(tmp_path, program_findings):
    plan = tmp_path / "plan.json"
    write_preview(plan)
    out = tmp_path / "out.json"
    r = run("scan", str(plan), "--json", str(out))
    assert r.returncode == 1, r.stderr
    data = json.loads(out.read_text())
    assert data["input"] == {"path": str(plan), "kind": "preview-json", "mode": "preview",
                             "resources": data["input"]["resources"]}
    violations = {(f["policy"], f["resource"]) for f in data["findings"] if "can't run policy" not in f["message"]}
    assert violations and violations <= {(p, res) for p, res, _ in program_findings}
    assert SECRET_TEXT not in out.read_text()


def test_json_output_follows_its_schema(tmp_path):
    import jsonschema

    out = tmp_path / "out.json"
    run("scan", "examples/insecure-serverless-api", "--json", str(out))
    with open(os.path.join(ROOT, "policies", "schemas", "findings.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    data = json.loads(out.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    f = next(x for x in data["findings"] if x["policy"] == "iam-trust-public")
    assert f["location"] == {"file": "examples/insecure-serverless-api/__main__.py", "line": 10}
    assert f["remediation"] and f["level"] == "mandatory" and f["exempted"] is None


def test_sarif_points_every_result_at_the_line_that_constructs_it(tmp_path):
    out = tmp_path / "out.sarif"
    r = run("scan", "examples/insecure-serverless-api", "--sarif", str(out), "--quiet")
    assert r.returncode == 1
    sarif = json.loads(out.read_text())
    run_ = sarif["runs"][0]
    rules = {rule["id"]: rule for rule in run_["tool"]["driver"]["rules"]}
    with open(os.path.join(EXAMPLE, "__main__.py"), encoding="utf-8") as f:
        source = f.read().splitlines()
    assert run_["results"]
    for res in run_["results"]:
        loc = res["locations"][0]
        phys = loc["physicalLocation"]
        name = loc["logicalLocations"][0]["name"]
        assert res["ruleId"] in rules and res["partialFingerprints"]
        if name == "(stack)" or phys["artifactLocation"]["uri"].endswith("Pulumi.yaml"):
            assert phys["region"]["startLine"] == 1
            continue
        assert phys["artifactLocation"]["uri"] == "examples/insecure-serverless-api/__main__.py"
        line = source[phys["region"]["startLine"] - 1]
        assert f'"{name}"' in line, (name, line)
    rule = rules["iam-trust-public"]
    assert rule["properties"]["security-severity"] == "9.5" and "SAS-2" in rule["properties"]["tags"]
    assert rule["help"]["markdown"] and rule["defaultConfiguration"]["level"] == "error"


MULTITOOL = os.path.join(ROOT, ".ci", "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")


@pytest.mark.skipif(not os.path.exists(MULTITOOL) and os.environ.get("CI") != "true",
                    reason="the SARIF Multitool is installed by .ci/run (npm); CI always runs this")
def test_sarif_passes_the_sarif_multitool_github_rules(tmp_path):
    out = tmp_path / "out.sarif"
    run("scan", "examples/insecure-serverless-api", "--sarif", str(out), "--quiet")
    log = tmp_path / "validation.sarif"
    r = subprocess.run([MULTITOOL, "validate", "--rule-kind", "Gh;Sarif", "-o", str(log), str(out)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    results = json.loads(log.read_text())["runs"][0].get("results", [])
    assert not [x for x in results if x.get("level") in ("error", "warning")], results[:3]


def test_junit_has_a_case_per_policy_and_resource(tmp_path):
    out = tmp_path / "out.xml"
    run("scan", "examples/insecure-serverless-api", "--junit", str(out), "--quiet")
    suite = ET.parse(out).getroot().find("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("tests")) == len(cases) > len(failed) > 0
    assert any(c.get("classname") == "iam-trust-public" and c.get("name") == "shared-role" for c in failed)


def test_outputs_to_stdout(tmp_path):
    r = run("scan", "examples/insecure-serverless-api", "--json", "-")
    assert r.returncode == 1 and json.loads(r.stdout)["summary"]["byLevel"]["mandatory"] >= 1


def test_fail_on_severity(tmp_path):
    r = run("scan", "examples/hardened-serverless-api", "--fail-on", "info", "--preview", "--quiet")
    assert r.returncode == 1  # preview leaves a few "can't decide" notices
    r = run("scan", "examples/hardened-serverless-api", "--fail-on", "critical", "--quiet")
    assert r.returncode == 0


def test_scan_runs_from_another_folder(tmp_path):
    r = run("scan", EXAMPLE, "--quiet", cwd=tmp_path)
    assert r.returncode == 1 and "mandatory" in r.stdout


def test_a_program_with_data_sources_and_stack_config(tmp_path):
    shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "datasource_app"), tmp_path / "app")
    out = tmp_path / "out.json"
    r = run("scan", str(tmp_path / "app"), "--json", str(out))
    assert r.returncode == 1, r.stderr
    found = {(f["policy"], f["resource"]) for f in json.loads(out.read_text())["findings"]}
    assert ("s3-policy-public", "site") in found
    assert "hunter2-from-config" not in out.read_text() + r.stdout
    r = run("scan", str(tmp_path / "app"), "--preview", "--quiet")
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr


@pytest.mark.parametrize("args,expected", [
    (["scan", "no/such/path"], "no such file or folder"),
    (["scan", "README.md"], "not valid JSON"),
    (["scan", "pytest.ini", "--input", "stack-export"], "not valid JSON"),
    (["scan", "examples/hardened-serverless-api", "--tag", "novalue"], "--tag expects KEY=VALUE"),
    (["scan", "examples/hardened-serverless-api", "--json", "/no/such/dir/f.json"], "does not exist"),
    (["scan", "examples/hardened-serverless-api", "--stack-config", "/no/such.yaml"], "does not exist"),
    (["config", "export", "--output", "/no/such/dir/c.json"], "does not exist"),
])
def test_bad_input_exits_2_with_one_line(args, expected):
    r = run(*args)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("content,expected", [
    ("[1, 2]", "must hold a JSON object"),
    ('{"cognito-password-policy": {"minimumLenght": 14}}', "has no setting 'minimumLenght'"),
])
def test_bad_policy_config_exits_2(tmp_path, content, expected):
    cfg = tmp_path / "c.json"
    cfg.write_text(content)
    r = run("scan", "examples/hardened-serverless-api", "--config", str(cfg))
    assert r.returncode == 2 and expected in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_scan_remediate_shows_each_change_and_the_program_fix(tmp_path):
    import jsonschema

    out, sarif = tmp_path / "out.json", tmp_path / "out.sarif"
    r = run("scan", "examples/insecure-serverless-api", "--remediate", "--json", str(out), "--sarif", str(sarif))
    assert r.returncode == 1, r.stderr   # the mandatory findings that have no safe fix remain
    assert "Remediations" in r.stdout and "+ enable_key_rotation = true" in r.stdout
    assert "in the program: aws.kms.Key(" in r.stdout
    data = json.loads(out.read_text())
    with open(os.path.join(ROOT, "policies", "schemas", "findings.schema.json"), encoding="utf-8") as f:
        jsonschema.Draft202012Validator(json.load(f)).validate(data)
    fixed = {(x["policy"], x["resource"]): x for x in data["remediations"]}
    assert fixed[("kms-rotation", "data")]["changes"] == [{"property": "enable_key_rotation", "before": None,
                                                          "after": True}]
    assert fixed[("sqs-encryption", "jobs")]["location"]["file"] == "examples/insecure-serverless-api/__main__.py"
    # what was remediated is no longer a finding
    assert not [f for f in data["findings"] if (f["policy"], f["resource"]) in fixed]
    notes = [x for x in json.loads(sarif.read_text())["runs"][0]["results"] if x.get("kind") == "informational"]
    assert len(notes) == len(fixed) and all("remediated at the remediate level" in n["message"]["text"] for n in notes)
    assert SECRET_TEXT not in out.read_text() + r.stdout


def test_scan_remediate_on_the_hardened_example_changes_nothing():
    r = run("scan", "examples/hardened-serverless-api", "--remediate")
    assert r.returncode == 0 and "Remediations" not in r.stdout and "no findings" in r.stdout


CORPUS = os.path.join(ROOT, "tests", "corpus")


def _verdicts(loaded, settings_file) -> set:
    with analyzer.PackProcess(dry_run=loaded.mode == "preview",
                              settings=settings_file if os.path.isfile(settings_file) else None) as pack:
        pack.start()
        diags = pack.run(loaded.records)
    return {(d.policy, d.resource, d.level) for d in diags if "can't run policy" not in d.message}


@pytest.mark.parametrize("app", sorted(os.listdir(CORPUS)))
def test_every_corpus_program_gets_the_same_verdicts_from_its_export_and_preview(tmp_path, app):
    """A verdict on an export equals the verdict through the engine path (plaintext secrets); a
    ciphertext secret never adds a finding; a preview JSON adds no violation the update lacks."""
    from policies import inputs

    program = os.path.join(CORPUS, app)
    settings_file = os.path.join(program, "serverless-guard.yaml")
    direct = _verdicts(inputs.load(program), settings_file)
    for plaintext in (True, False):
        state = tmp_path / f"state-{plaintext}.json"
        write_export(state, plaintext, program)
        loaded = inputs.load(str(state), base_dir=program)
        assert loaded.kind == "stack-export"
        found = _verdicts(loaded, settings_file)
        assert found == direct if plaintext else found <= direct, (app, plaintext, found ^ direct)
    plan = tmp_path / "plan.json"
    write_preview(plan, program)
    preview = _verdicts(inputs.load(str(plan)), settings_file)
    assert {(p, r) for p, r, _ in preview} <= {(p, r) for p, r, _ in direct}, (app, preview - direct)
