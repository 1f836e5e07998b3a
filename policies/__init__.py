"""serverless-guard: Pulumi policies for AWS serverless applications, one module per risk category
of the Serverless Top 10 (SAS-1 ... SAS-10).

The rule modules are declared here, in one place, and registered when ``policies.REGISTRY`` is first
used (or ``load_rules()`` is called), not as a side effect of importing the core: a test or a
fixture pack can import ``policies.core`` and serve a set of rules of its own.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

RULE_MODULES = ("sas01_injection", "sas02_authentication", "sas03_deployment_config", "sas04_privileges",
                "sas05_monitoring", "sas06_dependencies", "sas07_secrets", "sas08_dos_wallet",
                "sas09_execution_flow", "sas10_verbose_errors")


def load_rules():
    """Import every rule module (once), seal their declarations (``core.rule.Registry``) and return the
    registry of their rules."""
    for name in RULE_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    from .core.rule import REGISTRY

    REGISTRY.seal()
    return REGISTRY


def __getattr__(name: str):
    if name == "REGISTRY":
        return load_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
