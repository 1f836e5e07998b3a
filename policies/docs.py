"""One documentation page per rule (docs/rules/<id>.md), generated from the registry, and their index.

    serverless-guard rules --docs docs/rules

tests/test_cli.py fails when a page is not what the registry generates.
"""
from __future__ import annotations

import json
import os

from . import presentation
from .core import governance
from .core.rule import CATEGORIES, CATEGORY_PRACTICE, CATEGORY_RISK, REGISTRY, Rule
from .core.runtime import COMMON_CONFIG

NO_FIX = ("No safe property-only fix: at the `remediate` level this rule stays a finding (it would change who "
          "can call or read something, cost money without a bound you chose, or need another resource).")


def native_types(rule: Rule) -> list:
    """The aws-native types this rule judges: those seen as one of its pulumi-aws types (core/native_shapes.py)."""
    from .core import native

    wanted = set(rule.types)
    return sorted(t for t, seen_as in native.types().items() if wanted.intersection(seen_as))


def _kind(rule: Rule) -> str:
    """The rule's kind and the phase it runs in: a resource rule related to a stack rule runs with the stack."""
    if rule.stack:
        return "stack rule (joins resources across the stack; AnalyzeStack)"
    if rule.phase == "stack":
        return ("resource rule, judged with the stack (AnalyzeStack, one resource at a time): declared "
                "phase=\"stack\" because a relation links it to a stack rule, so related findings are weighed in "
                "one call")
    return "resource rule (Analyze)"


def _relations(rule: Rule) -> str:
    """Which rules' findings stand for this one's (``superseded_by``) and whose this one's stands for."""
    over = sorted(rule.superseded_by)
    under = sorted(r.id for r in REGISTRY.values() if rule.id in r.superseded_by)
    parts = ([f"superseded by {', '.join(f'`{r}`' for r in over)}"] if over else []) + \
        ([f"supersedes {', '.join(f'`{r}`' for r in under)}"] if under else [])
    return "; ".join(parts) or "-"


def _components(rule: Rule) -> str:
    """The published components that build a resource of the rule's types without passing on what its fix sets:
    a finding there is not reported (``core/components.py``)."""
    from .core import components

    sets = rule.sets or ((rule.declared.path,) if rule.declared is not None else ())
    found = sorted({c for c, built in components.SETTABLE.items() for t in rule.types
                    if t in built and sets and not any(p.split(".")[0] in built[t] for p in sets)})
    if not found:
        return ""
    return (f"not reported on what {', '.join(f'`{c}`' for c in found)} builds: it does not pass "
            f"{', '.join(f'`{p}`' for p in sets)} on, so the program cannot set it")


def page(rule: Rule) -> str:
    level = governance.default_level(rule)
    lines = [
        f"# {rule.id}",
        "",
        f"**{rule.title}.** {rule.description}",
        "",
        "| | |",
        "|---|---|",
        f"| Category | {rule.category}: {CATEGORIES.get(rule.category, rule.category)} |",
        f"| Severity | {rule.severity.value} |",
        f"| Default level | {level}" + (" (a hygiene rule: on in the `strict` profile)" if rule.hygiene else "") + " |",
        f"| Kind | {_kind(rule)} |",
        f"| Relations | {_relations(rule)} |",
        *([f"| Components | {unreachable} |"] if (unreachable := _components(rule)) else []),
        f"| Resource types | {', '.join(f'`{t}`' for t in rule.types) or 'every type'} |",
        f"| aws-native types | {', '.join(f'`{t}`' for t in native_types(rule)) or ('every type' if not rule.types else '-')} |",
        f"| Peers | {', '.join(rule.peers) or '-'} |",
        f"| Reference | {rule.url} |",
        "",
        "## Why it matters",
        "",
        f"{CATEGORY_RISK.get(rule.category, '')} The practice: {CATEGORY_PRACTICE.get(rule.category, '')}",
        "",
        "## Fix (pulumi-aws Python)",
        "",
        "```python",
        rule.remediation,
        "```",
        "",
        "## Fix (Pulumi TypeScript)",
        "",
        "```typescript",
        presentation.fix_text(rule, "typescript"),
        "```",
        "",
        "## Remediate level",
        "",
    ]
    if rule.fix is not None:
        types = ", ".join(f"`{t}`" for t in rule.fix_types)
        what = (rule.fix.__doc__ or "").strip().splitlines()
        lines.append(f"Fixes {types} at the `remediate` level: the properties it reports are set to the secure "
                     "value, nothing else changes, and the fix is kept only if the rule then passes."
                     + (f" {what[0]}" if what else ""))
    else:
        lines.append(NO_FIX)
    lines += ["", "## Configuration", "", "| setting | type | default | meaning |", "|---|---|---|---|"]
    for key, schema in {**rule.config, **COMMON_CONFIG}.items():
        lines.append(f"| `{key}` | {schema.get('type', '')} | `{json.dumps(schema.get('default'))}` | "
                     f"{schema.get('description', '')} |")
    lines += ["", f"Exempt one resource with the tag `serverless-guard:exempt:{rule.id}` (a reason, optionally "
              "`until YYYY-MM-DD`), or in the settings file's `exemptions`.", ""]
    return "\n".join(lines)


def index() -> str:
    lines = ["# Rules", "", "One page per policy, generated from the registry (`serverless-guard rules --docs docs/rules`).",
             "", "| Policy | SAS | Severity | Default level | Remediates |", "|---|---|---|---|---|"]
    for rule in sorted(REGISTRY.values(), key=lambda r: (int(r.category.split("-")[1]), r.id)):
        lines.append(f"| [{rule.id}]({rule.id}.md) | {rule.category} | {rule.severity.value} | "
                     f"{governance.default_level(rule)} | {'yes' if rule.fix else '-'} |")
    return "\n".join(lines) + "\n"


def pages() -> dict:
    from . import load_rules

    load_rules()
    out = {f"{r.id}.md": page(r) for r in REGISTRY.values()}
    out["README.md"] = index()
    return out


def write(folder: str) -> int:
    os.makedirs(folder, exist_ok=True)
    for name, text in pages().items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)
    return len(REGISTRY)
