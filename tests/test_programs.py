"""Programs as people write them: outputs a real deployment fills, resource objects as inputs, and
programs that fail, exit, loop, print or leave threads behind. ``scan`` runs each fenced in its own
process; its verdict comes only from a finished run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from policies.engine import capture, shapes
from policies.engine.capture import UNKNOWN
from policies.engine.program import run_directory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable


def _program(tmp_path, body: str, name: str = "app"):
    (tmp_path / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("import json, sys, time, threading\nimport pulumi\nimport pulumi_aws as aws\n"
                                          + textwrap.dedent(body))
    return str(tmp_path)


def scan(*args, timeout=240, **kw):
    return subprocess.run([PY, "-m", "policies", "scan", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, **kw)


# A program that reads what only a deployment knows: each of these was None under plain mocks and the
# program's own code then raised.
COMPUTED_OUTPUTS = """
role = aws.iam.Role("lambda-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
aws.iam.RolePolicyAttachment("basic", role=role, policy_arn=aws.iam.ManagedPolicy.AWS_LAMBDA_BASIC_EXECUTION_ROLE)
fn = aws.lambda_.Function("fn", role=role.arn, runtime="python3.13", handler="index.handler",
                          code=pulumi.AssetArchive({}))
api = aws.apigateway.RestApi("api")
dep = aws.apigateway.Deployment("dep", rest_api=api.id)
stage = aws.apigateway.Stage("stage", rest_api=api.id, deployment=dep.id, stage_name="prod")
aws.lambda_.Permission("invoke", action="lambda:InvokeFunction", function=fn, principal="apigateway.amazonaws.com",
                       source_arn=stage.execution_arn.apply(lambda arn: arn + "/*/*"))
graphql = aws.appsync.GraphQLApi("gql", authentication_type="API_KEY", name="gql")
pulumi.export("graphql", graphql.uris.apply(lambda uris: uris["GRAPHQL"].upper()))
cert = aws.acm.Certificate("cert", domain_name="api.example.com", validation_method="DNS")
zone = aws.route53.get_zone(name="example.com")
aws.route53.Record("validation", zone_id=zone.zone_id, ttl=60,
                   name=cert.domain_validation_options.apply(lambda o: o[0].resource_record_name),
                   type=cert.domain_validation_options.apply(lambda o: o[0].resource_record_type),
                   records=[cert.domain_validation_options.apply(lambda o: o[0].resource_record_value)])
pulumi.export("url", stage.invoke_url.apply(lambda u: u + "/orders"))
"""


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_outputs_a_deployment_fills_have_values_of_their_shape(tmp_path, mode):
    folder = _program(tmp_path, COMPUTED_OUTPUTS)
    r = scan(folder, "--json", "-", *(["--preview"] if mode == "preview" else []))
    assert r.returncode in (0, 1), r.stderr
    data = json.loads(r.stdout)
    assert data["input"]["resources"] >= 9
    # the verdicts come from what the program declared, not from invented outputs
    assert any(f["policy"] == "lambda-xray" and f["resource"] == "fn" for f in data["findings"])


def test_shapes_follow_the_provider_types():
    stage = shapes.resource_outputs("aws:apigateway/stage:Stage", "prod")
    assert stage["executionArn"].startswith("arn:aws:execute-api:us-east-1:123456789012:")
    assert stage["invokeUrl"].startswith("https://")
    assert set(shapes.resource_outputs("aws:appsync/graphQLApi:GraphQLApi", "api")["uris"]) == {"GRAPHQL", "REALTIME"}
    option = shapes.resource_outputs("aws:acm/certificate:Certificate", "cert")["domainValidationOptions"][0]
    assert {"resourceRecordName", "resourceRecordType", "resourceRecordValue"} <= set(option)
    zone = shapes.invoke_result("aws:route53/getZone:getZone", {"name": "example.com"})
    assert zone["name"] == "example.com" and zone["zoneId"].startswith("Z")
    assert shapes.resource_outputs("aws:nosuch/thing:Thing", "x") == {}
    assert shapes.invoke_result("aws:nosuch/getThing:getThing", {}) == {}


def test_resource_objects_as_inputs_never_cross_event_loops():
    """``function=fn`` / ``role=role`` used to fail about one run in four ("attached to a different loop")."""
    import pulumi
    import pulumi_aws as aws

    def program():
        role = aws.iam.Role("r", assume_role_policy="{}")
        aws.iam.RolePolicyAttachment("a", role=role, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        fn = aws.lambda_.Function("fn", role=role.arn, runtime="python3.13", handler="i.h",
                                  code=pulumi.AssetArchive({}))
        aws.lambda_.Permission("p", action="lambda:InvokeFunction", function=fn, principal="s3.amazonaws.com")

    for mode in ("update", "preview") * 10:
        records = capture.run(program, mode).records
        attach = next(r for r in records if r.name == "a")
        # the engine hands the provider the role's id; the pack reads it as such
        assert attach.inputs["role"]


@pytest.mark.parametrize("body,expected", [
    ("x = aws.s3.Bucket('b')\nx.arn.apply(lambda a: a + 1)\n", "__main__.py:5: TypeError"),
    ("raise ValueError('boom')\n", "__main__.py:4: ValueError: boom"),
    ("sys.exit(0)\n", "called sys.exit(0)"),
    ("sys.exit(3)\n", "called sys.exit(3)"),
    ("raise KeyboardInterrupt\n", "KeyboardInterrupt"),
    ("import os\nos._exit(0)\n", "exited with code 0 before it finished"),
    ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "was killed (SIGKILL)"),
])
def test_a_program_that_fails_or_exits_is_an_error_never_a_clean_result(tmp_path, body, expected):
    folder = _program(tmp_path, body)
    r = scan(folder)
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert expected in r.stderr and "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_a_program_that_never_finishes_is_stopped_at_the_time_limit(tmp_path):
    folder = _program(tmp_path, "aws.s3.Bucket('b')\nwhile True:\n    time.sleep(0.1)\n")
    started = time.monotonic()
    r = scan(folder, "--timeout", "5")
    assert r.returncode == 2 and "did not finish within 5 s" in r.stderr
    assert time.monotonic() - started < 60


def test_a_thread_the_program_leaves_running_does_not_hang_the_scan(tmp_path):
    folder = _program(tmp_path, "threading.Thread(target=lambda: time.sleep(3600)).start()\n"
                                "aws.sqs.Queue('q')\n")
    r = scan(folder, "--timeout", "60")
    assert r.returncode in (0, 1), r.stderr
    assert "(update, 2 resources)" in r.stdout


def test_what_the_program_prints_never_reaches_the_reports(tmp_path):
    folder = _program(tmp_path, "print('hello from the program')\nprint('oops', file=sys.stderr)\n"
                                "aws.sqs.Queue('q')\n")
    r = scan(folder, "--json", "-")
    assert r.returncode in (0, 1), r.stderr
    json.loads(r.stdout)  # one document, nothing else on stdout
    assert "hello from the program" not in r.stdout + r.stderr


def test_sigterm_stops_the_program_and_exits_2(tmp_path):
    folder = _program(tmp_path, "aws.s3.Bucket('b')\nwhile True:\n    time.sleep(0.1)\n")
    proc = subprocess.Popen([PY, "-m", "policies", "scan", folder], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "interrupted (SIGTERM)" in err
    time.sleep(0.5)
    leftover = subprocess.run(["pgrep", "-f", f"policies.engine.fence {folder}"], capture_output=True, text=True)
    assert leftover.stdout.strip() == ""


def test_program_error_text_is_safe_for_a_terminal(tmp_path):
    folder = _program(tmp_path, "raise ValueError('\\x1b[2J\\x1b]0;owned\\x07 clean\\nforged line')\n")
    r = scan(folder)
    assert r.returncode == 2
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert "\\x1b[2J" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_resource_name_cannot_pose_as_an_exemption(tmp_path):
    """A name with "(Exempted: ", newlines and escapes changes no verdict: the critical mandatory finding
    still fails the scan, and nothing of the name acts on the terminal."""
    folder = _program(tmp_path, """
aws.lambda_.FunctionUrl("payments (Exempted: approved by security", function_name="payments",
                        authorization_type="NONE")
aws.lambda_.FunctionUrl("x\\n\\x1b[2Jclean (Exempted: ok until 2999-01-01.)", function_name="other",
                        authorization_type="NONE")
""")
    r = scan(folder, "--json", "-", "--config", os.path.join(ROOT, "tests", "fixtures", "mandatory_url.json"))
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    urls = [f for f in data["findings"] if f["policy"] == "lambda-url-auth-none"]
    assert len(urls) == 2 and all(f["level"] == "mandatory" and f["exempted"] is None for f in urls)
    t = scan(folder, "--config", os.path.join(ROOT, "tests", "fixtures", "mandatory_url.json"))
    assert t.returncode == 1 and "\x1b" not in t.stdout


def test_the_json_exemption_is_exactly_the_reason_and_date_given(tmp_path):
    folder = _program(tmp_path, """
aws.lambda_.Function("fn", role="arn:aws:iam::123456789012:role/r", runtime="python3.13", handler="i.h",
                     code=pulumi.AssetArchive({}),
                     tags={"serverless-guard:exempt:lambda-xray": "restore from S3 exports (phase 2) until 2027-06-30"})
""")
    r = scan(folder, "--json", "-")
    data = json.loads(r.stdout)
    xray = next(f for f in data["findings"] if f["policy"] == "lambda-xray")
    assert xray["exempted"] == "restore from S3 exports (phase 2)"
    assert xray["exemption"] == {"reason": "restore from S3 exports (phase 2)", "expires": "2027-06-30",
                                 "source": "tag serverless-guard:exempt:lambda-xray", "since": None}
    assert xray["level"] == "advisory"


def test_junit_is_well_formed_whatever_the_names_hold(tmp_path):
    import xml.dom.minidom

    folder = _program(tmp_path, """
aws.lambda_.FunctionUrl("u\\x1b\\x00\\x07\\ufffe\\u202e name", function_name="f", authorization_type="NONE")
""")
    r = scan(folder, "--junit", "-")
    assert r.returncode in (0, 1), r.stderr
    xml.dom.minidom.parseString(r.stdout.encode("utf-8"))


def test_project_config_and_structured_secrets_reach_the_program(tmp_path):
    # Pulumi.yaml's own config block (a value, a default) applies under the stack's config; an object with
    # a secure leaf is secret as a whole, its leaf a placeholder (only the CLI can decrypt it)
    (tmp_path / "Pulumi.yaml").write_text(
        "name: app\nruntime: python\nconfig:\n  size:\n    type: string\n    default: small\n"
        "  owner: platform\n  declared:\n    type: string\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  app:owner: payments\n  app:db:\n    host: db.internal\n    password:\n      secure: AAABAGNpcGhlcg==\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent("""
        import pulumi, pulumi_aws as aws
        c = pulumi.Config()
        db = c.require_secret_object("db")
        aws.sqs.Queue("q", tags={"size": c.require("size"), "owner": c.require("owner"),
                                 "declared": c.get("declared") or "unset"})
        aws.ssm.Parameter("db-host", type="String", value=db.apply(lambda d: d["host"] + "/" + d["password"]))
    """))
    records = {r.name: r for r in run_directory(str(tmp_path)).records}
    assert records["q"].inputs["tags"] == {"size": "small", "owner": "payments", "declared": "unset"}
    value = records["db-host"].inputs["value"]
    assert isinstance(value, dict) and value.get("value", "").startswith("db.internal/sg-secure-config-")  # marked


def test_a_secure_config_value_read_with_plain_get_is_still_the_stacks_secret(tmp_path):
    """``config.get`` of a secure key returns the value unmarked (the CLI only warns): scan knows the key is
    secure, so the value is marked secret wherever it lands, and lambda-env-secrets reports it in an
    environment variable whose name says nothing."""
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  app:stripe:\n    secure: AAABAGNpcGhlcg==\n"
                                              "  app:region: eu-west-1\n")
    (tmp_path / "__main__.py").write_text(textwrap.dedent("""
        import pulumi, pulumi_aws as aws
        c = pulumi.Config()
        aws.lambda_.Function("charge", role="arn:aws:iam::123456789012:role/r", runtime="python3.13",
                             handler="i.h", code=pulumi.AssetArchive({}),
                             environment={"variables": {"PAYMENTS": c.get("stripe"), "REGION": c.get("region")}})
    """))
    r = scan(str(tmp_path), "--json", "-")
    found = [f for f in json.loads(r.stdout)["findings"] if f["policy"] == "lambda-env-secrets"]
    assert found and "PAYMENTS" in found[0]["message"] and "REGION" not in found[0]["message"], found
    assert "sg-secure-config" not in r.stdout


def test_a_resource_a_library_component_creates_is_placed_at_the_users_line(tmp_path):
    # the component's module lives in the program's virtualenv (a dependency): the bucket it creates is
    # shown at the line of the program that constructs the component, its nearest ancestor of its own
    site = tmp_path / "venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "acme_storage.py").write_text(textwrap.dedent("""
        import pulumi, pulumi_aws as aws

        class Storage(pulumi.ComponentResource):
            def __init__(self, name, opts=None):
                super().__init__("acme:index:Storage", name, None, opts)
                self.bucket = aws.s3.Bucket(f"{name}-data", opts=pulumi.ResourceOptions(parent=self))
                self.register_outputs({})
    """))
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    (tmp_path / "__main__.py").write_text("import acme_storage\n\n\nacme_storage.Storage('uploads')\n")
    out = tmp_path / "findings.json"
    proc = scan(str(tmp_path), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    found = [f for f in json.loads(out.read_text())["findings"] if f["resource"] == "uploads-data"]
    assert found and all(f["location"]["line"] == 4 and f["location"]["file"].endswith("__main__.py")
                         for f in found), found


REFERENCES = """
import base64
org = pulumi.get_organization()
ref = pulumi.StackReference(f"{org}/network/prod")
creds = aws.ecr.get_credentials(registry_id="123456789012")
user, password = base64.b64decode(creds.authorization_token).decode().split(":")
aws.sqs.Queue("q", tags={"org": org, "user": user,
                         "vpc": ref.get_output("vpcId").apply(lambda v: v.upper()),
                         "subnet": ref.require_output("subnetId").apply(lambda v: v.upper())})
"""


def test_what_pulumi_preview_gives_a_program_scan_gives_it(tmp_path):
    """pulumi.get_organization() (--org, else Pulumi's default "organization"), a StackReference (its
    outputs from --stack-outputs, else unknown: the program's apply waits instead of failing on None) and an
    ECR login token that decodes to user:password: each raised under plain mocks."""
    (tmp_path / "prog").mkdir()
    folder = _program(tmp_path / "prog", REFERENCES)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"acme/network/prod": {"vpcId": "vpc-0abc", "subnetId": "subnet-1"}}))
    given = run_directory(folder, organization="acme")
    os.environ["SERVERLESS_GUARD_STACK_OUTPUTS"] = str(outputs)
    try:
        known = run_directory(folder, organization="acme")
    finally:
        del os.environ["SERVERLESS_GUARD_STACK_OUTPUTS"]
    tags = [r.inputs["tags"] for r in given.records if r.type == "aws:sqs/queue:Queue"][0]
    assert tags["org"] == "acme" and tags["user"] == "AWS"
    assert tags["vpc"] == UNKNOWN and tags["subnet"] == UNKNOWN
    tags = [r.inputs["tags"] for r in known.records if r.type == "aws:sqs/queue:Queue"][0]
    assert tags["vpc"] == "VPC-0ABC" and tags["subnet"] == "SUBNET-1"
    r = scan(folder, "--org", "acme", "--stack-outputs", str(outputs), "--json", "-")
    assert r.returncode == 0 and json.loads(r.stdout)["input"]["resources"] == 2, r.stderr   # the stack and the queue
    bad = scan(folder, "--stack-outputs", str(tmp_path / "missing.json"))
    assert bad.returncode == 2 and "stack outputs file" in bad.stderr


def test_a_failure_the_sdk_words_as_about_test_mocks_says_what_to_scan_instead(tmp_path):
    folder = _program(tmp_path, "raise RuntimeError('Missing organization name; for test mode, please call "
                                "`pulumi.runtime.setMocks`')\n")
    r = scan(folder)
    assert r.returncode == 2
    assert "scan's model of the Pulumi engine cannot give it" in r.stderr
    assert "scan `pulumi preview --json` output or a `pulumi stack export` instead" in r.stderr


FIXES = """
aws.lambda_.Function("legacy", role="arn:aws:iam::123456789012:role/r", runtime="nodejs18.x", handler="i.h",
                     code=pulumi.AssetArchive({}))
role = aws.iam.Role("worker-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
aws.iam.RolePolicyAttachment("s3-full", role=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
aws.iam.RolePolicy("queue-all", role=role.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs"}]}))
ops = aws.iam.Role("ops-role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
aws.iam.RolePolicy("ops-all", role=ops.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*"}]}))
aws.lambda_.Function("ops-fn", role=ops.arn, runtime="python3.13", handler="i.h", code=pulumi.AssetArchive({}))
"""


def test_a_findings_fix_is_code_for_the_case_found(tmp_path):
    """The deprecated-runtime fix keeps the function's language; the wildcard fix names the service that was
    granted (and replaces a managed policy by an inline one); an over-privileged function gets a role of its own,
    named after it; in TypeScript too."""
    folder = _program(tmp_path, FIXES)
    for language, runtime, sqs in (("python", 'runtime="nodejs24.x"', '"sqs:SendMessage"'),
                                   ("typescript", 'runtime: "nodejs24.x"', '"sqs:SendMessage"')):
        r = scan(folder, "--json", "-", "--language", language)
        found = {(f["policy"], f["resource"]): f for f in json.loads(r.stdout)["findings"]}
        fix = found[("lambda-deprecated-runtime", "legacy")]["remediation"]
        assert runtime in fix and "python3" not in fix, fix
        queue = found[("iam-wildcard-service-action", "queue-all")]["remediation"]
        assert sqs in queue and "dynamodb" not in queue and "instead of sqs:*" in queue, queue
        managed = found[("iam-wildcard-service-action", "s3-full")]["remediation"]
        assert '"s3:GetObject"' in managed and "instead of attaching AmazonS3FullAccess" in managed, managed
        # the function's own role, named after it, in place of the admin role it runs as
        own = found[("lambda-role-overprivileged", "ops-fn")]["remediation"]
        assert "instead of ops-role" in own and "AWSLambdaBasicExecutionRole" in own, own
        if language == "python":
            assert 'ops_fn_role = aws.iam.Role("ops-fn-role"' in own and \
                'aws.lambda_.Function("ops-fn", ..., role=ops_fn_role.arn)' in own, own
        else:
            assert 'const opsFnRole = new aws.iam.Role("ops-fn-role"' in own and "role: opsFnRole.arn" in own, own


def test_a_resource_made_in_an_apply_callback_is_located_at_its_line(tmp_path):
    """A Python resource made inside an ``apply`` callback (a lambda, or a function the program defines) is
    located at the line that makes it."""
    folder = _program(tmp_path, """
    bucket = aws.s3.Bucket("data")


    def make_queue(name):
        return aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False)


    bucket.id.apply(make_queue)
    bucket.arn.apply(lambda arn: aws.sns.Topic("alerts"))
    """)
    r = scan(folder, "--json", "-")
    where = {f["resource"]: f["location"] for f in json.loads(r.stdout)["findings"]}
    assert where["jobs"] == {"file": "__main__.py", "line": 9}, where
    assert where["alerts"] == {"file": "__main__.py", "line": 13}, where


def test_a_multi_language_components_outputs_are_read_without_failing(tmp_path):
    """awsx's components are built by their provider plugin, which ``scan`` does not run: each output their
    SDK class declares is unknown (never None), so ``loadbalancer.load_balancer.dns_name`` (Pulumi's
    container-aws-python template) reads like a preview, and ``scan`` says what it could not judge."""
    folder = _program(tmp_path, """
    import pulumi_awsx as awsx

    loadbalancer = awsx.lb.ApplicationLoadBalancer("loadbalancer")
    url = pulumi.Output.concat("http://", loadbalancer.load_balancer.dns_name)
    group = loadbalancer.default_target_group.apply(lambda g: g)
    pulumi.export("url", url)
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False)
    """)
    for mode in ([], ["--preview"]):
        r = scan(folder, "--json", "-", *mode)
        assert r.returncode in (0, 1), r.stderr
        assert "nothing inside them was judged: loadbalancer (awsx:lb:ApplicationLoadBalancer)" in r.stderr, r.stderr
        assert [f["resource"] for f in json.loads(r.stdout)["findings"] if f["policy"] == "sqs-encryption"] == ["jobs"]
