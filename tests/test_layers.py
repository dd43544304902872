"""Dependencies point one way (DESIGN section 1): kernels ← promising ← loaders ← cli, server.py."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kernels", "promising", "loaders", "cli")


def _modules(package: str) -> list[Path]:
    return [p for p in sorted((ROOT / package).rglob("*.py")) if "v1" not in p.parts]


def _imports(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, at any depth of the code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


FORBIDDEN = {
    "kernels": {"promising", "loaders", "cli", "server"},
    "promising": {"loaders", "cli", "server"},
    "loaders": {"cli", "server"},
    "cli": {"server"},
}


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_below_it(package: str) -> None:
    """No module imports a package above its own (so no cycle between packages)."""
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in _modules(package)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_kernels_import_only_numpy_and_numba() -> None:
    """Kernels are numpy arrays in, numpy arrays out: numpy, numba and each other only."""
    allowed = {"__future__", "numpy", "numba", "kernels"}
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) - allowed)
        for path in _modules("kernels")
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_loaders_load_nothing_above_the_model() -> None:
    """Importing the loaders (snapshots, deltas, file sources) loads no engine, book or
    refresher: the interfaces they fill live below the engine."""
    code = (
        "import sys, loaders, loaders.delta, loaders.sources\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('promising'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    above = {"promising.engine", "promising.book", "promising.journal", "promising.ledger"}
    assert "promising.model" in loaded
    assert sorted(set(loaded) & above) == []
    assert [m for m in loaded if m.startswith(("promising.rpc", "promising.sourcing"))] == []
