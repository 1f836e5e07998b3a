"""serverless-guard command line.

    serverless-guard scan PATH [--input KIND] [--config FILE] [--settings FILE] [--stack S] [--project P]
                          [--org O] [--tag k=v ...] [--stack-config FILE] [--preview] [--project-dir DIR]
                          [--json FILE|-] [--sarif FILE|-] [--junit FILE|-] [--fail-on SEVERITY] [--quiet]
                          [--remediate] [--language python|typescript]
    serverless-guard rules [--markdown] [--docs DIR]
    serverless-guard config explain [--stack S] [--project P] [--org O] [--tag k=v] [--stack-config FILE]
    serverless-guard config export [--profile NAME] [--output FILE]

(``python -m policies`` is the same command.) `scan` reads a Pulumi Python program (run under
Pulumi's mocks), a `pulumi stack export` file or a `pulumi preview --json` file, evaluates this pack
on it through the same gRPC path the Pulumi engine uses, prints the findings grouped by resource,
writes JSON, SARIF and JUnit on request, and exits 0 (no mandatory violation), 1 (mandatory
violations, or findings at --fail-on severity) or 2 (a usage, input or configuration error).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

PACK_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class UsageError(Exception):
    """A usage, input or configuration error: exit code 2 with this one line."""


def _tags(values) -> dict:
    out = {}
    for v in values or []:
        if "=" not in v:
            raise UsageError(f"--tag expects KEY=VALUE, got {v!r}")
        k, _, val = v.partition("=")
        out[k] = val
    return out


MAX_CONFIG_BYTES = 16 << 20   # a policy pack config or a stack config file


def _load_json(path: str, what: str) -> dict:
    from .core.files import FileProblem, read_text, shown

    if not os.path.exists(path):
        raise UsageError(f"{what} {shown(path)} does not exist")
    try:
        data = json.loads(read_text(path, MAX_CONFIG_BYTES, f"{what} {shown(path)}"))
    except FileProblem as exc:
        raise UsageError(str(exc)) from None
    except RecursionError:
        raise UsageError(f"{what} {shown(path)} is nested too deeply") from None
    except ValueError as exc:
        raise UsageError(f"{what} {shown(path)} is not valid JSON: {shown(str(exc).splitlines()[0])}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} {shown(path)} must hold a JSON object, not a {type(data).__name__}")
    return data


def _stack_config_env(path: str | None) -> dict:
    """A stack config file (Pulumi.<stack>.yaml or JSON) -> PULUMI_CONFIG entries."""
    if not path:
        return {}
    from .core.files import FileProblem, load_yaml_file, shown

    label = f"stack config {shown(path)}"
    try:
        data = load_yaml_file(path, MAX_CONFIG_BYTES, label, what="a stack's config")
    except FileProblem as exc:
        raise UsageError(str(exc)) from None
    data = {} if data is None else data
    if not isinstance(data, dict) or not isinstance(data.get("config", {}), dict):
        raise UsageError(f"{label}: expected a mapping with a 'config' mapping")
    data = data.get("config", data)
    for key, value in data.items():
        if str(key).startswith("serverless-guard:") and isinstance(value, dict) and set(value) == {"secure"}:
            raise UsageError(f"{label}: {shown(str(key))} is a secure value, which scan cannot decrypt; "
                             "give the stack's config decrypted with --stack-config")
    out = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    size = len(json.dumps(out).encode("utf-8"))
    if size > MAX_ENV_CONFIG:
        raise UsageError(f"{label}: the config is {size >> 10} KB; a policy pack receives the stack's config in one "
                         f"environment variable (PULUMI_CONFIG), which the system limits to {MAX_ENV_CONFIG >> 10} KB")
    return out


MAX_ENV_CONFIG = 120 << 10   # Linux refuses one environment string over 128 KB (MAX_ARG_STRLEN)


def _writable(path: str | None, what: str) -> None:
    if path and path != "-":
        from .core.files import shown

        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{what} {shown(path)}: folder {shown(folder)} does not exist")
        if os.path.isdir(path):
            raise UsageError(f"{what} {shown(path)}: is a folder, not a file")


def _check_outputs(outputs: dict, inputs: dict) -> None:
    """At most one document on stdout, one writer per file, and no output over an input."""
    from .core.files import shown

    named = [(flag, path) for flag, path in outputs.items() if path]
    to_stdout = [flag for flag, path in named if path == "-"]
    if len(to_stdout) > 1:
        raise UsageError(f"{' and '.join(to_stdout)} both write to stdout; give all but one a file")
    seen: dict = {}
    for flag, path in named:
        if path == "-":
            continue
        _writable(path, flag)
        real = os.path.realpath(path)
        if real in seen:
            raise UsageError(f"{seen[real]} and {flag} both write {shown(path)}")
        seen[real] = flag
        for what, source in inputs.items():
            if source and os.path.exists(source) and os.path.exists(path) and os.path.samefile(source, path):
                raise UsageError(f"{flag} {shown(path)} is the {what}: writing it would overwrite the input")
            if source and os.path.isdir(source) and real.startswith(os.path.realpath(source) + os.sep) \
                    and os.path.basename(real) in ("Pulumi.yaml", "__main__.py"):
                raise UsageError(f"{flag} {shown(path)} would overwrite the program's {os.path.basename(real)}")


def _pack_process(args, dry_run: bool, project: str, stack_config: str | None, language: str | None):
    """The pack, started as the engine starts it, with the settings file and language handed over in its
    launch line (``policies/pack.py``): ``--settings``, else the source checkout's own file when there is one,
    else the built-in defaults (an installed package carries no settings file and reads none from the working
    folder or the environment)."""
    from .engine import analyzer

    settings_file = _settings_file(args)
    try:
        return analyzer.PackProcess(stack=args.stack, project=args.project or project,
                                    organization=args.org, dry_run=dry_run,
                                    stack_config=_stack_config_env(stack_config),
                                    command=analyzer.pack_command(), transport="pipe",
                                    settings=settings_file, language=language)
    except RuntimeError as exc:
        from .core.safety import one_line

        lines = [ln for ln in str(exc).splitlines() if ln.startswith("serverless-guard:")]
        raise UsageError(one_line(lines[-1].split(": ", 1)[1]) if lines else "the policy pack did not start") from None


def _settings_file(args) -> str | None:
    """The settings file of a scan: ``--settings``, else the source checkout's ``serverless-guard.yaml`` (beside
    ``PulumiPolicy.yaml``, as the published pack has it), else none: the built-in defaults."""
    if args.settings:
        if not os.path.isfile(args.settings):
            raise UsageError(f"settings file {args.settings} does not exist")
        return os.path.abspath(args.settings)
    shipped = os.path.join(PACK_DIR, "serverless-guard.yaml")
    if os.path.isfile(shipped) and os.path.isfile(os.path.join(PACK_DIR, "PulumiPolicy.yaml")):
        return shipped
    return None


def _load_settings_rules(settings_file: str | None) -> None:
    """The settings file's own rules (``customRules``) joined to this process's registry, so the scan
    sends their resource types and its reports and docs know them; a bad rule module is exit 2 here, with
    the same message the pack would give."""
    from . import load_rules
    from .core import settings

    path = settings_file
    if not path or not os.path.isfile(path):
        return
    load_rules()
    try:
        settings.load_settings(path)
    except settings.SettingsError as exc:
        raise UsageError(str(exc)) from None


def _settings_language(args) -> str:
    """The language the settings file the pack was started with chose for this stack (python if none)."""
    from . import load_rules
    from .core import settings

    path = _settings_file(args)
    if not path:
        return "python"
    load_rules()
    # the pack has started with this file, so it is valid (a bad one stopped the scan with its error)
    return settings.compile_settings(settings.load_settings(path), stack=args.stack, project=args.project,
                                     organization=args.org, source=os.path.basename(path)).language


class Scanned:
    """One input of a scan, judged: what was read, the findings and remediations, the levels in force."""

    def __init__(self, path, loaded, findings, fixes, levels, language, cwd, fallback):
        self.path, self.loaded, self.findings, self.fixes = path, loaded, findings, fixes
        self.levels, self.language, self.cwd, self.fallback = levels, language, cwd, fallback
        self.name = os.path.basename(os.path.normpath(path)) or path
        self.source = {"path": path, "kind": loaded.kind, "mode": loaded.mode, "resources": len(loaded.records)}
        self.remote = [r for r in loaded.records if getattr(r, "remote", False)]
        if self.remote:
            self.source["notExpanded"] = [{"type": r.type, "name": r.name, "urn": r.urn} for r in self.remote]


def cmd_scan(args) -> int:
    policy_config, tags = _scan_arguments(args)
    scanned = [_scan_one(args, path, policy_config, tags) for path in args.path]
    if len(scanned) > 1 and len({s.name for s in scanned}) < len(scanned):
        for s in scanned:
            s.name = s.path
    if len(scanned) == 1:
        _report_one(args, scanned[0])
    else:
        _report_many(args, scanned)
    for s in scanned:
        if s.remote:
            _note_not_expanded(s.remote)
    return max(_exit_code(s.findings, args.fail_on) for s in scanned) if scanned else 0


def _pack_info() -> dict:
    from . import __version__

    return {"name": "serverless-guard", "version": __version__, "url": "https://www.pulumi.com/docs/iac/crossguard/"}


def _scan_one(args, path: str, policy_config: dict, tags: dict) -> Scanned:
    """One input (a program folder, a stack export or a preview) read and judged by its own pack process."""
    from . import inputs, reports
    from .engine import analyzer

    mode = "preview" if args.preview else "update"
    if args.progress:
        sys.stderr.write(f"serverless-guard: reading {path} ...\n")
    try:
        loaded = inputs.load(path, kind=args.input, mode=mode, stack=args.stack, stack_config=args.stack_config,
                             organization=args.org, stack_outputs=args.stack_outputs,
                             base_dir=args.project_dir, timeout=args.timeout, stream=True)
    except inputs.InputError as exc:
        raise UsageError(str(exc)) from None
    if args.progress:
        count = f"{len(loaded.records)} resources" if loaded.pending is None else "resources as they are read"
        sys.stderr.write(f"serverless-guard: analyzing {count} ({loaded.mode}) ...\n")
    # a Node.js program: messages and fixes as its pulumi-aws writes them
    language = args.language or ("typescript" if loaded.language == "typescript" else None)
    stack_config = _stack_config_of(args, path, loaded)
    with _pack_process(args, loaded.mode == "preview", loaded.project, stack_config, language) as pack:
        try:
            pack.start(policy_config, tags)
        except analyzer.ConfigError as exc:
            raise UsageError(f"{args.config}: {exc}") from None
        pack.analyzed_types = _analyzed_types()
        try:
            # the exposure map (--html) reads the resources' outputs: they are kept for it
            diags = pack.run(loaded.stream(), release=not args.html)
        except inputs.InputError as exc:   # found further into a streamed file
            raise UsageError(str(exc)) from None
        levels = {name: level for name, (level, _) in pack.effective.items()}
        remediations = pack.remediations
    cwd = os.getcwd()
    fallback = os.path.join(loaded.base_dir if os.path.isdir(loaded.base_dir) else cwd, "Pulumi.yaml")
    language = language or _settings_language(args)
    findings = reports.build(diags, loaded.records, cwd, fallback, language)
    fixes = reports.build_remediations(remediations, loaded.records, cwd, fallback, language)
    return Scanned(path, loaded, findings, fixes, levels, language, cwd, fallback)


def _report_one(args, s: Scanned) -> None:
    from . import reports

    pack_info = _pack_info()
    _emit(args.json, lambda: reports.dumps(reports.to_json(s.findings, pack_info, s.source, s.fixes)))
    _emit(args.sarif, lambda: json.dumps(reports.to_sarif(s.findings, pack_info, s.fixes, s.language,
                                                          reports.source_root(s.cwd, s.fallback))) + "\n")
    _emit(args.junit, lambda: reports.to_junit(s.findings, s.loaded.records, s.levels))
    _emit_html(args.html, [s], [])
    if "-" not in (args.json, args.sarif, args.junit):
        reports.terminal(s.findings, s.loaded.mode, len(s.loaded.records), sys.stdout, quiet=args.quiet, fixes=s.fixes)


def _report_many(args, scanned: list) -> None:
    """Several stacks: each one's findings (tagged with its stack), a per-stack table and the rollout view."""
    from . import reports

    pack_info = _pack_info()
    rollout = reports.rollout([(s.name, s.findings, s.levels) for s in scanned])
    _emit(args.json, lambda: reports.dumps(reports.to_json_many(
        [(s.name, s.findings, s.source, s.fixes) for s in scanned], pack_info, rollout)))
    _emit(args.sarif, lambda: json.dumps(reports.to_sarif(
        [f for s in scanned for f in s.findings], pack_info, [r for s in scanned for r in s.fixes],
        scanned[0].language, reports.source_root(scanned[0].cwd, scanned[0].fallback))) + "\n")
    _emit(args.junit, lambda: reports.to_junit([f for s in scanned for f in s.findings],
                                               [r for s in scanned for r in s.loaded.records], scanned[0].levels))
    _emit_html(args.html, scanned, rollout)
    if "-" not in (args.json, args.sarif, args.junit):
        for s in scanned:
            sys.stdout.write(f"== stack {s.name} ({s.path})\n")
            reports.terminal(s.findings, s.loaded.mode, len(s.loaded.records), sys.stdout, quiet=args.quiet,
                             fixes=s.fixes)
        reports.terminal_many([(s.name, s.findings) for s in scanned], rollout, sys.stdout)


def _emit_html(target: str | None, scanned: list, rollout: list) -> None:
    if not target:
        return
    from . import html_report

    try:
        text = html_report.page([{"name": s.name, "findings": s.findings, "records": s.loaded.records,
                                  "source": s.path} for s in scanned], _pack_info(), rollout)
    except ImportError as exc:
        raise UsageError(f"--html needs the package's html extra (pip install 'serverless-guard[html]'): "
                         f"{exc.name} is not installed") from None
    _emit(target, lambda: text)


def _stack_config_of(args, path: str, loaded) -> str | None:
    """The stack config the pack gets: ``--stack-config``, else (as the engine hands the pack the stack's
    config) a program's own ``Pulumi.<stack>.yaml``."""
    if args.stack_config is not None or loaded.kind != "program":
        return args.stack_config
    own = os.path.join(path, f"Pulumi.{args.stack}.yaml")
    return own if os.path.isfile(own) else None


def _scan_arguments(args) -> tuple:
    """The policy config and stack tags of a scan, every file argument checked before anything runs, and the
    settings file's own rules loaded."""
    policy_config = _load_json(args.config, "policy pack config") if args.config else {}
    _check_config_keys(policy_config, args.config)
    if args.remediate:
        policy_config = _with_remediate(policy_config)
    tags = _tags(args.tag)
    _check_outputs({"--json": args.json, "--sarif": args.sarif, "--junit": args.junit, "--html": args.html},
                   {**{"input" if len(args.path) == 1 else f"input {i + 1}": p for i, p in enumerate(args.path)},
                    "--config file": args.config,
                    "--settings file": args.settings, "--stack-config file": args.stack_config})
    if args.stack_outputs:
        _load_json(args.stack_outputs, "stack outputs file")
    for path, what in ((args.stack_config, "stack config"), (args.settings, "settings file")):
        if path and not os.path.isfile(path):
            raise UsageError(f"{what} {path} does not exist")
    _load_settings_rules(_settings_file(args))
    return policy_config, tags


def _exit_code(findings: list, fail_on: str | None) -> int:
    """1 when a finding is mandatory, or (with --fail-on) at or above that severity and not exempted; else 0.
    The verdict comes from the findings' levels, which the pack decided (an exempted finding is advisory)."""
    from . import reports

    if any(f.level == "mandatory" for f in findings):
        return 1
    if fail_on:
        floor = reports.SEVERITY_ORDER.index(fail_on)
        if any(reports.SEVERITY_ORDER.index(f.severity) >= floor and not f.exempted and not f.notice
               for f in findings):
            return 1
    return 0


def _note_not_expanded(remote: list) -> None:
    """What a program scan could not see: a multi-language component (awsx, aws-apigateway, ...) is built
    by its provider plugin during a real preview, so under mocks it has no children."""
    from .core.safety import one_line

    shown = ", ".join(f"{one_line(r.name, 80)} ({one_line(r.type, 80)})" for r in remote[:5])
    more = f" and {len(remote) - 5} more" if len(remote) > 5 else ""
    sys.stderr.write(f"serverless-guard: note: {len(remote)} component(s) are built by their provider plugin at "
                     f"deploy time, so nothing inside them was judged: {shown}{more}. Scan the stack's "
                     "`pulumi preview --json` (or its stack export) to judge what they create.\n")


def _analyzed_types() -> frozenset:
    """Every type a resource policy or a fix of the pack declares, and every aws-native type seen as one of
    them (the pack answers nothing for others)."""
    from . import REGISTRY

    from .core import native
    declared = frozenset(t for rule in REGISTRY.values() if rule.phase == "resource" for t in rule.types) | \
        frozenset(t for rule in REGISTRY.values() if rule.fix is not None for t in rule.fix_types)
    return declared | frozenset(t for t, seen_as in native.types().items() if declared.intersection(seen_as))


def _with_remediate(config: dict) -> dict:
    """Every policy that has a fix at level remediate, unless the config already chose its level."""
    from . import REGISTRY

    out = dict(config)
    for rule in REGISTRY.values():
        if rule.fix is None:
            continue
        entry = out.get(rule.id)
        if entry is None:
            out[rule.id] = "remediate"
        elif isinstance(entry, dict) and "enforcementLevel" not in entry:
            out[rule.id] = {**entry, "enforcementLevel": "remediate"}
    return out


def _check_config_keys(config: dict, path: str | None) -> None:
    """Unknown settings of a known policy are an error, as in the settings file (the engine would only
    ignore them, and a typo would silently keep the default)."""
    from . import REGISTRY
    from .core.runtime import COMMON_CONFIG

    for name, entry in config.items():
        rule = REGISTRY.get(name)
        if rule is None or not isinstance(entry, dict):
            continue
        unknown = sorted(set(entry) - set(rule.config) - set(COMMON_CONFIG) - {"enforcementLevel"})
        if unknown:
            known = ", ".join(sorted(set(rule.config) | set(COMMON_CONFIG))) or "none"
            raise UsageError(f"{path}: policy {name!r} has no setting {unknown[0]!r} (its settings: {known})")


def _emit(target: str | None, render) -> None:
    if not target:
        return
    text = render()
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None


def cmd_rules(args) -> int:
    from . import REGISTRY
    from .core import governance

    if args.settings:
        if not os.path.isfile(args.settings):
            raise UsageError(f"settings file {args.settings} does not exist")
        _load_settings_rules(args.settings)   # the organisation's own rules are listed and documented too

    if args.markdown:
        sys.stdout.write(rules_markdown())
        return 0
    if args.docs:
        from .docs import write

        print(f"{write(args.docs)} rule pages written to {args.docs}")
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
        if args.settings and not os.path.isfile(args.settings):
            raise UsageError(f"settings file {args.settings} does not exist")
        data = settings.load_settings(_settings_file(args) or "")
        if args.action == "export" and args.profile:
            data = {**data, "profile": args.profile}
        compiled = settings.compile_settings(data, args.stack, args.project, args.org,
                                             settings.read_stack_config(environ))
    except settings.SettingsError as exc:
        raise UsageError(str(exc)) from None
    if args.action == "export":
        _writable(args.output, "--output")
        _emit(args.output or "-", lambda: json.dumps(compiled.initial_config, indent=2, sort_keys=True) + "\n")
        return 0
    tags = _tags(args.tag)
    from . import REGISTRY
    from .core import runtime

    context = settings.context_of(compiled)
    print(f"stack {args.org}/{args.project}/{args.stack}" + (f" tags {tags}" if tags else "")
          + f"; messages and fixes in {compiled.language}")
    for rule in sorted(REGISTRY.values(), key=lambda r: (int(r.category.split("-")[1]), r.id)):
        origin = compiled.origin[rule.id]
        # as the servicer does: a stack tag never disables or loosens a mandatory or remediate policy
        cfg, disabled = runtime.rule_config(rule, compiled.initial_config[rule.id], tags, context,
                                            compiled.levels[rule.id])
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
    """The ``serverless-guard`` command. Exit codes: 0 no mandatory violation, 1 mandatory violations
    (or findings at ``--fail-on`` severity and above), 2 a usage, input or configuration error (one
    line on stderr, never a traceback)."""
    _safe_import_path()
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)} \
        if threading.current_thread() is threading.main_thread() else {}
    try:
        return _main(argv)
    except UsageError as exc:
        from .core.safety import printable
        from .core.secrets import hide_credentials

        # the one place an error reaches a person: a program's own exception, a settings or stack config
        # problem: a credential in it is never shown
        print(f"serverless-guard: error: {printable(hide_credentials(str(exc)))}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Interrupted) as exc:
        # the child processes were stopped on the way out (their context managers); an interrupted scan
        # is never a clean result
        print(f"serverless-guard: error: interrupted ({exc or 'SIGINT'}) before the scan finished", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug of ours: still one line and exit 2, never a traceback
        print(f"serverless-guard: error: internal error ({type(exc).__name__}); run with SERVERLESS_GUARD_DEBUG=1 "
              "for details and please report it", file=sys.stderr)
        if os.environ.get("SERVERLESS_GUARD_DEBUG") == "1":
            raise
        return 2
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _safe_import_path() -> None:
    """``python -m`` puts the working folder first on the import path, and a program under review may have
    written modules there or in the temp folder: the libraries this command imports later (lazily) come from
    its own installation only. The package's own folder stays (a source checkout is run from it)."""
    own = os.path.realpath(PACK_DIR)
    unsafe = {os.path.realpath(os.getcwd()), os.path.realpath(tempfile.gettempdir())}
    sys.path[:] = [p for p in sys.path
                   if os.path.realpath(p or ".") == own or (p not in ("", ".") and os.path.realpath(p) not in unsafe)]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("expected a number of seconds between 0 and 86400")
    return value


class Interrupted(BaseException):
    """SIGINT or SIGTERM: the program and the pack are stopped and the scan ends with exit 2."""


def _on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def _main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="serverless-guard", description="serverless-guard policy pack")
    sub = parser.add_subparsers(dest="command", required=True)

    def identity(p):
        p.add_argument("--stack", default="dev")
        p.add_argument("--project", default="")
        p.add_argument("--org", default="organization")
        p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="a stack tag (repeatable)")
        p.add_argument("--stack-config", metavar="FILE", help="the stack's config (Pulumi.<stack>.yaml)")

    scan = sub.add_parser("scan", help="evaluate the pack on a Python program, a stack export or a preview JSON")
    scan.add_argument("path", nargs="+",
                      help="a Pulumi program folder (Python or Node.js), a `pulumi stack export` file or a "
                           "`pulumi preview --json` file; several give a per-stack table and the rollout view")
    scan.add_argument("--input", choices=["program", "stack-export", "preview-json"],
                      help="what PATH is (detected from its content by default)")
    scan.add_argument("--config", metavar="FILE", help="a --policy-pack-config JSON file")
    scan.add_argument("--stack-outputs", metavar="FILE",
                      help="the outputs of the stacks a program references (a JSON object: stack name -> outputs); "
                           "a StackReference's outputs are unknown without it")
    scan.add_argument("--settings", metavar="FILE", help="a serverless-guard.yaml settings file")
    scan.add_argument("--preview", action="store_true", help="run a program as pulumi preview (computed values unknown)")
    scan.add_argument("--project-dir", metavar="DIR",
                      help="the Pulumi project folder that source positions of an export are relative to "
                           "(default: the current folder)")
    scan.add_argument("--json", metavar="FILE", help="write the findings as JSON ('-' for stdout)")
    scan.add_argument("--sarif", metavar="FILE", help="write SARIF 2.1.0 for code scanning ('-' for stdout)")
    scan.add_argument("--junit", metavar="FILE", help="write JUnit XML ('-' for stdout)")
    scan.add_argument("--html", metavar="FILE", help="write a self-contained HTML report: the exposure map, the "
                                                   "findings and (for several inputs) the rollout view")
    scan.add_argument("--fail-on", choices=["info", "low", "medium", "high", "critical"],
                      help="also exit 1 when a finding has this severity or higher, whatever its level")
    scan.add_argument("--quiet", action="store_true", help="print only the summary")
    scan.add_argument("--timeout", type=_seconds, default=300, metavar="SECONDS",
                      help="stop a program that has not finished declaring its resources after this long "
                           "(default 300); it is then an error (exit 2)")
    scan.add_argument("--language", choices=["python", "typescript"],
                      help="name properties and show fixes as this language's pulumi-aws writes them "
                           "(default: the settings file's `language`, else python)")
    scan.add_argument("--remediate", action="store_true",
                      help="set every policy that has a safe fix to level remediate (unless --config chooses its "
                           "level) and show each change the engine would deploy, as a property diff")
    identity(scan)
    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--markdown", action="store_true", help="the README's rule table")
    rules.add_argument("--docs", metavar="DIR", help="write one documentation page per rule into DIR")
    rules.add_argument("--settings", metavar="FILE",
                       help="a settings file whose customRules are listed (and documented) with the pack's")
    config = sub.add_parser("config", help="explain or export the effective configuration")
    config.add_argument("action", choices=["explain", "export"])
    from .core.governance import PROFILES

    config.add_argument("--profile", choices=sorted(PROFILES))
    config.add_argument("--output", metavar="FILE")
    config.add_argument("--settings", metavar="FILE", help="the settings file (default: the pack folder's)")
    identity(config)
    args = parser.parse_args(argv)
    from . import load_rules

    load_rules()  # the settings schema, docs and reports read the registry
    if args.command == "scan":
        args.progress = sys.stderr.isatty() and not args.quiet
        return cmd_scan(args)
    if args.command == "rules":
        return cmd_rules(args)
    return cmd_config(args)


if __name__ == "__main__":
    sys.exit(main())
