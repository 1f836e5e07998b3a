"""Text from the input, made safe for the places it is shown.

A resource name, an exemption reason or a program's error message comes from whoever wrote the stack.
On a terminal, an escape sequence in it could clear the screen or rewrite what was printed before; a
newline could forge a line of the report. Every such string passes ``printable`` before it is printed:
control characters, escape sequences, bidirectional overrides, lone surrogates and non-characters are
shown as visible escapes (``\\x1b``, ``\\n``, ``\\u202e``), so what a reader sees is what the input
holds.
"""
from __future__ import annotations

import re

# C0 and C1 controls, DEL, bidirectional embeddings/overrides/isolates, line and paragraph separators,
# lone surrogates and the non-characters U+FFFE/U+FFFF.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every character that could act on a terminal shown as a visible escape."""
    return _UNSAFE.sub(_escape, text)


def one_line(text: str, limit: int = 500) -> str:
    """``printable(text)``, at most ``limit`` characters (an ellipsis where it was cut)."""
    text = printable(text.strip())
    return text if len(text) <= limit else text[:limit - 1] + "…"
