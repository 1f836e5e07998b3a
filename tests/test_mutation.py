"""The mutation check: a broken rule must fail its own cases.

Every rule is broken three ways (its check raises on every call, finds nothing, or raises exactly
where it would report) in a pack process that carries every rule's mutant at once (a rule's check
only produces that rule's diagnostics), and every rule's cases are judged against it in update mode:
each mutant of each rule must fail at least one of that rule's cases. ``SG_MUTATION_RULES`` (comma-
separated ids) narrows it while working on a few rules.
"""
from __future__ import annotations

import os

import pytest

from conftest import ROOT, captured
from policies import REGISTRY
from policies.harness import engine
from test_rules import CASES, case_config, judge

MUTANT_PACK = os.path.join(ROOT, "tests", "fixtures", "mutant_pack")
RULES = [r for r in os.environ.get("SG_MUTATION_RULES", "").split(",") if r] or sorted(REGISTRY)


@pytest.mark.parametrize("mutant", ["raise", "silent", "raise-on-report"])
def test_every_mutant_of_every_rule_fails_its_cases(mutant):
    env = {"SERVERLESS_GUARD_ROOT": ROOT, "SG_MUTANT": mutant, "SG_MUTANT_RULES": ",".join(RULES)}
    caught: dict = {r: [] for r in RULES}
    packs: dict = {}
    try:
        for case in CASES:
            if case.rule not in caught or "update" not in case.modes:
                continue
            config = case_config(case)
            key = repr(sorted(config.items()))
            if key not in packs:
                packs[key] = engine.PackProcess(MUTANT_PACK, extra_env=env).start(config)
            diags = packs[key].run(captured(case.program, "update").records)
            try:
                judge(case, "update", diags)
            except AssertionError:
                caught[case.rule].append(case.id)
    finally:
        for p in packs.values():
            p.close()
    survivors = sorted(r for r, failed in caught.items() if not failed)
    assert not survivors, f"the '{mutant}' mutant of these rules passes all their cases: {survivors}"
