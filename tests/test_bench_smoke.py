"""The benchmark script must keep working; this runs it at a tiny size (it measures nothing here)."""
import json
import subprocess
import sys

from conftest import ROOT


def test_benchmark_runs_at_a_tiny_size(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, "bench/run.py", "--sizes", "100", "--repeat-start", "1", "--json", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Analyze median (ms)" in r.stdout and "AnalyzeStack (s)" in r.stdout
    row = json.loads(out.read_text())["100"]
    assert set(row) == {"floor", "serverless-guard"}
    assert row["floor"]["findings"] == 0 < row["serverless-guard"]["findings"]
    assert row["serverless-guard"]["remediations"] > 0  # every fix at level remediate
