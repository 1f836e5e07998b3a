"""AWS managed policies, analysed like the documents a program writes.

``policies/data/aws_managed_policies.json.gz`` is a snapshot of every AWS managed policy document,
made by ``tools/update_managed_policies.py`` from moto (which its maintainers regenerate from the IAM
API); ``SOURCE`` says which version and when. It is read the first time a managed policy ARN is
analysed, never at pack start.
"""
from __future__ import annotations

import gzip
import json
import os
import re
from functools import cache, lru_cache

from . import iam

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                    "aws_managed_policies.json.gz")
_ARN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy(/(?:[\w+=,.@-]+/)*)([\w+=,.@-]+)$")


@cache
def _load() -> dict:
    """The snapshot, read once (a pure function of a file in the package: no state to reset)."""
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)


def source() -> str:
    data = _load()
    return f"{data['source']}, {data['count']} policies, snapshot of {data['generated']}"


def is_managed(arn) -> bool:
    return isinstance(arn, str) and _ARN.match(arn) is not None


def name_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def entry(name: str) -> dict | None:
    """The snapshot's entry (``path``, ``statement``) of the AWS managed policy called ``name``, or None."""
    found = _load()["policies"].get(name)
    return found if isinstance(found, dict) else None


@lru_cache(maxsize=2048)
def document(arn: str):
    """The parsed document of an AWS managed policy ARN (any partition), or None when the ARN is not
    one the snapshot knows (a retired policy, or a typo)."""
    m = _ARN.match(arn) if isinstance(arn, str) else None
    if m is None:
        return None
    entry = _load()["policies"].get(m.group(2))
    if entry is None or entry.get("path", "/") != m.group(1):
        return None
    doc = iam.parse({"Version": "2012-10-17", "Statement": entry["statement"]})
    if isinstance(doc, iam.Document):
        doc.source = f"the AWS-managed {m.group(2)} policy"
        doc.managed_arn = arn
    return doc
