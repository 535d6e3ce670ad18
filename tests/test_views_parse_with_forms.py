"""Views parse their input with Django forms: outside the forms modules, request.POST and
request.FILES are only handed to a form (`SomeForm(request.POST, request.FILES)`,
`SomeForm(request.POST or None)`), never read by hand (`request.POST["x"]`,
`request.POST.get("x")`, `.getlist`, `.dict()`, `"x" in request.POST`), and no query
parameter is read with `request.GET["x"]`."""

from __future__ import annotations

import ast
from pathlib import Path

import parindex

SRC = Path(parindex.__file__).resolve().parent
BODIES = ("POST", "FILES")


def _is_request(node: ast.expr) -> bool:
    """`request` or `self.request`."""
    if isinstance(node, ast.Name):
        return node.id == "request"
    return isinstance(node, ast.Attribute) and node.attr == "request"


def _handed_to_a_call(node: ast.expr, parents: dict[ast.AST, ast.AST]) -> bool:
    """The node is an argument of a call, alone or as `request.POST or None`."""
    parent = parents.get(node)
    if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or):
        node, parent = parent, parents.get(parent)
    if isinstance(parent, ast.keyword):
        return True
    return isinstance(parent, ast.Call) and node in parent.args


def hand_parsing(source: str, where: str = "<source>") -> list[str]:
    """Every place in `source` that reads the request's body or query by hand."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not _is_request(node.value):
            continue
        if node.attr in BODIES and not _handed_to_a_call(node, parents):
            found.append(f"{where}:{node.lineno}: {ast.unparse(parents.get(node, node))}")
        elif node.attr == "GET" and isinstance(parents.get(node), ast.Subscript):
            found.append(f"{where}:{node.lineno}: {ast.unparse(parents[node])}")
    return found


def _is_forms_module(path: Path) -> bool:
    return path.name == "forms.py" or "forms" in path.relative_to(SRC).parts[:-1]


def test_no_view_reads_the_request_by_hand():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or _is_forms_module(path):
            continue
        found += hand_parsing(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    assert found == [], "parse these with a Django form:\n" + "\n".join(found)


def test_the_scan_finds_hand_parsing():
    bad = """
def view(request):
    a = request.POST["value"]
    b = request.POST.get("note")
    c = request.POST.getlist("codes")
    d = {k: v for k, v in request.POST.dict().items()}
    e = "v-1" in request.POST
    f = request.GET["page"]
    data = request.POST
    g = self.request.POST.get("x")
    h = request.FILES["file"]
"""
    found = hand_parsing(bad)
    assert sorted(int(line.split(":")[1]) for line in found) == list(range(3, 12)), found


def test_the_scan_allows_handing_the_request_to_a_form():
    good = """
def view(request):
    a = SomeForm(request.POST)
    b = SomeForm(request.POST or None, request.FILES or None, user=request.user)
    c = SomeForm(data=request.POST, files=request.FILES)
    d = request.GET.get("page")
    if request.method == "POST":
        pass
"""
    assert hand_parsing(good) == []
