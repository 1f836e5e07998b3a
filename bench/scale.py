"""Scale benchmark: ``scan`` of a large ``pulumi stack export``, end to end, in CPU time and memory.

    python bench/scale.py [--sizes 1000,10000,100000] [--shapes distinct,shared] [--json FILE]

For each size and shape it writes a stack export (deployment version 3) built from the bundled
example programs, then runs ``python -m policies scan EXPORT --json FILE --quiet`` as a user would and
reports:
- the CPU time (user + system) of the scan and of every process it started (the pack), from
  ``getrusage(RUSAGE_CHILDREN)``;
- the wall time;
- the peak memory: the largest sum of resident memory over the scan's process tree, sampled every
  50 ms from ``/proc``, and the largest single process's high-water mark (``ru_maxrss``);
- the number of findings.

Shapes:
- ``distinct``: copies of the examples with unique names, URNs, ARNs and ids, as in a real stack;
- ``shared``: copies with unique names and URNs that keep the examples' physical ids, ARNs and names,
  so every copy's value joins match thousands of resources (what a hostile or generated export can do).

The goal (docs/performance.md): 100,000 resources in under 60 s of CPU and 1 GB of memory in both shapes.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from run import base_records, stack_of  # noqa: E402



def shared_stack_of(size: int, base: list) -> list:
    """``size`` resources: copies of ``base`` with unique names and URNs, dependencies remapped, and
    the same physical values (ARNs, ids, names) in every copy."""
    return stack_of(size, base, rename_values=False)


def write_export(path: str, records: list) -> None:
    resources = [{"urn": r.urn, "type": r.type, "custom": True, "inputs": r.inputs, "outputs": r.outputs,
                  "parent": r.parent or None, "dependencies": r.dependencies,
                  "propertyDependencies": r.property_dependencies} for r in records]
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"version": 3, "deployment": {"manifest": {}, "resources": resources}}, f)


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and its descendants, in kB."""
    children: dict = {}
    rss: dict = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(pid))
            rss[int(pid)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def measure(export: str, out_json: str, config: str | None = None) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "policies", "scan", export, "--json", out_json, "--quiet",
                             *(["--config", config] if config else [])],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace").strip()
    proc.stderr.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan of {export} failed (exit {proc.returncode}): {err}")
    with open(out_json, encoding="utf-8") as f:
        findings = len(json.load(f)["findings"])
    return {"cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "wall_s": round(wall, 2), "peak_tree_mb": round(peak / 1024, 1),
            "max_process_mb": round(after.ru_maxrss / 1024, 1), "findings": findings}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--shapes", default="distinct,shared")
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--patterns", default="",
                    help="also scan a 10,000-resource stack with this many ignoreResources patterns (half "
                         "globs, half literal names; none matching) on three policies, e.g. 20000,40000")
    args = ap.parse_args(argv)
    base = base_records()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                records = (stack_of if shape == "distinct" else shared_stack_of)(size, base)
                export = os.path.join(tmp, f"{shape}-{size}.json")
                write_export(export, records)
                del records
                mb = os.path.getsize(export) / 1e6
                row = {"shape": shape, "resources": size, "export_mb": round(mb, 1),
                       **measure(export, os.path.join(tmp, "out.json"))}
                os.unlink(export)
                results.append(row)
                print(f"{shape:9} {size:>7} resources  export {row['export_mb']:7.1f} MB  cpu {row['cpu_s']:7.2f} s  "
                      f"wall {row['wall_s']:7.2f} s  peak tree {row['peak_tree_mb']:7.1f} MB  "
                      f"largest process {row['max_process_mb']:7.1f} MB  findings {row['findings']}", flush=True)
    if args.patterns:
        with tempfile.TemporaryDirectory() as tmp:
            export = os.path.join(tmp, "stack.json")
            write_export(export, stack_of(10000, base))
            for n in (int(s) for s in args.patterns.split(",")):
                config = os.path.join(tmp, "config.json")
                patterns = [f"team-{i}-*" for i in range(n // 2)] + [f"legacy-{i}" for i in range(n - n // 2)]
                with open(config, "w", encoding="utf-8") as f:
                    json.dump({p: {"ignoreResources": patterns}
                               for p in ("lambda-xray", "lambda-log-retention", "s3-policy-public")}, f)
                row = {"shape": "patterns", "resources": 10000, "patterns": n,
                       **measure(export, os.path.join(tmp, "out.json"), config)}
                results.append(row)
                print(f"{n:>7} ignoreResources patterns on 3 policies, 10000 resources: cpu {row['cpu_s']:7.2f} s  "
                      f"peak tree {row['peak_tree_mb']:7.1f} MB  findings {row['findings']}", flush=True)
    for shape in args.shapes.split(","):
        rows = [r for r in results if r["shape"] == shape]
        if len(rows) > 1:
            print(f"{shape}: CPU growth {rows[0]['resources']:,} -> {rows[-1]['resources']:,} resources: "
                  f"{rows[-1]['cpu_s'] / max(rows[0]['cpu_s'], 1e-9):.1f}x "
                  f"(size {rows[-1]['resources'] / rows[0]['resources']:.0f}x)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
