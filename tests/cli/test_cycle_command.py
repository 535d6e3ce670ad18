"""`parindex cycle checklist` and `parindex cycle move`: the checklist of the cycle page and
cycle_transition on the command line, with the rights of the account named."""

from __future__ import annotations

import pytest

from parindex.assessment.cli import STATES
from parindex.assessment.models import Cycle
from parindex.audit.models import LogEntry
from parindex.cli import main

pytestmark = pytest.mark.django_db


def test_the_states_are_the_cycles():
    assert list(STATES) == list(Cycle.State.values)


def test_checklist_prints_the_open_points_of_each_move(cast, capsys):
    cycle = cast.cycle("open")
    assert main(["cycle", "checklist", str(cycle.pk)]) == 0
    out = capsys.readouterr().out
    assert f"Kỳ đánh giá {cycle.pk}: {cycle.name}" in out
    assert "→ Chuyển sang “Đã khóa tự đánh giá” (self_closed) — cần lý do" in out
    assert "Đơn vị chưa gửi kết quả tự đánh giá: 2" in out
    assert "Sở Tư pháp, Sở Y tế" in out
    assert "Nếu chuyển tiếp: Không nhập được nữa" in out


def test_checklist_of_one_move_and_of_a_move_that_does_not_exist(cast, capsys):
    cycle = cast.cycle("final", filled=True)
    assert main(["cycle", "checklist", str(cycle.pk), "--to", "published"]) == 0
    out = capsys.readouterr().out
    assert "cần số và ngày quyết định phê duyệt" in out
    assert "Quay lại" not in out
    assert main(["cycle", "checklist", str(cycle.pk), "--to", "open"]) == 1
    assert "không chuyển được" in capsys.readouterr().err
    assert main(["cycle", "checklist", "999999"]) == 1
    assert "không có kỳ đánh giá số 999999" in capsys.readouterr().err


def test_move_needs_a_reason_when_points_are_open(cast, capsys):
    cycle = cast.cycle("open")
    args = ["cycle", "move", str(cycle.pk), "self_closed", "--user", "quanly"]
    assert main(args) == 1
    assert "cần nêu lý do" in capsys.readouterr().err
    assert Cycle.objects.get(pk=cycle.pk).state == "open"
    assert main([*args, "--reason", "Hết hạn, hai sở chưa gửi"]) == 0
    assert "Đã khóa tự đánh giá" in capsys.readouterr().out
    assert Cycle.objects.get(pk=cycle.pk).state == "self_closed"
    row = LogEntry.objects.get(action="cycle.state_changed", cycle=cycle, data__new="self_closed")
    assert row.actor == cast.manager
    assert row.data["reason"] == "Hết hạn, hai sở chưa gửi"
    assert row.data["open_points"] == {"unsubmitted": 2}


def test_move_is_refused_to_a_non_manager_and_an_unknown_account(cast, capsys):
    cycle = cast.cycle("open", filled=True)
    for username in ("canbo", "thamdinh", "xem", "quanly_k"):
        assert main(["cycle", "move", str(cycle.pk), "self_closed", "--user", username]) == 1
        assert "không có quyền quản lý" in capsys.readouterr().err
    assert main(["cycle", "move", str(cycle.pk), "self_closed", "--user", "ai-do"]) == 1
    assert "không có tài khoản" in capsys.readouterr().err
    assert Cycle.objects.get(pk=cycle.pk).state == "open"
    assert (
        not LogEntry.objects.filter(action="cycle.state_changed", cycle=cycle)
        .exclude(data__new="open")
        .exists()
    )


def test_publishing_takes_the_decision_in_dd_mm_yyyy(cast, capsys):
    cycle = cast.cycle("final", filled=True)
    base = ["cycle", "move", str(cycle.pk), "published", "--user", "quanly"]
    assert main(base) == 1
    assert "số và ngày của quyết định" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([*base, "--decision-number", "12/QĐ-UBND", "--decision-date", "2026-01-20"])
    assert exit_.value.code == 2
    assert "dd/mm/yyyy" in capsys.readouterr().err
    assert main([*base, "--decision-number", "12/QĐ-UBND", "--decision-date", "20/01/2026"]) == 0
    cycle.refresh_from_db()
    assert (cycle.state, cycle.decision_number) == ("published", "12/QĐ-UBND")
    assert cycle.decision_date.strftime("%d/%m/%Y") == "20/01/2026"
