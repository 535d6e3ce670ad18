"""The scoring engine (parindex.core) is pure Python: no Django, no other parindex package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import parindex.core

CORE = Path(parindex.core.__file__).resolve().parent


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a core module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package under parindex.core
                package = ".".join(("parindex.core", *path.relative_to(CORE).parent.parts))
                base = package.rsplit(".", node.level - 1)[0]
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def test_core_has_modules():
    assert len(list(CORE.glob("*.py"))) >= 8


def test_core_imports_neither_django_nor_other_parindex_packages():
    offending = []
    for path in sorted(CORE.rglob("*.py")):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top == "django" or (
                top == "parindex"
                and name != "parindex.core"
                and not name.startswith("parindex.core.")
            ):
                offending.append(f"{path.name}:{line}: {name}")
    assert offending == []


def test_relative_import_resolution():
    # The scan itself must see relative imports as parindex.core.*.
    names = {name for _, name in _imports(CORE / "aggregate.py")}
    assert "parindex.core.rules" in names
    # from a subpackage, ".." is parindex.core
    names = {name for _, name in _imports(CORE / "rules" / "counts.py")}
    assert {"parindex.core.values", "parindex.core.rules.classic"} <= names


def test_importing_core_does_not_load_django():
    code = (
        "import parindex.core, sys; "
        "bad = sorted(m for m in sys.modules if m.startswith('django') "
        "or (m.startswith('parindex.') and not m.startswith('parindex.core'))); "
        "assert not bad, bad"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
