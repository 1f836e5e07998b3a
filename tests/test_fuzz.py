"""Property-based fuzzing through the engine path (hypothesis).

For every resource type the pack checks, hypothesis builds properties from a real case program's
inputs with values replaced by hostile ones (mistyped, missing, deeply nested, NaN/Inf, unknown,
secret-wrapped, malformed policy documents), sends them to a pack process as the engine does, and
asserts: the call succeeds, no diagnostic is an internal error, and no canary reaches a message.
Random stacks of those resources go through AnalyzeStack the same way.

Bounded in CI by ``SG_FUZZ_EXAMPLES`` (default 40 per property); a release run uses more, e.g.
``SG_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py``.
"""
from __future__ import annotations

import json
import os

import pytest
from google.protobuf import struct_pb2
from hypothesis import HealthCheck, given, settings, strategies as st
from pulumi.runtime.proto import analyzer_pb2 as pb

from conftest import captured
from cases import CASES, load_all
from policies import REGISTRY
from policies.core import native, values

load_all()
EXAMPLES = int(os.environ.get("SG_FUZZ_EXAMPLES", "40"))
CANARY = "fzCANARYfz"
KEY = "fzKEYfz"   # a map key the rules never look for
INTERNAL = "internal error in policy"
# the pulumi-aws types the rules declare, and the aws-native types seen as them (the cases written with P.native)
CHECKED_TYPES = sorted({t for r in REGISTRY.values() for t in r.types} | set(native.types()))


def _samples() -> dict:
    """type -> list of real (inputs, outputs) captured from the case programs."""
    out: dict = {}
    for c in CASES:
        for rec in captured(c.program, "update").records:
            if rec.type in CHECKED_TYPES:
                out.setdefault(rec.type, []).append((rec.inputs, rec.outputs))
    return out


SAMPLES = _samples()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**53, 2**53), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "*", "NONE", "true", "false", "arn:aws:iam::*:root", "2030-01-01", "a" * 500,
                     "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "{", "[]", "{}", "null"]),
    st.text(max_size=20).map(lambda t: CANARY + t),
    st.integers(0, 10**7 - 1).map(lambda n: f"AKIA{CANARY.upper()}{n:07d}"[:20].ljust(20, "Q")),
)
hostile = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["Effect", "Action", "Principal", "Condition", "Resource", "Statement",
                                         "AWS", "name", "value", "grantee", "statement", "mode", KEY]),
                        inner, max_size=4),
        inner.map(lambda v: {values.SIG_KEY: values.SECRET_SIG, "value": v}),
        inner.map(lambda v: json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": v, "Resource": "*", "Condition": v}]}, default=str)),
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw, base):
    """``base`` with a few of its values (at any depth) replaced by hostile ones, or keys removed."""
    def walk(v, depth):
        if isinstance(v, dict) and not v.get(values.SIG_KEY):
            out = {}
            for k, x in v.items():
                choice = draw(st.integers(0, 9))
                if choice == 0:
                    continue                      # missing
                out[k] = draw(hostile) if choice == 1 else walk(x, depth + 1)
            return out
        if isinstance(v, list):
            return [draw(hostile) if draw(st.integers(0, 4)) == 0 else walk(x, depth + 1) for x in v]
        if isinstance(v, str) and v[:1] == "{":
            try:
                return json.dumps(walk(json.loads(v), depth + 1))
            except ValueError:
                return v
        return v
    out = walk(base, 0)
    for _ in range(draw(st.integers(0, 2))):
        out[draw(st.sampled_from(sorted(base) or ["x"]))] = draw(hostile)
    return out


def _struct(d: dict):
    s = struct_pb2.Struct()
    s.update(d)
    return s


def _check(diags) -> None:
    for d in diags:
        assert INTERNAL not in d.message, (d.policyName, d.message)
        # plain values may be quoted; a credential-shaped one (an AWS key id) never is
        assert f"AKIA{CANARY.upper()}" not in d.message, (d.policyName, d.message)


@pytest.fixture(scope="module")
def fuzz_pack(packs):
    return packs.get("update", config={"all": "mandatory"})


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
# an aws-native type reaches the same rules through its views (translated first): a third of the examples
# each, so CI stays within its time; a release run raises SG_FUZZ_EXAMPLES for both
FUZZ_NATIVE = settings(FUZZ, max_examples=max(EXAMPLES // 3, 10))


@pytest.mark.parametrize("type_", [t for t in CHECKED_TYPES if t in SAMPLES])
def test_analyze_survives_hostile_properties(fuzz_pack, type_):
    @(FUZZ_NATIVE if native.is_native(type_) else FUZZ)
    @given(data=st.data())
    def run(data):
        inputs, _ = data.draw(st.sampled_from(SAMPLES[type_]))
        props = data.draw(mutated(inputs))
        resp = fuzz_pack.stub.Analyze(pb.AnalyzeRequest(type=type_, properties=_struct(props), name="r",
                                                        urn=f"urn:pulumi:dev::app::{type_}::r"))
        _check(resp.diagnostics)
    run()


def test_analyze_stack_survives_hostile_stacks(fuzz_pack):
    programs = [captured(c.program, "update").records for c in CASES]

    @FUZZ
    @given(data=st.data())
    def run(data):
        records = data.draw(st.sampled_from(programs))
        resources = []
        for rec in records:
            props = data.draw(mutated(rec.outputs)) if data.draw(st.booleans()) else rec.outputs
            deps = {k: pb.AnalyzerPropertyDependencies(urns=v * data.draw(st.integers(1, 3)))
                    for k, v in rec.property_dependencies.items()}
            resources.append(pb.AnalyzerResource(type=rec.type, name=rec.name, urn=rec.urn, properties=_struct(props),
                                                 propertyDependencies=deps, dependencies=rec.dependencies))
        resp = fuzz_pack.stub.AnalyzeStack(pb.AnalyzeStackRequest(resources=resources))
        _check(resp.diagnostics)
    run()


# Wrong-typed values where the stack rules join resources: every name, ARN, id and number a join or a
# comparison reads, replaced in turn by each of these (lists, objects, a number too large for an int, NUL,
# non-strings). Systematic, not sampled: every stack rule's own case programs, every resource, every value.
WRONG = [[], ["arn:aws:s3:::x", 1], {}, {"Ref": {"Fn": 1}}, 1e300, float("inf"), -1e300, 12345, True,
         "\x00", "arn:aws:s3:::a\x00b", "a" * 5000]


def _replaced(value, wrong, deep: bool):
    if isinstance(value, dict) and not value.get(values.SIG_KEY):
        return {k: (_replaced(v, wrong, deep) if deep and isinstance(v, (dict, list)) else
                    wrong if isinstance(v, (str, int, float, bool)) else v) for k, v in value.items()}
    if isinstance(value, list) and deep:
        return [_replaced(v, wrong, deep) for v in value]
    return wrong if isinstance(value, (str, int, float)) else value


def _stack_programs() -> list:
    """The records of every case program of a stack rule (and of a rule judged with the stack), once each."""
    stack_rules = {r.id for r in REGISTRY.values() if r.phase == "stack"}
    seen, out = set(), []
    for c in CASES:
        if c.rule in stack_rules and id(c.program) not in seen:
            seen.add(id(c.program))
            out.append((c.id, captured(c.program, "update").records))
    return out


@pytest.mark.parametrize("deep", [False, True], ids=["top-level", "every-leaf"])
def test_every_stack_join_survives_wrong_typed_values(fuzz_pack, deep):
    failures = []
    for case_id, records in _stack_programs():
        for i in range(len(records)):
            for wrong in WRONG:
                resources = []
                for j, rec in enumerate(records):
                    props = _replaced(rec.outputs, wrong, deep) if j == i else rec.outputs
                    deps = {k: pb.AnalyzerPropertyDependencies(urns=v) for k, v in rec.property_dependencies.items()}
                    resources.append(pb.AnalyzerResource(type=rec.type, name=rec.name, urn=rec.urn,
                                                         properties=_struct(props), propertyDependencies=deps,
                                                         dependencies=rec.dependencies))
                resp = fuzz_pack.stub.AnalyzeStack(pb.AnalyzeStackRequest(resources=resources))
                failures += [(case_id, records[i].type, repr(wrong)[:20], d.policyName) for d in resp.diagnostics
                             if INTERNAL in d.message]
    assert not failures, failures[:20]
