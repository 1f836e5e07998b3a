"""Builds and serves the serverless-guard policy pack (run by `pulumi preview --policy-pack`).

The engine starts this file with the stack's identity and config in the environment, so the
pack's settings (profiles, category levels, per-stack overrides, exemptions) are compiled into
`initial_config` for the stack at hand, before the gRPC server starts (policies/pack.py). Bad
settings stop the pack with an error naming the file and key, before any resource is analyzed.
"""
from policies.pack import main

main()
