"""Worker processes leave nothing behind: what they start in process groups of their own (as the
engine starts its plugins) is killed with their session when they end. Real processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from infra.reconcile.processes import run_in_session, session_members

# Starts a long sleep in a process group of its own (like Setpgid for Pulumi's plugins), prints
# its pid and exits at once, orphaning it: a process-group kill of the parent would miss it.
ORPHAN = (
    "import subprocess, sys; "
    "p = subprocess.Popen(['sleep', '300'], process_group=0); "
    "print(p.pid, flush=True)"
)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


def test_processes_orphaned_in_their_own_group_are_killed_with_the_session(
    tmp_path: Path,
) -> None:
    done, killed = run_in_session([sys.executable, "-c", ORPHAN], cwd=tmp_path, env=os.environ)
    orphan = int(done.stdout.strip())
    assert done.returncode == 0
    assert killed == [orphan]
    assert not _alive(orphan)


def test_session_members_sees_only_that_session(tmp_path: Path) -> None:
    assert session_members(os.getsid(0)) != []
    assert session_members(2**22 + 54321) == []
