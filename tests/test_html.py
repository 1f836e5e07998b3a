"""scan --html: a self-contained page with the exposure map, opened in a real browser (headless Chromium over
the DevTools protocol): every entry point, function and data store of the example is on the map, a public
path to data is marked, clicking a node shows its findings, nothing is fetched from the network, no console
error occurs; a screenshot is saved under the test's output."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

from conftest import ROOT

EXAMPLE = os.path.join("examples", "insecure-serverless-api")   # as a CI job names it (the page shows it)
ENTRIES = {"webhook-url", "webhook-public", "orders-anyone", "orders-api", "http-api"}
FUNCTIONS = {"orders", "webhook"}
STORES = {"uploads", "jobs", "events", "orders-table", "db-password", "data", "api-key"}


def scan(*args):
    return subprocess.run([sys.executable, "-m", "policies", "scan", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    r = scan(EXAMPLE, "--html", str(out), "--quiet")
    assert r.returncode == 1, r.stderr   # the example's mandatory findings
    return out


def _data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


def test_the_page_is_self_contained_and_carries_the_map(report):
    text = report.read_text(encoding="utf-8")
    assert "default-src 'none'" in text                      # nothing may be fetched, by policy
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    stack = _data(report)["stacks"][0]
    by_layer: dict = {}
    for n in stack["nodes"]:
        by_layer.setdefault(n["layer"], set()).add(n["label"])
    assert ENTRIES <= by_layer["entry"] and FUNCTIONS <= by_layer["function"] and STORES <= by_layer["store"]
    assert by_layer["role"] == {"shared-role"}
    labels = {n["id"]: n["label"] for n in stack["nodes"]}
    path = {(labels[e["source"]], labels[e["target"]], e["kind"]) for e in stack["edges"] if e["onPath"]}
    # the public URL reaches the webhook, which runs as the shared role, which administers the orders table
    assert {("webhook-url", "webhook", "invokes"), ("webhook", "shared-role", "runs as"),
            ("shared-role", "orders-table", "admin")} <= path
    assert not any(labels[e["target"]] == "events" for e in stack["edges"] if e["onPath"])
    worst = {n["label"]: n["worst"] for n in stack["nodes"]}
    assert worst["shared-role"] == "critical" and worst["orders-api"]   # a role's and an API's own findings


def test_text_from_the_input_is_data_never_markup(tmp_path):
    program = tmp_path / "prog"
    program.mkdir()
    (program / "Pulumi.yaml").write_text("name: app\nruntime: python\n")
    (program / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "fn = aws.lambda_.Function('</script><img src=x onerror=alert(1)>', role='arn:aws:iam::123456789012:role/r',"
        " runtime='python3.13', handler='i.h', s3_bucket='b', s3_key='k')\n"
        "aws.lambda_.FunctionUrl('u\\u202e', function_name=fn.name, authorization_type='NONE')\n")
    out = tmp_path / "r.html"
    r = scan(str(program), "--html", str(out), "--quiet")
    assert r.returncode in (0, 1), r.stderr
    text = out.read_text(encoding="utf-8")
    assert "<img" not in text and "</script><" not in text.split('id="data">', 1)[1].split("</script>")[0]
    assert "\u202e" not in text
    labels = {n["label"] for n in _data(out)["stacks"][0]["nodes"]}
    assert "</script><img src=x onerror=alert(1)>" in labels and "u\\u202e" in labels


def test_several_stacks_give_the_rollout_view(tmp_path):
    out = tmp_path / "many.html"
    js = tmp_path / "many.json"
    r = scan(EXAMPLE, os.path.join("examples", "hardened-serverless-api"), "--html", str(out),
             "--json", str(js))
    assert r.returncode == 1, r.stderr
    doc = json.loads(js.read_text())
    assert [s["name"] for s in doc["stacks"]] == ["insecure-serverless-api", "hardened-serverless-api"]
    rows = {row["policy"]: row for row in doc["rollout"]}
    assert rows["iam-trust-public"]["wouldStop"] == ["insecure-serverless-api"]
    assert rows["iam-trust-public"]["stacks"] == 1 and rows["iam-trust-public"]["level"] == "mandatory"
    assert all(f["stack"] in ("insecure-serverless-api", "hardened-serverless-api") for f in doc["findings"])
    assert "Rollout" in r.stdout and "would stop: insecure-serverless-api" in r.stdout
    assert len(_data(out)["stacks"]) == 2 and _data(out)["rollout"]


# --- in a real browser ---------------------------------------------------------------------------------------

def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        assert not os.environ.get("CI"), ".ci/run installs Debian's chromium; it is missing"
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    return found


class Browser:
    """Headless Chromium and one page, driven over the DevTools protocol (a websocket on loopback)."""

    def __init__(self, binary: str, profile: str):
        import websocket

        self.proc = subprocess.Popen([binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                      "--remote-debugging-port=0", f"--user-data-dir={profile}",
                                      "--window-size=1440,1000", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        port = None
        while port is None and time.time() < deadline:
            # chromium creates the file, then writes the port into it: an empty file is not ready yet
            words = open(port_file).read().split() if os.path.exists(port_file) else []
            if words and words[0].isdigit():
                port = int(words[0])
            else:
                time.sleep(0.1)
        assert port is not None, "chromium wrote no DevTools port within 30 s"
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10).read())
        page = next(p for p in pages if p.get("type") == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id, self.events = 0, []

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return msg.get("result", {})
            self.events.append(msg)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait()


def test_the_report_in_a_real_browser(report, tmp_path):
    browser = Browser(_chromium(), tempfile.mkdtemp(prefix="sg-chromium-"))
    try:
        for domain in ("Network", "Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable")
        browser.call("Page.navigate", url=report.as_uri())
        deadline = time.time() + 30
        while not browser.evaluate("document.querySelectorAll('svg .node').length") and time.time() < deadline:
            time.sleep(0.2)
        labels = browser.evaluate("[...document.querySelectorAll('svg .node')].map(n => n.dataset.label)")
        assert ENTRIES | FUNCTIONS | STORES | {"shared-role"} <= set(labels)
        assert browser.evaluate("document.querySelectorAll('svg .edge.on-path').length") >= 4
        # a real click on the role's node shows its findings, with level, severity, location and fix
        box = browser.evaluate("(() => { const r = document.querySelector('[data-label=\"shared-role\"]')"
                               ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            browser.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)
        panel = browser.evaluate("document.querySelector('[data-role=panel]').textContent")
        assert "iam-trust-public" in panel and "mandatory" in panel and "critical" in panel
        assert "__main__.py:10" in panel and "Fix:" in panel
        # the table's filters
        shown = browser.evaluate("(() => { const s = document.querySelector('select[data-filter=level]');"
                                 " s.value = 'mandatory'; s.dispatchEvent(new Event('change'));"
                                 " return [...document.querySelectorAll('table[data-role=findings] tr')]"
                                 ".filter(r => !r.hidden && r.querySelector('td')).length; })()")
        assert shown == 4
        shot = browser.call("Page.captureScreenshot", format="png")
        (tmp_path / "report.png").write_bytes(base64.b64decode(shot["data"]))
        if os.environ.get("SG_SCREENSHOT"):   # how docs/exposure-map.png is made
            with open(os.environ["SG_SCREENSHOT"], "wb") as f:
                f.write(base64.b64decode(shot["data"]))
        browser.evaluate("1")   # drain the events
        requests = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"]
        assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests
        errors = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"
                  or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")
                  or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
        assert not errors, errors
    finally:
        browser.close()
