"""The cases of every rule: each is a small real pulumi-aws program and the outcome one rule must give on it.

A rule's cases are written beside the rule, in its module (``policies/core/cases.py`` says how). Here are
only the suites about the core's reading of what a resource is for, across several rules at once
(``bucket_roles.py``); they declare theirs the same way:

    case("s3-versioning", violates=True, resource="site")(program)
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from policies.core.cases import CASES, Case, complies, violates

__all__ = ["CASES", "Case", "case", "load_all"]


def case(rule: str, violates: bool, resource: str | None = None, config: dict | None = None,
         modes: tuple = ("update", "preview"), preview: str = "either") -> Callable:
    if violates:
        return _violates(rule, resource, config=config, modes=modes, preview=preview)
    return complies(rule, config=config, modes=modes)


_violates = violates


def load_all() -> list:
    """Every case: the rule modules' and the suites here."""
    import policies

    policies.load_rules()
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")
    return CASES
