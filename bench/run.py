"""Benchmark: serverless-guard against a floor pack, through the same gRPC path the engine uses.

    python bench/run.py [--sizes 100,1000,10000] [--repeat-start 3] [--json FILE]

Stacks are built from the bundled example programs (captured under mocks), cloned with unique
names and URNs until they reach each size. For each pack and size it reports: start (spawn to
port, median of --repeat-start), median and p95 Analyze and median Remediate per resource,
AnalyzeStack (median of 9 calls, 3 from 10,000 resources on; the request built beforehand as the
engine does), and the pack process's peak memory (VmHWM) - and the ratios to the floor measured in
the same run. The packs run side by side and every request goes to each of them in turn, so the
ratios compare the packs under the same load.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from policies.engine import analyzer  # noqa: E402
from policies.engine.program import run_directory  # noqa: E402
from policies.engine.capture import Record  # noqa: E402

PACKS = {"floor": os.path.join(HERE, "floor_pack"), "serverless-guard": ROOT}
AWSGUARD_DIR = os.path.join(HERE, "awsguard_pack")
AWSGUARD_CMD = ["node", os.path.join(AWSGUARD_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack")]


def base_records() -> list:
    """The bundled examples and the seven corpus apps (tests/corpus): nine realistic serverless apps,
    insecure, hardened and in between, 194 resources."""
    records = []
    folders = [os.path.join(ROOT, "examples", e) for e in ("insecure-serverless-api", "hardened-serverless-api")]
    corpus = os.path.join(ROOT, "tests", "corpus")
    folders += [os.path.join(corpus, app) for app in sorted(os.listdir(corpus))]
    for folder in folders:
        cap = run_directory(folder, mode="update")
        records.extend(r for r in cap.records if r.type != "pulumi:pulumi:Stack")
    # registration order varies between runs (the program's outputs resolve concurrently); sorted, a
    # stack of any size holds the same resources every run
    return sorted(records, key=lambda r: r.urn)


def _unique_values(base: list) -> list:
    """ARNs, ids, names and URLs the base resources carry: what must differ between copies."""
    vals = set()
    for r in base:
        for k in ("arn", "id", "name", "bucket", "url", "executionArn", "invokeArn"):
            v = r.outputs.get(k)
            if isinstance(v, str) and len(v) >= 6:
                vals.add(v)
    return sorted(vals, key=len, reverse=True)


def _rename(d: dict, values: list, suffix: str) -> dict:
    text = json.dumps(d)
    for v in values:
        if v in text:
            text = text.replace(v, v + suffix)
    return json.loads(text)


def stack_of(size: int, base: list, rename_values: bool = True) -> list:
    """``size`` resources: copies of ``base`` with unique names, URNs, ARNs and ids, dependencies
    remapped, so a copy joins with its own resources only, as in a real stack (with ``rename_values``
    False, every copy keeps the same ARNs, ids and names)."""
    out, i = [], 0
    values = _unique_values(base) if rename_values else []
    while len(out) < size:
        suffix = f"-c{i}"
        urn_map = {r.urn: r.urn + suffix for r in base}
        for r in base:
            if len(out) >= size:
                break
            out.append(Record(
                type=r.type, name=r.name + suffix, urn=urn_map[r.urn], parent=r.parent,
                dependencies=[urn_map.get(d, d) for d in r.dependencies],
                property_dependencies={k: [urn_map.get(u, u) for u in v] for k, v in r.property_dependencies.items()},
                inputs=_rename(r.inputs, values, suffix), outputs=_rename(r.outputs, values, suffix)))
        i += 1
    return out


def stack_request_of(records: list):
    from pulumi.runtime.proto import analyzer_pb2 as pb

    return pb.AnalyzeStackRequest(resources=[pb.AnalyzerResource(
        type=r.type, properties=analyzer._struct(r.outputs), urn=r.urn, name=r.name,
        options=pb.AnalyzerResourceOptions(parent=r.parent or ""), parent=r.parent or "",
        dependencies=r.dependencies,
        propertyDependencies={k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()})
        for r in records])


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def remediate_config() -> dict:
    """Every policy that has a fix at level remediate: the configuration whose Remediate is timed."""
    from policies import REGISTRY

    return {r.id: "remediate" for r in REGISTRY.values() if r.fix is not None}


def _pack(name: str):
    """(pack directory, extra environment, command) of a pack the benchmark compares."""
    if name == "awsguard":
        return AWSGUARD_DIR, {}, AWSGUARD_CMD
    return PACKS[name], {}, None


def measure(names: list, records: list, repeat_start: int) -> dict:
    """Every pack in ``names`` on the same requests, interleaved.

    The packs run side by side and each request goes to every pack in turn (the order alternating
    from one request to the next), so a slow moment of a shared machine costs every pack alike and
    the ratios compare like with like. Start is measured in alternation too."""
    from pulumi.runtime.proto import analyzer_pb2 as pb

    starts: dict = {n: [] for n in names}
    for _ in range(repeat_start - 1):
        for n in names:
            path, env, command = _pack(n)
            p = analyzer.PackProcess(path, extra_env=env, command=command)
            starts[n].append(p.start_seconds)
            p.close()
    procs: dict = {}
    try:
        for n in names:
            path, env, command = _pack(n)
            procs[n] = analyzer.PackProcess(path, extra_env=env, command=command)
            starts[n].append(procs[n].start_seconds)
            procs[n].start(remediate_config() if n == "serverless-guard" else {})
        requests = [pb.AnalyzeRequest(type=r.type, properties=analyzer._struct(r.inputs), urn=r.urn, name=r.name,
                                      options=pb.AnalyzerResourceOptions(parent=r.parent or "")) for r in records]
        for n in names:
            for req in requests[:50]:  # warm-up: lazy imports, dispatch caches
                procs[n].stub.Analyze(req)
                procs[n].stub.Remediate(req)

        def timed(method: str, reqs: list, count) -> dict:
            out = {n: ([], [0]) for n in names}
            for i, req in enumerate(reqs):
                for n in (names if i % 2 == 0 else names[::-1]):
                    call = getattr(procs[n].stub, method)
                    t = time.perf_counter()
                    resp = call(req)
                    out[n][0].append(time.perf_counter() - t)
                    out[n][1][0] += count(resp)
            return out

        analyze = timed("Analyze", requests, lambda resp: len(resp.diagnostics))
        # Remediate, which the engine calls before Analyze for every resource.
        remediate = timed("Remediate", requests, lambda resp: len(resp.remediations))
        # The engine builds the request; only the pack's handling of it is timed (the median of 9 calls,
        # 3 from 10,000 resources on).
        calls = 3 if len(records) >= 10000 else 9
        stack = timed("AnalyzeStack", [stack_request_of(records)] * calls, lambda resp: len(resp.diagnostics))
        rss = {n: peak_rss_mb(procs[n].proc.pid) for n in names}
    finally:
        for p in procs.values():
            p.close()
    row = {}
    for n in names:
        times = sorted(analyze[n][0])
        row[n] = {"start_s": statistics.median(starts[n]), "analyze_median_ms": statistics.median(times) * 1000,
                  "analyze_p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
                  "remediate_median_ms": statistics.median(remediate[n][0]) * 1000,
                  "remediations": remediate[n][1][0], "analyze_stack_s": statistics.median(stack[n][0]),
                  "peak_rss_mb": rss[n], "findings": analyze[n][1][0] + stack[n][1][0] // calls}
    return row


def compile_packs() -> None:
    """Each Python pack's modules compiled to bytecode first, as an installed pack has them after its first
    run: with ``PYTHONDONTWRITEBYTECODE`` set, or a module changed since, every start would compile the
    modules it imports again, and start would measure the compiler."""
    import compileall

    for folder in (os.path.join(ROOT, "policies"), PACKS["floor"]):
        compileall.compile_dir(folder, quiet=1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat-start", type=int, default=3)
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--awsguard", action="store_true",
                    help="also measure AWSGuard (Node.js); run `npm install` in bench/awsguard_pack first")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    names = ["floor", "serverless-guard"] + (["awsguard"] if args.awsguard else [])
    compile_packs()
    base = base_records()
    print(f"# {time.strftime('%Y-%m-%d')}  {platform.python_implementation()} {platform.python_version()}  "
          f"{os.cpu_count()} cores  base stack {len(base)} resources")
    results = {}
    for size in sizes:
        row = measure(names, stack_of(size, base), args.repeat_start)
        results[size] = row
        f, g, a = row["floor"], row["serverless-guard"], row.get("awsguard")
        print(f"\n## {size} resources")
        print(f"{'':22}{'floor':>12}{'serverless-guard':>18}{'ratio':>8}" + (f"{'AWSGuard':>12}{'ratio':>8}" if a else ""))
        for key, label in (("start_s", "start (s)"), ("analyze_median_ms", "Analyze median (ms)"),
                           ("analyze_p95_ms", "Analyze p95 (ms)"), ("remediate_median_ms", "Remediate median (ms)"),
                           ("analyze_stack_s", "AnalyzeStack (s)"),
                           ("peak_rss_mb", "peak memory (MB)")):
            ratio = g[key] / f[key] if f[key] else float("nan")
            extra = f"{a[key]:>12.4f}{a[key] / f[key] if f[key] else float('nan'):>8.2f}" if a else ""
            print(f"{label:22}{f[key]:>12.4f}{g[key]:>18.4f}{ratio:>8.2f}" + extra)
        print(f"{'findings':22}{f['findings']:>12}{g['findings']:>18}" + (f"{a['findings']:>12}{'':8}" if a else ""))
    if len(sizes) > 1 and 1000 in results and 10000 in results:
        growth = results[10000]["serverless-guard"]["analyze_stack_s"] / results[1000]["serverless-guard"]["analyze_stack_s"]
        print(f"\nAnalyzeStack growth 1,000 -> 10,000 resources: {growth:.1f}x")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
