"""Test cases: each is a small real pulumi-aws program and the outcome one rule must give on it.

    @case("lambda-url-auth-none", violates=True, resource="url")
    def function_url_without_auth():
        aws.lambda_.FunctionUrl("url", function_name="fn", authorization_type="NONE")

``resource`` names the resource the violation must be reported on; ``config`` is a
``--policy-pack-config`` document for the run; ``modes`` limits the case to update or preview.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable

CASES: list = []


@dataclass
class Case:
    rule: str
    violates: bool
    program: Callable
    resource: str | None = None
    config: dict = field(default_factory=dict)
    modes: tuple = ("update", "preview")
    # preview: what a violating case must give when values are unknown: "violation" or "either"
    # (a violation, or the advisory "can't run policy during preview")
    preview: str = "either"

    @property
    def id(self) -> str:
        return f"{self.rule}:{'violates' if self.violates else 'complies'}:{self.program.__name__}"


def case(rule: str, violates: bool, resource: str | None = None, config: dict | None = None,
         modes: tuple = ("update", "preview"), preview: str = "either"):
    def wrap(fn):
        CASES.append(Case(rule, violates, fn, resource, config or {}, modes, preview))
        return fn
    return wrap


def load_all() -> list:
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    return CASES
