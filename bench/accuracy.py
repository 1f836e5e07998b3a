"""Accuracy of the default profile on a corpus: the project's realistic apps (tests/corpus/, the default)
or the public programs nobody on this team wrote (tests/public/, ``--corpus public``).

    python bench/accuracy.py [--corpus own|public] [--markdown] [--preview]

Each app folder holds a Pulumi program (Python, or TypeScript run with its node_modules) and an
``expected.yaml``: the findings a reviewer expects (``expected``), findings the pack gives that a
reviewer would not act on (``known_false_positives``), exposures it misses (``known_misses``),
exempted findings (reported as advisory with their reason, not counted) and findings that must not
appear (``must_not``). Each app is scanned through the engine path in update and preview mode with
the pack's shipped settings (an app's own serverless-guard.yaml when it has one).

precision = true positives / findings given; recall = true positives / findings expected, per language
and in all. tests/test_corpus.py and tests/test_public.py keep the findings exactly as the expected files
say. ``--preview`` also runs every program in preview and reports the ones whose preview gives a
violation the update does not.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "tests", "corpus")
PUBLIC = os.path.join(ROOT, "tests", "public")
sys.path.insert(0, ROOT)

CANT_RUN = "can't run policy"


def apps(corpus: str = CORPUS) -> list:
    return sorted(d for d in os.listdir(corpus) if os.path.isfile(os.path.join(corpus, d, "expected.yaml")))


def language(app: str, corpus: str = CORPUS) -> str:
    from policies.engine import capture

    return "typescript" if capture.program_settings(os.path.join(corpus, app))[3] == "nodejs" else "python"


def expectations(app: str, corpus: str = CORPUS) -> dict:
    with open(os.path.join(corpus, app, "expected.yaml"), encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return {k: {tuple(x) for x in data.get(k) or []}
            for k in ("expected", "must_not", "known_false_positives", "known_misses", "exempted", "preview_only")}


@functools.cache
def records(app: str, mode: str, corpus: str = CORPUS) -> list:
    """The program's resources, run fenced in a process of its own as ``scan`` runs it (once per run)."""
    from policies.engine import fence

    return fence.run_fenced(os.path.join(corpus, app), mode=mode)


def findings(app: str, mode: str, corpus: str = CORPUS, recs: list | None = None) -> tuple:
    """(counted findings, exempted findings, can't-run notices) as sets of (policy, resource)."""
    from policies.engine import analyzer

    folder = os.path.join(corpus, app)
    settings = os.path.join(folder, "serverless-guard.yaml")
    recs = records(app, mode, corpus) if recs is None else recs
    with analyzer.PackProcess(dry_run=mode == "preview", settings=settings if os.path.isfile(settings) else None,
                              language="typescript" if language(app, corpus) == "typescript" else None) as pack:
        pack.start()
        diags = pack.run(recs)
    return classify(diags)


def classify(diags) -> tuple:
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


def measure(corpus: str = CORPUS, preview: bool = False) -> list:
    rows = []
    for app in apps(corpus):
        exp = expectations(app, corpus)
        given, exempted, _ = findings(app, "update", corpus)
        tp = given & exp["expected"]
        row = {"app": app, "language": language(app, corpus), "given": len(given),
               "expected": len(exp["expected"]), "tp": len(tp), "fp": len(given - exp["expected"]),
               "fn": len(exp["expected"] - given), "exempted": len(exempted),
               # findings the reviewer listed nowhere: neither wanted nor a known false positive
               "unlisted": len(given - exp["expected"] - exp["known_false_positives"])}
        if preview:
            in_preview = findings(app, "preview", corpus)[0]
            row["preview_extra"] = sorted(in_preview - given)
        rows.append(row)
    return rows


def _ratio(rows: list) -> tuple:
    tp, given, expected = (sum(r[k] for r in rows) for k in ("tp", "given", "expected"))
    return tp, given, expected, (tp / given if given else 1.0), (tp / expected if expected else 1.0)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", choices=["own", "public"], default="own")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--preview", action="store_true", help="also run every program in preview")
    args = parser.parse_args()
    rows = measure(PUBLIC if args.corpus == "public" else CORPUS, preview=args.preview)
    groups = [(lang, [r for r in rows if r["language"] == lang]) for lang in ("python", "typescript")]
    groups = [(lang, rs) for lang, rs in groups if rs] + [("all", rows)]
    if args.markdown:
        print("| app | language | findings | expected | true positives | false positives | misses | unlisted | "
              "exempted |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['app']} | {r['language']} | {r['given']} | {r['expected']} | {r['tp']} | {r['fp']} | "
                  f"{r['fn']} | {r['unlisted']} | {r['exempted']} |")
        print()
        print("| language | programs | findings | expected | precision (share wanted) | recall | unlisted |")
        print("|---|---|---|---|---|---|---|")
        for lang, rs in groups:
            tp, given, expected, precision, recall = _ratio(rs)
            print(f"| {lang} | {len(rs)} | {given} | {expected} | {precision:.3f} | {recall:.3f} | "
                  f"{sum(r['unlisted'] for r in rs)} |")
    else:
        for r in rows:
            print(f"{r['app']:42} {r['language']:10} given {r['given']:3} expected {r['expected']:3} tp {r['tp']:3} "
                  f"fp {r['fp']:2} fn {r['fn']:2}")
        for lang, rs in groups:
            tp, given, expected, precision, recall = _ratio(rs)
            print(f"{lang:10} programs {len(rs):2}  precision {precision:.3f}  recall {recall:.3f}  "
                  f"unlisted {sum(r['unlisted'] for r in rs)}")
    if args.preview:
        extra = [(r["app"], r["preview_extra"]) for r in rows if r["preview_extra"]]
        print(f"\npreview adds a violation the update lacks: {extra or 'never'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
