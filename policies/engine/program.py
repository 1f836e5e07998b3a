"""A Pulumi program folder, run as its language host would run it: which language (``Pulumi.yaml``'s
``runtime``), which entry point and virtual environment, which stack config; then the Python runner
(``capture``) or the Node.js one (``nodejs``)."""
from __future__ import annotations

import os

from . import capture, nodejs, rest_api
from .capture import Capture


def run_directory(path: str, mode: str = "update", stack: str = "dev", config_file: str | None = None,
                  organization: str = "organization") -> Capture:
    """Run the Pulumi program in ``path`` (a folder with Pulumi.yaml): its ``main`` and its
    ``virtualenv`` as Pulumi.yaml says, with the stack's config (``config_file``, else
    ``Pulumi.<stack>.yaml`` beside it when there is one)."""
    path = os.path.abspath(path)
    project, main, site, runtime = capture.program_settings(path)
    config_file = config_file or os.path.join(path, f"Pulumi.{stack}.yaml")
    config, secret = capture.stack_config(config_file, project) if os.path.isfile(config_file) else ({}, ())
    config = {**capture.project_config(path, project), **config}
    if runtime == "nodejs":
        cap = nodejs.run_directory(path, main, project, mode, stack, config, secret, organization=organization)
    else:
        cap = capture.run_python_directory(path, main, project, site, mode, stack, config, secret, organization)
        # what a multi-language component's plugin would build, built as it builds it (rest_api.py)
        region = config.get("aws:region") or capture.region_config()["aws:region"]
        cap.records = rest_api.expand(cap.records, mode, region, path)
    if secret:
        cap.records = capture.mark_secure_config(cap.records)
    return cap
