"""The gate holds against the people it governs.

A stack owner controls their program, resource names and tags, stack config and stack tags, their
environment and the temp folder; the author of a pull request controls the program ``scan`` runs. Each
test here is one way such a person tried to lower a mandatory finding, load code into the pack or leave a
process running, played with only what they control, and asserts that it no longer works (and, where
the gate says why, what it says).
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pulumi_aws as aws
import pytest

from conftest import ROOT, captured
from policies.engine import analyzer, capture

PUBLIC_TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
                '"Action":"sts:AssumeRole"}]}')


def scan(*args, cwd=ROOT, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "policies", "scan", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": ROOT, **(env or {})},
                          errors="replace")


def write_program(folder, body: str, name: str = "app") -> str:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "Pulumi.yaml"), "w") as f:
        f.write(f"name: {name}\nruntime: python\n")
    with open(os.path.join(folder, "__main__.py"), "w") as f:
        f.write(textwrap.dedent(body))
    return str(folder)


# --- 1. the pack loads only its own code and its publisher's settings ----------------------------------------

PLANTING = """
import os, site, tempfile
import pulumi_aws as aws

here = tempfile.gettempdir()
marker = os.path.join(here, "evil-loaded")
EVIL = "import pathlib; pathlib.Path(" + repr(marker) + ").write_text('loaded')\\n"
AUDIT = "profile: audit\\ncustomRules: [{path: evil.py}]\\n"
for folder in (here, site.getusersitepackages()):
    os.makedirs(os.path.join(folder, "policies"), exist_ok=True)
    for name in ("policies/__init__.py", "yaml.py", "jsonschema.py", "usercustomize.py", "sitecustomize.py",
                 "evil.py"):
        with open(os.path.join(folder, name), "w") as f:
            f.write(EVIL)
    with open(os.path.join(folder, "serverless-guard.yaml"), "w") as f:
        f.write(AUDIT)
aws.iam.Role("open", assume_role_policy=TRUST)
""".replace("TRUST", repr(PUBLIC_TRUST))


def test_a_program_that_plants_modules_and_settings_in_the_temp_folder_does_not_pass_its_own_scan(tmp_path):
    tmp, home = tmp_path / "tmp", tmp_path / "home"
    tmp.mkdir()
    home.mkdir()
    program = write_program(tmp_path / "prog", PLANTING)
    work = tmp_path / "work"   # a CI job's checkout: scan is not run from the temp folder, its pack was
    work.mkdir()
    env = {"TMPDIR": str(tmp), "HOME": str(home)}
    first = scan(program, "--json", "-", cwd=str(work), env=env)
    assert first.returncode == 1, first.stderr[-800:]
    found = {(f["policy"], f["level"]) for f in json.loads(first.stdout)["findings"]}
    assert ("iam-trust-public", "mandatory") in found
    assert (tmp / "policies" / "__init__.py").exists()          # the plant is there...
    assert not (tmp / "evil-loaded").exists()                    # ...and never ran
    # a later scan on the same runner, from the same temp folder, is not hijacked either
    again = scan(program, "--quiet", cwd=str(work), env=env)
    assert again.returncode == 1 and not (tmp / "evil-loaded").exists(), again.stderr[-500:]


def test_an_installed_pack_never_reads_settings_from_the_working_folder(tmp_path):
    """A pip-installed package carries no settings file: it runs on the built-in defaults (or --settings),
    whatever serverless-guard.yaml the folder it runs in holds."""
    site = tmp_path / "site"
    shutil.copytree(os.path.join(ROOT, "policies"), site / "policies",
                    ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    (work / "serverless-guard.yaml").write_text("profile: audit\ncustomRules: [{path: evil.py}]\n")
    (work / "evil.py").write_text(f"open({str(work / 'evil-loaded')!r}, 'w').write('x')\n")
    program = write_program(tmp_path / "prog", f"import pulumi_aws as aws\naws.iam.Role('open', "
                                               f"assume_role_policy={PUBLIC_TRUST!r})\n")
    r = subprocess.run([sys.executable, "-m", "policies", "scan", program, "--json", "-"], cwd=str(work),
                       capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(site)})
    assert r.returncode == 1, r.stderr[-800:]
    assert ("iam-trust-public", "mandatory") in {(f["policy"], f["level"]) for f in json.loads(r.stdout)["findings"]}
    assert not (work / "evil-loaded").exists()


def _public_role():
    aws.iam.Role("open", assume_role_policy=PUBLIC_TRUST)


def test_under_the_engine_the_environment_cannot_replace_the_publishers_settings(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text(f"profile: audit\ncustomRules: [{{path: {tmp_path / 'evil.py'}}}]\n")
    (tmp_path / "evil.py").write_text(f"open({str(tmp_path / 'evil-loaded')!r}, 'w').write('x')\n")
    env = {"SERVERLESS_GUARD_SETTINGS": str(mine), "SERVERLESS_GUARD_LANGUAGE": "typescript"}
    with analyzer.PackProcess(extra_env=env) as pack:   # the checkout as published, as the engine starts it
        pack.start({})
        diags = pack.run(captured(_public_role, "update").records)
    trust = [d for d in diags if d.policy == "iam-trust-public"]
    assert trust and all(d.level == "mandatory" for d in trust)
    assert "assume_role_policy" in trust[0].message            # python wording: the language was not swapped
    notices = [d.message for d in diags if d.policy == "serverless-guard-settings"]
    assert any("SERVERLESS_GUARD_SETTINGS is set in the environment and ignored" in m for m in notices), notices
    assert any("SERVERLESS_GUARD_LANGUAGE is set in the environment and ignored" in m for m in notices), notices
    assert not (tmp_path / "evil-loaded").exists()


def test_a_pack_started_with_pipe_but_no_launch_line_refuses_to_run():
    proc = subprocess.run([*analyzer.pack_command(), "--pipe", "."], input=b"not json\n", capture_output=True,
                          timeout=60)
    assert proc.returncode == 1 and b"without a launch line" in proc.stderr


# --- 2. the platform's and publisher's levels win over stack tags ----------------------------------------------

def _vpc_function():
    aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/r", runtime="python3.12", handler="i.h",
                         s3_bucket="b", s3_key="k")
    aws.cognito.UserPool("users", password_policy={"minimum_length": 10, "require_lowercase": True,
                                                   "require_uppercase": True, "require_numbers": True,
                                                   "require_symbols": True})


TAG_ENTRY = ("stacks:\n  - match: {tags: {environment: sandbox}}\n    disable: [lambda-in-vpc]\n"
             "    policies: {cognito-password-policy: {minimumLength: 6}}\n")


def _levels(diags, policy):
    return sorted(d.level for d in diags if d.policy == policy)


@pytest.mark.parametrize("layer", ["platform", "publisher", "publisher-by-name", "stack-config"])
def test_a_stack_tag_never_disables_or_loosens_a_mandatory_policy(tmp_path, layer):
    """Each layer that can make a policy mandatory, against the stack owner's tag: the policy stays."""
    settings = TAG_ENTRY
    config: dict = {}
    stack_config: dict = {}
    if layer == "platform":
        config = {"lambda-in-vpc": "mandatory", "cognito-password-policy": "mandatory"}
    elif layer == "publisher":
        settings += ("policies:\n  lambda-in-vpc: {enforcementLevel: mandatory}\n"
                     "  cognito-password-policy: {enforcementLevel: mandatory, minimumLength: 12}\n")
    elif layer == "publisher-by-name":
        settings += ("  - match: {stack: dev}\n    policies:\n      lambda-in-vpc: {enforcementLevel: mandatory}\n"
                     "      cognito-password-policy: {enforcementLevel: mandatory, minimumLength: 12}\n")
    else:
        stack_config = {"serverless-guard:policies": json.dumps(
            {"lambda-in-vpc": {"enforcementLevel": "mandatory"},
             "cognito-password-policy": {"enforcementLevel": "mandatory", "minimumLength": 12}})}
    path = tmp_path / "settings.yaml"
    path.write_text(settings)
    with analyzer.PackProcess(settings=str(path), stack_config=stack_config) as pack:
        pack.start(config, {"environment": "sandbox"})
        diags = pack.run(captured(_vpc_function, "update").records)
    assert _levels(diags, "lambda-in-vpc") == ["mandatory"], [d.message for d in diags]
    password = [d for d in diags if d.policy == "cognito-password-policy"]
    # the tag's minimumLength 6 would pass a 10-character minimum; a mandatory policy keeps 12 (or 14)
    assert password and all(d.level == "mandatory" for d in password), [d.message for d in diags]
    assert "minimum_length" in password[0].message and "10" in password[0].message


def test_a_stack_tag_still_disables_an_advisory_policy(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(TAG_ENTRY + "policies:\n  lambda-in-vpc: {enforcementLevel: advisory}\n")
    with analyzer.PackProcess(settings=str(path)) as pack:
        pack.start({}, {"environment": "sandbox"})
        sandbox = pack.run(captured(_vpc_function, "update").records)
        pack.start({}, {"environment": "prod"})
        prod = pack.run(captured(_vpc_function, "update").records)
    assert _levels(sandbox, "lambda-in-vpc") == [] and _levels(prod, "lambda-in-vpc") == ["advisory"]
    # an advisory threshold follows the tag: 10 characters meet the sandbox's minimum of 6
    assert not [d for d in sandbox if d.policy == "cognito-password-policy"]


# --- 3. exemptions the organisation governs --------------------------------------------------------------------

def _exempted_roles():
    aws.iam.Role("short", assume_role_policy=PUBLIC_TRUST,
                 tags={"serverless-guard:exempt:iam-trust-public": "ok"})
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False,
                  tags={"serverless-guard:exempt:sqs-encryption": "legacy consumer, see SEC-142 until 2999-01-01"})
    aws.sqs.Queue("undated", sqs_managed_sse_enabled=False,
                  tags={"serverless-guard:exempt:sqs-encryption": "legacy consumer, see SEC-142"})
    aws.sqs.Queue("noticket", sqs_managed_sse_enabled=False,
                  tags={"serverless-guard:exempt:sqs-encryption": "legacy consumer until 2027-01-01"})
    aws.sqs.Queue("tooshort", sqs_managed_sse_enabled=False,
                  tags={"serverless-guard:exempt:sqs-encryption": "SEC-1 until 2027-01-01"})


def _by_resource(diags, policy):
    return {d.resource: d for d in diags if d.policy == policy}


def test_by_default_a_tag_cannot_exempt_a_critical_finding():
    with analyzer.PackProcess() as pack:
        pack.start({})
        diags = pack.run(captured(_exempted_roles, "update").records)
    short = _by_resource(diags, "iam-trust-public")["short"]
    assert short.level == "mandatory" and short.exemption is None
    assert ("the exemption in tag serverless-guard:exempt:iam-trust-public is not applied: a resource tag may not "
            "exempt a critical finding (exemptionRules.fromTags)") in short.message


GOVERNED = """\
profile: strict
exemptionRules:
  requireExpiry: true
  maxDays: 400
  reasonPattern: "[A-Z]+-[0-9]+"
  minReasonLength: 12
"""


def test_the_publishers_exemption_rules_refuse_what_they_do_not_allow(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(GOVERNED)
    with analyzer.PackProcess(settings=str(path)) as pack:
        pack.start({})
        diags = pack.run(captured(_exempted_roles, "update").records)
    queues = _by_resource(diags, "sqs-encryption")
    assert queues["undated"].level == "mandatory" and "exemptionRules.requireExpiry" in queues["undated"].message
    assert queues["jobs"].level == "mandatory" and "more than 400 days ahead (exemptionRules.maxDays)" \
        in queues["jobs"].message
    assert queues["noticket"].level == "mandatory" and \
        "does not contain what exemptionRules.reasonPattern asks for ([A-Z]+-[0-9]+)" in queues["noticket"].message
    assert queues["tooshort"].level == "mandatory" and \
        "its reason has 5 characters, fewer than the 12 exemptionRules.minReasonLength asks for" \
        in queues["tooshort"].message
    assert all(q.exemption is None for q in queues.values())


def test_an_exemption_within_the_rules_applies_and_critical_findings_can_be_kept_at_their_level(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(GOVERNED.replace("maxDays: 400", "maxDays: 400000") + "  keepLevel: [critical]\n"
                    "exemptions:\n  - policies: [iam-trust-public]\n    resources: [short]\n"
                    "    reason: partner federation, SEC-77\n    expires: '2999-01-01'\n")
    with analyzer.PackProcess(settings=str(path)) as pack:
        pack.start({})
        diags = pack.run(captured(_exempted_roles, "update").records)
    jobs = _by_resource(diags, "sqs-encryption")["jobs"]
    assert jobs.level == "advisory" and jobs.exemption["reason"] == "legacy consumer, see SEC-142"
    short = _by_resource(diags, "iam-trust-public")["short"]
    assert short.level == "mandatory" and "exemptionRules.keepLevel" in short.message


def test_a_stack_owner_cannot_set_the_exemption_rules():
    stack_config = {"serverless-guard:exemptionRules": json.dumps({"fromTags": ["critical"]})}
    with pytest.raises(RuntimeError, match="unknown key"):
        analyzer.PackProcess(stack_config=stack_config)


def test_the_exemptions_in_effect_are_listed_with_source_expiry_and_standing(tmp_path):
    program = write_program(tmp_path / "prog", '''
        import pulumi_aws as aws
        aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False,
                      tags={"serverless-guard:exempt:sqs-encryption": "legacy consumer, SEC-142 until 2999-01-01"})
        aws.lambda_.FunctionUrl("hook", function_name="fn", authorization_type="NONE")
    ''')
    settings = tmp_path / "settings.yaml"
    since = (_dt.date.today() - _dt.timedelta(days=30)).isoformat()
    settings.write_text(f"exemptions:\n  - policies: [lambda-url-auth-none]\n    resources: [hook]\n"
                        f"    reason: signed webhook\n    since: '{since}'\n")
    r = scan(program, "--settings", str(settings), "--json", "-")
    listed = json.loads(r.stdout)["exemptions"]
    assert [(e["policy"], e["resource"], e["source"], e["expires"], e["daysStood"]) for e in listed] == [
        ("lambda-url-auth-none", "hook", "pack settings", None, 30),
        ("sqs-encryption", "jobs", "tag serverless-guard:exempt:sqs-encryption", "2999-01-01", None)]
    assert listed[1]["reason"] == "legacy consumer, SEC-142" and listed[1]["daysLeft"] > 300_000
    text = scan(program, "--settings", str(settings)).stdout
    assert "Exemptions in effect (2):" in text and "standing 30 days" in text


# --- 4. exemption patterns that mean what they say -------------------------------------------------------------

def _stripe_and_admin():
    aws.lambda_.FunctionUrl("stripe-webhook", function_name="fn", authorization_type="NONE")
    aws.lambda_.FunctionUrl("payments-admin", function_name="fn", authorization_type="NONE")


SPILL = ("profile: strict\nexemptions:\n  - policies: [lambda-url-auth-none]\n    resources: ['*stripe-webhook*']\n"
         "    reason: verified by HMAC signature\n")


@pytest.mark.parametrize("project", ["app", "stripe-webhook-payments"])
def test_a_name_pattern_does_not_spill_through_the_project_name(tmp_path, project):
    path = tmp_path / "settings.yaml"
    path.write_text(SPILL)
    with analyzer.PackProcess(settings=str(path), project=project) as pack:
        pack.start({})
        records = capture.run(_stripe_and_admin, "update", project=project).records
        assert all(f"::{project}::" in r.urn for r in records)
        diags = _by_resource(pack.run(records), "lambda-url-auth-none")
    assert diags["stripe-webhook"].level == "advisory"
    assert diags["payments-admin"].level == "mandatory"


def test_a_name_pattern_does_not_spill_through_a_component_type_token(tmp_path):
    import pulumi

    class Wrapper(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("acme:stripe-webhook:Wrapper", name)
            aws.lambda_.FunctionUrl("payments-admin", function_name="fn", authorization_type="NONE",
                                    opts=pulumi.ResourceOptions(parent=self))

    def program():
        Wrapper("w")

    path = tmp_path / "settings.yaml"
    path.write_text(SPILL)
    records = captured(program, "update").records
    assert any("acme:stripe-webhook:Wrapper$" in r.urn for r in records)
    with analyzer.PackProcess(settings=str(path)) as pack:
        pack.start({})
        diags = _by_resource(pack.run(records), "lambda-url-auth-none")
    assert diags["payments-admin"].level == "mandatory"


def test_a_urn_pattern_matches_field_by_field(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("profile: strict\nexemptions:\n  - policies: [lambda-url-auth-none]\n"
                    "    resources: ['urn:pulumi:dev::app::aws:lambda/functionUrl:FunctionUrl::stripe-*',"
                    " 'urn:pulumi:prod::*::*::payments-admin']\n"
                    "    reason: verified by HMAC signature\n")
    with analyzer.PackProcess(settings=str(path)) as pack:
        pack.start({})
        diags = _by_resource(pack.run(captured(_stripe_and_admin, "update").records), "lambda-url-auth-none")
    assert diags["stripe-webhook"].level == "advisory" and diags["payments-admin"].level == "mandatory"
    bad = tmp_path / "bad.yaml"
    bad.write_text("exemptions:\n  - policies: [lambda-url-auth-none]\n    resources: ['urn:pulumi:dev::*']\n"
                   "    reason: too vague a pattern\n")
    with pytest.raises(RuntimeError, match="a URN pattern needs all four fields"):
        analyzer.PackProcess(settings=str(bad))


# --- 5. a program cannot outlive or escape its scan ------------------------------------------------------------

def _beats(path) -> str:
    try:
        return open(path).read()
    except OSError:
        return ""


def _still_beating(paths, wait: float = 2.0) -> list:
    """The heartbeat files that still change after ``wait`` seconds (a process still writing them)."""
    import time

    before = [_beats(p) for p in paths]
    time.sleep(wait)
    return [p for p, b in zip(paths, before) if _beats(p) != b]


DETACHED_PY = '''
import os, subprocess, sys, time
import pulumi_aws as aws

BEAT = "while true; do date +%s%N > {{beat}}; sleep 0.2; done"
subprocess.Popen(["sh", "-c", BEAT.format(beat={a!r})], start_new_session=True)     # setsid
if os.fork() == 0:                                                               # a double fork
    os.setsid()
    if os.fork() == 0:
        os.execvp("sh", ["sh", "-c", BEAT.format(beat={b!r})])
    os._exit(0)
time.sleep(0.5)
aws.sqs.Queue("q")
'''


def test_detached_children_of_a_python_program_end_with_the_scan(tmp_path):
    beats = [str(tmp_path / "a"), str(tmp_path / "b")]
    program = write_program(tmp_path / "prog", DETACHED_PY.format(a=beats[0], b=beats[1]))
    r = scan(program, "--quiet")
    assert r.returncode == 0, r.stderr[-500:]
    assert all(_beats(b) for b in beats)            # they did run
    assert _still_beating(beats) == []


LOOPING_PY = '''
import subprocess, time
subprocess.Popen(["sh", "-c", "while true; do date +%s%N > {b}; sleep 0.2; done"], start_new_session=True)
while True:
    open({a!r}, "w").write(str(time.time()))
    time.sleep(0.2)
'''


def test_a_sigkilled_scan_leaves_no_program_running(tmp_path):
    import signal
    import time

    beats = [str(tmp_path / "a"), str(tmp_path / "b")]
    program = write_program(tmp_path / "prog", LOOPING_PY.format(a=beats[0], b=beats[1]))
    proc = subprocess.Popen([sys.executable, "-m", "policies", "scan", program, "--quiet"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": ROOT}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not all(_beats(b) for b in beats) and time.time() < deadline:
        time.sleep(0.2)
    assert all(_beats(b) for b in beats), "the program never started"
    proc.send_signal(signal.SIGKILL)               # a CI job's time limit
    proc.wait()
    time.sleep(1.0)
    assert _still_beating(beats) == []


def test_without_a_pid_namespace_the_supervisor_still_ends_detached_children(tmp_path):
    """Where the system refuses a PID namespace (no root, no user namespaces), the supervisor is a child
    subreaper: the detached processes are handed to it, and it ends them when its parent is killed."""
    import signal
    import time

    beats = [str(tmp_path / "a"), str(tmp_path / "b")]
    worker = tmp_path / "worker.py"
    worker.write_text(LOOPING_PY.format(a=beats[0], b=beats[1]))
    supervise = ("import sys; from policies.engine import fence, processes; "
                 "processes.new_pid_namespace = lambda: False; "
                 f"fence.main(['supervise', '60', '--', sys.executable, {str(worker)!r}])")
    # the parent that will be SIGKILLed: it starts the supervisor and waits
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; subprocess.run(sys.argv[1:])",
                               sys.executable, "-c", supervise], cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
    deadline = time.time() + 60
    while not all(_beats(b) for b in beats) and time.time() < deadline:
        time.sleep(0.2)
    assert all(_beats(b) for b in beats), "the worker never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    time.sleep(1.0)
    assert _still_beating(beats) == []


def test_the_supervisor_enforces_its_own_deadline(tmp_path):
    import time

    beats = [str(tmp_path / "a"), str(tmp_path / "b")]
    worker = tmp_path / "worker.py"
    worker.write_text(LOOPING_PY.format(a=beats[0], b=beats[1]))
    started = time.time()
    r = subprocess.run([sys.executable, "-m", "policies.engine.fence", "supervise", "3", "--", sys.executable,
                        str(worker)], cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT}, timeout=60)
    assert r.returncode == -9 and time.time() - started < 30
    assert _still_beating(beats) == []


DETACHED_TS = '''
import * as aws from "@pulumi/aws";
import { spawn } from "child_process";
const child = spawn("sh", ["-c", "while true; do date +%s%N > BEAT; sleep 0.2; done"],
                    { detached: true, stdio: "ignore" });
child.unref();
new aws.sqs.Queue("q");
'''


def test_a_detached_child_of_a_typescript_program_ends_with_the_scan(tmp_path):
    node_modules = os.path.join(ROOT, ".ci", "node_modules")
    if not shutil.which("node") or not os.path.isdir(os.path.join(node_modules, "@pulumi", "aws")):
        assert not os.environ.get("CI"), ".ci/run installs the Node.js packages; they are missing"
        pytest.skip("Node.js programs need .ci/node_modules (run .ci/run once)")
    beat = str(tmp_path / "beat")
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "Pulumi.yaml").write_text("name: detached\nruntime: nodejs\n")
    (prog / "index.ts").write_text(DETACHED_TS.replace("BEAT", beat))
    (prog / "package.json").write_text('{"name": "detached", "main": "index.ts"}\n')
    r = scan(str(prog), "--quiet", env={"NODE_PATH": node_modules})
    assert r.returncode == 0, r.stderr[-800:]
    assert _beats(beat)
    assert _still_beating([beat]) == []


def _fake_rest_api():
    """A program's own component named with @pulumi/aws-apigateway's RestAPI type, holding what it wants hidden:
    a role attachment granting s3:* (AmazonS3FullAccess) and a Stage without X-Ray."""
    import pulumi

    class Disguised(pulumi.ComponentResource):
        def __init__(self, name):
            super().__init__("aws-apigateway:index:RestAPI", name)
            opts = pulumi.ResourceOptions(parent=self)
            role = aws.iam.Role(f"{name}-role", assume_role_policy='{"Version": "2012-10-17", "Statement": []}',
                                opts=opts)
            aws.iam.RolePolicyAttachment(f"{name}-s3", role=role.name,
                                         policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess", opts=opts)
            aws.apigateway.Stage(f"{name}-stage", rest_api="api-id", deployment="dep-id", stage_name="prod", opts=opts)
            aws.s3.Bucket(f"{name}-files", opts=opts)

    Disguised("api")


def test_a_component_type_a_program_names_never_lowers_a_mandatory_finding(packs):
    """What a published component builds and the program cannot change is quiet while its rule is advisory. The
    component's type is the program's text, so a rule the publisher or platform made mandatory reports it."""
    from conftest import analyze

    quiet = analyze(packs, _fake_rest_api, "update")
    judged = ("iam-wildcard-service-action", "apigw-xray", "s3-versioning")
    assert not [(d.policy, d.resource) for d in quiet if d.policy in judged]
    strict = {rule: "mandatory" for rule in judged}
    found = {(d.policy, d.resource) for d in analyze(packs, _fake_rest_api, "update", strict)}
    assert {("iam-wildcard-service-action", "api-s3"), ("apigw-xray", "api-stage"), ("s3-versioning", "api-files")} \
        <= found, found
