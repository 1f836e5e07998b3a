"""Refresh policies/data/lambda_runtimes.json from AWS's Lambda runtimes page.

    python tools/update_lambda_runtimes.py [--html saved-page.html] [--url URL]

The page (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html) has two tables, supported
and deprecated runtimes, each with the columns Name, Identifier, Operating system, Deprecation date,
Block function create and Block function update. Every row becomes an entry keyed by its identifier
with its three dates (``null`` for "Not scheduled"), its language family and whether it is
container-only; the newest runtimes come first (the pack suggests the first supported runtime of the
same language). Rows the page no longer lists are kept, so an old identifier stays judged. The page's
address and the day it was read are recorded in the file.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import urllib.request
from html.parser import HTMLParser

URL = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "policies", "data",
                   "lambda_runtimes.json")
FAMILIES = (("dotnetcore", "dotnet"), ("dotnet", "dotnet"), ("nodejs", "nodejs"), ("python", "python"),
            ("ruby", "ruby"), ("java", "java"), ("go", "provided"), ("provided", "provided"))


class _Tables(HTMLParser):
    """Every <table> of the page as a list of rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list = []
        self._row: list | None = None
        self._cell: list | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _date(text: str) -> str | None:
    text = text.strip()
    for fmt in ("%b %d, %Y", "%B %d, %Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def family(identifier: str) -> str:
    return next((f for prefix, f in FAMILIES if identifier.startswith(prefix)), identifier)


def parse(html: str) -> dict:
    """The runtime rows of the page -> ``{identifier: {...}}`` in page order (newest first)."""
    parser = _Tables()
    parser.feed(html)
    out: dict = {}
    for table in parser.tables:
        header = [h.lower() for h in table[0]] if table else []
        if "identifier" not in header or not any("deprecation" in h for h in header):
            continue
        col = {key: next((i for i, h in enumerate(header) if key in h), None)
               for key in ("name", "identifier", "deprecation", "block function create", "block function update")}
        for row in table[1:]:
            if len(row) != len(header):
                continue
            ident = row[col["identifier"]]
            if not re.fullmatch(r"[a-z][a-z0-9.\-]*", ident):
                continue
            name = row[col["name"]] if col["name"] is not None else ident
            entry = {"name": name, "family": family(ident),
                     "deprecated": _date(row[col["deprecation"]]) if col["deprecation"] is not None else None,
                     "blockCreate": _date(row[col["block function create"]])
                     if col["block function create"] is not None else None,
                     "blockUpdate": _date(row[col["block function update"]])
                     if col["block function update"] is not None else None}
            if "container" in name.lower():
                entry["containerOnly"] = True
            out.setdefault(ident, entry)
    return out


def main(argv=None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--html", help="a saved copy of the page (default: read it from --url)")
    args.add_argument("--url", default=URL)
    opts = args.parse_args(argv)
    if opts.html:
        with open(opts.html, encoding="utf-8") as f:
            html = f.read()
    else:
        with urllib.request.urlopen(opts.url, timeout=60) as resp:  # noqa: S310 - AWS's documentation page
            html = resp.read().decode("utf-8")
    fresh = parse(html)
    if not fresh:
        print("no runtime table found on the page; nothing written", file=sys.stderr)
        return 1
    with open(OUT, encoding="utf-8") as f:
        old = json.load(f)
    runtimes = {**fresh, **{k: v for k, v in old["runtimes"].items() if k not in fresh}}
    data = {"source": opts.url, "columns": old.get("columns", ""), "retrievedFrom": opts.url,
            "retrieved": dt.date.today().isoformat(), "runtimes": runtimes}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"{len(fresh)} runtimes from the page, {len(runtimes)} in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
