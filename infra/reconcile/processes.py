"""Worker processes that leave nothing behind: each runs in a session of its own, and every
process still in that session when it ends is killed.

The engine starts its plugins (language host, dynamic providers, policy packs) in process groups
of their own (``cmdutil.RegisterProcessGroup`` sets ``Setpgid``), so killing the worker's process
group would miss them; when ``pulumi`` itself is killed (``kill -9``, an out-of-memory kill, a
cancelled CI job) they are orphaned and live on, holding connections and sometimes a request in
flight. They do stay in the session they were born in, which is what :func:`kill_session` sweeps
(Linux: ``/proc/<pid>/stat``).
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["run_in_session", "session_members"]

_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses.
    return text[text.rfind(")") + 2 :].split()


def session_members(sid: int) -> list[int]:
    """Live processes whose session id is ``sid`` (zombies excluded)."""
    members = []
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None and fields[0] != "Z" and int(fields[3]) == sid:
            members.append(int(entry.name))
    return members


def _kill_session(sid: int) -> list[int]:
    killed = []
    for _ in range(5):  # a dying parent may still fork once; sweep until the session is empty
        members = [pid for pid in session_members(sid) if pid != os.getpid()]
        if not members:
            break
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            # A killed process can still show as alive in the next sweep (SIGKILL is delivered
            # asynchronously): signal it again, count it once.
            if pid not in killed:
                killed.append(pid)
    return killed


def run_in_session(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str]
) -> tuple[subprocess.CompletedProcess[str], list[int]]:
    """Run ``command`` as the leader of a new session; afterwards (or if this process is
    interrupted) kill whatever is left in that session. Returns the result and the pids killed.

    Output goes to files in ``cwd``, not pipes: an orphan would hold a pipe open, and reading it
    to the end would wait for the orphan."""
    out, err = cwd / "process.out", cwd / "process.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            leftovers = _kill_session(process.pid)
    done = subprocess.CompletedProcess(
        process.args, process.returncode, out.read_text(), err.read_text()
    )
    return done, leftovers
