"""Builds and serves the serverless-guard policy pack (run by `pulumi preview --policy-pack`).

The engine starts this file with the stack's identity and config in the environment, so the
pack's settings (profiles, category levels, per-stack overrides, exemptions) are compiled here into
`initial_config` for the stack at hand, before the gRPC server starts. Bad settings stop the pack
with an error naming the file and key, before any resource is analyzed.
"""
import os
import sys

from policies import REGISTRY, __version__
from policies.core import fastpath, settings
from policies.core.runtime import build_policies

try:
    compiled = settings.compile_for_environment(os.path.dirname(os.path.abspath(__file__)), os.environ)
except settings.SettingsError as exc:
    sys.stderr.write(f"serverless-guard: {exc}\n")
    sys.exit(1)

fastpath.serve(
    name="serverless-guard",
    description="Serverless Top 10 (SAS-1..SAS-10) policies for AWS serverless applications.",
    display_name="serverless-guard",
    provider="aws",
    tags=["aws", "serverless", "security", "lambda"],
    policies=build_policies(list(REGISTRY.values()), compiled.levels) + compiled.extra_policies,
    initial_config=settings.sdk_initial_config(compiled),
)
