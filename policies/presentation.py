"""How a rule's fix is shown, in the language of the program it is shown to.

A rule declares its fix once, in pulumi-aws Python (``Rule.remediation``). Pulumi TypeScript is a
translation (``typescript.translate``), made when the docs are generated: ``tools/update_readme_rules.py``
writes every rule's TypeScript to ``policies/data/fixes.typescript.json``, keyed by rule id with a
digest of the Python it was translated from, and this module reads it. So starting the pack translates
nothing. A fix the file does not hold as it now reads (an organisation's own rule, or a declaration
changed since the file was written, which ``tests/test_typescript.py`` does not let stand) is translated
when it is first shown.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import cache, lru_cache

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "fixes.typescript.json")
LANGUAGES = ("python", "typescript")


def digest(remediation: str) -> str:
    return hashlib.sha256(remediation.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@cache
def _stored() -> dict:
    try:
        with open(DATA, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return {}
    return data if isinstance(data, dict) else {}


def fix_text(rule, language: str = "python") -> str:
    """``rule``'s fix as a program in ``language`` writes it."""
    if language != "typescript":
        return rule.remediation
    stored = _stored().get(rule.id)
    if isinstance(stored, dict) and stored.get("python") == digest(rule.remediation):
        return stored["typescript"]
    return _translated(rule.remediation)


def fix_in(python: str, language: str = "python") -> str:
    """A fix written for one finding (pulumi-aws Python) as a program in ``language`` writes it."""
    return python if language != "typescript" else _translated(python)


@lru_cache(maxsize=256)
def _translated(remediation: str) -> str:
    from .typescript import Untranslatable, translate

    try:
        return translate(remediation)
    except (Untranslatable, SyntaxError):   # an organisation's rule may write a fix we cannot translate
        return "# (in pulumi-aws Python)\n" + remediation


def translations(rules) -> dict:
    """What ``DATA`` holds for ``rules``: rule id -> the digest of its Python fix and its TypeScript."""
    return {rule.id: {"python": digest(rule.remediation), "typescript": _translated(rule.remediation)}
            for rule in sorted(rules, key=lambda r: r.id)}


def write(rules) -> int:
    data = translations(rules)
    with open(DATA, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    return len(data)
