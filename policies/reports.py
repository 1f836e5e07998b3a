"""Findings of a scan, and the formats CI reads: JSON (schema in ``policies/schemas``), SARIF 2.1.0
for GitHub code scanning, JUnit XML, and the terminal."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Sequence
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from . import presentation
from .core.safety import visible

JSON_SCHEMA_VERSION = "1.0"
SEVERITY_ORDER = ["info", "low", "medium", "high", "critical"]
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
SARIF_LEVEL = {"mandatory": "error", "remediate": "error", "advisory": "warning"}
FALLBACK_FILE = "Pulumi.yaml"


@dataclass
class Finding:
    policy: str
    category: str
    severity: str
    level: str
    type: str
    resource: str
    urn: str
    message: str
    remediation: str
    exempted: str | None = None                     # the exemption's reason, exactly as given
    location: dict = field(default_factory=dict)   # {"file": relative path, "line": int}
    exemption: dict | None = None                   # {"reason", "expires", "source"}
    notice: bool = False                            # a preview's "can't run policy" notice, not a finding


CANT_RUN = "can't run policy "


LANGUAGES = {"python": ("pulumi-aws Python", "python"), "typescript": ("Pulumi TypeScript", "typescript")}


def build(diags, records, cwd: str, fallback_file: str, language: str = "python") -> list:
    """Diagnostics from the engine path -> findings with a type, a fix (in ``language``) and a source
    location."""
    from . import REGISTRY

    by_urn = {r.urn: r for r in records}
    out = []
    for d in diags:
        rule = REGISTRY.get(d.policy)
        detail = d.message.partition("\n")[2] or d.message
        rec = by_urn.get(d.urn)
        # the exemption travels as data, never read back from the message (a resource name could say
        # anything); only an advisory finding can be exempted
        exemption = getattr(d, "exemption", None) if d.level == "advisory" else None
        exempted = exemption.get("reason") if exemption else None
        out.append(Finding(
            policy=d.policy, category=rule.category if rule else "pack",
            severity=rule.severity.value if rule else d.severity, level=d.level,
            type=rec.type if rec else ("pulumi:pulumi:Stack" if not d.urn else ""),
            resource=d.resource if d.urn else "(stack)", urn=d.urn, message=detail,
            remediation=(presentation.fix_in(d.fix, language) if getattr(d, "fix", None) else
                         presentation.fix_text(rule, language) if rule else ""), exempted=exempted,
            location=_location(rec, cwd, fallback_file, by_urn), exemption=exemption,
            # the servicer's own notice (no resource: a name cannot make a message start so)
            notice=not d.urn and d.message.startswith(CANT_RUN)))
    out.sort(key=lambda f: (f.level != "mandatory", -SEVERITY_ORDER.index(f.severity), f.policy, f.resource))
    return out


def _location(rec, cwd: str, fallback_file: str, by_urn: dict | None = None) -> dict:
    """Where a finding is shown: the line of the program that declares the resource when that file is
    inside the project folder (the folder of ``fallback_file``, its Pulumi.yaml) and not a dependency's;
    for a resource a component or library created, the line of its nearest ancestor that is the
    program's own; else the project file. A source position is input: one naming ``../../etc/passwd``
    or a library's file never places a finding outside the project."""
    seen: set = set()
    while rec is not None and rec.urn not in seen and len(seen) < 64:
        seen.add(rec.urn)
        if rec.source_file and rec.source_line > 0:
            shown = _placed(rec.source_file, cwd, fallback_file)
            if shown is not None:
                return {"file": shown, "line": rec.source_line}
        rec = (by_urn or {}).get(rec.parent) if rec.parent else None
    return {"file": _placed(fallback_file, cwd, fallback_file, fallback=True), "line": 1}


@lru_cache(maxsize=4096)   # thousands of findings share a few files; realpath costs a system call per part
def _placed(path: str, cwd: str, fallback_file: str, fallback: bool = False) -> str | None:
    """``path`` as a location shows it, or None when it is outside the project or a dependency's."""
    root = os.path.dirname(os.path.realpath(fallback_file))
    if not fallback and (not _inside(path, root) or _DEPENDENCY.search(path)):
        return None
    return os.path.relpath(os.path.realpath(path), source_root(cwd, fallback_file)).replace(os.sep, "/")


_DEPENDENCY = re.compile(r"(^|[/\\])(site-packages|node_modules|\.venv|venv)([/\\]|$)")


def source_root(cwd: str, fallback_file: str) -> str:
    """The folder locations are relative to: the current folder (where CI checks the repository out,
    as code scanning resolves it) when the project is inside it, else the project folder."""
    root = os.path.dirname(os.path.realpath(fallback_file))
    base = os.path.realpath(cwd)
    return base if _inside(root, base) else root


def _uri(relative: str) -> str:
    """A relative path as a SARIF URI reference: percent-encoded (spaces, ``#``, ``?``, ``%``, controls,
    non-ASCII), "/" kept."""
    return quote(relative, safe="/")


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` (input: a source position) is inside ``folder``; a path the system cannot even
    resolve (a NUL byte, one too long) is not."""
    try:
        real = os.path.realpath(path)
    except (ValueError, OSError):
        return False
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


@dataclass
class Remediation:
    policy: str
    resource: str
    type: str
    urn: str
    changes: list          # [{"property": the argument path as the program writes it, "before": ..., "after": ...}]
    fix: str               # the change to make in the program, so it does not recur on every update
    diagnostic: str = ""
    location: dict = field(default_factory=dict)


def build_remediations(changes, records, cwd: str, fallback_file: str, language: str = "python") -> list:
    from . import REGISTRY
    from .core.messages import user_terms

    by_urn = {r.urn: r for r in records}
    out = []
    for c in changes:
        rule = REGISTRY.get(c.policy)
        out.append(Remediation(
            policy=c.policy, resource=c.resource, type=c.type, urn=c.urn,
            changes=[{"property": user_terms(path, language), "before": _shown(before), "after": _shown(after)}
                     for path, (before, after) in sorted(c.changes.items())],
            fix=presentation.fix_text(rule, language) if rule else "", diagnostic=c.diagnostic,
            location=_location(by_urn.get(c.urn), cwd, fallback_file, by_urn)))
    return out


def _shown(value):
    """A property value as a diff shows it: a secret as "[secret]" (never its text), whole numbers as ints."""
    from .core.values import SIG_KEY, UNKNOWN_SENTINELS

    if isinstance(value, dict):
        if SIG_KEY in value:
            return "[secret]"
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value in UNKNOWN_SENTINELS:
        return "[unknown]"
    return value


def summary(findings: list) -> dict:
    """Counts of the findings by level and severity; a preview's "can't run" notices are counted apart (a
    policy that could not run found nothing, of any severity)."""
    levels: dict = {}
    severities: dict = {}
    counted = [f for f in findings if not f.notice]
    for f in counted:
        levels[f.level] = levels.get(f.level, 0) + 1
        severities[f.severity] = severities.get(f.severity, 0) + 1
    return {"total": len(counted), "byLevel": levels, "bySeverity": severities,
            "notices": len(findings) - len(counted)}


# --- JSON -----------------------------------------------------------------------------------------

def to_json(findings: list, pack: dict, source: dict, fixes: Sequence = ()) -> dict:
    return {"schemaVersion": JSON_SCHEMA_VERSION, "pack": pack, "input": source, "summary": summary(findings),
            "findings": [_as_dict(f) for f in findings], "remediations": [_as_dict(r) for r in fixes],
            "exemptions": exemptions(findings)}


def to_json_many(stacks: list, pack: dict, rollout_rows: list) -> dict:
    """Several stacks in one document: every finding tagged with its ``stack``, a summary per stack, and the
    rollout view. ``stacks``: (name, findings, source, remediations) each."""
    findings = [{**_as_dict(f), "stack": name} for name, fs, _, _ in stacks for f in fs]
    everything = [f for _, fs, _, _ in stacks for f in fs]
    return {"schemaVersion": JSON_SCHEMA_VERSION, "pack": pack,
            "input": {"path": " ".join(src["path"] for _, _, src, _ in stacks), "kind": "several",
                      "mode": stacks[0][2]["mode"], "resources": sum(src["resources"] for _, _, src, _ in stacks)},
            "summary": summary(everything), "findings": findings,
            "remediations": [{**_as_dict(r), "stack": name} for name, _, _, rs in stacks for r in rs],
            "exemptions": [{**e, "stack": name} for name, fs, _, _ in stacks for e in exemptions(fs)],
            "stacks": [{"name": name, "input": src, "summary": summary(fs)} for name, fs, src, _ in stacks],
            "rollout": rollout_rows}


def rollout(stacks: list) -> list:
    """For each policy with a finding in any stack: how many stacks and resources violate it, its level now,
    and which stacks would stop deploying if it were mandatory: those with a finding of it that no exemption
    covers (an exempted finding stays advisory whatever the level). ``stacks``: (name, findings, levels)."""
    rows: dict = {}
    for name, findings, levels in stacks:
        for f in findings:
            if f.notice:
                continue
            row = rows.setdefault(f.policy, {"policy": f.policy, "severity": f.severity, "levels": set(),
                                             "stackSet": set(), "resourceSet": set(), "stop": set()})
            row["levels"].add(levels.get(f.policy, f.level))
            row["stackSet"].add(name)
            row["resourceSet"].add((name, f.urn or f.resource))
            if not f.exempted:
                row["stop"].add(name)
    out = [{"policy": r["policy"], "severity": r["severity"], "level": "/".join(sorted(r["levels"])),
            "stacks": len(r["stackSet"]), "resources": len(r["resourceSet"]), "wouldStop": sorted(r["stop"])}
           for r in rows.values()]
    return sorted(out, key=lambda r: (-len(r["wouldStop"]), -SEVERITY_ORDER.index(r["severity"]), r["policy"]))


def terminal_many(stacks: list, rollout_rows: list, out) -> None:
    """The per-stack table and the rollout view, after each stack's own report."""
    from rich.console import Console

    console = Console(file=out, highlight=False, soft_wrap=True)
    console.print("[bold]Stacks[/bold]:")
    for name, findings in stacks:
        s = summary(findings)
        levels = ", ".join(f"{n} {lvl}" for lvl, n in sorted(s["byLevel"].items())) or "0 findings"
        console.print(f"    {_show(name):30} {levels}")
    console.print("[bold]Rollout[/bold] (the stacks each policy would stop if it were mandatory):")
    for r in rollout_rows:
        stop = ", ".join(r["wouldStop"]) or "none"
        console.print(f"    {r['policy']:40} {r['severity']:8} now {r['level']:10} {r['stacks']} stack(s), "
                      f"{r['resources']} resource(s); would stop: {_show(stop)}")


def exemptions(findings: list, today=None) -> list:
    """Every exemption in effect in a scan, one per exempted finding: the policy, the resource, the reason,
    where it is declared, when it expires (and in how many days) and since when it has stood (and for how
    many days) when its settings entry says so (``since``). A tag says only its reason and expiry."""
    import datetime as _dt

    today = today or _dt.date.today()

    def days(date, sign):
        try:
            return sign * (_dt.date.fromisoformat(date) - today).days if isinstance(date, str) else None
        except ValueError:
            return None

    out = []
    for f in findings:
        ex = f.exemption
        if not ex:
            continue
        out.append({"policy": f.policy, "resource": f.resource, "urn": f.urn, "reason": ex.get("reason", ""),
                    "source": ex.get("source", ""), "expires": ex.get("expires"), "daysLeft": days(ex.get("expires"), 1),
                    "since": ex.get("since"), "daysStood": days(ex.get("since"), -1)})
    return sorted(out, key=lambda e: (e["policy"], e["resource"], e["urn"]))


def _as_dict(item) -> dict:
    """A finding or remediation as a JSON object (its fields are plain values, dicts and lists of them;
    ``dataclasses.asdict`` deep-copies each, which cost seconds on 100,000 findings)."""
    return {f.name: getattr(item, f.name) for f in fields(item)}


def dumps(doc: dict) -> str:
    """A report as JSON text: each top-level key on its line and each item of a top-level list on its
    own line (a finding per line reads and diffs well, and is written by the C encoder)."""
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value:
            items = ",\n    ".join(json.dumps(v) for v in value)
            parts.append(f"  {json.dumps(key)}: [\n    {items}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


# --- SARIF ----------------------------------------------------------------------------------------

def to_sarif(findings: list, pack: dict, fixes: Sequence = (), language: str = "python",
             srcroot: str | None = None) -> dict:
    """SARIF 2.1.0; locations are relative to ``srcroot`` (``source_root``; the current folder by
    default)."""
    srcroot = srcroot or os.getcwd()
    from . import REGISTRY

    used = sorted({f.policy for f in findings} | {r.policy for r in fixes})
    rules = []
    for pid in used:
        rule = REGISTRY.get(pid)
        if rule is None:
            rules.append({"id": pid, "name": pid, "shortDescription": {"text": pid},
                          "fullDescription": {"text": pid}, "help": {"text": pid, "markdown": pid},
                          "defaultConfiguration": {"level": "note"}, "properties": {"tags": ["pack"]}})
            continue
        from .core import governance

        level = governance.default_level(rule)
        label, fence = LANGUAGES[language]
        fix = presentation.fix_text(rule, language)
        rules.append({
            "id": rule.id, "name": "".join(w.capitalize() for w in rule.id.split("-")),
            "shortDescription": {"text": rule.title}, "fullDescription": {"text": rule.description},
            "helpUri": rule.url,
            "help": {"text": f"{rule.description}\n\nFix ({label}):\n{fix}",
                     "markdown": f"{rule.description}\n\n**Fix** ({label}):\n\n```{fence}\n"
                                 f"{fix}\n```\n\n{rule.category}: see [{rule.id}]({rule.url})."},
            "defaultConfiguration": {"level": SARIF_LEVEL.get(level, "note")},
            "properties": {"tags": ["security", rule.category, f"service:{rule.service}", *rule.peers],
                           "security-severity": SECURITY_SEVERITY[rule.severity.value],
                           "precision": "high", "problem.severity": "error" if level == "mandatory" else "warning"},
        })
    index = {pid: i for i, pid in enumerate(used)}
    results = []
    for f in findings:
        fingerprint = hashlib.sha256(f"{f.policy}|{f.urn}|{f.message}".encode()).hexdigest()
        results.append({
            "ruleId": f.policy, "ruleIndex": index[f.policy],
            "level": "note" if f.exempted or f.notice else SARIF_LEVEL.get(f.level, "note"),
            "message": {"text": visible(f.message + (f"\nFix:\n{f.remediation}" if f.remediation else ""))},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": _uri(f.location["file"]), "uriBaseId": "%SRCROOT%"},
                                     "region": {"startLine": f.location["line"]}},
                "logicalLocations": [{"name": visible(f.resource), "fullyQualifiedName": visible(f.urn or f.resource),
                                      "kind": "resource"}],
            }],
            "partialFingerprints": {"serverlessGuardFinding/v1": fingerprint},
            "properties": {"enforcementLevel": f.level, "severity": f.severity, "resourceType": f.type,
                           **({"exempted": visible(f.exempted)} if f.exempted else {})},
        })
    for r in fixes:
        what = "; ".join(f"{c['property']}: {json.dumps(c['before'])} -> {json.dumps(c['after'])}" for c in r.changes)
        text = (f"{r.type.rsplit(':', 1)[-1]} '{r.resource}': remediated at the remediate level ({what}). Make the "
                f"same change in the program so it does not recur on every update:\n{r.fix}") if r.changes else \
            r.diagnostic
        results.append({
            "ruleId": r.policy, "ruleIndex": index[r.policy], "level": "note", "kind": "informational",
            "message": {"text": visible(text)},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": _uri(r.location["file"]), "uriBaseId": "%SRCROOT%"},
                                     "region": {"startLine": r.location["line"]}},
                "logicalLocations": [{"name": visible(r.resource), "fullyQualifiedName": visible(r.urn),
                                      "kind": "resource"}],
            }],
            "partialFingerprints": {"serverlessGuardFinding/v1": hashlib.sha256(
                f"remediation|{r.policy}|{r.urn}|{what}".encode()).hexdigest()},
            "properties": {"remediation": r.changes},
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "serverless-guard", "version": pack["version"],
                                      "semanticVersion": pack["version"], "informationUri": pack["url"],
                                      "rules": rules}},
                  "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + _uri(srcroot.replace(os.sep, "/").rstrip("/") + "/")}},
                  "results": results}],
    }


# --- JUnit ----------------------------------------------------------------------------------------

def to_junit(findings: list, records: list, levels: dict) -> str:
    """One test case per policy per resource it checked; a failure per violation (exempted findings
    and advisory ones are failures too: JUnit has no warning, the level is in the message)."""
    from . import REGISTRY

    failures: dict = {}
    for f in findings:
        failures.setdefault((f.policy, f.urn), []).append(f)
    cases = []
    seen = set()
    for rec in records:
        for rule in REGISTRY.values():
            if rec.type in rule.types and levels.get(rule.id, "advisory") != "disabled":
                seen.add((rule.id, rec.urn))
                cases.append((rule.id, rec.name, rec.urn))
    for (pid, urn), fs in failures.items():
        if (pid, urn) not in seen:
            cases.append((pid, fs[0].resource, urn))
    lines = []
    n_fail = sum(1 for pid, _, urn in cases if (pid, urn) in failures)
    lines.append('<?xml version="1.0" encoding="UTF-8"?>')
    lines.append(f'<testsuites name="serverless-guard" tests="{len(cases)}" failures="{n_fail}">')
    lines.append(f'  <testsuite name="serverless-guard" tests="{len(cases)}" failures="{n_fail}" errors="0">')
    for pid, name, urn in cases:
        lines.append(f"    <testcase classname={_xml_attr(pid)} name={_xml_attr(name)}>")
        for f in failures.get((pid, urn), []):
            text = f"[{f.level}, {f.severity}] {f.message}"
            lines.append(f"      <failure type={_xml_attr(f.level)} message={_xml_attr(text[:500])}>"
                         f"{_xml_text(text + chr(10) + 'Fix: ' + f.remediation)}</failure>")
        lines.append("    </testcase>")
    lines.append("  </testsuite>")
    lines.append("</testsuites>")
    return "\n".join(lines) + "\n"


def _xml_chars(text: str) -> str:
    """Only the characters XML 1.0 allows, and none a reader cannot see: controls, lone surrogates,
    U+FFFE/U+FFFF and format characters (zero-width, bidirectional) shown as escapes (``safety.visible``)."""
    return visible(text.replace("\r", "\\r"))


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_xml_chars(text))


def _xml_attr(text: str) -> str:
    return quoteattr(_xml_chars(text))


# --- terminal -------------------------------------------------------------------------------------

def _show(text) -> str:
    """Input-derived text for the terminal: escape sequences and controls shown as visible escapes, and
    rich's markup escaped."""
    from rich.markup import escape

    from .core.safety import printable

    return escape(printable(str(text)))


TERMINAL_COLOUR = {"mandatory": "bold red", "remediate": "bold red", "advisory": "yellow"}


def terminal(findings: list, mode: str, n_resources: int, out, quiet: bool = False, fixes: Sequence = ()) -> None:
    """Findings grouped by resource, then a summary by rule and severity. Colour when ``out`` is a
    terminal (rich)."""
    from rich.console import Console

    console = Console(file=out, highlight=False, soft_wrap=True)
    console.print(f"[bold]Policies[/bold] ({mode}, {n_resources} resources):")
    if not quiet:
        _terminal_findings(console, findings)
        if fixes:
            _terminal_fixes(console, fixes)
    _terminal_exemptions(console, findings)
    _terminal_summary(console, findings)


def _terminal_exemptions(console, findings: list) -> None:
    """The exemptions in effect, so a reviewer sees what is waived, by whom and until when."""
    listed = exemptions(findings)
    if not listed:
        return
    console.print(f"[bold]Exemptions in effect[/bold] ({len(listed)}):")
    for e in listed:
        until = f"until {e['expires']} ({e['daysLeft']} days left)" if e["expires"] else "no expiry"
        stood = f", standing {e['daysStood']} days" if e["daysStood"] is not None else ""
        console.print(f"    {e['policy']}  {_show(e['resource'])}  [dim]{_show(e['source'])}, {until}{stood}[/dim]")
        console.print(f"          {_show(e['reason'])}")


def _terminal_findings(console, findings: list) -> None:
    if not findings:
        console.print("    serverless-guard: no findings")
    by_resource: dict = {}
    for f in findings:
        by_resource.setdefault((f.type, f.resource, f.urn), []).append(f)
    for (type_, name, _), fs in by_resource.items():
        where = f"{fs[0].location['file']}:{fs[0].location['line']}"
        console.print(f"    [bold]{_show(type_ or 'stack')}  {_show(name)}[/bold]  [dim]{_show(where)}[/dim]")
        for f in fs:
            lvl = f"[{f.level}]" + (" exempted" if f.exempted else "")
            console.print(f"      [{TERMINAL_COLOUR.get(f.level, 'dim')}]{_show(lvl)}[/] {f.policy} ({f.severity})")
            console.print(f"          {_show(f.message)}")
            if f.remediation:
                fix = f.remediation.splitlines()
                console.print(f"          [dim]fix: {_show(fix[0])}{' …' if len(fix) > 1 else ''}[/dim]")


def _terminal_fixes(console, fixes: Sequence) -> None:
    console.print("[bold]Remediations[/bold] (what the engine deploys instead of the program's inputs):")
    for r in fixes:
        where = f"{r.location['file']}:{r.location['line']}"
        console.print(f"    [bold]{_show(r.type)}  {_show(r.resource)}[/bold]  [dim]{_show(where)}[/dim]  "
                      f"[cyan]{r.policy}[/cyan]")
        if r.diagnostic:
            console.print(f"          {_show(r.diagnostic)}")
        for c in r.changes:
            for sign, colour_, value in (("-", "red", c["before"]), ("+", "green", c["after"])):
                text = json.dumps(value)
                text = text if len(text) <= 160 else text[:159] + "…"
                console.print(f"          [{colour_}]{sign} {_show(c['property'])} = {_show(text)}[/{colour_}]")
        if r.fix:
            console.print(f"          [dim]in the program: {_show(r.fix.splitlines()[0])}[/dim]")


def _terminal_summary(console, findings: list) -> None:
    by_rule: dict = {}
    for f in findings:
        if f.notice:
            continue
        by_rule[(f.policy, f.severity, f.level)] = by_rule.get((f.policy, f.severity, f.level), 0) + 1
    if by_rule:
        console.print("[bold]Summary by rule[/bold]:")
        for (pid, sev, lvl), n in sorted(by_rule.items(), key=lambda kv: (kv[0][2] != "mandatory",
                                                                         -SEVERITY_ORDER.index(kv[0][1]), kv[0][0])):
            console.print(f"    {n:4}  [{TERMINAL_COLOUR.get(lvl, 'dim')}]{lvl:9}[/] {sev:8} {pid}")
    s = summary(findings)
    console.print("    " + (", ".join(f"{n} {lvl}" for lvl, n in sorted(s["byLevel"].items())) or "0 findings")
                  + (" | " + ", ".join(f"{s['bySeverity'][k]} {k}" for k in reversed(SEVERITY_ORDER)
                                       if k in s["bySeverity"]) if s["total"] else "")
                  + (f" | {s['notices']} can't-run notice(s): values unknown until deploy" if s["notices"] else ""))
