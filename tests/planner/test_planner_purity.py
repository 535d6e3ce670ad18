"""The target planner (parindex.planner) is pure Python: no Django, and of the other parindex
packages only the scoring engine and the lineage table (itself pure)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import parindex.planner

PLANNER = Path(parindex.planner.__file__).resolve().parent
ALLOWED = ("parindex.core", "parindex.planner", "parindex.results.lineage")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a planner module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against parindex.planner
                base = "parindex.planner".rsplit(".", node.level - 1)[0]
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top == "django":
        return False
    if top != "parindex":
        return True
    return any(name == a or name.startswith(a + ".") for a in ALLOWED)


def test_planner_has_its_modules():
    names = {p.stem for p in PLANNER.glob("*.py")}
    assert {"history", "target", "optimise", "whatif", "forecast", "robustness"} <= names


def test_planner_imports_neither_django_nor_the_django_apps():
    offending = [
        f"{path.name}:{line}: {name}"
        for path in sorted(PLANNER.rglob("*.py"))
        for line, name in _imports(path)
        if not _allowed(name)
    ]
    assert offending == []


def test_the_scan_sees_relative_and_django_imports():
    names = {name for _, name in _imports(PLANNER / "target.py")}
    assert "parindex.planner.history" in names
    assert not _allowed("django.db") and not _allowed("parindex.results.models")
    assert _allowed("numpy") and _allowed("parindex.results.lineage")


def test_importing_the_planner_does_not_load_django():
    code = (
        "import parindex.planner, sys; "
        "bad = sorted(m for m in sys.modules if m.startswith('django') or "
        "(m.startswith('parindex.') and not m.startswith(('parindex.core', "
        "'parindex.planner', 'parindex.results.lineage')) and m != 'parindex.results')); "
        "assert not bad, bad"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
