"""Shared fixtures: captured programs and policy-pack processes driven over gRPC like the engine."""
from __future__ import annotations

import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from policies.engine import capture, analyzer  # noqa: E402

_captures: dict = {}


def captured(program, mode: str):
    key = (program, mode)
    if key not in _captures:
        _captures[key] = capture.run(program, mode)
    return _captures[key]


class Packs:
    """Pack processes, one per (mode, config, identity), started once and reused."""

    def __init__(self):
        self._packs: dict = {}

    def get(self, mode: str = "update", config: dict | None = None, stack_tags: dict | None = None, **identity):
        key = (mode, json.dumps(config or {}, sort_keys=True), json.dumps(stack_tags or {}, sort_keys=True),
               json.dumps(identity, sort_keys=True, default=str))
        if key not in self._packs:
            pack = analyzer.PackProcess(dry_run=mode == "preview", **identity)
            pack.start(config or {}, stack_tags or {})
            self._packs[key] = pack
        return self._packs[key]

    def configured(self, mode: str, config: dict | None):
        """One pack process per mode, configured again for each call (as ``PackProcess.configure`` allows):
        for tests that judge one program under many configs, where a process per config would cost a start
        each."""
        key = ("configured", mode)
        if key not in self._packs:
            pack = analyzer.PackProcess(dry_run=mode == "preview")
            pack.start({})
            self._packs[key] = pack
        return self._packs[key].configure(config or {})

    def close(self):
        for p in self._packs.values():
            p.close()


@pytest.fixture(scope="session")
def packs():
    p = Packs()
    yield p
    p.close()


def analyze_with(packs, program, config, mode="update"):
    """``analyze`` under ``config`` on a pack process shared by every config (``Packs.configured``)."""
    return packs.configured(mode, config).run(captured(program, mode).records)


def analyze(packs, program, mode="update", config=None, stack_tags=None, **identity):
    cap = captured(program, mode)
    return packs.get(mode, config, stack_tags, **identity).run(cap.records)


def pytest_collection_modifyitems(session, config, items):
    """The public corpus's tests first: its one module fixture (every public program captured) is the
    suite's longest unit of work, so one process starts it at once while the other takes the rest."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/test_public.py") else 1)


@pytest.fixture(autouse=True, scope="module")
def _registry_left_as_found():
    """Every test module leaves the rule registry as it found it: the tests of the rule table, the rule pages
    and the README's counts judge the pack's own rules, and which test modules share a process varies."""
    from policies import REGISTRY

    before = set(REGISTRY)
    yield
    left = sorted(set(REGISTRY) - before)
    assert not left, f"this test module left rules in the pack's registry: {left}"
