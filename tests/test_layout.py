"""The layout keeps each module to one job: no import cycle anywhere in the pack (function-level imports
included; only ``if TYPE_CHECKING:`` imports, which never run, are left out), and the core depends on
nothing outside it but the package's version."""
from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "policies")


def _modules() -> dict:
    out = {}
    for folder, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                name = os.path.relpath(path[:-3], os.path.dirname(ROOT)).replace(os.sep, ".")
                out[name.removesuffix(".__init__")] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> set:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def _imports(modules: dict) -> dict:
    """module -> the pack's modules it imports (at any level of the file)."""
    graph: dict = {}
    for name, path in modules.items():
        tree = ast.parse(open(path).read())
        package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
        skip = _type_checking_nodes(tree)
        found = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                for alias in node.names:
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    if target in modules:
                        found.add(target)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name in modules}
        found.discard(name)
        graph[name] = found
    return graph


def _cycles(graph: dict) -> list:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on: set = set()
    out: list = []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_in_the_pack():
    graph = _imports(_modules())
    assert graph["policies.core.stack"] and graph["policies.core.runtime"]   # the walk sees imports at all
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle_through_a_function_level_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from . import x\nif TYPE_CHECKING:\n    from . import y\n")
    assert len(_type_checking_nodes(tree)) > 0


def test_the_core_depends_only_on_itself():
    graph = _imports(_modules())
    outside = {(m, t) for m, ts in graph.items() if m.startswith("policies.core") for t in ts
               if not t.startswith("policies.core") and t != "policies"}
    assert outside == set()


def test_the_stack_index_holds_no_iam_resolution_or_redaction():
    """One job per module: the index joins resources; IAM resolution is ``roles``, redaction ``messages``."""
    source = open(os.path.join(ROOT, "core", "stack.py")).read()
    for word in ("Redactor", "leaf_strings", "managed.document", "iam.parse", "allows()"):
        assert word not in source, word


# --- no hidden state ----------------------------------------------------------------------------------
def _rule(rule_id: str = "t-rule", **kw):
    from policies.core.rule import Rule, Sev

    return Rule(id=rule_id, category="SAS-3", severity=Sev.LOW, title="t", description="d", remediation="# r",
                check=lambda r, cfg: None, **{"types": ("aws:sqs/queue:Queue",), **kw})


def test_a_rule_is_sealed_with_its_fix_and_never_replaced():
    from policies.core.rule import Registry

    registry = Registry()
    registry.declare(_rule())
    assert "t-rule" in registry                 # declared, pending

    def fix(r, cfg):
        return {"delaySeconds": 0}
    registry.declare_fix("t-rule", fix, None)
    first = registry["t-rule"]                  # reading seals it, fix included
    assert first.fix is fix and first.fix_types == ("aws:sqs/queue:Queue",)
    assert registry["t-rule"] is first and list(registry) == ["t-rule"]
    with pytest.raises(ValueError, match="declared after the rule was first used"):
        registry.declare_fix("t-rule", fix, None)
    assert registry["t-rule"] is first          # the failed declaration changed nothing
    with pytest.raises(ValueError, match="declared twice"):
        registry.declare(_rule())
    with pytest.raises(ValueError, match="no rule 'other' is declared before it"):
        registry.declare_fix("other", fix, None)


def test_a_frozen_registry_takes_no_declaration():
    from policies.core.rule import Registry

    registry = Registry()
    registry.declare(_rule())
    registry.freeze()
    assert registry.frozen and registry["t-rule"].id == "t-rule"
    for attempt in (lambda: registry.declare(_rule("t-two")), lambda: registry.declare_fix("t-rule", print, None),
                    lambda: registry.discard(["t-rule"])):
        with pytest.raises(RuntimeError, match="frozen"):
            attempt()
    assert list(registry) == ["t-rule"]


def test_a_failed_custom_module_leaves_nothing_behind(tmp_path):
    from policies import REGISTRY
    from policies.core import settings

    (tmp_path / "half.py").write_text(
        "from policies.api import Sev, aws, resource_rule\n"
        "@resource_rule('half-declared', 'SAS-3', Sev.LOW, types=[aws.FUNCTION], title='t', description='d',\n"
        "               remediation='# r')\n"
        "def half(fn, cfg):\n    return None\n"
        "raise RuntimeError('broken after one declaration')\n")
    (tmp_path / "serverless-guard.yaml").write_text("customRules:\n  - path: half.py\n")
    with pytest.raises(settings.SettingsError, match="RuntimeError: broken after one declaration"):
        settings.load_settings(str(tmp_path / "serverless-guard.yaml"))
    assert "half-declared" not in REGISTRY


def test_nothing_replaces_a_rule_or_sets_a_resources_context_after_the_fact(tmp_path):
    """What README's "one pipeline, no hidden state" promises: the registry's rules are the objects first
    sealed, whatever runs after (policies built, reports, docs, an organisation's rules loaded); a
    resource's run-time context is given when it is made and cannot be assigned; no function of the pack
    rebinds a module's global."""
    import dataclasses

    from policies import REGISTRY, docs, presentation
    from policies.core import governance, settings
    from policies.core.resource import Resource
    from policies.core.runtime import build_policies

    before = {rule_id: id(rule) for rule_id, rule in REGISTRY.items()}
    assert len(before) > 150
    custom = os.path.join(os.path.dirname(ROOT), "examples", "custom-rules", "serverless-guard.yaml")
    try:
        settings.load_settings(custom)
        build_policies(list(REGISTRY.values()), None, lambda rule: presentation.fix_text(rule, "typescript"))
        docs.pages()
        assert {rule_id: id(REGISTRY[rule_id]) for rule_id in before} == before
        assert all(dataclasses.is_dataclass(r) and type(r).__dataclass_params__.frozen for r in REGISTRY.values())
    finally:
        # the organisation's rules leave with this test: the tests run after it in this process (the rule
        # table, the rule pages, the README's counts) judge the pack's own
        REGISTRY.discard([rule_id for rule_id in REGISTRY if rule_id not in before])

    resource = Resource("aws:sqs/queue:Queue", "q", "urn:q", {})
    with pytest.raises(AttributeError):
        resource.context = governance.Context()   # type: ignore[misc]
    for folder, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                tree = ast.parse(open(os.path.join(folder, f)).read())
                assert not [n for n in ast.walk(tree) if isinstance(n, ast.Global)], f


def test_the_readmes_counts_are_the_registrys():
    """The counts README states in prose: policies, stack rules, one-property rules (a rule added or moved
    between phases changes them)."""
    import re

    from policies import REGISTRY

    readme = open(os.path.join(os.path.dirname(ROOT), "README.md"), encoding="utf-8").read()
    # the pack's own rules (another test of this module loads an organisation's into the same registry)
    own = [r for r in REGISTRY.values() if getattr(r.check, "__module__", "").startswith("policies.")]
    total = len(own)
    stack = sum(1 for r in own if r.stack)
    data = sum(1 for r in own if getattr(r, "declared", None) is not None)
    m = re.search(r"(\d+) policies in ten modules \(SAS-1 … SAS-10\), (\d+) of them stack rules", readme)
    assert m and (int(m.group(1)), int(m.group(2))) == (total, stack), (m and m.groups(), total, stack)
    m = re.search(r"One-property rules are data \(`core/property.py`\): (\d+) rules", readme)
    assert m and int(m.group(1)) == data, (m and m.group(1), data)
    assert f"not by each of the {total} rules" in readme


def test_rules_and_the_core_name_pulumi_aws_types_by_their_constants():
    """Type tokens are written once, in ``core/aws.py`` (``native_shapes.py`` is a table of them by design):
    a rule or core module that spells one out can drift from the constant every other module uses."""
    import glob
    import re

    token = re.compile(r"[\"']aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+[\"']")
    files = [*glob.glob(os.path.join(ROOT, "sas*.py")), os.path.join(ROOT, "exposure.py"),
             *(f for f in glob.glob(os.path.join(ROOT, "core", "*.py"))
               if os.path.basename(f) not in ("aws.py", "native_shapes.py"))]
    spelled = {os.path.basename(f): token.findall(open(f, encoding="utf-8").read()) for f in files}
    assert {f: t for f, t in spelled.items() if t} == {}


def test_a_resource_rule_related_to_a_stack_rule_declares_it_runs_with_the_stack():
    """The phase a resource rule runs in is in its declaration: one related to a stack rule without
    phase="stack" stops the pack when the registry is frozen, naming the rule and the stack rule; one that
    declares it without such a relation too."""
    from policies.core.rule import Registry, phase_problems

    def registry(*rules):
        reg = Registry()
        for r in rules:
            reg.declare(r)
        return reg

    stack = _rule("s-rule", stack=True)
    related = _rule("r-rule", superseded_by=("s-rule",))
    problems = phase_problems(registry(stack, related))
    assert problems == ["resource rule 'r-rule' is related by superseded_by to the stack rule(s) 's-rule', so it "
                        "runs with the stack: declare phase=\"stack\""]
    reg = registry(stack, related)
    with pytest.raises(ValueError, match="declare phase=\"stack\""):
        reg.freeze()
    # through a chain of relations, either way
    middle = _rule("m-rule", superseded_by=("s-rule",), phase="stack")
    chained = _rule("c-rule", phase="resource")
    other = _rule("o-rule", superseded_by=("c-rule", "m-rule"), phase="stack")
    assert phase_problems(registry(stack, middle, chained, other)) == [
        "resource rule 'c-rule' is related by superseded_by to the stack rule(s) 's-rule', so it runs with the "
        "stack: declare phase=\"stack\""]
    lonely = _rule("l-rule", phase="stack")
    assert phase_problems(registry(lonely)) == ["resource rule 'l-rule' declares phase='stack' but is related to "
                                                "no stack rule; only such a relation makes a resource rule run "
                                                "with the stack"]
    assert _rule("x-rule", stack=True, phase="resource").phase == "stack"
    from policies import REGISTRY
    assert phase_problems(REGISTRY) == []
    assert {r.id for r in REGISTRY.values() if r.phase == "stack" and not r.stack} >= {"iam-admin-star",
                                                                                       "eventbridge-target-dlq"}


def test_loading_the_rules_and_their_cases_imports_no_program_library():
    """A rule's cases are written beside it, and the pack imports the rule modules on every preview: the
    cases' programs use pulumi-aws only when a test runs them, so loading the rules imports neither
    pulumi-aws (seconds to import) nor the heavy analysis libraries, which load when first needed."""
    import subprocess
    import sys

    code = ("import sys, policies; policies.load_rules(); from policies.core.cases import CASES; "
            "assert len(CASES) > 300, len(CASES); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'pulumi_aws', 'pulumi_aws_native', 'detect_secrets', 'policy_sentry', 'jsonschema', 'yaml'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=os.path.dirname(ROOT))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_the_case_kit_refuses_a_malformed_case():
    from policies.core.cases import CASES, complies, violates

    before = len(CASES)
    with pytest.raises(ValueError, match="modes"):
        violates("kms-rotation", modes=("deploy",))(lambda: None)
    with pytest.raises(ValueError, match="preview"):
        violates("kms-rotation", preview="maybe")(lambda: None)
    with pytest.raises(TypeError, match="the rule is its id"):
        complies(None)(lambda: None)
    assert len(CASES) == before
