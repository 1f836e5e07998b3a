"""Replace the rule table at the end of README.md with the registry's (``python -m policies rules --markdown``)
and rewrite the per-rule pages in docs/rules/ and the TypeScript of every fix (policies/data/fixes.typescript.json,
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
        f.write(text[:start] + rules_markdown() + text[end:])
    from policies import REGISTRY, presentation

    presentation.write(REGISTRY.values())   # before the pages, which show the TypeScript it holds
    presentation._stored.cache_clear()
    pages = write(os.path.join(ROOT, "docs", "rules"))
    print(f"README.md rule table, {pages} rule pages in docs/rules/ and {presentation.DATA} rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
