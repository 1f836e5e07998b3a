"""A Python program's @pulumi/aws-apigateway RestAPI (a multi-language component, built by its plugin at deploy
time) is built by ``policies/engine/rest_api.py`` as the plugin's library builds it. Checked against that
library itself: the TypeScript twin of the same program, whose RestAPI @pulumi/awsx builds in the program's
process, must get exactly the same findings (policy, resource, type and message) in update and preview."""
from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

NODE_MODULES = os.path.join(ROOT, ".ci", "node_modules")
PY = os.path.join(ROOT, "tests", "fixtures", "rest_api_py")
TS = os.path.join(ROOT, "tests", "fixtures", "ts", "rest_api_app")
HAVE_NODE = shutil.which("node") is not None and os.path.isdir(os.path.join(NODE_MODULES, "@pulumi", "awsx"))


def _scan(path: str, mode: str, tmp_path, *args) -> dict:
    out = tmp_path / f"{os.path.basename(path)}-{mode}.json"
    env = {**os.environ, "NODE_PATH": NODE_MODULES}
    proc = subprocess.run([sys.executable, "-m", "policies", "scan", path, "--json", str(out), *args,
                           *(["--preview"] if mode == "preview" else [])], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "nothing inside them was judged" not in proc.stderr, proc.stderr   # the component was built
    return json.loads(out.read_text())


def _findings(report: dict) -> collections.Counter:
    return collections.Counter((f["policy"], f["resource"], f["type"], f["message"]) for f in report["findings"])


@pytest.mark.parametrize("mode", ["update", "preview"])
def test_a_python_rest_api_is_judged_as_its_plugin_builds_it(mode, tmp_path):
    python = _scan(PY, mode, tmp_path)
    found = _findings(python)
    names = {(p, r, t) for p, r, t, _ in found}
    # what the component builds is judged, named as the library names it (in preview the OpenAPI body holds
    # the function's unknown ARN, so the route rules are undecided there, as they are for the library's build)
    assert ("apigw-execution-logging", "shop", "aws:apigateway/stage:Stage") in names
    # the component passes only the stage's name on to its Stage: what only a Stage property would fix (X-Ray,
    # access logs) is not reported, nobody can act on it (core/components.py); what a resource of the program's
    # own fixes is, in the component's outputs
    assert not {(p, r) for p, r, _ in names} & {("apigw-xray", "shop"), ("apigw-access-logging", "shop")}
    fixes = {f["policy"]: f["remediation"] for f in python["findings"] if f["type"] == "aws:apigateway/stage:Stage"}
    assert 'aws.apigateway.MethodSettings("shop-logging", rest_api=shop.api.id, stage_name=shop.stage.stage_name' \
        in fixes["apigw-execution-logging"], fixes
    assert 'aws.wafv2.WebAclAssociation("shop-waf", resource_arn=shop.stage.arn' in fixes["apigw-rest-stage-waf"], fixes
    if mode == "update":
        assert ("apigw-method-no-auth", "shop", "aws:apigateway/restApi:RestApi") in names
        no_auth = [m for p, _, _, m in found if p == "apigw-method-no-auth"]
        # the component's own terms: a route of the RestAPI, its authorizers (not a hand-built Method)
        assert any("route GET /orders of the RestAPI component has no authorizer and no API key: anyone can call "
                   "it. Give the route authorizers (or api_key_required)." in m for m in no_auth), no_auth
        fixes = [f["remediation"] for f in python["findings"] if f["policy"] == "apigw-method-no-auth"]
        assert any('apigateway.RestAPI("shop", routes=[{"path": "/orders", "method": "GET", "event_handler": '
                   'handler, "authorizers": [authorizer]}])' in fix for fix in fixes), fixes
        assert not any("aws.apigateway.Method(" in fix for fix in fixes), fixes
        assert not any("/admin" in m for m in no_auth)              # iam_auth_enabled
        assert not any("POST /orders" in m for m in no_auth)        # api_key_required
    if not HAVE_NODE:
        if os.environ.get("CI"):
            raise RuntimeError(".ci/run installs @pulumi/awsx into .ci/node_modules; it is missing")
        pytest.skip("the TypeScript twin needs .ci/node_modules")
    typescript = _scan(TS, mode, tmp_path, "--language", "python")
    assert found == _findings(typescript)
    # (the component's static-route bucket is the component's own: no S3 hygiene finding, core/buckets.py)
    assert sum(found.values()) >= (13 if mode == "update" else 9)
    # the role and AmazonS3FullAccess attachment the component makes for its static routes are its own
    assert not any(r.startswith("shop4c238266") for _, r, _ in names)
    assert not any(p.startswith("s3-") and r == "shop" for p, r, _ in names)
