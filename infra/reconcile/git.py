"""The little git plumbing the reconciler needs: revisions, trees, blobs, history of a path.

Everything is read from the object database, never from a working tree, so the answers are the
same in CI and on a laptop with uncommitted edits.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = [
    "GitError",
    "archive",
    "blobs",
    "changed_paths",
    "commits_touching",
    "exists",
    "first_parent_since",
    "git",
    "list_dir",
    "paths_differing",
    "read_files",
    "resolve",
    "show",
    "tree_files",
]


class GitError(RuntimeError):
    """A git command failed; the message carries the command and git's own words."""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise GitError(f"git {' '.join(args)}: {result.stderr.strip() or result.returncode}")
    return result.stdout


def resolve(repo: Path, rev: str) -> str:
    """The full commit id of ``rev`` (a branch, tag, ``HEAD~1``, a sha …)."""
    return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip()


def list_dir(repo: Path, rev: str, directory: str) -> list[str]:
    """Paths of the entries directly in ``directory`` (``""``: the root) at ``rev``."""
    where = [directory.rstrip("/") + "/"] if directory else []
    out = git(repo, "ls-tree", "-z", "--name-only", rev, *where)
    return [path for path in out.split("\0") if path]


def exists(repo: Path, rev: str) -> bool:
    """Whether ``rev`` names a commit this repository has (a shallow or rewritten clone may not)."""
    result = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "-e", f"{rev}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def blobs(repo: Path, rev: str, directory: str) -> dict[str, str]:
    """``path → blob id`` of the files directly in ``directory`` at ``rev``: equal ids, equal
    content, without reading a single file."""
    where = [directory.rstrip("/") + "/"] if directory else []
    out = git(repo, "ls-tree", "-z", rev, *where)
    entries = (line.split("\t", 1) for line in out.split("\0") if line)
    return {path: meta.split()[2] for meta, path in entries if meta.split()[1] == "blob"}


def tree_files(repo: Path, rev: str) -> list[str]:
    """Every file of the tree of ``rev``."""
    return [p for p in git(repo, "ls-tree", "-r", "-z", "--name-only", rev).split("\0") if p]


def read_files(repo: Path, rev: str, paths: list[str]) -> dict[str, str]:
    """The text of each of ``paths`` at ``rev``, read by one ``git cat-file --batch``."""
    request = "".join(f"{rev}:{path}\n" for path in paths).encode()
    result = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        input=request,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise GitError(f"git cat-file --batch: {result.stderr.decode().strip()}")
    out, at, texts = result.stdout, 0, {}
    for path in paths:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) < 3 or header[1] != b"blob":  # noqa: PLR2004  # "<sha> missing"
            continue
        size = int(header[2])
        texts[path] = out[at : at + size].decode(errors="replace")
        at += size + 1  # the blob, then a newline
    return texts


def paths_differing(repo: Path, base: str, head: str, paths: tuple[str, ...]) -> list[str]:
    """Files under ``paths`` whose content differs between two commits."""
    out = git(repo, "diff", "--name-only", "--no-renames", "-z", base, head, "--", *paths)
    return [path for path in out.split("\0") if path]


def show(repo: Path, rev: str, path: str) -> str | None:
    """The text of ``path`` at ``rev``, or None when it does not exist there."""
    result = subprocess.run(
        ["git", "-C", str(repo), "show", f"{rev}:{path}"], capture_output=True, check=False
    )
    return result.stdout.decode() if result.returncode == 0 else None


def changed_paths(repo: Path, base: str, head: str) -> list[tuple[str, str]]:
    """``(status, path)`` for every file that differs between two trees; renames are split
    into a deletion and an addition (a renamed stack file is another stack)."""
    out = git(repo, "diff", "--name-status", "--no-renames", "-z", base, head)
    fields = [f for f in out.split("\0") if f]
    return [(fields[i][0], fields[i + 1]) for i in range(0, len(fields), 2)]


def commits_touching(repo: Path, base: str, head: str, path: str) -> list[str]:
    """Commits in ``base..head`` that changed ``path``, newest first."""
    out = git(repo, "rev-list", f"{base}..{head}", "--", path)
    return out.split()


def first_parent_since(repo: Path, head: str, paths: tuple[str, ...], limit: int) -> list[str]:
    """``head`` and its first-parent ancestors, newest first, back to the newest one that
    changed ``paths`` (included), at most ``limit``: the commits at which ``paths`` were as at
    ``head``. On a branch that main merges into, they are the heads of its pushes and merges."""
    last = git(repo, "rev-list", "--first-parent", "-n", "1", head, "--", *paths).split()
    span = f"{last[0]}^..{head}" if last and exists(repo, f"{last[0]}^") else head
    out = git(repo, "rev-list", "--first-parent", "-n", str(limit), span)
    return out.split()


def archive(repo: Path, rev: str, destination: Path) -> Path:
    """Extract the tree of ``rev`` into ``destination`` (``git archive | tar -x``)."""
    destination.mkdir(parents=True, exist_ok=True)
    tar = subprocess.Popen(
        ["git", "-C", str(repo), "archive", "--format=tar", rev], stdout=subprocess.PIPE
    )
    extract = subprocess.run(
        ["tar", "-x", "-C", str(destination)], stdin=tar.stdout, capture_output=True, check=False
    )
    if tar.stdout is not None:
        tar.stdout.close()
    if tar.wait() != 0 or extract.returncode != 0:
        raise GitError(f"git archive {rev}: {extract.stderr.decode().strip()}")
    return destination
