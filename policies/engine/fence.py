"""Run a Pulumi program folder in a process of its own, fenced: a time limit, its output kept apart.

``scan`` never runs a user's program in its own process. The program runs in a child
(``python -m policies.engine.fence``) that records its resources under mocks and writes them, or the
program's error, to a result file; the child's stdout and stderr go to a log that is shown (made safe
for a terminal) only when the program fails. So a ``print`` cannot corrupt ``--json -``, a
``sys.exit(0)`` or a killed program is an error and never a clean result, a program that loops or leaves
a thread running is stopped at the time limit, and nothing the program started outlives the scan: the
child is a supervisor (``supervise``) that ends the program's whole tree, detached processes included,
when the program is done, at its own deadline, and when ``scan`` ends however it ends (``processes.py``).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import asdict

from .capture import STACK_OUTPUTS_ENV, ProgramError, Record

DEFAULT_TIMEOUT = 300
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_fenced(path: str, mode: str = "update", stack: str = "dev", config_file: str | None = None,
               timeout: float = DEFAULT_TIMEOUT, organization: str = "organization",
               stack_outputs: str | None = None) -> list:
    """The records of the program in ``path``; raises ``ProgramError`` (the program's failure, exit,
    or time-out) or ``FileNotFoundError``/``ValueError`` (not a program, bad stack config)."""
    with tempfile.TemporaryDirectory(prefix="serverless-guard-") as tmp:
        result, log = os.path.join(tmp, "result.json"), os.path.join(tmp, "program.log")
        worker = [sys.executable, "-m", "policies.engine.fence", path, "--mode", mode, "--stack", stack,
                  "--org", organization, "--out", result] + (["--config-file", config_file] if config_file else [])
        # the supervisor keeps its own deadline a little past this process's, so it is this process that
        # reports a time-out, and the supervisor that ends the program if this process is gone
        argv = [sys.executable, "-m", "policies.engine.fence", "supervise", f"{timeout + 5:g}", "--", *worker]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop(STACK_OUTPUTS_ENV, None)
        if stack_outputs:
            env[STACK_OUTPUTS_ENV] = os.path.abspath(stack_outputs)
        with open(log, "wb") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                    start_new_session=True)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ProgramError(f"the program did not finish within {timeout:g} s (--timeout)") from None
            finally:
                _stop(proc)
        data = _result(result)
        if data is None:
            raise ProgramError(_exit_text(code) + _last_line(log))
        if "error" in data:
            err = data["error"]
            if err.get("kind") == "input":
                raise ValueError(err.get("message", "the program folder cannot be run"))
            raise ProgramError(err.get("message", "the program failed"), err.get("where", ""))
        return [Record(**r) for r in data["records"]]


def _stop(proc: subprocess.Popen) -> None:
    """The supervisor and everything the program started are gone when this returns: SIGTERM asks the
    supervisor to kill its whole tree (detached children included) and exit; SIGKILL to its process group
    if it has not within 10 s."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


_INIT = ("import subprocess, sys; code = subprocess.Popen(sys.argv[1:]).wait(); "
         "sys.exit(128 - code if code < 0 else code)")


def supervise(deadline: float, argv: list) -> None:
    """The supervisor ``run_fenced`` starts: runs the worker ``argv`` and, when it ends, when ``deadline``
    seconds have passed, or when ``scan`` ends (however: ``PR_SET_PDEATHSIG``), kills every process below
    itself and exits. It is a child subreaper, so a detached process the program started is still below it,
    and, where the system allows, the worker is process 1 of a PID namespace of its own (all of it ends with
    the worker). Its exit mirrors the worker's: the same code, or the same signal."""
    from . import processes

    def stop(signum, _frame):
        processes.kill_tree(os.getpid())
        os._exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    processes.die_with_parent(signal.SIGTERM)
    processes.become_subreaper()
    isolated = processes.new_pid_namespace()
    # Process 1 of a namespace ignores the signals it sends itself (a program that SIGKILLs itself would run
    # on), so there process 1 is a small init that runs the worker and reports how it ended.
    worker = subprocess.Popen([sys.executable, "-I", "-c", _INIT, *argv] if isolated else argv,
                              stdin=subprocess.DEVNULL)
    try:
        code = worker.wait(timeout=deadline)
        if isolated and code > 128:
            code = 128 - code   # the init's report of a signal, as the signal
    except subprocess.TimeoutExpired:
        code = -signal.SIGKILL
    processes.kill_tree(os.getpid())
    sys.stdout.flush()
    sys.stderr.flush()
    if code < 0:
        if -code not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


def _result(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and ("records" in data or "error" in data) else None


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the program was killed ({name}) before it finished declaring resources"
    return f"the program exited with code {code} before it finished declaring resources"


def _last_line(log: str) -> str:
    """The program's last line of output (its own words about why), made safe for one line."""
    from ..core.safety import one_line

    try:
        with open(log, "rb") as f:
            f.seek(max(0, os.path.getsize(log) - 4096))
            lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return f": {one_line(lines[-1], 300)}" if lines else ""


def main(argv=None) -> None:
    """The child: run the program, write its records (or its error) to ``--out``, exit at once (a thread
    the program left running does not keep the child alive)."""
    import argparse

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["supervise"]:
        return supervise(float(argv[1]), argv[3:])
    from . import capture, processes, program

    processes.die_with_parent()   # the worker ends with its supervisor, whatever the program does
    parser = argparse.ArgumentParser(prog="policies.engine.fence")
    parser.add_argument("path")
    parser.add_argument("--mode", default="update")
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--org", default="organization")
    parser.add_argument("--config-file")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        cap = program.run_directory(args.path, mode=args.mode, stack=args.stack, config_file=args.config_file,
                                    organization=args.org)
        data: dict = {"records": [asdict(r) for r in cap.records]}
    except ProgramError as exc:
        data = {"error": {"kind": "program", "message": exc.message, "where": exc.where}}
    except (FileNotFoundError, ValueError) as exc:
        data = {"error": {"kind": "input", "message": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}}
    except BaseException as exc:  # noqa: BLE001 - anything else the program did (at import time, in a thread)
        err = capture.program_error(exc, os.path.abspath(args.path))
        data = {"error": {"kind": "program", "message": err.message, "where": err.where}}
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, args.out)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
