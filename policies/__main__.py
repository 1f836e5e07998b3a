"""serverless-guard command line.

    python -m policies scan <program-dir> [--config FILE] [--stack S] [--project P] [--org O]
                            [--tag k=v ...] [--stack-config FILE] [--preview] [--json FILE]
    python -m policies rules [--markdown]
    python -m policies config explain [--stack S] [--project P] [--org O] [--tag k=v] [--stack-config FILE]
    python -m policies config export [--profile NAME] [--output FILE]

`scan` runs a Pulumi Python program under Pulumi's mocks, evaluates this pack on it through the
same gRPC path the Pulumi engine uses, prints the findings grouped by resource, and exits 1 when a
mandatory policy is violated (2 for a usage or configuration error).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

PACK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2, "disabled": 3}


def _tags(values) -> dict:
    out = {}
    for v in values or []:
        if "=" not in v:
            raise SystemExit(f"error: --tag expects key=value, got {v!r}")
        k, _, val = v.partition("=")
        out[k] = val
    return out


def _load_json(path: str, what: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise SystemExit(f"error: {what} {path} does not exist") from None
    except ValueError as exc:
        raise SystemExit(f"error: {what} {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SystemExit(f"error: {what} {path} must hold a JSON object")
    return data


def _stack_config_env(path: str | None) -> dict:
    """A stack config file (Pulumi.<stack>.yaml or JSON) -> PULUMI_CONFIG entries."""
    if not path:
        return {}
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SystemExit(f"error: stack config {path}: {exc}") from None
    data = data.get("config", data) if isinstance(data, dict) else {}
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}


def cmd_scan(args) -> int:
    from .harness import capture, engine

    if not os.path.isdir(args.program):
        print(f"error: {args.program} is not a folder", file=sys.stderr)
        return 2
    policy_config = _load_json(args.config, "policy pack config") if args.config else {}
    mode = "preview" if args.preview else "update"
    try:
        cap = capture.run_directory(args.program, mode=mode, stack=args.stack)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except capture.ProgramError as exc:
        print(f"error: the Pulumi program in {args.program} raised {exc}", file=sys.stderr)
        return 2
    try:
        pack = engine.PackProcess(PACK_DIR, stack=args.stack, project=args.project or _project(args.program),
                                  organization=args.org, dry_run=args.preview,
                                  stack_config=_stack_config_env(args.stack_config))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with pack:
        try:
            pack.start(policy_config, _tags(args.tag))
        except engine.ConfigError as exc:
            print(f"error: {args.config}: {exc}", file=sys.stderr)
            return 2
        diags = pack.run(cap.records)
    report(diags, cap, mode, sys.stdout)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump([d.__dict__ for d in diags], f, indent=2)
    return 1 if any(d.level == "mandatory" for d in diags) else 0


def _project(path: str) -> str:
    try:
        import yaml

        with open(os.path.join(path, "Pulumi.yaml"), encoding="utf-8") as f:
            return (yaml.safe_load(f) or {}).get("name") or "app"
    except OSError:
        return "app"


def report(diags, cap, mode: str, out) -> None:
    """Findings grouped by resource, like the Pulumi CLI's Policies block."""
    types = {r.urn: r.type for r in cap.records}
    by_urn: dict = {}
    for d in diags:
        by_urn.setdefault(d.urn, []).append(d)
    out.write(f"Policies ({mode}, {len(cap.records)} resources):\n")
    if not diags:
        out.write("    serverless-guard: no findings\n")
    for urn, ds in sorted(by_urn.items(), key=lambda kv: min(LEVEL_ORDER.get(d.level, 9) for d in kv[1])):
        name = urn.rsplit("::", 1)[-1] if urn else "(stack)"
        out.write(f"    {types.get(urn, 'stack')}  {name}\n")
        for d in sorted(ds, key=lambda d: (LEVEL_ORDER.get(d.level, 9), d.policy)):
            head, _, detail = d.message.partition("\n")
            mark = {"mandatory": "[mandatory]", "advisory": "[advisory] "}.get(d.level, f"[{d.level}]")
            out.write(f"      {mark} {d.policy} ({d.severity})\n")
            out.write(f"          {detail or head}\n")
    counts = {}
    for d in diags:
        counts[d.level] = counts.get(d.level, 0) + 1
    out.write("    " + (", ".join(f"{n} {lvl}" for lvl, n in sorted(counts.items())) or "0 findings") + "\n")


def cmd_rules(args) -> int:
    from . import REGISTRY
    from .core import governance

    if args.markdown:
        sys.stdout.write(rules_markdown())
        return 0
    for rule in sorted(REGISTRY.values(), key=lambda r: (int(r.category.split("-")[1]), r.id)):
        print(f"{rule.id:40} {rule.category:7} {rule.severity.value:9} {governance.default_level(rule):10} "
              f"{'stack' if rule.stack else 'resource'}")
    print(f"{len(REGISTRY)} rules")
    return 0


def rules_markdown() -> str:
    from . import REGISTRY
    from .core import governance

    lines = ["| Policy | SAS | Severity | Default level | Kind | Checks | Peers |", "|---|---|---|---|---|---|---|"]
    for rule in sorted(REGISTRY.values(), key=lambda r: (int(r.category.split("-")[1]), r.id)):
        lines.append(f"| `{rule.id}` | {rule.category} | {rule.severity.value} | {governance.default_level(rule)} | "
                     f"{'stack' if rule.stack else 'resource'} | {rule.description} | {', '.join(rule.peers) or '-'} |")
    return "\n".join(lines) + "\n"


def cmd_config(args) -> int:
    from .core import settings

    environ = {"PULUMI_STACK": args.stack, "PULUMI_PROJECT": args.project, "PULUMI_ORGANIZATION": args.org,
               "PULUMI_CONFIG": json.dumps(_stack_config_env(getattr(args, "stack_config", None)))}
    try:
        data = settings.load_settings(os.path.join(PACK_DIR, settings.SETTINGS_FILE))
        if args.action == "export" and args.profile:
            data = {**data, "profile": args.profile}
        compiled = settings.compile_settings(data, args.stack, args.project, args.org,
                                             settings.read_stack_config(environ))
    except settings.SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.action == "export":
        text = json.dumps(compiled.initial_config, indent=2, sort_keys=True) + "\n"
        if args.output:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0
    tags = _tags(args.tag)
    from . import REGISTRY
    from .core import governance, runtime

    governance.STATE.update(tag_overrides=compiled.tag_overrides, initial=compiled.initial_config)
    print(f"stack {args.org}/{args.project}/{args.stack}" + (f" tags {tags}" if tags else ""))
    for rule in sorted(REGISTRY.values(), key=lambda r: (int(r.category.split("-")[1]), r.id)):
        origin = compiled.origin[rule.id]
        cfg = runtime.rule_config(rule, compiled.initial_config[rule.id], tags)
        disabled = cfg.pop("__disabled_by_tag__", False)
        cfg.pop("enforcementLevel", None)
        level = "disabled (by stack tag)" if disabled else compiled.levels[rule.id]
        print(f"{rule.id:40} {level:10} <- {origin.get('level')}")
        for k, v in sorted(cfg.items()):
            if k in compiled.props[rule.id] or v != rule.defaults().get(k, runtime.COMMON_CONFIG.get(k, {}).get("default")):
                src = origin.get(k, "stack tag override")
                print(f"    {k} = {json.dumps(v)} <- {src}")
    for n in compiled.notices:
        print(f"notice: {n}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policies", description="serverless-guard policy pack")
    sub = parser.add_subparsers(dest="command", required=True)

    def identity(p):
        p.add_argument("--stack", default="dev")
        p.add_argument("--project", default="")
        p.add_argument("--org", default="organization")
        p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="a stack tag (repeatable)")
        p.add_argument("--stack-config", metavar="FILE", help="the stack's config (Pulumi.<stack>.yaml)")

    scan = sub.add_parser("scan", help="evaluate the pack on a Pulumi Python program")
    scan.add_argument("program")
    scan.add_argument("--config", metavar="FILE", help="a --policy-pack-config JSON file")
    scan.add_argument("--preview", action="store_true", help="evaluate as pulumi preview (computed values unknown)")
    scan.add_argument("--json", metavar="FILE", help="also write the findings as JSON")
    identity(scan)
    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--markdown", action="store_true")
    config = sub.add_parser("config", help="explain or export the effective configuration")
    config.add_argument("action", choices=["explain", "export"])
    config.add_argument("--profile", choices=["default", "strict", "audit"])
    config.add_argument("--output", metavar="FILE")
    identity(config)
    args = parser.parse_args(argv)
    if args.command == "scan":
        return cmd_scan(args)
    if args.command == "rules":
        return cmd_rules(args)
    return cmd_config(args)


if __name__ == "__main__":
    sys.exit(main())
