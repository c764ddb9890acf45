"""The declared dependencies and the imports agree: every runtime dependency in pyproject.toml is imported by
the library, and every third-party module the library imports is declared (runtime, or the ``gpu`` extra)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: distribution name -> the module it is imported as, where they differ
MODULE = {"scikit-learn": "sklearn"}


def _declared(names: list[str]) -> set[str]:
    dists = {re.match(r"[A-Za-z0-9_.-]+", name).group(0).lower() for name in names}
    return {MODULE.get(d, d.replace("-", "_")) for d in dists}


def _imported() -> set[str]:
    found = set()
    for path in (ROOT / "src" / "workshift").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names and name != "workshift"}


def test_declared_dependencies_are_imported_and_imports_are_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _declared(project["dependencies"])
    gpu = _declared(project["optional-dependencies"]["gpu"])
    imported = _imported()
    assert not runtime - imported, f"declared but never imported: {sorted(runtime - imported)}"
    assert not imported - runtime - gpu, f"imported but not declared: {sorted(imported - runtime - gpu)}"
