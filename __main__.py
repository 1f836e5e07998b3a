"""Builds and serves the serverless-guard policy pack (run by `pulumi preview --policy-pack`).

The engine starts this file with the stack's identity and config in the environment, so the
pack's settings (profiles, category levels, per-stack overrides, exemptions) are compiled into
`initial_config` for the stack at hand, before the gRPC server starts (policies/pack.py). The
settings are the `serverless-guard.yaml` beside this file, the publisher's, and nothing else: not
a file named by the environment, not one in the working folder. Bad settings stop the pack with an
error naming the file and key, before any resource is analyzed.
"""
import os

from policies.pack import main

main(pack_dir=os.path.dirname(os.path.abspath(__file__)))
