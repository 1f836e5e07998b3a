"""Each rule's fix, written in pulumi-aws Python, as the same program in Pulumi TypeScript.

Run when the docs are generated (``tools/update_readme_rules.py`` stores every rule's translation in
``policies/data/fixes.typescript.json`` for ``policies/presentation.py``), not when the pack starts; only
an organisation's own fix is translated when it is first shown. The fix snippets are small
programs of a few shapes (resource constructors with keyword arguments, dicts, lists, f-strings,
``.apply`` lambdas, ``json.dumps`` and ``pulumi.Output`` helpers, a ``for`` loop, comments); each
shape has one TypeScript form:

- ``aws.lambda_.Function("fn", ..., role=r.arn)`` -> ``new aws.lambda.Function("fn", { /* ... */ role: r.arn })``
- argument, attribute and variable names in snake_case -> camelCase (``execution_arn`` -> ``executionArn``);
  dict keys only when they are argument names (lower snake_case), so environment variable names,
  tags and policy document keys stay as written
- ``json.dumps`` -> ``JSON.stringify``, ``pulumi.Output.json_dumps`` -> ``pulumi.jsonStringify``,
  ``pulumi.Output.concat`` -> ``pulumi.concat``, ``lambda a: ...`` -> ``(a) => ...``, f-strings ->
  template literals, ``True``/``False``/``None`` -> ``true``/``false``/``undefined``
- ``...`` (the arguments the snippet leaves out) -> ``/* ... */``; ``# comment`` -> ``// comment``

A snippet with a construct outside these raises ``Untranslatable`` naming it (``tests/test_cli.py``
translates every rule's fix and checks the result with the TypeScript parser), so a new rule cannot
ship a page with a wrong or missing TypeScript fix.
"""
from __future__ import annotations

import ast
import io
import json
import re
import tokenize

INDENT = "    "
MAX_FLAT = 72  # longer objects and lists get a line per item
_SNAKE_ARG = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
FUNCTIONS = {"json.dumps": "JSON.stringify", "pulumi.Output.json_dumps": "pulumi.jsonStringify",
             "pulumi.Output.concat": "pulumi.concat", "pulumi.Output.all": "pulumi.all"}
CONSTANTS = {True: "true", False: "false", None: "undefined"}


class Untranslatable(ValueError):
    """The snippet uses a Python construct this module has no TypeScript form for."""


def camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Writer:
    def __init__(self, depth: int = 0):
        self.depth = depth

    def expr(self, node: ast.AST) -> str:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise Untranslatable(f"no TypeScript form for Python {type(node).__name__} "
                                 f"(line {getattr(node, 'lineno', '?')})")
        return method(node)

    # --- expressions ---------------------------------------------------------------------------
    def _Constant(self, node: ast.Constant) -> str:
        if node.value is Ellipsis:
            return "/* ... */"
        if isinstance(node.value, bool) or node.value is None:
            return CONSTANTS[node.value]
        if isinstance(node.value, str):
            return _string(node.value)
        if isinstance(node.value, (int, float)):
            return repr(node.value)
        raise Untranslatable(f"no TypeScript form for the constant type {type(node.value).__name__}")

    def _Name(self, node: ast.Name) -> str:
        return camel(node.id)

    def _Attribute(self, node: ast.Attribute) -> str:
        dotted = _dotted(node)
        if dotted and dotted.startswith("aws."):
            return ".".join(p.rstrip("_") if i == 1 else p for i, p in enumerate(dotted.split(".")))
        return f"{self.expr(node.value)}.{camel(node.attr)}"

    def _Call(self, node: ast.Call) -> str:
        dotted = _dotted(node.func) or ""
        if dotted in FUNCTIONS:
            func = FUNCTIONS[dotted]
            if dotted == "pulumi.Output.all":  # pulumi.all takes one list
                return f"{func}([{', '.join(self.expr(a) for a in node.args)}])"
            return f"{func}({', '.join(self.expr(a) for a in node.args)})"
        parts = dotted.split(".")
        # a resource or component class: pulumi-aws's, or a component package's as programs import it
        is_resource = parts[0] in ("aws", "apigateway", "awsx") and len(parts) > 1 and parts[-1][:1].isupper()
        func = self.expr(node.func)
        if dotted.startswith("aws.") and not is_resource:  # a data source function: aws.iam.get_policy_document
            func = ".".join([*func.split(".")[:-1], camel(parts[-1])])
        args = [a for a in node.args if not (isinstance(a, ast.Constant) and a.value is Ellipsis)]
        elided = len(args) < len(node.args)
        rendered = [self.expr(a) for a in args]
        if node.keywords or elided:
            rendered.append(self._object([(camel(k.arg), k.value) for k in node.keywords if k.arg], elided))
        if any(k.arg is None for k in node.keywords):
            raise Untranslatable("no TypeScript form for **kwargs")
        return f"{'new ' if is_resource else ''}{func}({', '.join(rendered)})"

    def _object(self, items: list, elided: bool = False) -> str:
        if any(isinstance(v, ast.Constant) and v.value is Ellipsis for _, v in items):
            raise Untranslatable("no TypeScript form for an elided value (`key=...`): elide the whole argument")
        inner = _Writer(self.depth + 1)
        fields = [f"{k if _IDENT.match(k) else _string(k)}: {inner.expr(v)}" for k, v in items]
        if not fields:
            return "{ /* ... */ }" if elided else "{}"
        return self._layout("{}", fields, "/* ... */" if elided else "")

    def _layout(self, brackets: str, items: list, lead: str = "") -> str:
        """``items`` between ``brackets`` on one line when that is short, else one a line; ``lead`` (the
        elision comment) comes first, with no comma after it."""
        left, right = brackets[0], brackets[1]
        space = " " if left == "{" else ""
        flat = f"{left}{space}{lead + ' ' if lead else ''}{', '.join(items)}{space}{right}"
        if len(flat) + len(INDENT) * self.depth <= MAX_FLAT and "\n" not in flat:
            return flat
        pad = INDENT * (self.depth + 1)
        return (f"{left}\n" + (f"{pad}{lead}\n" if lead else "") + "".join(f"{pad}{i},\n" for i in items)
                + INDENT * self.depth + right)

    def _Dict(self, node: ast.Dict) -> str:
        items = []
        for k, v in zip(node.keys, node.values):
            if not (isinstance(k, ast.Constant) and isinstance(k.value, str)):
                raise Untranslatable("no TypeScript form for a dict key that is not a string")
            items.append((camel(k.value) if _SNAKE_ARG.match(k.value) else k.value, v))
        return self._object(items)

    def _Set(self, node: ast.Set) -> str:  # ``{...}``: an object whose contents the snippet leaves out
        if all(isinstance(e, ast.Constant) and e.value is Ellipsis for e in node.elts):
            return "{ /* ... */ }"
        raise Untranslatable("no TypeScript form for a Python set")

    def _List(self, node: ast.List | ast.Tuple) -> str:
        inner = _Writer(self.depth + 1)
        return self._layout("[]", [inner.expr(e) for e in node.elts])

    _Tuple = _List

    def _Lambda(self, node: ast.Lambda) -> str:
        params = ", ".join(camel(a.arg) for a in node.args.args)
        return f"({params}) => {self.expr(node.body)}"

    def _JoinedStr(self, node: ast.JoinedStr) -> str:
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(str(part.value).replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${"))
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
                out.append("${" + self.expr(part.value) + "}")
            else:
                raise Untranslatable("no TypeScript form for an f-string conversion or format spec")
        return "`" + "".join(out) + "`"

    def _BinOp(self, node: ast.BinOp) -> str:
        ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
        op = ops.get(type(node.op))
        if op is None:
            raise Untranslatable(f"no TypeScript form for the operator {type(node.op).__name__}")
        return f"{self.expr(node.left)} {op} {self.expr(node.right)}"

    def _Subscript(self, node: ast.Subscript) -> str:
        return f"{self.expr(node.value)}[{self.expr(node.slice)}]"

    # --- statements -----------------------------------------------------------------------------
    def statement(self, node: ast.stmt, comments: dict) -> list:
        pad = INDENT * self.depth
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            return [f"{pad}const {camel(node.targets[0].id)} = {self.expr(node.value)};"]
        if isinstance(node, ast.Expr):
            return [f"{pad}{self.expr(node.value)};"]
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and not node.orelse:
            body = _Writer(self.depth + 1)
            lines = [f"{pad}for (const {camel(node.target.id)} of {self.expr(node.iter)}) {{"]
            for child in node.body:
                lines += body.block(child, comments)
            return lines + [f"{pad}}}"]
        raise Untranslatable(f"no TypeScript form for the statement {type(node).__name__} (line {node.lineno})")

    def block(self, node: ast.stmt, comments: dict) -> list:
        """The statement with the comments that stand on its lines (after it) or before it."""
        pad = INDENT * self.depth
        before = [f"{pad}// {comments.pop(n)}" for n in sorted(comments) if n < node.lineno]
        lines = self.statement(node, comments)
        after = [f"{pad}// {comments.pop(n)}" for n in sorted(comments)
                 if node.lineno <= n <= (node.end_lineno or node.lineno)]
        return before + lines + after


def _comments(source: str) -> dict:
    """Line number -> the text of the comment on it (Python names in it as TypeScript spells them)."""
    out = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            out[tok.start[0]] = tok.string.lstrip("#").strip().replace("aws.lambda_.", "aws.lambda.")
    return out


def translate(source: str) -> str:
    """The TypeScript form of a Python fix snippet. Raises ``Untranslatable`` (naming the construct) or
    ``SyntaxError`` (the snippet is not Python)."""
    tree = ast.parse(source)
    comments = _comments(source)
    writer = _Writer()
    lines: list = []
    for node in tree.body:
        lines += writer.block(node, comments)
    lines += [f"// {comments.pop(n)}" for n in sorted(comments)]
    return "\n".join(lines)
