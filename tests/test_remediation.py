"""The remediate level through the engine path: for every rule that declares a fix, its violating
cases at level remediate get exactly the property change each declares (``fixed=``, or a property rule's
own), after which the rule no longer
reports; a second Remediate changes nothing; a preview never guesses; exemptions, secrets and a fix
that raises behave as the engine needs."""
from __future__ import annotations

import os

import pulumi
import pulumi_aws as aws
import pytest

from conftest import ROOT, captured
from policies import REGISTRY
from policies.core import values
from policies.engine import analyzer
from test_rules import CASES, CANT_RUN, INTERNAL

FIXING = sorted(r.id for r in REGISTRY.values() if r.fix is not None)



def expected_change(case):
    """What the rule's fix must change on a violating case: what the case declares (``fixed=``, beside the
    rule), or for a one-property rule its property set to the wanted value (it follows from the declaration)."""
    if case.fixed is not None:
        return case.fixed
    declared = REGISTRY[case.rule].declared
    return {declared.path: declared.want.value} if declared is not None else None


def test_at_least_25_rules_remediate_and_each_says_what_its_fix_changes():
    """A code rule's fix is pinned by a violating case that declares ``fixed=``."""
    assert len(FIXING) >= 25
    unpinned = sorted(rule for rule in FIXING if REGISTRY[rule].declared is None
                      and not any(c.rule == rule and c.violates and c.fixed is not None for c in CASES))
    assert not unpinned, f"rules whose fix no case pins (declare fixed= on a violating case): {unpinned}"
    stray = sorted(c.id for c in CASES if c.fixed is not None and c.rule not in FIXING)
    assert not stray, f"cases that declare fixed= for a rule without a fix: {stray}"


def _remediating(packs_cache, rule_id, case, mode="update"):
    config = {**case.config, rule_id: "remediate"}
    if isinstance(case.config.get(rule_id), dict):
        config[rule_id] = {**case.config[rule_id], "enforcementLevel": "remediate"}
    key = (mode, repr(sorted(config.items(), key=lambda kv: kv[0])))
    if key not in packs_cache:
        packs_cache[key] = analyzer.PackProcess(dry_run=mode == "preview").start(config)
    return packs_cache[key]


@pytest.fixture(scope="module")
def rem_packs():
    cache: dict = {}
    yield cache
    for p in cache.values():
        p.close()


@pytest.mark.parametrize("rule_id", FIXING)
def test_a_violating_case_is_fixed_exactly_and_then_passes(rem_packs, rule_id):
    rule = REGISTRY[rule_id]
    fixed_cases = 0
    for case in (c for c in CASES if c.rule == rule_id and c.violates and "update" in c.modes):
        pack = _remediating(rem_packs, rule_id, case)
        records = captured(case.program, "update").records
        diags = pack.run(records)
        mine = [c for c in pack.remediations if c.policy == rule_id]
        assert not [c for c in mine if c.diagnostic], mine
        assert not [d for d in diags if INTERNAL in d.message]
        if not mine:
            assert case.fixed is None, f"{case.id} declares fixed={case.fixed!r}, and no fix was made"
            continue  # this case's violation has no safe fix (it stays a mandatory finding)
        fixed_cases += 1
        change = mine[0]
        expected = expected_change(case)
        if isinstance(expected, dict):
            assert {p: after for p, (_, after) in change.changes.items()} == expected, (case.id, change.changes)
        elif expected is not None:   # paths alone: the value is a whole document
            assert sorted(change.changes) == sorted(expected), (case.id, change.changes)
        assert change.changes and all(change.type in rule.fix_types for change in mine)
        # what the fix was for is no longer reported, on the remediated resource
        still = [d for d in diags if d.policy == rule_id and d.resource == change.resource and CANT_RUN not in d.message]
        assert not still, [d.message for d in still]
        # a second Remediate of the remediated inputs changes nothing
        rec = next(r for r in records if r.urn == change.urn)
        props, _ = pack.remediate(rec)
        _, again = pack.remediate(rec, props)
        assert not [c for c in again if c.policy == rule_id], again
    assert fixed_cases, f"no violating case of {rule_id} was fixed"


@pytest.mark.parametrize("rule_id", FIXING)
def test_preview_never_guesses_or_fails(rem_packs, rule_id):
    for case in (c for c in CASES if c.rule == rule_id and c.violates and "preview" in c.modes):
        pack = _remediating(rem_packs, rule_id, case, "preview")
        pack.run(captured(case.program, "preview").records)
        for change in pack.remediations:
            assert not change.diagnostic, change
            for _, after in change.changes.values():
                assert after not in values.UNKNOWN_SENTINELS


def _key_program():
    aws.kms.Key("data", description="orders")
    aws.kms.Key("legacy", tags={"serverless-guard:exempt:kms-rotation": "imported key material, rotated by hand"})
    aws.sqs.Queue("jobs", sqs_managed_sse_enabled=False, tags={"owner": pulumi.Output.secret("team-secret-owner")})


def test_exemptions_apply_to_remediations_and_secrets_stay_secret(rem_packs):
    pack = analyzer.PackProcess().start({"kms-rotation": "remediate", "sqs-encryption": "remediate"})
    try:
        records = captured(_key_program, "update").records
        pack.run(records)
        by_resource = {(c.resource, c.policy): c for c in pack.remediations}
        assert ("data", "kms-rotation") in by_resource and ("legacy", "kms-rotation") not in by_resource
        queue = next(r for r in records if r.name == "jobs")
        props, changes = pack.remediate(queue)
        assert [c.policy for c in changes] == ["sqs-encryption"]
        secret = props.fields["tags"].struct_value.fields["owner"].struct_value.fields
        assert secret[values.SIG_KEY].string_value == values.SECRET_SIG   # still a secret
        assert set(changes[0].changes) == {"sqsManagedSseEnabled"}
    finally:
        pack.close()


def test_per_stack_settings_apply_to_remediations():
    pack = analyzer.PackProcess().start({"kms-rotation": {"enforcementLevel": "remediate",
                                                        "ignoreResources": ["data"]}})
    try:
        pack.run(captured(_key_program, "update").records)
        assert not [c for c in pack.remediations if c.policy == "kms-rotation"]
    finally:
        pack.close()


def _queue_program():
    aws.sqs.Queue("jobs", name="jobs-with-a-value-in-its-name", sqs_managed_sse_enabled=True)


def test_a_fix_that_raises_is_a_diagnostic_and_changes_nothing():
    records = captured(_queue_program, "update").records
    pack_dir = os.path.join(ROOT, "tests", "fixtures", "raising_pack")
    with analyzer.PackProcess(pack_dir, extra_env={"SERVERLESS_GUARD_ROOT": ROOT, "FAIL_CLOSED": "1"}) as pack:
        pack.start({"always-raises": "remediate"})
        queue = next(r for r in records if r.type == "aws:sqs/queue:Queue")
        props, changes = pack.remediate(queue)
    assert [(c.policy, c.changes) for c in changes] == [("always-raises", {})]
    assert "remediation of policy 'always-raises' failed on Queue 'jobs' (KeyError)" in changes[0].diagnostic
    assert "jobs-with-a-value" not in changes[0].diagnostic
    assert props.fields["name"].string_value == "jobs-with-a-value-in-its-name"
