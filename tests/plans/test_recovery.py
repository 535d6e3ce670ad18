"""The recoverability rules in one place (results/recovery.py): the default is unchanged,
the organiser's setting per type and per sub-criterion overrides it."""

from __future__ import annotations

from decimal import Decimal as D

from parindex.results.recovery import (
    APPRAISAL,
    EVIDENCE,
    STRUCTURAL,
    Recovery,
    classify_loss,
)
from parindex.results.tables import LeafRecord


def test_the_default_keeps_survey_and_external_losses_structural():
    assert classify_loss("survey", D(2), LeafRecord("x"), D("0.5")) == (STRUCTURAL, D(0))
    assert classify_loss("external", D(2), LeafRecord("x"), D(0)) == (STRUCTURAL, D(0))
    cut = LeafRecord("x", self_points=D(2), r1_points=D(1), r1_reason="evidence_missing")
    assert classify_loss("manual", D(2), cut, D(1)) == (EVIDENCE, D(1))
    not_met = LeafRecord("x", self_points=D(2), r1_points=D(1), r1_reason="not_met")
    assert classify_loss("manual", D(2), not_met, D(1)) == (APPRAISAL, D(0))


def test_a_type_made_recoverable_recovers_all_its_lost_points():
    survey = Recovery(methods=frozenset({"survey"}))
    assert classify_loss("survey", D(2), LeafRecord("x"), D("0.5"), recovery=survey) == (
        STRUCTURAL,
        D("1.5"),
    )
    assert classify_loss("external", D(2), LeafRecord("x"), D(0), recovery=survey) == (
        STRUCTURAL,
        D(0),
    )


def test_an_item_setting_overrides_its_type_and_the_rules():
    setting = Recovery(
        methods=frozenset({"survey"}), items=(("2.2.1", False), ("1.1.2", True), ("1.2.2", False))
    )
    assert classify_loss("survey", D(2), LeafRecord("x"), D(0), code="2.2.1", recovery=setting) == (
        STRUCTURAL,
        D(0),
    )
    not_met = LeafRecord("x", self_points=D(1), r1_points=D(0), r1_reason="not_met")
    assert classify_loss("manual", D(1), not_met, D(0), code="1.1.2", recovery=setting) == (
        APPRAISAL,
        D(1),
    )
    short = LeafRecord("x", self_points=D("0.5"))
    assert classify_loss("manual", D(1), short, D("0.5"), code="1.2.2", recovery=setting)[1] == D(0)
