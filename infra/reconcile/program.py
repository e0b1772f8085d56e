"""Which files of a revision are the tenant program: a change to any of them re-runs every stack.

The program is what the engine runs for a stack: the entry module (``__main__.py`` in Pulumi.yaml's
``main`` directory) and every repository module it imports, the policy pack (``policies/``, all of
it) and what the pack imports, and the files that pin the engine and the dependencies. A change
elsewhere (the runtime's web pages, alerts, the CLI, docs, tests) cannot change a stack, so it
re-runs none.

The imports are read from the source, not by running it: every ``import`` statement counts,
including those inside functions (the providers import the data layer only where they use it),
and a string naming a repository module or package (``importlib.import_module``, piccolo's
migration packages) counts as an import of it, a package named so with every module in it. Files
beside a reached module that are not Python (a model, templates) count too. Reading more than the
program needs only re-runs stacks for nothing; reading less would leave a changed provider
unapplied, so every rule errs on the side of counting.
"""

from __future__ import annotations

import ast
import functools
import posixpath
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

import yaml

from infra.reconcile import git

__all__ = ["POLICY_PACK", "is_program", "program_paths"]

POLICY_PACK: Final = "policies/"
# The engine's project file and the dependency pins: each can change what any stack runs.
_ALWAYS: Final = ("Pulumi.yaml", "pyproject.toml", "requirements.lock", POLICY_PACK)
_MODULE_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")


def program_paths(repo: Path, rev: str) -> tuple[str, ...]:
    """The program's files and directories (``…/`` prefixes) at ``rev``, sorted."""
    return _program_paths(repo.resolve(), git.resolve(repo, rev))


@functools.cache
def _program_paths(repo: Path, rev: str) -> tuple[str, ...]:  # a commit's tree never changes
    files = git.tree_files(repo, rev)
    modules = _module_index(files)
    sources = git.read_files(repo, rev, [f for f in files if f.endswith(".py")])
    entry = posixpath.join(_program_dir(git.show(repo, rev, "Pulumi.yaml")), "__main__.py")
    roots = [entry, *(f for f in sources if f.startswith(POLICY_PACK))]
    reached = _closure(roots, modules, sources)
    paths = set(_ALWAYS) | reached
    # The root's other files are the repository's (README, Makefile): those that matter are above.
    directories = {posixpath.dirname(f) for f in reached} - {""}
    paths |= {f for f in files if not f.endswith(".py") and posixpath.dirname(f) in directories}
    return tuple(sorted(p for p in paths if p in files or p.endswith("/")))


def _program_dir(project: str | None) -> str:
    try:
        document = yaml.safe_load(project or "") or {}
    except yaml.YAMLError:
        document = {}
    main = document.get("main") if isinstance(document, dict) else None
    return str(main).strip("/") if isinstance(main, str) and main.strip("/") else ""


def is_program(path: str, program: tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``program``'s files or under one of its directories."""
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in program)


def _module_index(files: Iterable[str]) -> dict[str, str]:
    """Dotted module name → its file, for every Python file of the tree."""
    index: dict[str, str] = {}
    for path in files:
        if not path.endswith(".py"):
            continue
        parts = path[: -len(".py")].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            index[".".join(parts)] = path
    return index


def _closure(roots: list[str], modules: Mapping[str, str], sources: Mapping[str, str]) -> set[str]:
    reached: set[str] = set()
    pending = [r for r in roots if r in sources]
    while pending:
        path = pending.pop()
        if path in reached:
            continue
        reached.add(path)
        imported, named = _imported_names(path, sources[path])
        for name in imported:
            pending.extend(_files_of(name, modules))
        for name in named:
            pending.extend(_files_of(name, modules, whole_package=True))
    return reached


def _files_of(name: str, modules: Mapping[str, str], *, whole_package: bool = False) -> list[str]:
    """The files importing ``name`` runs: each enclosing package's ``__init__`` and the module;
    with ``whole_package``, a package's every module too (named in a string, it may be loaded
    module by module, as piccolo loads a migration package)."""
    parts = name.split(".")
    found = [modules[p] for i in range(1, len(parts) + 1) if (p := ".".join(parts[:i])) in modules]
    if whole_package and name in modules and modules[name].endswith("__init__.py"):
        found += [path for module, path in modules.items() if module.startswith(name + ".")]
    return found


def _imported_names(path: str, source: str) -> tuple[list[str], list[str]]:
    """The modules ``source`` imports, and the dotted names its strings hold."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError:
        return [], []  # the engine would fail on it anyway; nothing to follow
    package = _package_of(path)
    imported: list[str] = []
    named: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            imported += [base, *(f"{base}.{alias.name}" for alias in node.names)]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _MODULE_NAME.fullmatch(node.value)
        ):
            named.append(node.value)
    return [n for n in imported if n], named


def _package_of(path: str) -> list[str]:
    parts = path[: -len(".py")].split("/")
    return parts[:-1]


def _absolute(module: str | None, level: int, package: list[str]) -> str:
    if level == 0:
        return module or ""
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, *([module] if module else [])])
