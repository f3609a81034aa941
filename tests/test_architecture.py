"""The package's shape: one direction of imports, no loops, no private reach-ins, small files.

The layer and independence contracts themselves are import-linter's (``lint-imports``, configured
in pyproject.toml and run here and in CI); these tests check what it does not: cycles between
any two modules (imports inside functions included), private names taken from other modules,
file sizes, the public API and the old import paths that scripts use.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

import registry

PACKAGE = Path(registry.__file__).parent
MAX_LINES = 500


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache", "--no-logo"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    modules = sorted(m for m in graph.modules if m.startswith("registry"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith("registry"):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    # Imports under TYPE_CHECKING never run; every other import counts, inside functions too.
    graph = grimp.build_graph("registry", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _private_reach_ins(module: str, path: Path) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(), str(path))
    imported_modules: dict[str, str] = {}  # local name -> registry module it is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("registry"):
            source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                if _is_module(full):
                    imported_modules[alias.asname or alias.name] = full
                    own = source == package
                    if alias.name.startswith("_") and not own:
                        yield f"{module} imports private module {full}"
                elif alias.name.startswith("_") and not alias.name.startswith("__"):
                    yield f"{module} imports {alias.name} from {source}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("registry") and alias.asname:
                    imported_modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            target = imported_modules[node.value.id]
            if not target.startswith(f"{package}._") and target != module:
                yield f"{module} uses {target}.{node.attr}"


def test_no_module_takes_another_modules_private_names() -> None:
    found = [problem for name, path in _modules() for problem in _private_reach_ins(name, path)]
    assert found == []


def test_every_module_is_small() -> None:
    sizes = {
        str(path.relative_to(PACKAGE.parent)): len(path.read_text().splitlines())
        for _, path in _modules()
    }
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}


def test_the_public_api_is_visible_to_type_checkers() -> None:
    """Every lazily served name is also imported under TYPE_CHECKING (so mypy and IDEs see it)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    checked: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                checked.update(alias.asname or alias.name for alias in statement.names)
    lazy = set(registry._LAZY)
    assert checked == lazy
    assert set(registry.__all__) >= lazy | {"cas", "errors", "InputFileError", "RegistryError"}


@pytest.mark.parametrize("name", sorted(registry.__all__))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(registry, name) is not None


def test_lookup_is_the_function_even_after_the_chain_module_is_imported() -> None:
    importlib.import_module("registry.sources.chain")
    from registry import lookup

    assert inspect.isfunction(lookup)
    assert inspect.isfunction(registry.lookup_many)
    assert inspect.isfunction(registry.validate_many)


def test_no_module_is_named_like_a_function_it_exports() -> None:
    clashes = []
    for name, _ in _modules():
        # Running these is what they are for: the command, and Alembic's migration scripts.
        if name == "registry.__main__" or name.startswith("registry.store.migrations"):
            continue
        module = importlib.import_module(name)
        short = name.rpartition(".")[2]
        value = getattr(module, short, None)
        if short in getattr(module, "__all__", ()) and inspect.isfunction(value):
            clashes.append(name)
    assert clashes == []


def test_old_import_paths_keep_working() -> None:
    from registry.bulk import validate_csv, validate_many
    from registry.bulk_files import validate_csv as old_validate_csv
    from registry.chem.descriptors import profile
    from registry.descriptors import profile as old_profile
    from registry.service import Registry

    assert old_validate_csv is validate_csv
    assert old_profile is profile
    assert importlib.import_module("registry.bulk").validate_many is validate_many
    assert registry.Registry is Registry
    assert registry.chem.parse("CCO").GetNumAtoms() == 3
    assert registry.descriptors.profile is profile
