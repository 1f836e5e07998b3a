"""The public API for an organisation's own rules (docs/custom-rules.md): the declaration the pack's own
rules use, and nothing else. Names here keep their meaning within a major ``API_VERSION``; everything
outside this module may change.

    from policies.api import Sev, resource_rule

    @resource_rule("acme-lambda-owner-tag", "SAS-3", Sev.LOW, types=["aws:lambda/function:Function"],
                   title="Functions name their owner", description="...", remediation="...")
    def owner_tag(fn, cfg):
        if "owner" not in (fn.known("tags") or {}):
            return "has no owner tag. Add tags={'owner': ...}."

A rule that asks one thing of one property can be declared as data instead (``property_rule`` with a
``Want``; see CONTRIBUTING.md): its check, fix and remediation text follow from the declaration.

A resource check gets a read-only resource view (``get(path)``, which returns ``UNKNOWN`` for a value
unknown in preview; ``known(path)``, which raises ``Undecided`` for one, so the rule reports Pulumi's
"can't run policy during preview" instead of a violation; ``is_set(path)``, ``flag(path)``,
``document(prop)`` for an IAM document, ``name``, ``type``, ``label()``) and the rule's settings; it
returns None, a message, or a list of messages. A stack
check gets the ``StackIndex`` (``of_type``, ``targets``, ``referrers``, ``role_documents``) and yields
``(resource, message)`` pairs, or ``(resource, message, covers)`` to stand for other resources that
rules declaring ``superseded_by`` report; a message about one part of a resource (a policy statement) is
``Keyed(text, (where, statement.index))``, so a relation applies to that part only. Messages name the setting and what to do; they show plain
values as the program wrote them, and the runtime keeps secret values out of them.
"""
from __future__ import annotations

from .core import aws
from .core.iam import Document
from .core.property import Want, property_rule
from .core.resource import Resource, Undecided
from .core.rule import CATEGORIES, Keyed, Sev, bool_setting, fixes, int_setting, list_setting, names_allowlist, \
    resource_rule, stack_rule
from .core.stack import StackIndex
from .core.values import UNKNOWN, as_list, lookup

API_VERSION = 1

__all__ = ["API_VERSION", "CATEGORIES", "Document", "Keyed", "Resource", "Sev", "StackIndex", "UNKNOWN", "Undecided", "Want",
           "as_list", "aws", "bool_setting", "fixes", "int_setting", "list_setting", "lookup", "names_allowlist",
           "property_rule", "resource_rule", "stack_rule"]
