"""An organisation's own rules (policies.api, the settings file's customRules): loaded before anything
is analyzed, governed like the pack's rules, and a bad rule module is a clear error naming the settings
file, the entry and the cause; a rule that raises is an internal-error finding at its level."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT

PROGRAM = os.path.join(ROOT, "examples", "custom-rules", "program")
GOOD = """
from policies.api import Sev, Want, aws, property_rule, resource_rule

@resource_rule("corp-no-reports", "SAS-3", Sev.HIGH, types=[aws.FUNCTION], title="t", description="d",
               remediation="# r")
def no_reports(fn, cfg):
    return "is named reports." if fn.name == "reports" else None

# a one-property rule, declared as data
property_rule("corp-fn-json-logs", "SAS-5", Sev.LOW, types=[aws.FUNCTION], title="Functions log JSON",
              description="d", path="loggingConfig.logFormat", want=Want.equals("JSON", unset="unset (Text)"),
              message="{path} is {value}. Use JSON.", example='aws.lambda_.Function("fn", ...)', remediate=True)
"""


def _settings(tmp_path, module: str, extra: str = "", name: str = "corp_rules.py"):
    (tmp_path / name).write_text(textwrap.dedent(module))
    path = tmp_path / "serverless-guard.yaml"
    path.write_text(f"customRules:\n  - path: {name}\n{extra}")
    return str(path)


def scan(*args):
    return subprocess.run([sys.executable, "-m", "policies", "scan", PROGRAM, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("module, says", [
    ("import nope_not_installed\n", "cannot be loaded: ModuleNotFoundError: No module named 'nope_not_installed' (line 1)"),
    ("def broken(:\n", "cannot be loaded: SyntaxError"),
    (GOOD.replace("corp-no-reports", "lambda-xray"), "cannot be loaded: ValueError: rule id 'lambda-xray' is declared twice"),
    (GOOD.replace('"SAS-3"', '"SAS-11"'), "cannot be loaded: ValueError: rule 'corp-no-reports': unknown category 'SAS-11'"),
    ("raise RuntimeError('no config service')\n", "cannot be loaded: RuntimeError: no config service (line 1)"),
    ("X = 1\n", "declares no rule"),
])
def test_a_bad_rule_module_is_one_clear_error(tmp_path, module, says):
    proc = scan("--settings", _settings(tmp_path, module))
    assert proc.returncode == 2
    assert "serverless-guard: error: " in proc.stderr and "at 'customRules.0' (corp_rules.py)" in proc.stderr, proc.stderr
    assert says in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_rule_file_is_named(tmp_path):
    path = tmp_path / "serverless-guard.yaml"
    path.write_text("customRules:\n  - path: rules/missing.py\n")
    proc = scan("--settings", str(path))
    assert proc.returncode == 2 and "at 'customRules.0': rules/missing.py does not exist" in proc.stderr, proc.stderr


def test_a_custom_rule_is_governed_like_the_packs(tmp_path):
    settings = _settings(tmp_path, GOOD, "policies:\n  corp-no-reports:\n    enforcementLevel: mandatory\n"
                                         "  corp-fn-json-logs:\n    enforcementLevel: mandatory\n")
    out = tmp_path / "findings.json"
    proc = scan("--settings", settings, "--json", str(out))
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(out.read_text())["findings"]
    found = [f for f in findings if f["policy"] == "corp-no-reports"]
    assert [(f["resource"], f["level"], f["severity"], f["category"]) for f in found] == \
        [("reports", "mandatory", "high", "SAS-3")]
    assert found[0]["message"] == "Function 'reports': is named reports."
    # the one-property rule: its check and remediation follow from its declaration
    logs = [f for f in findings if f["policy"] == "corp-fn-json-logs"]
    assert logs and all(f["level"] == "mandatory" and f["category"] == "SAS-5" for f in logs)
    assert all(f["message"].endswith(": logging_config.log_format is unset (Text). Use JSON.") for f in logs), logs
    assert {f["remediation"] for f in logs} == {'aws.lambda_.Function("fn", ..., logging_config={"log_format": "JSON"})'}


def test_a_raising_check_is_an_internal_error_finding_at_its_level(tmp_path):
    raising = GOOD.replace('return "is named reports." if fn.name == "reports" else None', 'return 1 / 0')
    settings = _settings(tmp_path, raising, "policies:\n  corp-no-reports:\n    enforcementLevel: mandatory\n")
    out = tmp_path / "findings.json"
    proc = scan("--settings", settings, "--json", str(out))
    assert proc.returncode == 1, proc.stderr   # fail closed: the rule could not decide
    found = [f for f in json.loads(out.read_text())["findings"] if f["policy"] == "corp-no-reports"]
    assert found and all(f["level"] == "mandatory" and "internal error in policy 'corp-no-reports'" in f["message"]
                         and "ZeroDivisionError" in f["message"] for f in found)


def test_rules_lists_and_documents_them(tmp_path):
    settings = _settings(tmp_path, GOOD)
    listing = subprocess.run([sys.executable, "-m", "policies", "rules", "--settings", settings], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and "corp-no-reports" in listing.stdout
    docs = tmp_path / "docs"
    subprocess.run([sys.executable, "-m", "policies", "rules", "--settings", settings, "--docs", str(docs)],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)
    assert (docs / "corp-no-reports.md").read_text().startswith("# corp-no-reports")


def test_config_explain_shows_a_custom_rules_level(tmp_path):
    settings = _settings(tmp_path, GOOD, "policies:\n  corp-no-reports:\n    enforcementLevel: mandatory\n")
    proc = subprocess.run([sys.executable, "-m", "policies", "config", "explain", "--settings", settings],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "corp-no-reports" in ln)
    assert "mandatory" in line

