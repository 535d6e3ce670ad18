"""The lifecycle table, state by state: every fact the rest of the code asks of a cycle's
state. A change to the table must change this test with it (and the permission matrix)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle, Participation

S = Cycle.State

# state: self_entry, self_entry_late, withdraw, late_grant, evidence_change, explanation,
#        appraisal_round, shown_round, shown_stage, organiser_edit, absent_blocks, finished,
#        published,
#        unit_stages, staff_stages, next_states
#   Y/- for booleans; stages as letters: s=self 1=r1 2=r2 f=final
TABLE = """
draft        - - - - - -  .  .  .      Y Y - -  s     s     open
open         Y - Y Y - -  .  .  .      Y Y - -  s     s     self_closed
self_closed  - Y Y Y - -  .  .  .      Y Y - -  s     s     open,appraisal
appraisal    - - - - - -  1  1  r1     Y Y - -  s     s1    explanation
explanation  - - - - Y Y  .  1  r1     Y Y - -  s1    s1    appraisal_2
appraisal_2  - - - - - -  2  2  r2     Y Y - -  s1    s12   final
final        - - - - - -  .  2  final  - - Y -  s12f  s12f  final_published
published    - - - - - -  .  2  final  - - Y Y  s12f  s12f  .
"""
LETTERS = {"s": "self", "1": "r1", "2": "r2", "f": "final"}


def _rows() -> dict[str, tuple[str, ...]]:
    return {line.split()[0]: tuple(line.split()[1:]) for line in TABLE.strip().splitlines()}


def _stages(cell: str) -> tuple[str, ...]:
    return tuple(LETTERS[c] for c in cell)


def test_every_state_has_a_row_and_facts():
    assert set(_rows()) == set(S.values) == set(lifecycle.FACTS)


@pytest.mark.parametrize("state", S.values)
def test_state_facts(state: str):
    row = _rows()[state]
    f = lifecycle.facts(state)
    flags = [c == "Y" for c in row[:6]]
    assert [
        f.self_entry,
        f.self_entry_late,
        f.withdraw,
        f.late_grant,
        f.evidence_change,
        f.explanation,
    ] == flags
    assert f.appraisal_round == (None if row[6] == "." else int(row[6]))
    assert f.shown_round == (None if row[7] == "." else int(row[7]))
    assert f.shown_stage == (None if row[8] == "." else row[8])
    assert [f.organiser_edit, f.absent_blocks, f.finished, f.published] == [
        c == "Y" for c in row[9:13]
    ]
    assert f.unit_stages == _stages(row[13])
    assert f.staff_stages == _stages(row[14])
    nexts = (
        () if row[15] == "." else tuple(row[15].replace("final_published", "published").split(","))
    )
    assert f.next_states == nexts


def test_units_never_see_more_than_the_organiser():
    for state, f in lifecycle.FACTS.items():
        assert set(f.unit_stages) <= set(f.staff_stages), state
        assert f.unit_stages[0] == "self"


def test_derived_tuples():
    assert lifecycle.FINISHED_STATES == (S.FINAL, S.PUBLISHED)
    assert lifecycle.APPRAISAL_STATES == (
        S.APPRAISAL,
        S.EXPLANATION,
        S.APPRAISAL_2,
        S.FINAL,
        S.PUBLISHED,
    )
    assert lifecycle.may_move(S.SELF_CLOSED, S.OPEN)
    assert not lifecycle.may_move(S.PUBLISHED, S.FINAL)
    assert lifecycle.reached(S.FINAL, S.EXPLANATION)
    assert not lifecycle.reached(S.APPRAISAL, S.EXPLANATION)


# Going back one stage (with a reason), and the open points checked when moving on.
#   state: prev_states, checks (u=unsubmitted a=unappraised e=unexplained s=surveys)
BACK_AND_CHECKS = """
draft        .             .
open         .             u
self_closed  .             u
appraisal    self_closed   a
explanation  appraisal     e
appraisal_2  explanation   as
final        appraisal_2   .
published    .             .
"""
CHECK_LETTERS = {"u": "unsubmitted", "a": "unappraised", "e": "unexplained", "s": "surveys"}


@pytest.mark.parametrize("state", S.values)
def test_back_states_and_checks(state: str):
    rows = {ln.split()[0]: ln.split()[1:] for ln in BACK_AND_CHECKS.strip().splitlines()}
    back, checks = rows[state]
    f = lifecycle.facts(state)
    assert f.prev_states == (() if back == "." else (back,))
    assert f.checks == (() if checks == "." else tuple(CHECK_LETTERS[c] for c in checks))
    assert set(f.checks) <= set(lifecycle.CHECKS)
    for prev in f.prev_states:
        assert state in lifecycle.facts(prev).next_states  # back one stage only


def test_checks_of_a_move_and_the_not_submitted_record():
    # Checks run when moving forward, not when going back or re-opening.
    assert lifecycle.checks_of(S.SELF_CLOSED, S.APPRAISAL) == ("unsubmitted",)
    assert lifecycle.checks_of(S.SELF_CLOSED, S.OPEN) == ()
    assert lifecycle.checks_of(S.APPRAISAL, S.SELF_CLOSED) == ()
    assert lifecycle.checks_of(S.APPRAISAL_2, S.FINAL) == ("unappraised", "surveys")
    assert lifecycle.checks_of(S.FINAL, S.PUBLISHED) == ()
    # Only leaving the self-assessment for good records "không nộp".
    moves = [(a, b) for a in S.values for b in lifecycle.facts(a).next_states]
    assert [m for m in moves if lifecycle.records_not_submitted(*m)] == [
        (S.SELF_CLOSED, S.APPRAISAL)
    ]
    assert lifecycle.may_go_back(S.APPRAISAL, S.SELF_CLOSED)
    assert not lifecycle.may_go_back(S.PUBLISHED, S.FINAL)


# --- windows ---------------------------------------------------------------------------------


def _p(state: str, *, status: str = "draft", late: bool = False, **dates) -> Participation:
    cycle = Cycle(state=state, **dates)
    now = timezone.now()
    return Participation(
        cycle=cycle, status=status, late_until=now + timedelta(days=1) if late else None
    )


def test_self_entry_windows():
    now = timezone.now()
    past, future = now - timedelta(days=2), now + timedelta(days=2)
    assert lifecycle.self_entry_open(_p(S.OPEN))[0]
    assert not lifecycle.self_entry_open(_p(S.OPEN, self_start=future))[0]
    assert not lifecycle.self_entry_open(_p(S.OPEN, self_end=past))[0]
    assert lifecycle.self_entry_open(_p(S.OPEN, self_end=past, late=True))[0]
    assert not lifecycle.self_entry_open(_p(S.SELF_CLOSED))[0]
    assert lifecycle.self_entry_open(_p(S.SELF_CLOSED, late=True))[0]
    assert not lifecycle.self_entry_open(_p(S.APPRAISAL, late=True))[0]
    ok, why = lifecycle.self_entry_open(_p(S.OPEN, status="submitted"))
    assert not ok and "rút lại" in why
    # After the self-assessment stage a submitted unit is not told to withdraw.
    ok, why = lifecycle.self_entry_open(_p(S.EXPLANATION, status="submitted"))
    assert not ok and "rút lại" not in why


def test_explanation_and_evidence_windows():
    now = timezone.now()
    assert lifecycle.explanation_open(Cycle(state=S.EXPLANATION))[0]
    assert not lifecycle.explanation_open(
        Cycle(state=S.EXPLANATION, explanation_end=now - timedelta(hours=1))
    )[0]
    assert not lifecycle.explanation_open(Cycle(state=S.APPRAISAL_2))[0]
    assert lifecycle.evidence_open(_p(S.EXPLANATION, status="submitted"))[0]
    assert not lifecycle.evidence_open(_p(S.APPRAISAL, status="submitted"))[0]
    assert not lifecycle.evidence_open(_p(S.FINAL, status="submitted"))[0]
    assert lifecycle.organiser_edit_open(Cycle(state=S.APPRAISAL_2))[0]
    assert not lifecycle.organiser_edit_open(Cycle(state=S.PUBLISHED))[0]
    assert lifecycle.absent_blocks_open(Cycle(state=S.APPRAISAL_2))[0]
    assert not lifecycle.absent_blocks_open(Cycle(state=S.FINAL))[0]
    assert lifecycle.appraisal_open(Cycle(state=S.APPRAISAL_2))[0] == 2
    assert lifecycle.appraisal_open(Cycle(state=S.EXPLANATION))[0] is None


def test_handed_over_form_is_read_only_except_for_the_leader():
    # The officer handed the form over: only the leader (approver) may still enter.
    ok, why = lifecycle.self_entry_open(_p(S.OPEN, status="handed_over"))
    assert not ok and "lãnh đạo" in why
    assert lifecycle.self_entry_open(_p(S.OPEN, status="handed_over"), approver=True)[0]
    assert not lifecycle.evidence_open(_p(S.OPEN, status="handed_over"))[0]
    assert lifecycle.evidence_open(_p(S.OPEN, status="handed_over"), approver=True)[0]
    # The dates still apply to the leader.
    past = timezone.now() - timedelta(days=2)
    assert not lifecycle.self_entry_open(
        _p(S.OPEN, status="handed_over", self_end=past), approver=True
    )[0]
    # A submitted form stays closed for everyone.
    assert not lifecycle.self_entry_open(_p(S.OPEN, status="submitted"), approver=True)[0]
