"""results/tables.py without the database: ranks with ties, the detail lines, the ledger's
recoverability rules, filters and order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from parindex.core import Override, Unit, compute_unit, parse_value
from parindex.core.model import SELF, SURVEY
from parindex.files.methodology import read_methodology
from parindex.results.tables import (
    APPRAISAL,
    EVIDENCE,
    MISSING,
    SHORTFALL,
    STRUCTURAL,
    LeafRecord,
    LedgerFilter,
    UnitInput,
    build_results,
    classify_loss,
    detail_lines,
    filter_ledger,
    ledger_entries,
)

SMALL = read_methodology(Path(__file__).resolve().parents[1] / "data" / "small.yaml")
D = Decimal


def unit_input(
    code: str, values: dict[str, str], kind: str = "department", **overrides
) -> UnitInput:
    unit = Unit(code, f"Đơn vị {code}", kind)
    inputs = {c: parse_value(v, SMALL.nodes[c].rule.expects) for c, v in values.items()}
    ov = {c: Override(D(p)) for c, p in overrides.items()}
    result = compute_unit(SMALL, unit, inputs, ov)
    leaves = {
        c: LeafRecord(c, self_points=result.nodes[c].points if c not in ov else None)
        for c in values
    }
    return UnitInput(unit, result, leaves)


FULL = {
    "1.1.1": "đúng hạn",
    "1.1.2": "100",
    "1.2.1": "có",
    "1.2.2": "1",
    "2.1.1": "100",
    "2.2.1": "100",
}


def test_ties_share_a_rank_and_the_next_rank_skips():
    inputs = [
        unit_input("A", FULL),
        unit_input("B", {**FULL, "2.1.1": "50"}),  # 7 / 8
        unit_input("C", FULL),
        unit_input("D", {**FULL, "2.1.1": "50"}),
        unit_input("E", {**FULL, "2.2.1": "0"}),  # 6 / 8
    ]
    rows = build_results(SMALL, inputs).rows
    assert [(r.unit.code, r.rank) for r in rows] == [
        ("A", 1),
        ("C", 1),
        ("B", 3),
        ("D", 3),
        ("E", 5),
    ]
    # Field 2: A, C 100; B, D 75; E 66,67 -> 1, 1, 3, 3, 5. Field 1: all 100 -> all rank 1.
    assert [r.field_score("2").rank for r in rows] == [1, 1, 3, 3, 5]
    assert {r.field_score("1").rank for r in rows} == {1}
    assert rows[2].field_score("2").index == D("75.0000")


def test_each_unit_type_is_ranked_separately_unless_asked():
    inputs = [
        unit_input("S1", {**FULL, "2.1.1": "50"}),
        unit_input("X1", {**FULL, "2.1.2": "có"}, "commune"),
        unit_input("S2", FULL),
    ]
    by_type = build_results(SMALL, inputs).rows
    assert [(r.unit.code, r.rank) for r in by_type] == [("S2", 1), ("S1", 2), ("X1", 1)]
    together = build_results(SMALL, inputs, by_type=False).rows
    assert [(r.unit.code, r.rank) for r in together] == [("S2", 1), ("X1", 1), ("S1", 3)]


def test_a_field_that_does_not_apply_has_no_rank():
    # A methodology where field 2 only has a commune-only leaf would leave departments without
    # an index; here a department with field 2 all missing still has an index of 0.
    rows = build_results(SMALL, [unit_input("A", {"1.1.1": "đúng hạn"})]).rows
    assert rows[0].field_score("2").index == D("0.0000")
    assert rows[0].field_score("2").rank == 1


# --- the ledger's recoverability rules ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "self_pts", "final", "reason", "kind", "recoverable"),
    [
        # survey / external data: structural, never recoverable
        (SURVEY, "1.5", "1.5", "", STRUCTURAL, "0"),
        # full self-assessment cut for missing evidence: the cut is recoverable
        (SELF, "2", "1", "evidence_missing", EVIDENCE, "1"),
        (SELF, "2", "0.5", "evidence_invalid", EVIDENCE, "1.5"),
        (SELF, "2", "1.5", "outside_period", EVIDENCE, "0.5"),
        # cut because the requirement was not met: not recoverable
        (SELF, "2", "0", "not_met", APPRAISAL, "0"),
        (SELF, "2", "1", "other", APPRAISAL, "0"),
        # self-assessment below the maximum: the shortfall is recoverable
        (SELF, "1.5", "1.5", "", SHORTFALL, "0.5"),
        # both: only the shortfall, the not-met cut stays lost
        (SELF, "1.5", "0.5", "not_met", APPRAISAL, "0.5"),
        # shortfall + evidence cut: everything is recoverable
        (SELF, "1.5", "0.5", "evidence_missing", EVIDENCE, "1.5"),
        # appraisal raised the points above the self-assessment: the rest is shortfall
        (SELF, "1", "1.5", "", SHORTFALL, "0.5"),
    ],
)
def test_recoverable_points(method, self_pts, final, reason, kind, recoverable):
    rec = LeafRecord("x", self_points=D(self_pts), r1_points=D(final), r1_reason=reason)
    assert classify_loss(method, D(2), rec, D(final)) == (kind, D(recoverable))


def test_an_item_the_unit_left_empty_is_missing_and_recoverable():
    assert classify_loss(SELF, D(2), LeafRecord("x"), D(0)) == (MISSING, D(2))


def test_round_two_reason_wins_over_round_one():
    rec = LeafRecord(
        "x",
        self_points=D(2),
        r1_points=D(0),
        r1_reason="not_met",
        r2_points=D(1),
        r2_reason="evidence_invalid",
    )
    assert rec.reason == "evidence_invalid"
    assert classify_loss(SELF, D(2), rec, D(1)) == (EVIDENCE, D(1))
    accepted = LeafRecord(
        "x", self_points=D(2), r1_points=D(0), r1_reason="not_met", r2_points=D(0)
    )
    assert accepted.reason == "not_met"


def test_ledger_lists_only_leaves_that_lost_points_with_agencies():
    a = unit_input("A", {**FULL, "1.1.2": "85"}, **{"2.1.1": "1"})
    rows = build_results(SMALL, [a]).rows
    entries = ledger_entries(rows, lambda code: [(("1.1",), "SKH", "Sở Kế hoạch")])
    by_code = {e.code: e for e in entries}
    assert set(by_code) == {"1.1.2", "2.1.1"}
    assert by_code["1.1.2"].lost == D("0.5000")
    assert by_code["1.1.2"].lead_agencies == ("Sở Kế hoạch",)
    assert by_code["2.1.1"].lead_agencies == ()
    assert by_code["2.1.1"].kind == MISSING  # overridden with no self-assessed points


def test_ledger_filters_and_sorts():
    rows = build_results(
        SMALL,
        [
            unit_input("A", {**FULL, "1.1.2": "85", "2.2.1": "50"}),
            unit_input("B", {**FULL, "2.1.1": "50"}),
        ],
    ).rows
    entries = ledger_entries(rows)
    assert [(e.unit.code, e.code) for e in filter_ledger(entries, LedgerFilter())] == [
        ("B", "2.1.1"),  # 1 point lost, recoverable (ties on lost: recoverable first)
        ("A", "2.2.1"),  # 1 point lost, survey
        ("A", "1.1.2"),  # 0,5
    ]
    assert [e.code for e in filter_ledger(entries, LedgerFilter(recoverable=True))] == [
        "2.1.1",
        "1.1.2",
    ]
    assert [e.code for e in filter_ledger(entries, LedgerFilter(field="1"))] == ["1.1.2"]
    assert [e.unit.code for e in filter_ledger(entries, LedgerFilter(units=frozenset({"B"})))] == [
        "B"
    ]
    by_code = filter_ledger(entries, LedgerFilter(sort="code", descending=False))
    assert [e.code for e in by_code] == ["1.1.2", "2.1.1", "2.2.1"]


def test_detail_lines_walk_fields_criteria_and_leaves_skipping_other_types():
    a = unit_input("A", {**FULL, "1.1.2": "85"})
    row = build_results(SMALL, [a]).rows[0]
    lines = list(detail_lines(row))
    codes = [d.code for d in lines]
    assert "2.1.2" not in codes  # commune only
    assert codes[:4] == ["1", "1.1", "1.1.1", "1.1.2"]
    field1 = lines[0]
    assert not field1.is_leaf and field1.max_points == D(4) and field1.points == D("3.5")
    assert field1.self_points == D("3.5")
