"""Text from the input, made safe for the places it is shown.

A resource name, an exemption reason or a program's error message comes from whoever wrote the stack.
On a terminal, an escape sequence in it could clear the screen or rewrite what was printed before; a
newline could forge a line of the report. Every such string passes ``printable`` before it is printed:
control characters, escape sequences, bidirectional overrides, lone surrogates and non-characters are
shown as visible escapes (``\\x1b``, ``\\n``, ``\\u202e``, ``\\u200b``), so what a reader sees is what the
input holds. SARIF and JUnit carry the same text through ``visible`` (newlines kept); JSON keeps the exact
values in its data fields, as data.
"""
from __future__ import annotations

import re

# Every Unicode format character (category Cf: zero-width spaces and joiners, bidirectional marks,
# embeddings, overrides and isolates, U+061C, U+FEFF, invisible operators, tag characters), as of the
# Unicode version of Python 3.11-3.13; tests/test_text_safety.py fails if a newer Python knows one more.
_FORMAT = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
           "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
           "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
# C0 and C1 controls, DEL, the format characters, line and paragraph separators, lone surrogates and the
# non-characters U+FFFE/U+FFFF.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + _FORMAT + "\u2028\u2029\ud800-\udfff\ufffe\uffff]")
# What a report's text (SARIF, JUnit, HTML) may not hold raw: the same, less the newline and tab a message
# is laid out with.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + _FORMAT + "\u2028\u2029\ud800-\udfff\ufffe\uffff]")
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


def visible(text: str) -> str:
    """``text`` with every character a reader could not see, or that reorders what they see, shown as a
    visible escape; newlines and tabs kept (a report's multi-line message). Two names that differ by a
    zero-width or bidirectional character never look the same in a code-scanning page."""
    return _INVISIBLE.sub(_escape, text) if isinstance(text, str) else text


def one_line(text: str, limit: int = 500) -> str:
    """``printable(text)``, at most ``limit`` characters (an ellipsis where it was cut)."""
    text = printable(text.strip())
    return text if len(text) <= limit else text[:limit - 1] + "…"
