"""Replace the rule table at the end of README.md with the registry's (``python -m policies rules --markdown``)
and its counts of policies, stack rules and data rules, and rewrite the per-rule pages in docs/rules/ and the TypeScript of every fix (policies/data/fixes.typescript.json,
read by ``policies.presentation``). Run after adding a rule or changing a rule's declaration;
``tests/test_cli.py`` fails while the README's table is stale.

    python tools/update_readme_rules.py
"""
from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main() -> int:
    from policies import load_rules
    from policies.__main__ import rules_markdown
    from policies.docs import write

    load_rules()
    path = os.path.join(ROOT, "README.md")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.index("| Policy | SAS |")
    end = text.find("\n\n", start)
    end = len(text) if end < 0 else end + 1
    with open(path, "w", encoding="utf-8") as f:
        f.write(_counts(text[:start] + rules_markdown() + text[end:]))
    from policies import REGISTRY, presentation

    presentation.write(REGISTRY.values())   # before the pages, which show the TypeScript it holds
    presentation._stored.cache_clear()
    pages = write(os.path.join(ROOT, "docs", "rules"))
    print(f"README.md rule table, {pages} rule pages in docs/rules/ and {presentation.DATA} rewritten")
    return 0


def _counts(readme: str) -> str:
    """The counts the README states in prose, from the registry (``tests/test_layout.py`` checks them)."""
    import re

    from policies import REGISTRY

    own = [r for r in REGISTRY.values() if getattr(r.check, "__module__", "").startswith("policies.")]
    total, stack = len(own), sum(1 for r in own if r.stack)
    data = sum(1 for r in own if r.declared is not None)
    readme = re.sub(r"\d+ policies in ten modules \(SAS-1 … SAS-10\), \d+ of them stack rules",
                    f"{total} policies in ten modules (SAS-1 … SAS-10), {stack} of them stack rules", readme)
    readme = re.sub(r"One-property rules are data \(`core/property.py`\): \d+ rules",
                    f"One-property rules are data (`core/property.py`): {data} rules", readme)
    return re.sub(r"not by each of the \d+ rules", f"not by each of the {total} rules", readme)


if __name__ == "__main__":
    sys.exit(main())
