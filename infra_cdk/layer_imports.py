"""Which ``livebase`` modules the Lambda functions need: the import closure of their sources.

Read from the sources with ``ast`` (nothing is imported or executed): every ``import`` and
``from ... import`` a handler folder's modules make at run time (``if TYPE_CHECKING:`` blocks
skipped), followed through ``livebase`` transitively, relative imports resolved, with the
``__init__`` of every parent package (importing ``a.b.c`` runs ``a`` and ``a.b`` first). A module
or import added anywhere is picked up without editing this file; what it cannot see is an
import by string (``importlib.import_module(name)``), which ``livebase`` does not use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT_PACKAGE = "livebase"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` except the bodies of ``if TYPE_CHECKING:`` (never run)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _absolute(node: ast.ImportFrom, module: str | None, is_package: bool) -> str | None:
    if node.level == 0:
        return node.module
    if module is None:  # a relative import in a top-level handler module: not into livebase
        return None
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def imported_modules(source: Path, module: str | None = None) -> set[str]:
    """Module names ``source`` may import at run time (``from m import n`` gives ``m`` and ``m.n``)."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    is_package = source.name == "__init__.py"
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            if base:
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def module_file(name: str, package_dir: Path) -> Path | None:
    """The source file of ``livebase.*`` module ``name`` under ``package_dir``; None if not a module."""
    parts = name.split(".")
    if parts[0] != ROOT_PACKAGE:
        return None
    path = package_dir.joinpath(*parts[1:])
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    if len(parts) > 1 and path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    return None


def module_closure(sources: Iterable[Path], package_dir: Path) -> dict[str, Path]:
    """``{module name: source file}`` of every ``livebase`` module the sources need, transitively."""
    pending = [name for source in sources for name in imported_modules(source)]
    found: dict[str, Path] = {}
    while pending:
        name = pending.pop()
        if name in found or name.split(".")[0] != ROOT_PACKAGE:
            continue
        path = module_file(name, package_dir)
        if path is None:  # a name imported from a module, not a module (or a missing one: imports fail loudly)
            continue
        found[name] = path
        if "." in name:
            pending.append(name.rpartition(".")[0])
        pending.extend(imported_modules(path, name))
    return found
