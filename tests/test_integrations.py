"""The GitHub Action (action.yml, action/scan.sh) and the pre-commit hook (.pre-commit-hooks.yaml), each run as
it runs: the Action's scan step with the environment action.yml gives it, the hook's entry and args from the
repository root of a program."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import yaml

from conftest import ROOT


def _command(tmp_path) -> str:
    """What the Action installs as serverless-guard: here, the checkout's command."""
    wrapper = tmp_path / "serverless-guard"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m policies "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def _action() -> dict:
    with open(os.path.join(ROOT, "action.yml"), encoding="utf-8") as f:
        return yaml.safe_load(f)


def _step_env(step: dict, inputs: dict, command: str) -> dict:
    """The step's env as GitHub resolves it: ``${{ inputs.x }}`` from ``inputs`` (else its default)."""
    defaults = {k: str(v.get("default", "")) for k, v in _action()["inputs"].items()}
    env = {}
    for key, value in step.get("env", {}).items():
        m = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", str(value))
        env[key] = inputs.get(m.group(1), defaults[m.group(1)]) if m else command
    return env


def _run_scan_step(tmp_path, inputs: dict):
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "scan")
    assert step["run"] == 'bash "${{ github.action_path }}/action/scan.sh"'
    out = tmp_path / "github_output"
    env = {**os.environ, **_step_env(step, inputs, _command(tmp_path)), "GITHUB_OUTPUT": str(out)}
    r = subprocess.run(["bash", os.path.join(ROOT, "action", "scan.sh")], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    return r, out.read_text() if out.exists() else ""


def test_the_actions_scan_step_fails_on_mandatory_findings_and_writes_sarif(tmp_path):
    sarif = tmp_path / "findings.sarif"
    html = tmp_path / "report.html"
    r, outputs = _run_scan_step(tmp_path, {"path": "examples/insecure-serverless-api", "sarif-file": str(sarif),
                                           "html-file": str(html)})
    assert r.returncode == 1, r.stderr
    assert "exit-code=1" in outputs
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert any(x["ruleId"] == "iam-trust-public" and x["level"] == "error" for x in results)
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_the_actions_scan_step_passes_a_clean_program_and_honours_fail_on(tmp_path):
    r, outputs = _run_scan_step(tmp_path, {"path": "examples/hardened-serverless-api",
                                           "sarif-file": str(tmp_path / "f.sarif")})
    assert r.returncode == 0 and "exit-code=0" in outputs, r.stderr
    r, outputs = _run_scan_step(tmp_path, {"path": "examples/insecure-serverless-api examples/hardened-serverless-api",
                                           "sarif-file": str(tmp_path / "g.sarif"), "fail-on": "high"})
    assert r.returncode == 1 and "Rollout" in r.stdout


def test_the_actions_scan_step_gives_no_input_to_the_shell(tmp_path):
    marker = tmp_path / "injected"
    r, outputs = _run_scan_step(tmp_path, {"path": "examples/hardened-serverless-api",
                                           "sarif-file": str(tmp_path / "x.sarif"),
                                           "stack": f"dev; touch {marker}", "settings": f"$(touch {marker})"})
    assert r.returncode == 2 and not marker.exists()
    assert "exit-code=2" in outputs


def test_the_action_uploads_its_sarif_even_when_the_scan_fails():
    steps = _action()["runs"]["steps"]
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["if"].startswith("always()") and upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    install = next(s for s in steps if s.get("name") == "Install serverless-guard")
    assert "[aws,html]" in install["run"]


def test_the_pre_commit_hook_runs_its_entry_from_the_repository_root(tmp_path):
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as f:
        hook = yaml.safe_load(f)[0]
    assert hook["id"] == "serverless-guard" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    assert all(files.search(p) for p in ("Pulumi.yaml", "Pulumi.prod.yaml", "__main__.py", "infra/index.ts"))
    assert not files.search("README.md")
    entry = hook["entry"].split()
    assert entry[0] == "serverless-guard"
    for example, expected in (("insecure-serverless-api", 1), ("hardened-serverless-api", 0)):
        repo = tmp_path / example
        shutil.copytree(os.path.join(ROOT, "examples", example), repo)
        r = subprocess.run([sys.executable, "-m", "policies", *entry[1:], *hook["args"]], cwd=repo,
                           env={**os.environ, "PYTHONPATH": ROOT}, capture_output=True, text=True, timeout=300)
        assert r.returncode == expected, (example, r.stderr[-500:])
