"""``scan --html FILE``: one self-contained page (no network: everything inline, and a Content-Security-Policy
that forbids fetching anything) with the exposure map of each stack (``exposure.py``), a panel that shows a
clicked node's findings (message, level, severity, source line, fix in the program's language), the findings
table with filters, the summary the terminal prints, and, for several stacks, the rollout view.

Nothing from the input is ever written into the page as markup: the findings, names and map travel as one
JSON document in a ``<script type="application/json">`` block (with ``<`` escaped) and are put on the page by
``textContent`` and SVG attributes, so a resource name cannot become HTML. Secrets never reach it: it shows
only what the reports show, after the pack's redaction, and names pass through ``safety.visible``.
"""
from __future__ import annotations

import json

from . import exposure, reports
from .core.safety import visible

COLOURS = {"critical": "#b3261e", "high": "#e8710a", "medium": "#c99a00", "low": "#3b6fb6", "info": "#6b7280",
           "": "#9aa0a6"}


def page(stacks: list, pack: dict, rollout: list | None = None) -> str:
    """``stacks``: one dict per scanned stack with ``name``, ``findings`` (reports.Finding), ``records`` and
    ``source`` (what was scanned)."""
    data = {"pack": pack, "stacks": [_stack(s) for s in stacks], "rollout": rollout or [],
            "colours": COLOURS, "layers": list(exposure.LAYERS)}
    payload = json.dumps(data, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
    return TEMPLATE.replace("__DATA__", payload)


def _stack(s: dict) -> dict:
    graph = exposure.build(s["records"], s["findings"])
    positions = exposure.layout(graph)
    nodes = [{"id": n.id, "layer": n.layer, "label": visible(n.label), "kind": n.kind, "type": n.type,
              "public": n.public, "worst": n.worst, "mandatory": n.mandatory, "findings": n.findings,
              "onPath": n.on_path, "x": positions.get(n.id, (0, 0))[0], "y": positions.get(n.id, (0, 0))[1]}
             for n in graph.nodes.values()]
    edges = [{"source": e.source, "target": e.target, "kind": e.kind, "worst": e.worst, "mandatory": e.mandatory,
              "onPath": e.on_path} for e in graph.edges]
    findings = [{"policy": f.policy, "category": f.category, "severity": f.severity, "level": f.level,
                 "type": f.type, "resource": visible(f.resource), "urn": visible(f.urn), "message": visible(f.message),
                 "fix": visible(f.remediation), "exempted": visible(f.exempted) if f.exempted else None,
                 "location": f"{visible(f.location.get('file', ''))}:{f.location.get('line', 1)}", "notice": f.notice}
                for f in s["findings"]]
    return {"name": visible(s["name"]), "source": visible(str(s.get("source", ""))), "summary": reports.summary(s["findings"]),
            "nodes": nodes, "edges": edges, "findings": findings}


TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>serverless-guard report</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #fafafa; }
  header { padding: 14px 20px; background: #1f2328; color: #fff; }
  header h1 { font-size: 18px; margin: 0; }
  header .summary { margin-top: 4px; color: #d0d7de; }
  main { padding: 12px 20px; }
  h2 { font-size: 16px; margin: 18px 0 8px; }
  .map-wrap { display: flex; gap: 16px; align-items: flex-start; }
  .map { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; overflow: auto; flex: 1 1 auto; min-width: 0; }
  .map svg { width: 100%; height: auto; display: block; }
  .panel { width: 420px; flex: 0 0 420px; background: #fff; border: 1px solid #d0d7de; border-radius: 6px;
           padding: 10px 12px; max-height: 640px; overflow: auto; }
  .panel h3 { margin: 0 0 6px; font-size: 15px; word-break: break-all; }
  .finding { border-top: 1px solid #eaeef2; padding: 6px 0; }
  .finding pre { white-space: pre-wrap; background: #f6f8fa; padding: 6px; border-radius: 4px; font-size: 12px; }
  .badge { display: inline-block; padding: 0 6px; border-radius: 10px; color: #fff; font-size: 12px; margin-right: 4px; }
  svg text { font-size: 12px; pointer-events: none; }
  svg .node { cursor: pointer; }
  svg .node rect { stroke: #57606a; stroke-width: 1; }
  svg .node.on-path rect { stroke: #b3261e; stroke-width: 3; }
  svg .node.selected rect { stroke: #0969da; stroke-width: 3; }
  svg .edge { fill: none; stroke: #afb8c1; stroke-width: 1.5; }
  svg .edge.on-path { stroke: #b3261e; stroke-width: 3; }
  svg .layer { font-weight: 600; fill: #57606a; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { border: 1px solid #d0d7de; padding: 4px 6px; text-align: left; vertical-align: top; font-size: 13px; }
  th { background: #f6f8fa; }
  .filters { margin: 6px 0; display: flex; gap: 8px; flex-wrap: wrap; }
  .legend span { margin-right: 12px; }
</style>
</head>
<body>
<header><h1>serverless-guard</h1><div class="summary" id="summary"></div></header>
<main>
  <section id="rollout-section" hidden>
    <h2>Rollout: which stacks each policy would stop if it were mandatory</h2>
    <table id="rollout"><thead><tr><th>policy</th><th>severity</th><th>level now</th><th>stacks</th>
      <th>resources</th><th>stacks it would stop</th></tr></thead><tbody></tbody></table>
  </section>
  <div id="stacks"></div>
</main>
<script type="application/json" id="data">__DATA__</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const SVG = "http://www.w3.org/2000/svg";
const el = (tag, attrs, text) => {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const colour = (worst) => DATA.colours[worst || ""];
const summaryText = (s) => {
  const levels = Object.entries(s.byLevel).map(([k, v]) => `${v} ${k}`).join(", ") || "0 findings";
  const sev = ["critical", "high", "medium", "low", "info"].filter(k => s.bySeverity[k]).map(k => `${s.bySeverity[k]} ${k}`).join(", ");
  return levels + (sev ? " | " + sev : "") + (s.notices ? ` | ${s.notices} can't-run notice(s)` : "");
};

function renderRollout() {
  if (!DATA.rollout.length) return;
  document.getElementById("rollout-section").hidden = false;
  const body = document.querySelector("#rollout tbody");
  for (const r of DATA.rollout) {
    const tr = el("tr");
    for (const v of [r.policy, r.severity, r.level, String(r.stacks), String(r.resources), r.wouldStop.join(", ") || "none"])
      tr.appendChild(el("td", {}, v));
    body.appendChild(tr);
  }
}

function showFindings(panel, stack, node) {
  panel.replaceChildren();
  panel.appendChild(el("h3", {}, `${node.kind} ${node.label}`));
  panel.appendChild(el("div", {}, node.public ? "reachable from the internet" : (node.onPath ? "on a public path to data" : "")));
  const items = node.findings.map(i => stack.findings[i]);
  if (!items.length) panel.appendChild(el("p", {}, "No findings on this resource."));
  for (const f of items) {
    const div = el("div", {class: "finding"});
    div.appendChild(el("span", {class: "badge", style: `background:${colour(f.severity)}`}, f.severity));
    div.appendChild(el("strong", {}, `${f.policy} (${f.level}${f.exempted ? ", exempted" : ""})`));
    div.appendChild(el("div", {}, f.message));
    div.appendChild(el("div", {}, `at ${f.location}`));
    if (f.fix) { div.appendChild(el("div", {}, "Fix:")); div.appendChild(el("pre", {}, f.fix)); }
    panel.appendChild(div);
  }
}

function renderMap(section, stack) {
  const wrap = el("div", {class: "map-wrap"});
  const box = el("div", {class: "map"});
  const panel = el("div", {class: "panel", "data-role": "panel"});
  panel.appendChild(el("p", {}, "Click a node to see its findings."));
  const height = Math.max(160, ...stack.nodes.map(n => n.y + 40));
  const svg = el("svg:svg", {width: 1000, height: height + 20, viewBox: `0 0 1000 ${height + 20}`, role: "img",
                             "aria-label": `exposure map of ${stack.name}`});
  const titles = ["entry points", "functions", "roles", "data stores"];
  DATA.layers.forEach((layer, i) => svg.appendChild(el("svg:text", {class: "layer", x: 80 + i * 280 - 40, y: 18}, titles[i])));
  const byId = Object.fromEntries(stack.nodes.map(n => [n.id, n]));
  for (const e of stack.edges) {
    const a = byId[e.source], b = byId[e.target];
    const x1 = a.x + 60, x2 = b.x - 60, mid = (x1 + x2) / 2;
    const path = el("svg:path", {class: "edge" + (e.onPath ? " on-path" : ""), d: `M${x1},${a.y} C${mid},${a.y} ${mid},${b.y} ${x2},${b.y}`,
                                 "data-kind": e.kind, "data-source": e.source, "data-target": e.target});
    if (e.worst && !e.onPath) path.style.stroke = colour(e.worst);
    path.appendChild(el("svg:title", {}, `${e.kind}${e.worst ? " (worst finding: " + e.worst + ")" : ""}`));
    svg.appendChild(path);
    svg.appendChild(el("svg:text", {x: mid - 14, y: (a.y + b.y) / 2 - 3, fill: "#57606a"}, e.kind));
  }
  for (const n of stack.nodes) {
    const g = el("svg:g", {class: "node" + (n.onPath ? " on-path" : ""), tabindex: 0, "data-id": n.id,
                           "data-layer": n.layer, "data-label": n.label, transform: `translate(${n.x - 60},${n.y - 16})`});
    g.appendChild(el("svg:rect", {width: 120, height: 32, rx: 6, fill: n.worst ? colour(n.worst) : "#eaeef2",
                                  "fill-opacity": n.worst ? 0.85 : 1}));
    const label = n.label.length > 17 ? n.label.slice(0, 16) + "…" : n.label;
    g.appendChild(el("svg:text", {x: 6, y: 13, fill: n.worst ? "#fff" : "#1f2328"}, label));
    g.appendChild(el("svg:text", {x: 6, y: 27, fill: n.worst ? "#fff" : "#57606a"}, (n.public ? "public " : "") + n.kind));
    g.appendChild(el("svg:title", {}, `${n.kind} ${n.label}: ${n.findings.length} finding(s)`));
    g.addEventListener("click", () => {
      svg.querySelectorAll(".node.selected").forEach(x => x.classList.remove("selected"));
      g.classList.add("selected");
      showFindings(panel, stack, n);
    });
    svg.appendChild(g);
  }
  box.appendChild(svg);
  wrap.appendChild(box);
  wrap.appendChild(panel);
  section.appendChild(wrap);
  const legend = el("div", {class: "legend"});
  for (const s of ["critical", "high", "medium", "low"]) {
    const span = el("span");
    span.appendChild(el("span", {class: "badge", style: `background:${colour(s)}`}, s));
    legend.appendChild(span);
  }
  legend.appendChild(el("span", {}, "red outline: a public path to data"));
  section.appendChild(legend);
}

function renderTable(section, stack) {
  const filters = el("div", {class: "filters"});
  const selects = {};
  for (const [key, label] of [["level", "level"], ["severity", "severity"], ["category", "category"]]) {
    const s = el("select", {"data-filter": key, "aria-label": label});
    s.appendChild(el("option", {value: ""}, `every ${label}`));
    for (const v of [...new Set(stack.findings.map(f => f[key]))].sort()) s.appendChild(el("option", {value: v}, v));
    selects[key] = s;
    filters.appendChild(s);
  }
  const text = el("input", {type: "search", placeholder: "resource", "data-filter": "resource", "aria-label": "resource"});
  filters.appendChild(text);
  section.appendChild(filters);
  const table = el("table", {"data-role": "findings"});
  const head = el("tr");
  for (const h of ["level", "severity", "policy", "category", "resource", "message", "location"]) head.appendChild(el("th", {}, h));
  table.appendChild(head);
  const rows = stack.findings.map(f => {
    const tr = el("tr");
    for (const v of [f.level + (f.exempted ? " (exempted)" : ""), f.severity, f.policy, f.category, f.resource, f.message, f.location])
      tr.appendChild(el("td", {}, v));
    table.appendChild(tr);
    return [tr, f];
  });
  const apply = () => {
    for (const [tr, f] of rows) {
      const ok = Object.entries(selects).every(([k, s]) => !s.value || f[k] === s.value)
        && (!text.value || f.resource.toLowerCase().includes(text.value.toLowerCase()));
      tr.hidden = !ok;
    }
  };
  Object.values(selects).forEach(s => s.addEventListener("change", apply));
  text.addEventListener("input", apply);
  section.appendChild(table);
}

function render() {
  const total = DATA.stacks.map(s => `${s.name}: ${summaryText(s.summary)}`).join("  ·  ");
  document.getElementById("summary").textContent = `${DATA.pack.name} ${DATA.pack.version} — ${total}`;
  renderRollout();
  const root = document.getElementById("stacks");
  for (const stack of DATA.stacks) {
    const section = el("section", {"data-stack": stack.name});
    section.appendChild(el("h2", {}, `Stack ${stack.name} (${stack.source}): what the internet reaches, and what it can touch`));
    renderMap(section, stack);
    section.appendChild(el("h2", {}, `Findings of ${stack.name}: ${summaryText(stack.summary)}`));
    renderTable(section, stack);
    root.appendChild(section);
  }
}
render();
</script>
</body>
</html>
"""
