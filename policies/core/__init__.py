"""The small core every risk module uses: declarations, clean resource views, IAM documents,
the stack index and the runtime that turns rules into Pulumi policies."""
from . import iam
from .resource import Resource, Undecided
from .property import Want, property_rule
from .rule import CATEGORIES, REGISTRY, Keyed, Rule, Sev, bool_setting, fixes, int_setting, list_setting, names_allowlist, \
    resource_rule, stack_rule
from .stack import StackIndex
from .values import UNKNOWN, as_list, is_unknown, lookup

__all__ = ["iam", "Resource", "Undecided", "CATEGORIES", "REGISTRY", "Rule", "Sev", "resource_rule", "stack_rule", "fixes",
           "StackIndex", "UNKNOWN", "as_list", "is_unknown", "lookup", "names_allowlist", "int_setting", "list_setting",
           "bool_setting", "property_rule", "Want", "Keyed"]
