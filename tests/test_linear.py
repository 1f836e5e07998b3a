"""Cost stays linear: every stack rule's work grows with the stack, never with its square.

Speed is measured by ``bench/`` (never by a timed test); what a test can hold deterministically is the
amount of work. The stack here is the benchmark's (the examples and the corpus apps) and every stack rule's case
programs (each under its own names), copied
with distinct names, ARNs and ids as more deployments of the same programs would be, once and four
times. Each stack rule runs on both, and its reads of the stack's resources are counted: four times the
stack costs four times the reads, never sixteen. A join
written as a scan of the stack inside a loop over the stack fails here: it did for the guest-role lookup of
cognito-unauth-role-broad and dynamodb-backup-plan's selections. (A scan over a kind of resource the stack
holds one or two of adds too few reads to tell: dynamodb-capacity-scaling's autoscaling targets and the
default-bus rules of an API's PutEvents integrations were found by reading, and are indexed the same way.)"""
from __future__ import annotations

import os
import sys

import pytest

from conftest import ROOT, captured
from policies import REGISTRY
from policies.core import fastpath, governance, resource
from test_rules import CASES

sys.path.insert(0, os.path.join(ROOT, "bench"))
import run as bench  # noqa: E402

COPIES = 4
# A linear rule reads four copies four times as often; a scan of the stack inside a loop over it adds reads
# that grow with the square.
ROOM = 0.01


def _base() -> list:
    """The bundled examples and the corpus apps (the benchmark's stack), and the records of every stack rule's
    case programs, each program under names of its own."""
    base, seen = list(bench.base_records()), set()
    for case in CASES:
        if not REGISTRY[case.rule].stack or case.program in seen or "update" not in case.modes:
            continue
        seen.add(case.program)
        records = [r for r in captured(case.program, "update").records if r.type != "pulumi:pulumi:Stack"]
        suffix = f"-p{len(seen)}"
        urns = {r.urn: r.urn + suffix for r in records}
        values = bench._unique_values(records)
        base += [bench.Record(type=r.type, name=r.name + suffix, urn=urns[r.urn], parent=r.parent,
                              dependencies=[urns.get(d, d) for d in r.dependencies],
                              property_dependencies={k: [urns.get(u, u) for u in v]
                                                     for k, v in r.property_dependencies.items()},
                              inputs=bench._rename(r.inputs, values, suffix),
                              outputs=bench._rename(r.outputs, values, suffix)) for r in records]
    return base


@pytest.fixture(scope="module")
def stacks():
    base = _base()
    return {n: bench.stack_request_of(bench.stack_of(n * len(base), base)) for n in (1, COPIES)}


RESOURCE_CODE = resource.__file__


def _calls(rule, request) -> int:
    """How many times ``rule`` reads a resource of the stack of ``request`` (the calls into ``Resource``: a
    property, a document, a tag; the stack decoded afresh, no index built before). Each copy's resources are
    read as often as the first copy's, so a linear rule reads four copies exactly four times as often; what
    is derived once for the whole stack (a managed policy's document, a message template) is not counted."""
    stack = fastpath._decode_stack(request, governance.DEFAULT_CONTEXT)
    config = {**rule.defaults(), "ignoreResources": []}
    count = [0]

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename == RESOURCE_CODE:
            count[0] += 1

    sys.setprofile(profile)
    try:
        for _ in rule.check(stack, config) or ():
            pass
    except Exception:  # noqa: BLE001 - an undecided or failing rule still did the work counted so far
        pass
    finally:
        sys.setprofile(None)
    return count[0]


STACK_RULES = sorted(r.id for r in REGISTRY.values() if r.stack)


def test_the_stack_holds_every_stack_rules_cases(stacks):
    assert len(STACK_RULES) >= 50
    assert len(stacks[1].resources) >= 400


@pytest.mark.parametrize("rule_id", STACK_RULES)
def test_a_stack_rule_does_linear_work(stacks, rule_id):
    rule = REGISTRY[rule_id]
    once, more = _calls(rule, stacks[1]), _calls(rule, stacks[COPIES])
    assert more <= COPIES * once * (1 + ROOM) + 20, \
        f"{rule_id}: {once} resource reads on the stack, {more} on {COPIES} copies of it (linear: {COPIES * once})"
