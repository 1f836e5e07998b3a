"""Processes a scan starts end with the scan: Linux's own means, no polling of the program.

``scan`` runs a program under review in a supervisor (``fence.supervise``) that is a child subreaper and,
where the system allows it, starts the program's runner as process 1 of a new PID namespace. Then:
- every process the program starts, detached or not (``setsid``, a double fork, ``spawn(..., {detached:
  true})``), stays in the supervisor's tree: an orphan is handed to the subreaper, not to init, and a PID
  namespace ends every process in it when its process 1 ends;
- the supervisor kills the whole tree when the runner is done, when its own deadline passes, and when
  ``scan`` ends however it ends (``PR_SET_PDEATHSIG``: a SIGKILLed ``scan`` still signals its children);
- the pack ``scan`` starts dies with ``scan`` the same way.

Off Linux, ``prctl`` and namespaces do not exist: the process group is killed, as before.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWPID = 0x20000000


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """This process gets ``sig`` when its parent ends; if the parent changed while this was being set (it
    died just then), it exits now. False where the system has no such thing. (A parent of 1 is no sign of a
    dead parent: process 1 of a PID namespace is the supervisor's init.)"""
    libc = _libc()
    if libc is None:
        return False
    parent = os.getppid()
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    if os.getppid() != parent:
        os._exit(1)
    return True


def become_subreaper() -> bool:
    """Orphaned descendants of this process are handed to it instead of to init."""
    libc = _libc()
    return libc is not None and libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def new_pid_namespace() -> bool:
    """The next child of this process is process 1 of a new PID namespace (root, or where unprivileged user
    namespaces are allowed); False, changing nothing, where the system refuses."""
    libc = _libc()
    if libc is None:
        return False
    if os.geteuid() == 0 and libc.unshare(CLONE_NEWPID) == 0:
        return True
    return False


def descendants(pid: int) -> list:
    """Every live process below ``pid``, read from ``/proc`` (one pass over it)."""
    children: dict = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1 and fields[1].isdigit():
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int, rounds: int = 50) -> None:
    """SIGKILL every process below ``pid`` until none is left (a killed process cannot fork again; one forked
    between two passes is found by the next), reaping those handed to this process."""
    for _ in range(rounds):
        alive = descendants(pid)
        if not alive:
            break
        for child in alive:
            try:
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reap()


def reap() -> None:
    """Collect every exited child of this process (orphans a subreaper was handed included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
