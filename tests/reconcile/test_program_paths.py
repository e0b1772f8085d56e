"""What counts as the tenant program: a change re-runs every stack only when the engine would
run the changed file for a stack (an import of the entry module or of the policy pack)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.reconcile.changes import detect_changes
from infra.reconcile.program import program_paths
from infra.reconcile.scratch import commit

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = {
    "Pulumi.yaml": "name: ethiq\nruntime: python\nmain: app/\nstackConfigDir: stacks\n",
    "app/__main__.py": "from app import resources\n",
    "app/resources.py": (
        "import pkg.used\n"
        "from .helpers import thing\n"
        "def create():\n"
        "    from pkg import lazy  # only where it is used\n"
        "    return lazy\n"
        'MIGRATIONS = "pkg.migrations"  # loaded module by module at run time\n'
    ),
    "app/helpers.py": "thing = 1\n",
    "app/template.txt": "beside a program module\n",
    "pkg/__init__.py": "",
    "pkg/used.py": "",
    "pkg/lazy.py": "",
    "pkg/unused.py": "",
    "pkg/migrations/__init__.py": "",
    "pkg/migrations/m_0001.py": "ID = '1'\n",
    "policies/__main__.py": "import pkg.rules\n",
    "pkg/rules.py": "",
    "README.md": "hello\n",
    "stacks/Pulumi.alpha.yaml": "config:\n  ethiq:email: a@example.org\n",
    "stacks/Pulumi.bravo.yaml": "config:\n  ethiq:email: b@example.org\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    commit(tmp_path, "project", PROGRAM)
    return tmp_path


@pytest.mark.parametrize(
    "path",
    [
        "app/__main__.py",
        "app/helpers.py",  # a relative import
        "app/template.txt",
        "pkg/__init__.py",  # runs on any import of pkg.*
        "pkg/used.py",
        "pkg/lazy.py",  # imported inside a function
        "pkg/migrations/m_0001.py",  # a package named in a string: all of it
        "pkg/rules.py",  # the policy pack's import
        "policies/anything.yaml",
        "Pulumi.yaml",
        "requirements.lock",
    ],
)
def test_a_change_the_engine_would_run_re_runs_every_stack(repo: Path, path: str) -> None:
    base = commit(repo, "noop", {})
    commit(repo, "change", {path: PROGRAM.get(path, "") + "# changed\n"})
    changes = detect_changes(repo, base, "HEAD")
    assert changes.program_changes == (path,)
    assert {c.stack for c in changes.stacks} == {"alpha", "bravo"}


@pytest.mark.parametrize("path", ["pkg/unused.py", "README.md", "docs/new.md", "pkg/new.py"])
def test_a_change_the_program_never_imports_re_runs_nothing(repo: Path, path: str) -> None:
    base = commit(repo, "noop", {})
    commit(repo, "change", {path: "# changed\n"})
    changes = detect_changes(repo, base, "HEAD")
    assert changes.program_changes == ()
    assert changes.stacks == ()


def test_a_new_import_makes_a_module_part_of_the_program(repo: Path) -> None:
    commit(repo, "import it", {"app/helpers.py": "import pkg.unused\nthing = 1\n"})
    base = commit(repo, "noop", {})
    commit(repo, "change", {"pkg/unused.py": "# changed\n"})
    assert detect_changes(repo, base, "HEAD").program_changes == ("pkg/unused.py",)


def test_this_repository_s_program_is_its_stack_code_not_the_runtime_s_web_side() -> None:
    paths = program_paths(ROOT, "HEAD")
    for needed in (
        "__main__.py",
        "infra/tenant.py",
        "infra/providers/database.py",
        "runtime/storage/tenant_store.py",  # imported by the providers only inside functions
        "runtime/tenants/registry.py",
        "runtime/telephony/paths.py",
        "policies/",
        "requirements.lock",
    ):
        assert needed in paths, needed
    assert any(p.startswith("runtime/storage/piccolo_migrations/") for p in paths)
    for left_out in ("runtime/web/", "runtime/people/", "ethiq/", "tests/", "docs/", "README.md"):
        assert not any(p.startswith(left_out) for p in paths), left_out
