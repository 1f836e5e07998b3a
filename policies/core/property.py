"""One-property rules, declared as data.

Many rules ask one thing of one property: a flag is on (``xrayTracingEnabled``), a setting has one value
(``imageTagMutability`` is ``IMMUTABLE``), a key is set (``kmsMasterKeyId``). Such a rule is declared with
``property_rule``: the resource types, the property path, what is wanted of it (``Want``), the message,
and the resource the fix is shown on. From that one declaration follow

- the check: ``Want`` reads the property the way the rest of the pack does (``Resource.flag``, ``known``,
  ``is_set``), so a value unknown in preview is undecided, never a finding;
- the fix for the ``remediate`` level (when ``remediate`` is true): the wanted value, at the path;
- the remediation shown in reports and on the rule's page: the example resource with the property set,
  as pulumi-aws Python writes it (``point_in_time_recovery={"enabled": True}``);
- the phrase the tests assert every violating case's message says (``PropertyCheck.phrase``).

The path, the wanted value and the words around them are written once.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from .rule import REGISTRY, Rule, Sev, _service_of

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class Want:
    """What a one-property rule wants of its property.

    - ``Want.true()``: a boolean that is true (a string "true" counts, as the provider coerces it);
    - ``Want.equals(v, unset=...)``: exactly ``v``; ``unset`` says what an absent value means (``"unset
      (MUTABLE)"``), for the message;
    - ``Want.present(example)``: any value; ``example`` is the Python expression the fix shows
      (``key.arn``);
    - ``Want.not_false()``: anything but an explicit false (the provider's default is true);
    - ``Want.customer_key(alias, example)``: a key of the customer's: set, and not the AWS-managed ``alias``
      (``alias/aws/sqs``) nor any ``alias/aws/`` key (an unknown value comes from a key in the stack: it is
      the customer's);
    - ``Want.at_most(n)`` / ``Want.at_least(n)``: a number within the bound (a numeric string counts, as the
      provider coerces it); the ``remediate`` fix sets the bound.
    """

    kind: str
    value: Any = None
    unset: str = "unset"
    example: str | None = None

    @classmethod
    def true(cls) -> Want:
        return cls("true", True)

    @classmethod
    def equals(cls, value: Any, unset: str = "unset") -> Want:
        return cls("equals", value, unset)

    @classmethod
    def present(cls, example: str, value: Any = None) -> Want:
        """``value``: what the ``remediate`` fix sets (an AWS-managed key alias), if it may set one."""
        return cls("present", value, example=example)

    @classmethod
    def not_false(cls) -> Want:
        return cls("not_false", True)

    @classmethod
    def customer_key(cls, alias: str, example: str = "key.arn", unset: str = "unset") -> Want:
        return cls("customer_key", alias, unset, example=example)

    @classmethod
    def at_most(cls, bound: float, unset: str = "unset") -> Want:
        return cls("at_most", bound, unset)

    @classmethod
    def at_least(cls, bound: float, unset: str = "unset") -> Want:
        return cls("at_least", bound, unset)

    def holds(self, resource, path: str) -> bool:
        """Whether ``resource`` has what is wanted at ``path``; raises ``Undecided`` where an unknown
        value decides (``present`` never does: an unknown value is set)."""
        if self.kind == "true":
            return resource.flag(path) is True
        if self.kind == "equals":
            return resource.known(path) == self.value
        if self.kind == "present":
            return resource.is_set(path)
        if self.kind == "customer_key":
            if not resource.is_set(path):
                return False
            value = resource.get(path)
            return not (isinstance(value, str) and (value == self.value or "alias/aws/" in value))
        if self.kind in ("at_most", "at_least"):
            number = resource.number(path)
            return number is not None and (number <= self.value if self.kind == "at_most" else number >= self.value)
        return resource.known(path) is not False

    def shown(self, resource, path: str) -> str:
        """The value at ``path`` as a message shows it: as the program wrote it, or what unset means."""
        value = resource.get(path)
        if value is None or value == "":
            return self.unset
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value, default=str)

    def python(self) -> str:
        """The wanted value as a pulumi-aws Python program writes it."""
        if self.example is not None:
            return self.example
        if isinstance(self.value, bool):
            return "True" if self.value else "False"
        return json.dumps(self.value)


@dataclass(frozen=True)
class PropertyCheck:
    """A one-property rule's declaration: ``path`` (wire form), ``want``, ``message`` (with ``{path}``
    and, for a value that is not wanted, ``{value}``), ``example`` (the resource the fix is shown on, its
    arguments ending in ``...`` where they are left out) and ``note`` (a comment after the fix)."""

    path: str
    want: Want
    message: str
    example: str
    note: str = ""

    def check(self, resource, cfg) -> str | None:
        if self.want.holds(resource, self.path):
            return None
        return self.message.format(path=self.path, value=self.want.shown(resource, self.path))

    def fix(self, resource, cfg) -> dict | None:
        if self.want.kind == "customer_key":
            return None   # a key and its policy are the owner's to make: never set by a fix
        return {self.path: self.want.value}

    def remediation(self) -> str:
        """The example resource with the property set, as pulumi-aws Python writes it."""
        head = self.example.rstrip()
        if not head.endswith(")"):
            raise ValueError(f"example {self.example!r} is not a resource call ending in ')'")
        inner = head[:-1].rstrip()
        argument = _python_argument(self.path, self.want.python())
        call = f"{inner}, {argument})" if not inner.endswith("(") else f"{inner}{argument})"
        return f"{call}  # {self.note}" if self.note else call

    def phrase(self) -> str:
        """What every message of the rule says, as a Python program's messages word it: the message up to
        the value it quotes."""
        from .messages import user_terms

        text = self.message.split("{value}")[0].format(path=self.path).rstrip()
        return user_terms(text, "python")


def _python_argument(path: str, value: str) -> str:
    """``pointInTimeRecovery.enabled`` = ``True`` -> ``point_in_time_recovery={"enabled": True}``."""
    parts = [_CAMEL.sub("_", p).lower() for p in path.split(".")]
    inner = value
    for key in reversed(parts[1:]):
        inner = f'{{"{key}": {inner}}}'
    return f"{parts[0]}={inner}"


def property_rule(id: str, category: str, severity: Sev, *, types: Iterable[str], path: str, want: Want,
                  message: str, example: str, note: str = "", remediate: bool = False, title: str,
                  description: str, peers: Iterable[str] = (), hygiene: bool = False,
                  superseded_by: Iterable[str] = (), service: str | None = None, phase: str = "resource") -> Rule:
    """Declare a one-property rule (see the module's docstring). ``remediate``: the ``remediate`` level
    sets the wanted value (only where setting it breaks no caller); a ``present`` want needs a ``value``
    for that."""
    declared = PropertyCheck(path, want, message, example, note)
    if any(part.isdigit() or not part for part in path.split(".")):
        raise ValueError(f"rule {id!r}: {path!r} is not a path of named properties (a list's items need a check "
                         "of their own)")
    if "{path}" not in message:
        raise ValueError(f"rule {id!r}: the message names the property as {{path}}")
    if remediate and (want.value is None or want.kind == "customer_key"):
        raise ValueError(f"rule {id!r}: remediate needs a value to set (Want.present(example, value=...))")
    types = tuple(types)
    return REGISTRY.declare(Rule(
        id=id, category=category, severity=severity, title=title, description=description,
        remediation=declared.remediation(), check=declared.check, types=types, peers=tuple(peers),
        service=service or _service_of(types), hygiene=hygiene, superseded_by=tuple(superseded_by),
        fix=declared.fix if remediate else None, fix_types=types if remediate else (), declared=declared,
        phase=phase))
