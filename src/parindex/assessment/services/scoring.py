"""Results of one unit at a stage: the engine's inputs from the stored entries, progress."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from parindex.core import (
    InvalidValue,
    Override,
    Unit,
    UnitResult,
    ValidationFailed,
    compute_unit,
    is_not_arising,
    parse_value,
    score_leaf,
)
from parindex.core.model import EXTERNAL, SURVEY
from parindex.core.values import FLAG

from .. import lifecycle
from ..models import Cycle, Entry, Participation
from .base import unit_of

State = Cycle.State


# --- results -------------------------------------------------------------------------------

STAGES = lifecycle.STAGES
STAGE_LABELS = {
    "self": gettext_lazy("Tự đánh giá"),
    "r1": gettext_lazy("Thẩm định vòng 1"),
    "r2": gettext_lazy("Thẩm định vòng 2 (sau giải trình)"),
    "final": gettext_lazy("Kết quả cuối cùng"),
}


# What the engine reads of an entry, as a plain row (results/computation.py reads these with
# values_list): code, value as typed, self, round 1, round 2 and final points, round 1 and
# round 2 reason codes, the participation, the counts the council verified in round 1 and
# round 2 (a `ratio` item appraised by its counts, else ""), then what the outside body the
# cycle reports to gave (Cycle.reports_to): its appraisal's points, its final points and its
# reason code.
EntryRow = tuple[
    str,
    str,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    Decimal | None,
    str,
    str,
    int,
    str,
    str,
    Decimal | None,
    Decimal | None,
    str,
]
# The model fields of an EntryRow, in order.
ENTRY_ROW_COLUMNS = (
    "code",
    "value",
    "self_points",
    "r1_points",
    "r2_points",
    "final_points",
    "r1_reason",
    "r2_reason",
    "participation_id",
    "r1_value",
    "r2_value",
    "ministry_points",
    "ministry_final_points",
    "ministry_reason",
)
_INVALID = object()
_SKIP: Any = object()


def entry_row(e: Entry) -> EntryRow:
    return (
        e.code,
        e.value,
        e.self_points,
        e.r1_points,
        e.r2_points,
        e.final_points,
        e.r1_reason,
        e.r2_reason,
        e.participation_id,
        e.r1_value,
        e.r2_value,
        e.ministry_points,
        e.ministry_final_points,
        e.ministry_reason,
    )


def stage_inputs(
    participation: Participation, stage: str, entries: list[Entry] | None = None
) -> tuple[dict[str, Any], dict[str, Override]]:
    """The engine's inputs for one stage: typed values, plus the appraisal's points."""
    tree = participation.cycle.methodology.tree
    entries = list(participation.entries.all()) if entries is None else entries
    return stage_inputs_of_rows(tree, stage, [entry_row(e) for e in entries])


def stage_inputs_of_rows(
    tree: Any,
    stage: str,
    rows: Any,
    parsed: dict[str, Any] | None = None,
    reasons: dict[str, str] | None = None,
    decimal: Any = None,
) -> tuple[dict[str, Any], dict[str, Override]]:
    """stage_inputs over EntryRow tuples (no database access). `parsed`: a dict kept between
    calls (of one methodology), code -> {text: typed value}, so that each distinct text is
    parsed once and the units that typed it share one value object (what lets
    compute_unit's memo share their leaf results); `reasons`: reason code -> label
    (Entry.Reason's, in the active language, by default); `decimal`: converts the points as
    the rows hold them (raw database values: compared as they are, distinct 4-decimal values
    stay distinct) to Decimal, when they are not."""
    nodes = tree.nodes
    if parsed is None:
        parsed = {}
    if reasons is None and stage != "self":
        reasons = {str(k): str(v) for k, v in Entry.Reason.choices}
    inputs: dict[str, Any] = {}
    overrides: dict[str, Override] = {}
    leaf_of = parsed.get
    only_self, r1_only, r2_at_most = stage == "self", stage == "r1", stage == "r2"
    for row in rows:
        code, value, self_points, r1_points, r2_points, final_points, r1_reason, r2_reason = row[:8]
        leaf = leaf_of(code)
        if leaf is None:
            node = nodes.get(code)
            if node is not None and node.block and node.rule is None:
                leaf = parsed[code] = (FLAG, {})  # a block declared absent: "không phát sinh"
            else:
                leaf = parsed[code] = (
                    _SKIP if node is None or node.rule is None else (node.rule.expects, {})
                )
        if leaf is _SKIP:
            continue
        if value:  # != ""
            typed = _typed(leaf, value)
            if typed is not _INVALID:
                inputs[code] = typed
        if only_self:
            continue
        counted = ""  # the counts the council verified for the stage's points, if any
        if r1_only:
            pts, counted = r1_points, row[9]
        elif r2_points is not None:
            pts, counted = r2_points, row[10]
        else:
            pts, counted = r1_points, row[9]
        if not (r1_only or r2_at_most or final_points is None):
            counted = counted if final_points == pts else ""
            pts = final_points
        outside = None
        if not (r1_only or r2_at_most) and (outside := row[12]) is not None:
            # THE choice of an item's final points: the outside body's final points (the
            # Ministry's, entered back after its appraisal and the explanation round) when
            # it has given them, else the cycle's own (fixed when it was finalised). The
            # results, rankings, profiles, ledger and targets all read the "final" stage.
            pts, counted = outside, ""
        if pts is not None and counted:
            # The stage's input is the verified counts, scored by the rule like the
            # self-assessment's (0/0: the leaf's not-arising policy, which may exclude it).
            typed = _typed(leaf, counted)
            if typed is not _INVALID:
                inputs[code] = typed
                continue
        if pts is not None and pts != self_points:
            # Only a changed item overrides the rule, so accepted "not arising" items keep
            # their policy (e.g. excluded from the maximum).
            if outside is not None and row[13]:
                reason = row[13]
            else:
                reason = r2_reason if not r1_only and r2_reason else r1_reason
            label = (reasons or {}).get(reason, reason) if reason else ""
            overrides[code] = Override(pts if decimal is None else decimal(pts), label)
    return inputs, overrides


def _typed(leaf: tuple[str, dict[str, Any]], text: str) -> Any:
    """The typed value of `text` for a leaf (expects, cache), parsed once per text."""
    typed = leaf[1].get(text)
    if typed is None:
        try:
            typed = parse_value(text, leaf[0])
        except InvalidValue:
            typed = _INVALID  # stored values were valid when saved; a changed rule scores
            # them 0
        leaf[1][text] = typed
    return typed


def counts_explanation(participation: Participation, code: str, text: str) -> str:
    """The rule's explanation of the counts a stage took as the input of a `ratio` item
    ("40/50 = 80,0000 %; … → 1,6000 điểm"; 0/0: the not-arising policy applied)."""
    tree = participation.cycle.methodology.tree
    node = tree.nodes[code]
    try:
        value = parse_value(text, node.rule.expects if node.rule else "ratio")
        return score_leaf(tree, node, unit_of(participation.unit), value).explanation
    except InvalidValue as exc:
        return str(exc)


def unit_result(
    participation: Participation, stage: str = "self", entries: list[Entry] | None = None
) -> UnitResult:
    tree = participation.cycle.methodology.tree
    entries = list(participation.entries.all()) if entries is None else entries
    rows = [entry_row(e) for e in entries]
    return unit_result_of_rows(tree, unit_of(participation.unit), stage, rows)


def unit_result_of_rows(
    tree: Any,
    unit: Unit,
    stage: str,
    rows: Any,
    *,
    parsed: dict[str, Any] | None = None,
    memo: Any = None,
    reasons: dict[str, str] | None = None,
    decimal: Any = None,
) -> UnitResult:
    """unit_result over EntryRow tuples (no database access). `parsed`, `reasons`,
    `decimal`: see stage_inputs_of_rows; `memo`: compute_unit's, shared between the units
    of a computation."""
    inputs, overrides = stage_inputs_of_rows(tree, stage, rows, parsed, reasons, decimal)
    try:
        return compute_unit(tree, unit, inputs, overrides, memo=memo)
    except ValidationFailed:
        # Stored values were valid when saved; a methodology change could invalidate them.
        clean = {}
        for code, v in inputs.items():
            try:
                score_leaf(tree, tree.nodes[code], unit, v)
                clean[code] = v
            except InvalidValue:
                continue
        return compute_unit(tree, unit, clean, overrides, memo=memo)


@dataclass
class Progress:
    total: int
    scored: int
    lacking_evidence: int
    points: Decimal
    max_points: Decimal


def participation_progress(
    participation: Participation,
    entries: list[Entry] | None = None,
    *,
    result: UnitResult | None = None,
) -> Progress:
    """Items scored, items lacking evidence, points so far (self-assessment). `entries`:
    the participation's entries with their links already fetched (saves two queries);
    `result`: unit_result(participation, "self", entries) when the caller has it already."""
    tree = participation.cycle.methodology.tree
    unit = unit_of(participation.unit)
    if entries is None:
        entries = list(participation.entries.prefetch_related("links"))
    by_code = {e.code: e for e in entries}
    own = [n for n in tree.leaves if n.applies(unit.type) and n.method not in (SURVEY, EXTERNAL)]
    scored = [n for n in own if n.code in by_code and by_code[n.code].value != ""]
    lacking = [
        n
        for n in scored
        if not by_code[n.code].links.all() and not is_not_arising(by_code[n.code].value)
    ]
    if result is None:
        result = unit_result(participation, "self", entries)
    return Progress(len(own), len(scored), len(lacking), result.points, result.max_points)
