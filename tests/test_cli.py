"""The command line: scan on the bundled examples, clear errors, the rule table in the README."""
import json
import os
import subprocess
import sys

from conftest import ROOT


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "policies", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_scan_insecure_example_fails_with_every_sas2_rule_it_breaks(tmp_path):
    out = tmp_path / "findings.json"
    r = run("scan", "examples/insecure-serverless-api", "--json", str(out))
    assert r.returncode == 1, r.stderr
    findings = json.loads(out.read_text())["findings"]
    found = {d["policy"] for d in findings}
    # the public function URL is one exposure, so one finding (mandatory), naming its permission
    on_url = [(d["policy"], d["resource"]) for d in findings
              if d["resource"] in ("webhook-url", "webhook-public") and d["category"] == "SAS-2"]
    assert on_url == [("lambda-url-public-invoke-confirmed", "webhook-url")], on_url
    for rule in ("lambda-url-public-invoke-confirmed", "lambda-permission-public-principal",
                 "apigw-method-no-auth", "apigw-rest-policy-public", "apigwv2-route-no-auth", "appsync-api-key-auth",
                 "cognito-identity-unauth", "cognito-mfa", "cognito-password-policy", "cognito-threat-protection",
                 "iam-trust-public", "lambda-env-secrets", "s3-policy-public", "sqs-policy-public"):
        assert rule in found, rule
    assert "[mandatory]" in r.stdout and "s3cr3t" not in r.stdout


def test_scan_hardened_example_is_clean():
    r = run("scan", "examples/hardened-serverless-api")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no findings" in r.stdout


def test_scan_preview_mode_runs():
    r = run("scan", "examples/insecure-serverless-api", "--preview")
    assert r.returncode == 1 and "Policies (preview" in r.stdout


def test_scan_errors_are_clear(tmp_path):
    r = run("scan", str(tmp_path))
    assert r.returncode == 2 and "is not a Pulumi program" in r.stderr
    (tmp_path / "Pulumi.yaml").write_text("name: broken\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("raise ValueError('boom')\n")
    r = run("scan", str(tmp_path))
    assert r.returncode == 2 and "failed: __main__.py:1: ValueError: boom" in r.stderr
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    r = run("scan", "examples/hardened-serverless-api", "--config", str(bad))
    assert r.returncode == 2 and "is not valid JSON" in r.stderr
    bad.write_text(json.dumps({"lambda-url-auth-none": "loud"}))
    r = run("scan", "examples/hardened-serverless-api", "--config", str(bad))
    assert r.returncode == 2 and "invalid enforcement level 'loud'" in r.stderr


def test_rules_lists_every_rule():
    from policies import REGISTRY

    r = run("rules")
    assert r.returncode == 0 and f"{len(REGISTRY)} rules" in r.stdout


def test_readme_rule_table_is_current():
    from policies.__main__ import rules_markdown

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    assert rules_markdown() in text, "the README rule table is stale: paste the output of `python -m policies rules --markdown`"


def test_hardened_example_in_preview_has_no_violations(tmp_path):
    """In preview, unknown values never become violations; only whole unknown documents stay undecided."""
    out = tmp_path / "findings.json"
    r = run("scan", "examples/hardened-serverless-api", "--preview", "--json", str(out))
    assert r.returncode == 0, r.stdout
    diags = json.loads(out.read_text())["findings"]
    assert all("can't run policy" in d["message"] for d in diags), [d["message"] for d in diags]
    # one notice per unknown document and phase: a bucket policy computed from outputs is undecided for the
    # stack rule s3-policy-public and for the resource rule resource-policy-cross-account
    assert len(diags) <= 6


def test_every_rule_has_a_current_docs_page():
    from policies import REGISTRY
    from policies.docs import pages

    folder = os.path.join(ROOT, "docs", "rules")
    for name, text in pages().items():
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            assert f.read() == text, f"docs/rules/{name} is stale: run `serverless-guard rules --docs docs/rules`"
    assert len([n for n in os.listdir(folder) if n.endswith(".md")]) == len(REGISTRY) + 1


def test_policy_urls_follow_their_security_hub_control():
    from policies import REGISTRY

    assert REGISTRY["lambda-permission-public-principal"].url == \
        "https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-1"
    assert REGISTRY["kms-rotation"].url.endswith("kms-controls.html#kms-4")
    assert REGISTRY["lambda-url-cors-wildcard"].url == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-security.html"


def test_scan_in_typescript_words_messages_fixes_and_sarif_help_for_typescript(tmp_path):
    out, sarif = tmp_path / "findings.json", tmp_path / "out.sarif"
    r = run("scan", "examples/insecure-serverless-api", "--language", "typescript", "--remediate",
            "--json", str(out), "--sarif", str(sarif))
    assert r.returncode == 1, r.stderr
    data = json.loads(out.read_text())
    by_policy = {f["policy"]: f for f in data["findings"]}
    url = by_policy["lambda-url-public-invoke-confirmed"]
    assert 'authorizationType: "AWS_IAM"' in url["message"] and "authorization_type" not in url["message"]
    assert url["remediation"].startswith('new aws.lambda.FunctionUrl("url", { functionName: fn.name')
    assert all("aws.lambda_." not in f["remediation"] for f in data["findings"])
    changed = [c["property"] for rem in data["remediations"] for c in rem["changes"]]
    assert changed and all("_" not in p for p in changed), changed  # e.g. enableKeyRotation, not enable_key_rotation
    rules = {r["id"]: r for r in json.loads(sarif.read_text())["runs"][0]["tool"]["driver"]["rules"]}
    help_md = rules["lambda-url-public-invoke-confirmed"]["help"]["markdown"]
    assert "**Fix** (Pulumi TypeScript):\n\n```typescript\nnew aws.lambda.FunctionUrl(" in help_md


def test_scan_takes_the_language_from_the_settings_file(tmp_path):
    settings_file = tmp_path / "serverless-guard.yaml"
    settings_file.write_text("language: typescript\n")
    out = tmp_path / "findings.json"
    r = run("scan", "examples/insecure-serverless-api", "--settings", str(settings_file), "--json", str(out))
    assert r.returncode == 1, r.stderr
    findings = {f["policy"]: f for f in json.loads(out.read_text())["findings"]}
    assert findings["iam-trust-public"]["remediation"].startswith('new aws.iam.Role("fn-role", {')
    assert "principalOrgId" in findings["lambda-permission-public-principal"]["message"]


def test_a_rule_page_says_its_phase_and_its_relations():
    """A resource rule that runs with the stack because of a relation says so on its page, with the relation."""
    from policies import docs, load_rules

    rules = load_rules()
    page = docs.page(rules["iam-credentials-exposure"])
    assert "judged with the stack (AnalyzeStack" in page and "superseded by" in page and "`iam-admin-star`" in page
    assert "resource rule (Analyze)" in docs.page(rules["lambda-xray"])
    assert "supersedes `lambda-url-auth-none`" in docs.page(rules["lambda-url-public-invoke-confirmed"]).replace(
        "`lambda-permission-public-principal`, ", "")
