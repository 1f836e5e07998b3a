"""Build and serve the serverless-guard pack: what the pack folder's ``__main__.py`` runs when the
Pulumi engine starts it, and what ``serverless-guard scan`` starts from an installed package
(``python -m policies.pack <engine-address> <dir>``, or ``--pipe <dir>`` for the pipe transport)."""
from __future__ import annotations

import os
import sys


def main() -> None:
    from . import load_rules, presentation

    REGISTRY = load_rules()
    from .core import fastpath, notices_rule, settings
    from .core.runtime import build_policies

    try:
        compiled = settings.compile_for_environment(os.getcwd(), os.environ)
    except settings.SettingsError as exc:
        sys.stderr.write(f"serverless-guard: {exc}\n")
        sys.exit(1)
    context = settings.context_of(compiled)
    REGISTRY.freeze()   # the pack's rules and the organisation's (loaded by the settings) are all declared
    fastpath.serve(
        context=context,
        pipe=_pipe if sys.argv[1:2] == ["--pipe"] else None,
        name="serverless-guard",
        description="Serverless Top 10 (SAS-1..SAS-10) policies for AWS serverless applications.",
        display_name="serverless-guard",
        provider="aws",
        tags=["aws", "serverless", "security", "lambda"],
        policies=build_policies(list(REGISTRY.values()), compiled.levels,
                                lambda rule: presentation.fix_text(rule, compiled.language))
        + build_policies([notices_rule.RULE], {notices_rule.RULE.id: "advisory"}),
        initial_config=settings.sdk_initial_config(compiled),
    )


def _pipe(servicer) -> None:
    """``--pipe``: answer the requests framed on stdin (``engine/pipe.py``) on the original stdout, with
    anything else that writes to stdout sent to stderr, so nothing can corrupt a frame."""
    from .engine import pipe

    to_engine = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    to_engine.write(b"pipe\n")
    to_engine.flush()
    pipe.serve(servicer, sys.stdin.buffer, to_engine)


if __name__ == "__main__":
    main()
