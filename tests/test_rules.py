"""Every rule, both ways, through the engine path, in update and preview mode."""
from __future__ import annotations

import pytest

from conftest import analyze
from cases import load_all
from policies import REGISTRY

CASES = load_all()
CANT_RUN = "can't run policy"
INTERNAL = "internal error in policy"


def case_config(case) -> dict:
    """The case's policy-pack config; hygiene rules (off in the default profile) are switched on, and for a
    case of a relation (``superseded_by=``) the rules that may supersede this one are off."""
    config = dict(case.config)
    if case.superseded_by:
        config.update({over: "disabled" for over in REGISTRY[case.rule].superseded_by})
    if REGISTRY[case.rule].hygiene:
        entry = config.get(case.rule)
        config[case.rule] = {**entry, "enforcementLevel": entry.get("enforcementLevel", "advisory")} \
            if isinstance(entry, dict) else (entry or "advisory")
    return config


def _params():
    for c in CASES:
        for mode in c.modes:
            yield pytest.param(c, mode, id=f"{c.id}:{mode}")


@pytest.mark.parametrize("case,mode", list(_params()))
def test_case(packs, case, mode):
    judge(case, mode, analyze(packs, case.program, mode, case_config(case)))


def judge(case, mode: str, all_diags: list) -> None:
    """The verdict a case demands, asserted on the diagnostics of its program (also used by the
    mutation check, which expects a broken rule to fail it)."""
    # a "can't run" notice names every policy stopped by the same unknown value
    diags = [d for d in all_diags
             if d.policy == case.rule or (CANT_RUN in d.message and f"'{case.rule}'" in d.message)]
    crashes = [d for d in diags if INTERNAL in d.message]
    assert not crashes, f"{case.rule} raised instead of deciding: {crashes}"
    violations = [d for d in diags if CANT_RUN not in d.message]
    undecided = [d for d in diags if CANT_RUN in d.message]
    if case.resource:
        violations_on = [d for d in violations if d.resource == case.resource]
    else:
        violations_on = violations
    if case.violates:
        if mode == "update" or case.preview == "violation":
            assert violations_on, f"expected {case.rule} on {case.resource or 'a resource'}, got {diags}"
        else:
            assert violations_on or undecided, f"expected {case.rule} (or can't-run) in preview, got {diags}"
        phrases = REGISTRY[case.rule].phrases
        if case.says and violations_on:
            assert any(case.says in d.message for d in violations_on), \
                f"{case.rule}: expected a finding saying {case.says!r}, got {[d.message for d in violations_on]}"
        for d in violations_on:
            rule = REGISTRY[case.rule]
            assert d.severity == ("low" if rule.severity.value == "info" else rule.severity.value)
            assert any(p in d.message for p in phrases), f"{case.rule}: unexpected message {d.message!r}"
            if d.fix:   # a fix for the case found is a program, in Python and in TypeScript
                _is_code(case.rule, d.fix)
    else:
        assert not violations, f"{case.rule} reported on a compliant program: {[d.message for d in violations]}"
        if mode == "update":
            assert not undecided, f"{case.rule} could not decide on update: {undecided}"


def _is_code(rule_id: str, fix: str) -> None:
    import ast

    from policies.typescript import translate

    try:
        ast.parse(fix)
        translate(fix)
    except Exception as exc:  # noqa: BLE001 - any failure is the finding's fix not being code
        raise AssertionError(f"{rule_id}: the finding's fix is not code ({type(exc).__name__}: {exc}): {fix!r}") from exc


def test_every_rule_has_a_key_phrase():
    """Declared with the rule (``phrase=``), or a property rule's message up to its value."""
    missing = sorted(r.id for r in REGISTRY.values() if not r.phrases or not all(isinstance(p, str) and p for p in r.phrases))
    assert not missing, f"rules without a key phrase: {missing}"
    assert sum(r.declared is not None for r in REGISTRY.values()) >= 16


def test_every_rule_has_cases_both_ways():
    by_rule = {}
    for c in CASES:
        by_rule.setdefault(c.rule, set()).add(c.violates)
    missing = sorted(r for r in REGISTRY if by_rule.get(r) != {True, False})
    assert not missing, f"rules without a violating and a compliant case: {missing}"


def test_a_rules_cases_are_written_in_its_own_module():
    """Everything about a rule is in one file: each rule has a violating and a compliant case in the module
    of its category (the module it is declared in), whatever other modules' programs also show it."""
    from policies import RULE_MODULES

    module_of = {f"SAS-{int(m[3:5])}": f"policies.{m}" for m in RULE_MODULES}
    ways: dict = {}
    for c in CASES:
        if c.program.__module__ == module_of[REGISTRY[c.rule].category]:
            ways.setdefault(c.rule, set()).add(c.violates)
    missing = sorted(r for r in REGISTRY if ways.get(r) != {True, False})
    assert not missing, f"rules without both cases in their own module: {missing}"


def test_a_queue_mapping_in_preview_is_judged_by_its_source_not_guessed(packs):
    """In preview a new queue's ARN is unknown; the mapping is judged by the queue it depends on: no finding,
    and no "can't run" notice for esm-stream-failure-handling."""
    from policies.sas08_dos_wallet import queue_mapping_is_no_stream

    diags = analyze(packs, queue_mapping_is_no_stream, mode="preview")
    assert not [d for d in diags if "esm-stream-failure-handling" in d.policy or "'esm-stream-failure-handling'"
                in d.message], [d.message for d in diags]


def test_exposure_messages_name_what_the_function_is_behind(packs):
    """lambda-reserved-concurrency and lambda-timeout-excessive name the URL, API or load balancer."""
    from policies import sas08_dos_wallet as sas08

    def message(program, policy):
        found = [d.message for d in analyze(packs, program) if d.policy == policy]
        assert found, policy
        return found[0]

    assert "is behind internet-facing LoadBalancer 'web'" in message(
        sas08.function_behind_an_internet_facing_load_balancer, "lambda-reserved-concurrency")
    assert "is invokable by anyone through FunctionUrl 'url'" in message(
        sas08.public_function_uncapped, "lambda-reserved-concurrency")
    assert "is behind REST API 'api' that stops waiting after 29 s" in message(
        sas08.function_behind_an_openapi_body_with_long_timeout, "lambda-timeout-excessive")
    assert "is behind HTTP API 'http' that stops waiting after 30 s" in message(
        sas08.function_behind_a_quick_create_api_with_long_timeout, "lambda-timeout-excessive")


def test_an_asynchronous_source_is_named(packs):
    """lambda-async-failure-destination names the bucket or topic that invokes the function, not a list of
    services it might be."""
    import pulumi_aws as aws

    from policies.core.cases import P

    function = P.function

    def program():
        fn = function("fn")
        topic = aws.sns.Topic("orders")
        aws.sns.TopicSubscription("orders-fn", topic=topic.arn, protocol="lambda", endpoint=fn.arn)

    found = [d.message for d in analyze(packs, program) if d.policy == "lambda-async-failure-destination"]
    assert found and "is invoked asynchronously (by Topic 'orders')" in found[0], found
