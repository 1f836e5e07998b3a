"""The mutation check: a broken rule must fail its own cases.

Every rule is broken three ways (its check raises on every call, finds nothing, or raises exactly
where it would report) in a pack process that carries every rule's mutant at once (a rule's check
only produces that rule's diagnostics), and every rule's cases are judged against it in update mode:
each mutant of each rule must fail at least one of that rule's cases. Every rule, on every run;
``SG_MUTATION_RULES`` (comma-separated ids) narrows it while working on a few rules.
"""
from __future__ import annotations

import os
import sys

import pytest

from conftest import ROOT, captured
from policies import REGISTRY
from policies.engine import analyzer
from test_rules import CASES, case_config, judge

MUTANT_PACK = os.path.join(ROOT, "tests", "fixtures", "mutant_pack")
RULES = [r for r in os.environ.get("SG_MUTATION_RULES", "").split(",") if r] or sorted(REGISTRY)


def _failing_cases(mutant: str) -> dict:
    """rule -> the ids of its update-mode cases that fail against the pack with ``mutant`` rules."""
    env = {"SERVERLESS_GUARD_ROOT": ROOT, "SG_MUTANT": mutant, "SG_MUTANT_RULES": ",".join(RULES)}
    caught: dict = {r: [] for r in RULES}
    cases = [c for c in CASES if c.rule in caught and "update" in c.modes]
    # one pack process, configured again for each case's config (grouped, so each config is sent once)
    cases.sort(key=lambda c: repr(sorted(case_config(c).items())))
    with analyzer.PackProcess(MUTANT_PACK, extra_env=env, transport="pipe",
                            command=[sys.executable, "-u", os.path.join(MUTANT_PACK, "__main__.py")]) as pack:
        pack.start({})
        current = None
        for case in cases:
            config = case_config(case)
            if repr(sorted(config.items())) != current:
                pack.configure(config)
                current = repr(sorted(config.items()))
            diags = pack.run(captured(case.program, "update").records)
            try:
                judge(case, "update", diags)
            except AssertionError:
                caught[case.rule].append(case.id)
    return caught


def test_the_harness_passes_every_case_when_nothing_is_broken():
    # the control: a mutant counts as caught only if the same harness passes the unbroken rules
    failing = {r: ids for r, ids in _failing_cases("none").items() if ids}
    assert not failing, failing


@pytest.mark.parametrize("mutant", ["raise", "silent", "raise-on-report"])
def test_every_mutant_of_every_rule_fails_its_cases(mutant):
    caught = _failing_cases(mutant)
    survivors = sorted(r for r, failed in caught.items() if not failed)
    assert not survivors, f"the '{mutant}' mutant of these rules passes all their cases: {survivors}"
