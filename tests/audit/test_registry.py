"""The audit registry: every action code logged anywhere is registered with a label; an
unregistered code is refused; pages show the labels, never the codes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from ap_cast import ap_client, ap_fill, ap_world  # noqa: F401
from django.urls import reverse
from django.utils import translation
from factories import MOVE

from parindex.assessment import lifecycle, services
from parindex.assessment.models import Cycle
from parindex.audit import registry
from parindex.audit.models import LogEntry
from parindex.audit.services import audit_record, log_action, log_actions

SRC = Path(__file__).resolve().parents[2] / "src" / "parindex"
# Calls whose first argument is an action code, and calls taking it as `action=` (a
# function among them that logs its `action` argument forwards a code checked at its calls).
CODE_FIRST = {"log_action", "audit_record"}
CODE_KEYWORD = {"EntryChange", "LogEntry", "_move"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _patterns(node: ast.expr, where: str) -> list[str]:
    """The codes an argument can take, as regular expressions."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [re.escape(node.value)]
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values]
        return ["".join(parts)]
    if isinstance(node, ast.IfExp):
        return _patterns(node.body, where) + _patterns(node.orelse, where)
    if isinstance(node, ast.Attribute) and node.attr == "action":
        return []  # forwards a change's code, itself checked where the change is built
    pytest.fail(f"{where}: the action code must be a literal (or an f-string): {ast.unparse(node)}")


def logged_codes() -> dict[str, list[str]]:
    """Every action code written in the source: pattern -> where."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts or path.parent.name == "audit":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        forwarded = {
            id(n)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name in CODE_KEYWORD
            for n in ast.walk(fn)
            if isinstance(n, ast.Name) and n.id == "action"
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            where = f"{path.relative_to(SRC)}:{node.lineno}"
            args: list[ast.expr] = []
            if name in CODE_FIRST and node.args:
                args.append(node.args[0])
            if name in CODE_FIRST | CODE_KEYWORD:
                args += [k.value for k in node.keywords if k.arg == "action"]
            for arg in args:
                if id(arg) in forwarded:
                    continue
                for pattern in _patterns(arg, where):
                    found.setdefault(pattern, []).append(where)
    return found


def test_the_scan_finds_the_writers():
    found = logged_codes()
    for code in (
        "entry.self_saved",
        "entry.finalised",
        "survey.scored",
        "api_token.created",
        "participation.handed_over",  # through workflow._move
    ):
        assert re.escape(code) in found
    assert any(p.startswith(re.escape("entry.appraised_r")) for p in found)
    assert len(found) >= 35


def test_every_logged_action_code_is_registered():
    missing = {
        pattern: where
        for pattern, where in logged_codes().items()
        if not any(re.fullmatch(pattern, code) for code in registry.ACTIONS)
    }
    assert not missing, f"register these audit actions in parindex.audit.registry: {missing}"


def test_every_appraisal_round_has_its_action():
    rounds = {f.appraisal_round for f in lifecycle.FACTS.values() if f.appraisal_round}
    assert rounds == {1, 2}
    for rnd in rounds:
        assert registry.is_registered(f"entry.appraised_r{rnd}")


def test_an_unregistered_code_is_refused(db):
    with pytest.raises(ValueError, match="not registered"):
        log_action("entry.forged", code="1.1.1")
    with pytest.raises(ValueError):
        audit_record("cycle.renamed")
    with pytest.raises(ValueError):
        log_actions([LogEntry(action="nothing.at_all")])
    assert not LogEntry.objects.exists()
    log_action("cycle.created")
    assert LogEntry.objects.get().action_label == "Tạo kỳ đánh giá"


def test_every_label_is_vietnamese_with_an_english_translation():
    codes = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
    for code, label in registry.ACTIONS.items():
        assert codes.match(code), code
        vietnamese = str(label)
        assert vietnamese and vietnamese != code
        with translation.override("en"):
            english = str(label)
        assert english and english != vietnamese, f"{code}: “{vietnamese}” is not translated"
    assert len(set(map(str, registry.ACTIONS.values()))) == len(registry.ACTIONS)
    assert registry.label("no.such_code") == "no.such_code"


def test_the_audit_page_shows_labels_never_codes(ap_world):  # noqa: F811
    p = ap_world["p"]
    ap_fill(ap_world, p)
    for state in ("self_closed", "appraisal", "explanation", "appraisal_2", "final"):
        services.cycle_transition(
            **MOVE, cycle=Cycle.objects.get(pk=p.cycle_id), to_state=state, user=ap_world["manager"]
        )
    assert LogEntry.objects.filter(action="entry.finalised", unit=p.unit).exists()
    client = ap_client(ap_world["officer"])
    html = client.get(reverse("audit_participation", args=[p.pk])).content.decode()
    actions = set(LogEntry.objects.filter(unit=p.unit).values_list("action", flat=True))
    assert {"entry.self_saved", "participation.submitted", "entry.finalised"} <= actions
    for action in actions:
        assert action not in html
        assert registry.label(action) in html
    assert "Chốt điểm cuối cùng" in html
    with translation.override("en"):
        english = client.get(reverse("audit_participation", args=[p.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
