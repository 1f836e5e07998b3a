"""The corpus of realistic apps (tests/corpus/): findings exactly as a reviewer expects them (the
known false positives and misses listed, so docs/accuracy.md stays honest), nothing on the must-not
list, and a preview that adds no violation the update lacks."""
from __future__ import annotations

import os
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import accuracy  # noqa: E402

APPS = accuracy.apps()


def test_the_corpus_has_at_least_six_apps():
    assert len(APPS) >= 6


@pytest.mark.parametrize("app", APPS)
def test_update_findings_are_exactly_what_a_reviewer_expects(app):
    exp = accuracy.expectations(app)
    given, exempted, notices = accuracy.findings(app, "update")
    assert not notices, f"{app}: could not decide on update: {notices}"
    assert given == (exp["expected"] - exp["known_misses"]) | exp["known_false_positives"], app
    assert exempted == exp["exempted"], app
    assert not (given | exempted) & exp["must_not"], app


@pytest.mark.parametrize("app", APPS)
def test_preview_adds_no_violation(app):
    update, update_exempted, _ = accuracy.findings(app, "update")
    preview, preview_exempted, _ = accuracy.findings(app, "preview")
    assert preview <= update and preview_exempted <= update_exempted, (app, preview - update)


def test_precision_and_recall_meet_the_bar():
    rows = accuracy.measure()
    tp = sum(r["tp"] for r in rows)
    assert tp / sum(r["given"] for r in rows) >= 0.85
    assert tp / sum(r["expected"] for r in rows) >= 0.97
