"""What one stack call works out once and shares among its resources.

A stack carries the same text many times: every function role trusts lambda.amazonaws.com in the same
words, and an ARN stands in the resource it names and in each one that refers to it. Within
``stack_call()`` (the servicer wraps each AnalyzeStack in it), a reading that follows from such a text
alone - a policy document parsed from its JSON, whether a value under a key must be hidden - is kept
in one dict and shared. The memo lives as long as the call and belongs to the thread that runs it
(a ``ContextVar``): nothing is kept from one call to the next, and a concurrent call has its own.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_MEMO: ContextVar[dict | None] = ContextVar("stack_call_memo", default=None)


@contextmanager
def stack_call():
    """Within this block, readings of the same text are made once (``current()`` is the memo)."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def current() -> dict | None:
    """The memo of the stack call under way in this thread, or None outside one."""
    return _MEMO.get()
