"""What reading the backend's applied commits costs: per stack (the old way) against per set.

Makes ``--stacks`` empty stacks on a local file backend, tags them with the commits of a scratch
repository the way applies would (most at the last push, a few at older ones, one unfinished),
then reads every stack's ``ethiq:applied-commit`` twice in the same run: one ``pulumi stack tag
ls`` per stack (the baseline), and :func:`infra.reconcile.runner.applied_commits` (``pulumi stack
ls --tag`` per set). Both answers must be equal.
Run: ``python -m tests.benchmarks.reconcile_inventory``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from infra.engine import engine_env, pulumi
from infra.reconcile import scratch
from infra.reconcile.git import first_parent_since
from infra.reconcile.program import program_paths
from infra.reconcile.project import checkout, stack_workdir
from infra.reconcile.runner import Settings, applied_commits
from infra.reconcile.worker import APPLIED_COMMIT, UNFINISHED
from tests.benchmarks.checks import Checks


def _per_stack(work: Path, env: dict[str, str], names: list[str]) -> dict[str, str | None]:
    def tag(name: str) -> str | None:
        out = pulumi("stack", "tag", "ls", "--json", "--stack", name, cwd=work, env=env).stdout
        value = json.loads(out or "{}").get(APPLIED_COMMIT)
        return str(value) if value else None

    listed = json.loads(pulumi("stack", "ls", "--json", cwd=work, env=env).stdout)
    assert sorted(s["name"] for s in listed) == sorted(names)
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(names, pool.map(tag, names), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ethiq-inventory-bench-") as tmp:
        work = Path(tmp)
        repo = work / "repo"
        scratch.init_repo(repo)
        pushes = [scratch.commit(repo, f"push {i}", {f"docs/{i}.md": "x\n"}) for i in range(3)]
        env = engine_env(work / "state", passphrase="benchmark only")  # noqa: S106
        settings = Settings(env=env)
        project = checkout(repo, pushes[-1], work / "head", settings.virtualenv)
        query = stack_workdir(project, work / "query", "query", None, settings.virtualenv)
        names = [f"tenant-{i:03d}" for i in range(args.stacks)]
        expected: dict[str, str | None] = {}
        for i, name in enumerate(names):
            pulumi("stack", "init", name, cwd=query, env=env)
            value: str | None = pushes[-1] if i % 5 else pushes[i % 2]  # most at the last push
            value = UNFINISHED if i == 1 else None if i == 2 else value
            if value is not None:
                tag = ("stack", "tag", "set", APPLIED_COMMIT, value, "--stack", name)
                pulumi(*tag, cwd=query, env=env)
            expected[name] = value

        started = time.perf_counter()
        baseline = _per_stack(query, env, names)
        baseline_s = time.perf_counter() - started
        started = time.perf_counter()
        candidates = first_parent_since(repo, pushes[-1], program_paths(repo, pushes[-1]), 64)
        grouped = applied_commits(project, work / "inventory", settings, candidates)
        grouped_s = time.perf_counter() - started

    print(f"stacks in the backend        {args.stacks:>8}")
    each, grouped_each = baseline_s / args.stacks, grouped_s / args.stacks
    print(f"per stack (tag ls each)      {baseline_s:>7.2f}s  {each:.2f}s a stack")
    print(f"per set (stack ls --tag)     {grouped_s:>7.2f}s  {grouped_each:.2f}s a stack")
    print(f"ratio                        {baseline_s / grouped_s:>7.1f}x faster")
    checks = Checks()
    for label, answer in (("per stack", baseline), ("per set", grouped)):
        keys = sorted(set(names) | set(answer))
        wrong = [n for n in keys if answer.get(n, "missing") != expected.get(n, "undeclared")]
        checks.add(
            f"stacks read wrong {label}, of the stacks",
            len(wrong) / args.stacks,
            "==",
            0.0,
            detail=", ".join(
                f"{n} read {answer.get(n, 'missing')!r}, tagged {expected.get(n, 'undeclared')!r}"
                for n in wrong
            ),
        )
    checks.finish()


if __name__ == "__main__":
    main()
