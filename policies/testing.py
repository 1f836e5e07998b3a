"""A testing kit for rule authors: run a pulumi-aws program, a program folder, a stack export or a
preview through the same engine path as ``scan`` and ``pulumi preview`` (the pack started as the engine
starts it, Configure, Analyze per resource, AnalyzeStack), and get the findings as data.

    from policies.testing import check

    def program():
        import pulumi_aws as aws
        aws.lambda_.Function("fn", ...)

    def test_a_function_without_an_owner_tag():
        found = check(program, settings="serverless-guard.yaml")
        assert [(f.policy, f.resource) for f in found] == [("acme-lambda-owner-tag", "fn")]

``settings`` is a settings file (the one that names the custom rules, with its levels and exemptions);
``config`` is the engine's policy config as ``pulumi`` would pass it (``{"acme-lambda-owner-tag":
"mandatory"}``); ``mode`` is "update" or "preview".
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Union

CANT_RUN = "can't run policy"


@dataclass(frozen=True)
class Found:
    policy: str
    resource: str          # the resource's logical name ("" for a stack-level notice)
    level: str             # advisory or mandatory (remediate is reported as mandatory, as the engine does)
    message: str           # the finding as Pulumi shows it, after the resource's label
    exempted: str | None   # the exemption's reason, when an exemption made it advisory
    undecided: bool        # the "can't run policy during preview" notice, not a violation


def check(program: Union[Callable[[], None], str], *, mode: str = "update", settings: str | None = None,
          config: dict | None = None, language: str | None = None, stack: str = "dev",
          project: str = "app") -> list:
    """The findings of ``program`` (a function that declares resources, a program folder, or a stack
    export / preview JSON file), sorted by policy and resource."""
    from .engine import capture, analyzer

    if callable(program):
        records = capture.run(program, mode, project=project, stack=stack).records
    else:
        from . import inputs

        loaded = inputs.load(str(program), mode=mode, stack=stack)
        records = list(loaded.stream())
        mode = loaded.mode
    with analyzer.PackProcess(dry_run=mode == "preview", stack=stack, project=project,
                              settings=os.path.abspath(settings) if settings else None, language=language) as pack:
        pack.start(config or {})
        diags = pack.run(records)
    out = []
    for d in diags:
        exemption = getattr(d, "exemption", None)
        out.append(Found(policy=d.policy, resource=d.resource if d.urn else "", level=d.level,
                         message=d.message.partition("\n")[2] or d.message,
                         exempted=exemption.get("reason") if exemption else None,
                         undecided=CANT_RUN in d.message))
    return sorted(out, key=lambda f: (f.policy, f.resource, f.message))
