"""Build and serve the serverless-guard pack: what the pack folder's ``__main__.py`` runs when the
Pulumi engine starts it, and what ``serverless-guard scan`` starts (``python -I -c ... --pipe``).

Where the settings come from is decided by how the pack was started, never by its environment or its
working folder, both of which a stack owner controls:

- **Under the engine** (the published folder's ``__main__.py``): the ``serverless-guard.yaml`` beside
  that ``__main__.py``, the publisher's file. ``SERVERLESS_GUARD_SETTINGS`` and ``SERVERLESS_GUARD_LANGUAGE``
  in the environment are ignored, and the advisory ``serverless-guard-settings`` policy says so.
- **Started by ``scan``** (``--pipe``): the settings file and language ``scan`` names in the launch line it
  writes on the pack's stdin before anything else, a channel only the process that started the pack holds.
  With no settings file named, the built-in defaults.
- **An installed copy served over gRPC** (``python -m policies.pack <engine-address> <dir>``): the built-in
  defaults; a pip-installed package carries no settings file and never reads one from the working folder.
"""
from __future__ import annotations

import json
import os
import sys

MAX_LAUNCH_LINE = 64 << 10


def main(pack_dir: str | None = None, argv: list | None = None) -> None:
    import gc

    # Everything start builds (modules, the rules and their cases, settings, schemas) lives as long as the pack:
    # the cyclic collector walking it again and again while it grows was a tenth of the start, so it is off
    # until start is done and then leaves what start built out of every later collection (``gc.freeze``).
    gc.disable()
    from . import load_rules, presentation

    argv = sys.argv[1:] if argv is None else argv
    pipe = argv[:1] == ["--pipe"]
    launch = _read_launch() if pipe else None
    if pipe:
        _die_with_parent()
    REGISTRY = load_rules()
    from .core import fastpath, notices_rule, settings
    from .core.runtime import build_policies

    try:
        compiled = settings.compile_for_launch(pack_dir, os.environ, launch)
    except settings.SettingsError as exc:
        from .core.safety import one_line
        from .core.secrets import hide_credentials

        sys.stderr.write(f"serverless-guard: {one_line(hide_credentials(str(exc)), 2000)}\n")
        sys.exit(1)
    context = settings.context_of(compiled, (launch or {}).get("reportKey")
                                  if launch is not None else os.environ.get("SERVERLESS_GUARD_REPORT_KEY", ""))
    REGISTRY.freeze()   # the pack's rules and the organisation's (loaded by the settings) are all declared
    policies = build_policies(list(REGISTRY.values()), compiled.levels,
                              lambda rule: presentation.fix_text(rule, compiled.language)) \
        + build_policies([notices_rule.RULE], {notices_rule.RULE.id: "advisory"})
    initial_config = settings.sdk_initial_config(compiled)
    gc.freeze()
    gc.enable()
    fastpath.serve(
        context=context,
        pipe=_pipe if pipe else None,
        name="serverless-guard",
        description="Serverless Top 10 (SAS-1..SAS-10) policies for AWS serverless applications.",
        display_name="serverless-guard",
        provider="aws",
        tags=["aws", "serverless", "security", "lambda"],
        policies=policies,
        initial_config=initial_config,
    )


def _read_launch() -> dict:
    """The launch line ``scan`` writes first on the pack's stdin: ``{"settings": path or null, "language":
    name or null, "reportKey": hex}``. Anything else stops the pack: a pack started with ``--pipe`` by
    anyone but ``scan`` has no settings to fall back on that the starter did not choose."""
    line = sys.stdin.buffer.readline(MAX_LAUNCH_LINE)
    try:
        launch = json.loads(line.decode("utf-8"))
    except ValueError:
        launch = None
    if not isinstance(launch, dict) or not all(isinstance(launch.get(k), (str, type(None)))
                                               for k in ("settings", "language", "reportKey")):
        sys.stderr.write("serverless-guard: the pack was started with --pipe but without a launch line\n")
        sys.exit(1)
    return launch


def _die_with_parent() -> None:
    """The pack ``scan`` started ends with ``scan``, however ``scan`` ends (a SIGKILL included)."""
    from .engine.processes import die_with_parent

    die_with_parent()


def _pipe(servicer) -> None:
    """``--pipe``: answer the requests framed on stdin (``engine/pipe.py``) on the original stdout, with
    anything else that writes to stdout sent to stderr, so nothing can corrupt a frame."""
    from .engine import pipe

    to_engine = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    to_engine.write(b"pipe\n")
    to_engine.flush()
    pipe.serve(servicer, sys.stdin.buffer, to_engine)


# ``scan`` starts the pack with ``python -I`` (no working folder, user site or PYTHON* variable on the
# import path: a program under review that planted ``policies/`` or ``yaml.py`` in the temp folder or in
# the user's site folder is never imported) and this line, which puts the package ``scan`` itself runs
# from first on the path.
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); del sys.argv[1]; "
        "from policies.pack import main; main()")


if __name__ == "__main__":
    main()
