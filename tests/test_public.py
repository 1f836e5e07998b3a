"""Public Pulumi programs nobody on this team wrote (tests/public/, see its README): each runs to the end
under ``scan``'s runner, Python and TypeScript, and gives exactly the findings a reviewer expects (its
``expected.yaml`` lists the known false positives and misses, so docs/accuracy.md stays honest).

Every program runs in update mode and in preview, on every run."""
from __future__ import annotations

import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import accuracy  # noqa: E402

PUBLIC = accuracy.PUBLIC
PROGRAMS = accuracy.apps(PUBLIC)
NODE_MODULES = os.path.join(ROOT, ".ci", "node_modules")
PREVIEW_SAMPLE = PROGRAMS   # every program, in both modes


def _node_modules() -> None:
    """The TypeScript programs find @pulumi/pulumi, @pulumi/aws and ts-node as a monorepo's programs do, in
    a node_modules of a parent folder (ES-module programs resolve packages only that way)."""
    if shutil.which("node") is None or not os.path.isdir(os.path.join(NODE_MODULES, "@pulumi", "aws")):
        if os.environ.get("CI"):
            raise RuntimeError(".ci/run installs the Node.js packages the public TypeScript programs need")
        pytest.skip("the TypeScript programs need .ci/node_modules (run .ci/run once)")
    link = os.path.join(PUBLIC, "node_modules")
    if not os.path.exists(link):
        try:
            os.symlink(os.path.relpath(NODE_MODULES, PUBLIC), link)
        except FileExistsError:   # another test process made it first
            pass


@pytest.fixture(scope="module")
def update_records():
    _node_modules()
    with ThreadPoolExecutor(max_workers=2) as pool:   # each program runs in a process of its own
        return dict(zip(PROGRAMS, pool.map(lambda app: _records(app, "update"), PROGRAMS)))


def _records(app: str, mode: str):
    try:
        return accuracy.records(app, mode, PUBLIC)
    except Exception as exc:  # noqa: BLE001 - reported by the test of that program, not the fixture
        return exc


@pytest.fixture(scope="module")
def pack_for():
    from policies.engine import analyzer

    packs: dict = {}

    def get(app: str, mode: str):
        key = (accuracy.language(app, PUBLIC), mode)
        if key not in packs:
            packs[key] = analyzer.PackProcess(dry_run=mode == "preview", language=key[0])
            packs[key].start()
        return packs[key]
    yield get
    for p in packs.values():
        p.close()


def test_the_corpus_has_thirty_programs_in_both_languages():
    langs = [accuracy.language(app, PUBLIC) for app in PROGRAMS]
    assert len(PROGRAMS) >= 30 and langs.count("python") >= 10 and langs.count("typescript") >= 15


@pytest.mark.parametrize("app", PROGRAMS)
def test_update_findings_are_exactly_what_a_reviewer_expects(app, update_records, pack_for):
    records = update_records[app]
    assert not isinstance(records, Exception), f"{app} did not run: {records}"
    exp = accuracy.expectations(app, PUBLIC)
    given, exempted, notices = accuracy.classify(pack_for(app, "update").run(records))
    assert not notices, f"{app}: could not decide on update: {notices}"
    assert not (given | exempted) & exp["must_not"], (app, (given | exempted) & exp["must_not"])
    want = (exp["expected"] - exp["known_misses"]) | exp["known_false_positives"]
    assert given == want, (app, "unexpected:", sorted(given - want), "missing:", sorted(want - given))


@pytest.mark.parametrize("app", PREVIEW_SAMPLE)
def test_preview_runs_and_adds_no_violation(app, update_records, pack_for):
    records = _records(app, "preview")
    assert not isinstance(records, Exception), f"{app} did not run in preview: {records}"
    update = accuracy.classify(pack_for(app, "update").run(update_records[app]))[0]
    preview = accuracy.classify(pack_for(app, "preview").run(records))[0]
    # what a reviewer accepts as preview's own (expected.yaml's preview_only, each with its reason)
    allowed = accuracy.expectations(app, PUBLIC)["preview_only"]
    assert preview - allowed <= update, (app, sorted(preview - allowed - update))


def test_precision_and_recall_per_language_meet_the_bar(update_records, pack_for):
    for lang in ("python", "typescript"):
        tp = given_n = expected_n = 0
        for app in PROGRAMS:
            if accuracy.language(app, PUBLIC) != lang or isinstance(update_records[app], Exception):
                continue
            exp = accuracy.expectations(app, PUBLIC)
            given = accuracy.classify(pack_for(app, "update").run(update_records[app]))[0]
            tp += len(given & exp["expected"])
            given_n += len(given)
            expected_n += len(exp["expected"])
        assert tp / given_n >= 0.90, (lang, tp, given_n)
        assert tp / expected_n >= 0.95, (lang, tp, expected_n)


@pytest.mark.parametrize("app", ["template-serverless-aws-python", "template-serverless-aws-typescript"])
def test_the_serverless_templates_website_routes_are_not_an_open_api(app, update_records, pack_for):
    """Pulumi's serverless templates serve a www folder through the RestAPI component (GET / and ANY
    /{proxy+}, answered from the component's bucket) and one function route: only the function route is an
    unauthenticated API, and nothing the component made for the files (its bucket, role, S3 policy) is
    reported."""
    diags = pack_for(app, "update").run(update_records[app])
    no_auth = [d.message for d in diags if d.policy == "apigw-method-no-auth"]
    assert len(no_auth) == 1 and "route GET /date of the RestAPI component" in no_auth[0], no_auth
    validation = [d.message for d in diags if d.policy == "apigw-method-request-validation"]
    assert validation == [], validation
    assert not [d for d in diags if d.resource.startswith("api4c238266")], "a finding on the component's own role"
