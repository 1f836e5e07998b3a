"""Accuracy of the default profile on the project's corpus of realistic apps (tests/corpus/).

    python bench/accuracy.py [--markdown]

Each app folder holds a Pulumi Python program written the way tutorials and teams write them and an
``expected.yaml``: the findings a reviewer expects (``expected``), findings the pack gives that a
reviewer would not act on (``known_false_positives``), exposures it misses (``known_misses``),
exempted findings (reported as advisory with their reason, not counted) and findings that must not
appear (``must_not``). Each app is scanned through the engine path in update and preview mode with
the pack's shipped settings (an app's own serverless-guard.yaml when it has one).

precision = true positives / findings given; recall = true positives / findings expected.
tests/test_corpus.py keeps the findings exactly as the expected files say.
"""
from __future__ import annotations

import argparse
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "tests", "corpus")
sys.path.insert(0, ROOT)

CANT_RUN = "can't run policy"


def apps() -> list:
    return sorted(d for d in os.listdir(CORPUS) if os.path.isfile(os.path.join(CORPUS, d, "expected.yaml")))


def expectations(app: str) -> dict:
    with open(os.path.join(CORPUS, app, "expected.yaml"), encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return {k: {tuple(x) for x in data.get(k) or []}
            for k in ("expected", "must_not", "known_false_positives", "known_misses", "exempted")}


def findings(app: str, mode: str) -> tuple:
    """(counted findings, exempted findings, can't-run notices) as sets of (policy, resource)."""
    from policies.harness import capture, engine

    folder = os.path.join(CORPUS, app)
    settings = os.path.join(folder, "serverless-guard.yaml")
    env = {"SERVERLESS_GUARD_SETTINGS": settings} if os.path.isfile(settings) else {}
    cap = capture.run_directory(folder, mode=mode)
    with engine.PackProcess(dry_run=mode == "preview", extra_env=env) as pack:
        pack.start()
        diags = pack.run(cap.records)
    counted, exempted, notices = set(), set(), set()
    for d in diags:
        key = (d.policy, d.resource)
        if CANT_RUN in d.message:
            notices.add(key)
        elif d.exemption is not None:
            exempted.add(key)
        else:
            counted.add(key)
    return counted, exempted, notices


def measure() -> list:
    rows = []
    for app in apps():
        exp = expectations(app)
        given, exempted, _ = findings(app, "update")
        tp = given & exp["expected"]
        rows.append({"app": app, "given": len(given), "expected": len(exp["expected"]), "tp": len(tp),
                     "fp": len(given - exp["expected"]), "fn": len(exp["expected"] - given),
                     "exempted": len(exempted)})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    rows = measure()
    tp, given, expected = (sum(r[k] for r in rows) for k in ("tp", "given", "expected"))
    precision, recall = tp / given if given else 1.0, tp / expected if expected else 1.0
    if args.markdown:
        print("| app | findings | expected | true positives | false positives | misses | exempted |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['app']} | {r['given']} | {r['expected']} | {r['tp']} | {r['fp']} | {r['fn']} | {r['exempted']} |")
        print(f"| **all** | {given} | {expected} | {tp} | {given - tp} | {expected - tp} | "
              f"{sum(r['exempted'] for r in rows)} |")
        print(f"\nprecision {precision:.3f}, recall {recall:.3f}")
    else:
        for r in rows:
            print(f"{r['app']:28} given {r['given']:3} expected {r['expected']:3} tp {r['tp']:3} fp {r['fp']:2} fn {r['fn']:2}")
        print(f"precision {precision:.3f}  recall {recall:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
