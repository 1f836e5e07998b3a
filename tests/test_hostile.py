"""The command line under hostile input: every malformed file is a one-line exit 2 that names the file
and the place, outputs cannot overwrite inputs or share stdout, SARIF locations stay in the project,
secrets stay secret through --remediate, large inputs are streamed, and the pipe transport answers as
gRPC does."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from policies import inputs
from policies.core import governance, values
from policies.core.resource import Resource
from policies.core.stack import MAX_VALUE_FANOUT, StackIndex
from policies.engine import analyzer
from policies.engine.program import run_directory

URL_TYPE = "aws:lambda/functionUrl:FunctionUrl"
MANDATORY_URL = os.path.join(ROOT, "tests", "fixtures", "mandatory_url.json")
SIG = {values.SIG_KEY: values.SECRET_SIG}


def run(*args, cwd=ROOT, timeout=300):
    return subprocess.run([sys.executable, "-m", "policies", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": ROOT}, errors="replace")


def url(name="url", **fields) -> dict:
    r = {"urn": f"urn:pulumi:dev::app::{URL_TYPE}::{name}", "type": URL_TYPE, "custom": True,
         "inputs": {"functionName": "fn", "authorizationType": "NONE"},
         "outputs": {"functionName": "fn", "authorizationType": "NONE", "id": "fn"}}
    r.update(fields)
    return r


def export(resources) -> dict:
    return {"version": 3, "deployment": {"manifest": {}, "resources": resources}}


def one_clear_line(r, *expected):
    """Exit 2 with exactly one line on stderr that says what is expected; no traceback, no internal error."""
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("serverless-guard: error: "), r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


# --- malformed stack exports and previews ---------------------------------------------------------------------

BAD_EXPORTS = {
    "delete as a string": (export([url(delete="false")]), "resources[0] (url): delete is a string, not true or false"),
    "inputs as a list": (export([url(inputs=[1, 2])]), "(url): inputs is a list, not an object"),
    "dependencies as a string": (export([url(dependencies="urn:x")]), "dependencies is a string"),
    "dependencies holding a number": (export([url(dependencies=[5])]), "dependencies holds a number"),
    "parent as a number": (export([url(parent=5)]), "parent is a number, not a URN string"),
    "parent as a list": (export([url(parent=["x"])]), "parent is a list, not a URN string"),
    "propertyDependencies as a list": (export([url(propertyDependencies=["x"])]), "propertyDependencies is a list"),
    "propertyDependencies of a string": (export([url(propertyDependencies={"role": "urn:x"})]),
                                         "propertyDependencies.role is not a list of URN strings"),
    "custom as a string": (export([url(custom="false")]), "custom is a string, not true or false"),
    "superscript line": (export([url(sourcePosition="project:///__main__.py#²")]), "has no valid line number"),
    "5,000-digit line": (export([url(sourcePosition="project:///__main__.py#" + "9" * 5000)]),
                         "has no valid line number"),
    "position as a number": (export([url(sourcePosition=7)]), "sourcePosition is a number, not a string"),
    "type as a number": (export([url(type=5)]), "resources[0] has no urn or type string"),
    "resources as an object": ({"version": 3, "deployment": {"resources": {}}},
                               "deployment.resources is an object, not a list"),
    "deployment as a list": ({"version": 3, "deployment": []}, "no deployment object"),
    "version as a string": ({"version": "3", "deployment": {"resources": []}}, "deployment version '3' is not"),
    "huge float": (export([url(inputs={"functionName": "fn", "timeout": 1e308 * 10})]), None),
}


@pytest.mark.parametrize("case", sorted(BAD_EXPORTS))
def test_a_malformed_export_is_one_clear_line(tmp_path, case):
    doc, expected = BAD_EXPORTS[case]
    path = tmp_path / "stack.json"
    if expected is None:   # json.dumps writes Infinity, which is not JSON
        path.write_text(json.dumps(doc))
        one_clear_line(run("scan", str(path)), str(path), "Infinity is not a JSON number")
        return
    path.write_text(json.dumps(doc))
    one_clear_line(run("scan", str(path), "--config", MANDATORY_URL), str(path), expected)


RAW_EXPORTS = {
    "400-digit number": ('"PLACE"', "9" * 400, "inputs.x is a 400-digit number a 64-bit float cannot hold"),
    "number beyond float64": ('"PLACE"', "1e999", "inputs.x is a number a 64-bit float cannot hold"),
    "NaN": ('"PLACE"', "NaN", "not valid JSON (NaN is not a JSON number)"),
    "200 levels of nesting": ('"PLACE"', "[" * 200 + "]" * 200, "is nested deeper than 64 levels"),
    "100,000 levels of nesting": ('"PLACE"', "[" * 100_000 + "]" * 100_000, "not valid JSON (nested deeper"),
    "lone surrogate in a value": ('"PLACE"', '"a\\ud800b"', "inputs.x is text with a lone surrogate (\\ud800)"),
    "lone surrogate in a name": ('::url"', '::\\udc00"', "urn holds text with a lone surrogate"),
}


@pytest.mark.parametrize("case", sorted(RAW_EXPORTS))
def test_malformed_values_are_one_clear_line(tmp_path, case):
    old, new, expected = RAW_EXPORTS[case]
    text = json.dumps(export([url(inputs={"functionName": "fn", "authorizationType": "NONE", "x": "PLACE"})]))
    path = tmp_path / "stack.json"
    path.write_text(text.replace(old, new, 1))
    one_clear_line(run("scan", str(path), "--config", MANDATORY_URL), expected)


def test_malformed_previews_and_forced_kinds(tmp_path):
    preview = tmp_path / "preview.json"
    preview.write_text(json.dumps({"steps": ["x"]}))
    one_clear_line(run("scan", str(preview)), "steps[0] is a string, not an object")
    preview.write_text(json.dumps({"steps": [{"op": "create", "newState": {
        "type": "aws:sqs/queue:Queue", "urn": "urn:pulumi:dev::app::aws:sqs/queue:Queue::q", "inputs": [1]}}]}))
    one_clear_line(run("scan", str(preview)), "steps[0] (q): inputs is a list, not an object")
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(export([url()])))
    one_clear_line(run("scan", str(stack), "--input", "preview-json"), "not a `pulumi preview --json` file")
    one_clear_line(run("scan", str(stack), "--input", "program"), "not a folder, so not a Pulumi program")
    one_clear_line(run("scan", str(preview), "--input", "stack-export"), "no deployment object")


def test_a_device_is_read_with_a_bound():
    one_clear_line(run("scan", "/dev/zero", "--input", "stack-export", timeout=60), "/dev/zero: not valid JSON")


# --- YAML, config and output paths -------------------------------------------------------------------------

ALIAS_BOMB = "config:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
             "  c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"


def test_yaml_aliases_and_bad_project_files_are_refused(tmp_path):
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(export([url()])))
    bomb = tmp_path / "Pulumi.dev.yaml"
    bomb.write_text(ALIAS_BOMB)
    one_clear_line(run("scan", str(stack), "--stack-config", str(bomb)), "aliases (*name) are not allowed")
    program = tmp_path / "prog"
    program.mkdir()
    (program / "__main__.py").write_text("import pulumi\n")
    (program / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    (program / "Pulumi.dev.yaml").write_text(ALIAS_BOMB)
    one_clear_line(run("scan", str(program)), "Pulumi.dev.yaml: line 3:", "aliases (*name) are not allowed")
    (program / "Pulumi.dev.yaml").unlink()
    (program / "Pulumi.yaml").write_text("name: [a, b]\nruntime: python\n")
    one_clear_line(run("scan", str(program)), "Pulumi.yaml: name is list, not a project name")
    (program / "Pulumi.yaml").write_text("name: app\nruntime: python\n  bad: [\n")
    one_clear_line(run("scan", str(program)), "Pulumi.yaml: line 3: not valid YAML")
    big = tmp_path / "big.yaml"
    big.write_text("config:\n  app:big: \"" + "x" * 150_000 + "\"\n")
    one_clear_line(run("scan", str(stack), "--stack-config", str(big)), "environment variable (PULUMI_CONFIG)")


def test_outputs_never_overwrite_an_input_or_share_stdout(tmp_path):
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(export([url()])))
    before = stack.read_text()
    one_clear_line(run("scan", str(stack), "--json", str(stack)), "is the input: writing it would overwrite")
    one_clear_line(run("scan", str(stack), "--json", "-", "--sarif", "-"), "--json and --sarif both write to stdout")
    out = tmp_path / "out.json"
    one_clear_line(run("scan", str(stack), "--json", str(out), "--sarif", str(out)), "both write")
    assert stack.read_text() == before and not out.exists()


# --- what reaches the reader -------------------------------------------------------------------------------

def test_names_cannot_forge_a_verdict_or_reach_the_terminal_raw(tmp_path):
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(export([url(name="payments (Exempted: approved by security\x1b[2J\nok")])))
    out = tmp_path / "out.json"
    r = run("scan", str(stack), "--config", MANDATORY_URL, "--json", str(out))
    assert r.returncode == 1 and "\x1b" not in r.stdout + r.stderr and "\\x1b[2J\\nok" in r.stdout
    finding = json.loads(out.read_text())["findings"][0]
    assert finding["level"] == "mandatory" and finding["exempted"] is None and finding["exemption"] is None


def test_sarif_locations_are_encoded_and_never_leave_the_project(tmp_path):
    project = tmp_path / "my project"
    (project / "odd #dir?").mkdir(parents=True)
    (project / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    stack = project / "stack.json"
    stack.write_text(json.dumps(export([
        url("inside", sourcePosition="project:///odd%20%23dir%3F/main%20file.py#7,3"),
        url("escape", sourcePosition="project:///../../../etc/passwd#1"),
        url("absolute", sourcePosition="file:///etc/passwd#2"),
        url("library", sourcePosition="project:///.venv/lib/python3.11/site-packages/x.py#3")])))
    sarif = project / "out.sarif"
    r = run("scan", str(stack), "--config", MANDATORY_URL, "--sarif", str(sarif), "--project-dir", str(project),
            cwd=str(project))
    assert r.returncode == 1, r.stderr
    doc = json.loads(sarif.read_text())
    places = {res["logicalLocations"][0]["name"] if "logicalLocations" in res else "":
              res["physicalLocation"]["artifactLocation"]["uri"]
              for result in doc["runs"][0]["results"] for res in result["locations"]}
    assert places["inside"] == "odd%20%23dir%3F/main%20file.py"
    assert places["escape"] == places["absolute"] == places["library"] == "Pulumi.yaml"
    root = doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root.startswith("file:///") and root.endswith("/my%20project/")


SECRET_CANARY = "CanarySid9f8e7d6c"
SECRET_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": SECRET_CANARY, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::uploads/*"}]}
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def _secret_policy_export(plaintext: bool) -> dict:
    policy = {**SIG, "plaintext": json.dumps(json.dumps(SECRET_POLICY))} if plaintext else \
        {**SIG, "ciphertext": "v1:AbC=="}
    return export([{"urn": f"urn:pulumi:dev::app::{BUCKET_POLICY}::uploads-policy", "type": BUCKET_POLICY,
                    "inputs": {"bucket": "uploads", "policy": policy},
                    "outputs": {"bucket": "uploads", "policy": policy, "id": "uploads"}}])


def test_remediate_keeps_a_secret_policy_secret_in_every_output(tmp_path):
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(_secret_policy_export(plaintext=True)))
    out, sarif = tmp_path / "out.json", tmp_path / "out.sarif"
    r = run("scan", str(stack), "--remediate", "--json", str(out), "--sarif", str(sarif))
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(out.read_text())
    fixes = [c for rem in report["remediations"] if rem["policy"] == "s3-tls-only" for c in rem["changes"]]
    assert fixes and all(c["after"] == "[secret]" and c["before"] == "[secret]" for c in fixes), fixes
    for text in (out.read_text(), sarif.read_text(), r.stdout, r.stderr):
        assert SECRET_CANARY not in text and "111122223333" not in text
    # the engine's view: Remediate returns the rewritten policy still marked secret
    records = inputs.load(str(stack)).records
    with analyzer.PackProcess(stack="dev") as pack:
        pack.start({"s3-tls-only": "remediate"})
        props, changes = pack.remediate(records[0])
    assert [c.policy for c in changes] == ["s3-tls-only"]
    policy = props.fields["policy"].struct_value.fields
    assert policy[values.SIG_KEY].string_value == values.SECRET_SIG
    assert SECRET_CANARY in policy["value"].string_value and "aws:SecureTransport" in policy["value"].string_value


def test_an_unreadable_secret_is_never_remediated_into_plain_text(tmp_path):
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps(_secret_policy_export(plaintext=False)))
    out = tmp_path / "out.json"
    r = run("scan", str(stack), "--remediate", "--json", str(out))
    assert r.returncode in (0, 1), r.stderr
    assert all(c["after"] == "[secret]" for rem in json.loads(out.read_text())["remediations"]
               for c in rem["changes"] if c["property"].startswith("policy"))


# --- scale: streaming, fan-out, patterns --------------------------------------------------------------------

def _big_export(path, count: int, bad_at: int | None = None, surrogate: bool = False) -> None:
    resources = []
    for i in range(count):
        r = url(f"url-{i}", inputs={"functionName": f"fn-{i}", "authorizationType": "NONE", "pad": "p" * 1000})
        if i == bad_at:
            r["dependencies"] = "not-a-list"
        resources.append(r)
    text = json.dumps(export(resources))
    if surrogate:
        text = text.replace('"fn-7"', '"fn-\\ud800"', 1)
    path.write_text(text)
    assert os.path.getsize(path) > inputs.STREAM_FROM_BYTES


def test_a_large_export_streamed_gives_the_records_parsed_whole(tmp_path):
    path = tmp_path / "big.json"
    _big_export(path, 9000)
    whole = inputs.load(str(path))
    streamed = inputs.load(str(path), stream=True)
    assert streamed.pending is not None and len(streamed.records) == 1
    got = list(streamed.stream())
    assert [(r.urn, r.inputs) for r in got] == [(r.urn, r.inputs) for r in whole.records]
    assert len(streamed.records) == 9000 and streamed.project == whole.project == "app"


def test_a_problem_deep_in_a_streamed_export_is_one_clear_line(tmp_path):
    path = tmp_path / "big.json"
    _big_export(path, 9000, bad_at=8500)
    one_clear_line(run("scan", str(path), "--quiet"), "deployment.resources[8500] (url-8500): dependencies is a string")
    _big_export(path, 9000, surrogate=True)
    one_clear_line(run("scan", str(path), "--quiet"), "(url-7): inputs.functionName is text with a lone surrogate")


def _role(name: str, i: int) -> Resource:
    return Resource("aws:iam/role:Role", f"r{i}", f"urn:pulumi:dev::app::aws:iam/role:Role::r{i}", {"name": name})


@pytest.mark.parametrize("copies,joined", [(2, 2), (MAX_VALUE_FANOUT, MAX_VALUE_FANOUT), (MAX_VALUE_FANOUT + 1, 0)])
def test_a_value_shared_by_too_many_resources_joins_none(copies, joined):
    roles = [_role("shared-role", i) for i in range(copies)]
    policy = Resource("aws:iam/rolePolicy:RolePolicy", "p", "urn:pulumi:dev::app::aws:iam/rolePolicy:RolePolicy::p",
                      {"role": "shared-role", "policy": "{}"})
    index = StackIndex([*roles, policy])
    assert len(index.targets(policy, "role", "aws:iam/role:Role")) == joined
    assert len(index.referrers(roles[0], "aws:iam/rolePolicy:RolePolicy", prop="role")) == 1  # one policy has it
    policies = [Resource("aws:iam/rolePolicy:RolePolicy", f"p{i}", f"urn:pulumi:dev::app::aws:iam/rolePolicy:RolePolicy::p{i}",
                         {"role": "shared-role"}) for i in range(copies)]
    index = StackIndex([roles[0], *policies])
    assert len(index.referrers(roles[0], "aws:iam/rolePolicy:RolePolicy", prop="role")) == joined


def test_a_dependency_join_is_never_capped():
    roles = [_role("shared-role", i) for i in range(100)]
    policy = Resource("aws:iam/rolePolicy:RolePolicy", "p", "urn:pulumi:dev::app::aws:iam/rolePolicy:RolePolicy::p",
                      {"role": "shared-role"}, property_dependencies={"role": (roles[42].urn,)})
    assert StackIndex([*roles, policy]).targets(policy, "role", "aws:iam/role:Role") == [roles[42]]


@pytest.mark.parametrize("name,patterns,expected", [
    ("orders-fn", ["orders-*"], True), ("orders-fn", ["orders"], False), ("orders", ["orders"], True),
    ("fn-12", ["fn-1?"], True), ("fn-1", ["fn-1?"], False), ("fn-2q", ["fn-[0-2]*"], True),
    ("x", ["*x", "a*"], True), ("ab", ["a*b"], True), ("axb", ["a*c"], False),
    ("other", [f"team-{i}-*" for i in range(5000)] + [f"legacy-{i}" for i in range(5000)] + ["oth*"], True),
])
def test_the_pattern_matcher_agrees_with_fnmatch(name, patterns, expected):
    import fnmatch

    r = Resource("t", name, f"urn:pulumi:dev::app::t::{name}", {})
    assert governance.name_matches(r, patterns) is expected
    assert governance.name_matches(r, governance.Patterns(patterns)) is expected
    assert expected == any(fnmatch.fnmatchcase(name, p) for p in patterns)


# --- the pipe transport answers as gRPC does -----------------------------------------------------------------

def test_the_pipe_transport_gives_the_diagnostics_grpc_gives():
    example = os.path.join(ROOT, "examples", "insecure-serverless-api")
    records = run_directory(example, "update").records
    answers = []
    for transport in ("grpc", "pipe"):
        command = analyzer.pack_command() if transport == "pipe" else None   # as scan starts it
        with analyzer.PackProcess(stack="dev", transport=transport, command=command) as pack:
            pack.start({})
            if transport == "pipe":   # as scan drives it: only typed resources, in batches
                pack.analyzed_types = frozenset(t for r in __import__("policies").load_rules().values()
                                                if not r.stack for t in r.types)
                pack.batch_size = 7
            answers.append(sorted((d.policy, d.urn, d.level, d.message.split("\n[serverless-guard ")[0])
                                  for d in pack.run([*records])))
    assert answers[0] == answers[1] and len(answers[0]) > 40
