"""The engine's fast paths give the same results as the plain ones (see docs/benchmarks.md)."""

from __future__ import annotations

import gc
import threading
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import SETTINGS, cases, value_for

from parindex.core import (
    Flag,
    InvalidValue,
    NotArising,
    Status,
    Timeliness,
    Unit,
    aggregate,
    compute_all,
    compute_unit,
    parse_value,
    score_leaf,
)
from parindex.core.aggregate import SCORED
from parindex.core.values import FLAG, NUMBER, STATUS

D = Decimal


@SETTINGS
@given(cases(), st.data())
def test_points_is_score_without_the_explanation(case, data):
    m, _, _ = case
    for leaf in [*m.leaves, *m.adjustments]:
        value = data.draw(value_for(leaf))
        assert (
            leaf.rule.points(value, leaf.max_points)
            == leaf.rule.score(value, leaf.max_points).points
        )
        assert leaf.rule.score(value, leaf.max_points).branch


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from(["-1", "101", "abc-flag", "late"]))
def test_points_and_score_refuse_the_same_inputs(case, raw):
    m, _, _ = case
    for leaf in m.leaves:
        try:
            value = parse_value(raw, leaf.rule.expects)
        except InvalidValue:
            continue
        outcomes = []
        for fn in (leaf.rule.points, leaf.rule.score):
            try:
                fn(value, leaf.max_points)
                outcomes.append("ok")
            except InvalidValue as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1]


@SETTINGS
@given(st.lists(cases(), min_size=1, max_size=1), st.integers(2, 5), st.data())
def test_compute_all_equals_compute_unit_one_by_one(one, n_units, data):
    # compute_all shares leaf results between units; compute_unit alone does not.
    m, _, _ = one[0]
    from test_properties import inputs

    units = [
        Unit(f"U{i}", type=data.draw(st.sampled_from(["department", "commune", "province"])))
        for i in range(n_units)
    ]
    values = {u.code: data.draw(inputs(m)) for u in units}
    together = compute_all(m, units, values)
    alone = [compute_unit(m, u, values[u.code]) for u in units]
    assert together == alone
    for a, b in zip(together, alone, strict=True):
        for code, node in a.nodes.items():
            assert node.explanation == b.nodes[code].explanation


def test_scored_is_computed_when_asked():
    from test_aggregate import DEPT, small, so_a_inputs

    r = compute_unit(small(), DEPT, so_a_inputs())
    leaf = r.nodes["1.1.2"]
    assert leaf.status == SCORED
    assert leaf.given_scored is None
    assert leaf.scored is not None and leaf.scored.points == D("0.5")
    assert "≥ 80,00% và < 100,00%" in leaf.scored.branch
    assert r.nodes["1.1"].scored is None
    assert r.nodes["2.1.2"].scored is None  # not applicable


def test_parse_value_returns_shared_instances():
    assert parse_value("có", FLAG) is parse_value("yes", FLAG) is parse_value(True, FLAG)
    assert parse_value("không", FLAG) is parse_value(0, FLAG)
    assert parse_value("đúng hạn", STATUS) is parse_value("on-time", STATUS)
    assert parse_value("NA", NUMBER) is parse_value("không phát sinh", STATUS)
    assert parse_value("NA", FLAG) == NotArising()
    assert parse_value("late", STATUS) == Status(Timeliness.LATE)
    assert parse_value("1", FLAG) == Flag(True)


def test_equal_inputs_share_results_between_units_without_mixing_them():
    from test_aggregate import small

    m = small()
    units = [Unit("A", type="department"), Unit("B", type="commune"), Unit("C", type="commune")]
    yes = parse_value("có", FLAG)
    no = parse_value("không", FLAG)
    inputs = {
        "A": {"1.2.1": yes, "2.1.2": yes},
        "B": {"1.2.1": yes, "2.1.2": no},
        "C": {"1.2.1": yes, "2.1.2": yes},
    }
    a, b, c = (r.nodes for r in compute_all(m, units, inputs))
    assert b["1.2.1"] is c["1.2.1"]  # same leaf, unit type and input object
    assert a["1.2.1"] == b["1.2.1"]  # another unit type: equal, computed apart
    assert a["2.1.2"].status == "not_applicable"  # same input, other unit type
    assert (b["2.1.2"].points, c["2.1.2"].points) == (D(0), D(2))
    assert a["1.1.1"].status == b["1.1.1"].status == "missing"


def test_invalid_shared_inputs_are_reported_for_every_unit():
    from test_aggregate import small

    m = small()
    units = [Unit("A", type="commune"), Unit("B", type="commune")]
    late = parse_value("late", STATUS)
    inputs = {"A": {"1.2.1": late}, "B": {"1.2.1": late}}
    try:
        compute_all(m, units, inputs)
    except Exception as exc:  # noqa: BLE001
        assert [(i.unit, i.code) for i in exc.issues] == [("A", "1.2.1"), ("B", "1.2.1")]
    else:
        raise AssertionError("expected ValidationFailed")


def test_score_leaf_and_compute_agree():
    from test_aggregate import DEPT, small, so_a_inputs

    m = small()
    inputs = so_a_inputs()
    r = compute_unit(m, DEPT, inputs)
    for leaf in m.leaves:
        alone = score_leaf(m, leaf, DEPT, inputs.get(leaf.code))
        assert alone == r.nodes[leaf.code]


def test_full_collections_held_back_and_restored():
    before = gc.get_threshold()
    seen = []
    with aggregate._young_collections_only():
        seen.append(gc.get_threshold())
        with aggregate._young_collections_only():  # nested, as two threads would
            seen.append(gc.get_threshold())
        seen.append(gc.get_threshold())
    assert gc.get_threshold() == before
    assert seen[0][:2] == before[:2] and seen[0][2] > 1_000_000
    assert seen[1] == seen[0] == seen[2]


def test_full_collections_restored_after_an_error_and_across_threads():
    before = gc.get_threshold()
    try:
        with aggregate._young_collections_only():
            raise ValueError
    except ValueError:
        pass
    assert gc.get_threshold() == before

    from test_aggregate import read_small_scores, small

    m = small()
    units, inputs = read_small_scores(m)
    errors = []

    def work():
        try:
            for _ in range(50):
                compute_all(m, units, inputs)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert gc.get_threshold() == before


def test_recurring_numbers_share_results_and_the_memo_is_bounded(monkeypatch):
    from test_aggregate import small

    from parindex.core import Number

    m = small()
    units = [Unit(f"X{i}", type="commune") for i in range(4)]
    hundred = Number(D(100))  # one object, as read_scores gives for the same typed text
    inputs = {u.code: {"1.1.2": hundred, "2.2.1": Number(D(90))} for u in units}
    results = compute_all(m, units, inputs)
    first = results[0].nodes
    assert all(r.nodes["1.1.2"] is first["1.1.2"] for r in results)  # thresholds: shared
    assert results[1].nodes["2.2.1"] is not first["2.2.1"]  # survey: not shared
    assert results[1].nodes["2.2.1"] == first["2.2.1"]
    # a memo that may not grow gives the same results
    monkeypatch.setattr(aggregate, "_MEMO_MAX", 0)
    assert compute_all(m, units, inputs) == results
