"""What the unit's pages show: the rows of the self-assessment form (LeafRow, FormState),
the explanation items and the stage comparison of a unit's results."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.assessment import lifecycle, services
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Entry, Evidence, EvidenceLink, Participation
from parindex.core import InvalidValue, Methodology, Node, NodeResult, UnitResult, parse_value
from parindex.core.aggregate import STATUS_LABELS
from parindex.core.model import NOT_ALLOWED, SELF
from parindex.core.numbers import fmt_vn
from parindex.core.rules import Manual, Piecewise, Proportional, Thresholds
from parindex.core.values import Flag, NotArising, Number, Ratio, Status
from parindex.web.templatetags.parindex import value_label

State = Cycle.State


NOT_ARISING = "không phát sinh"


YES_NO_CHOICES = (("có", gettext_lazy("Có")), ("không", gettext_lazy("Không")))


TIMELINESS_CHOICES = (
    ("đúng hạn", gettext_lazy("Đúng hạn")),
    ("chậm", gettext_lazy("Chậm")),
    ("không thực hiện", gettext_lazy("Không thực hiện")),
)


def dom_id(code: str) -> str:
    return "e-" + re.sub(r"[^0-9A-Za-z]+", "-", code)


def _entries(p: Participation) -> dict[str, Entry]:
    """Every entry of the unit with its evidence links, in two queries."""
    links = EvidenceLink.objects.select_related("evidence").order_by("pk")
    qs = p.entries.prefetch_related(Prefetch("links", queryset=links))
    return {e.code: e for e in qs}


def _unit_evidence(p: Participation):
    return Evidence.objects.filter(cycle=p.cycle, unit=p.unit)


def _plain_number(d: Decimal) -> str:
    """A Decimal as an HTML number input wants it: a dot, no exponent, no trailing zeros."""
    return format(d.normalize(), "f")


def _typed_number(d: Decimal) -> str:
    """A Decimal as officials type it in the text input: a decimal comma, no thousands
    separator, no trailing zeros ("85,5"); the server reads it back with parse_value."""
    return _plain_number(d).replace(".", ",")


def _vn_number(d: Decimal) -> str:
    exponent = d.normalize().as_tuple().exponent
    places = min(4, max(0, -exponent)) if isinstance(exponent, int) else 2
    return fmt_vn(d, places)


@dataclass
class LeafRow:
    """One leaf as the form shows it: its input, its points and its evidence."""

    node: Node
    entry: Entry | None
    result: NodeResult | None
    dom: str
    applies: bool
    organiser: bool  # survey/external data or bonus/deduction: entered by the organiser
    editable: bool
    input: str  # "number", "ratio" (two counts), "select" or "" (read-only)
    choices: tuple[tuple[str, Any], ...] = ()
    choice: str = ""
    number: str = ""
    done: str = ""  # a ratio's two counts, as typed
    total: str = ""
    step: str = "any"
    step_label: str = ""
    min: str = "0"
    max: str = ""
    unit_label: str = ""
    na_allowed: bool = False
    is_na: bool = False
    display: str = ""  # the value in words, for read-only rows
    lacking_evidence: bool = False
    message: str = ""
    message_kind: str = ""
    preserve_note: bool = False

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def links(self) -> list[EvidenceLink]:
        return list(self.entry.links.all()) if self.entry else []

    @property
    def points(self) -> Decimal | None:
        if self.result is None or not self.applies:
            return None
        if self.entry is None or self.entry.value == "":
            return None
        return self.result.points

    @property
    def note(self) -> str:
        return self.entry.note if self.entry else ""

    @property
    def explain_short(self) -> str:
        """The branch of the rule that gave the points (the full text is in `explanation`)."""
        r = self.result
        if r is None or not self.applies or self.entry is None or self.entry.value == "":
            return ""
        if r.status == "scored" and r.scored is not None:
            return r.scored.branch
        return STATUS_LABELS.get(r.status, "").capitalize()

    @property
    def explanation(self) -> str:
        return self.result.explanation if self.result is not None else ""


def _parsed(entry: Entry | None, node: Node) -> Any:
    if entry is None or entry.value == "" or node.rule is None:
        return None
    try:
        return parse_value(entry.value, node.rule.expects)
    except InvalidValue:
        return None


def _display(value: Any, raw: str, suffix: str, node: Node) -> str:
    """The value in words for read-only rows: 82,5% / 2 lần / Đúng hạn."""
    if value is None:
        return raw
    if isinstance(value, Number):
        return f"{_vn_number(value.value)}{suffix}"
    return value_label(raw, node)


def leaf_row(
    tree: Methodology,
    p: Participation,
    acc: perm.Access,
    node: Node,
    entry: Entry | None,
    result: UnitResult,
    open_: bool,
    adjustment: bool = False,
) -> LeafRow:
    rule = node.rule
    kind = rule.kind if rule else ""
    applies = node.applies(p.unit.type)
    organiser = adjustment or node.method != SELF
    editable = (
        open_ and applies and not organiser and acc.can(perm.EDIT_SELF) and acc.covers(node.code)
    )
    row = LeafRow(
        node=node,
        entry=entry,
        result=result.nodes.get(node.code),
        dom=dom_id(node.code),
        applies=applies,
        organiser=organiser,
        editable=editable,
        input="",
        na_allowed=not adjustment and tree.policy(node) != NOT_ALLOWED,
    )
    value = _parsed(entry, node)
    row.is_na = isinstance(value, NotArising)
    if isinstance(rule, Manual):
        row.input = "number"
        row.step = _plain_number(rule.step) if rule.step > 0 else "any"
        row.step_label = _vn_number(rule.step) if rule.step > 0 else ""
        row.max = _plain_number(node.max_points)
    elif isinstance(rule, Thresholds):
        row.input = "number"
        if rule.over == "percent":
            row.max, row.unit_label = "100", "%"
        else:
            row.step, row.unit_label = "1", _("số lượng")
    elif isinstance(rule, Proportional):
        row.input = "number"
        if rule.full_at == 100:
            row.unit_label = "%"
    elif isinstance(rule, Piecewise):
        row.input = "number"
        if rule.over == "percent":
            row.max, row.unit_label = "100", "%"
        else:
            row.unit_label = _("số lượng")
    elif kind == "ratio":
        row.input = "ratio"
    elif kind in ("survey",):
        row.input, row.unit_label = "number", "%"
    elif kind == "yes_no":
        row.input, row.choices = "select", YES_NO_CHOICES
    elif kind == "timeliness":
        row.input, row.choices = "select", TIMELINESS_CHOICES
    elif kind in ("bonus", "deduction"):
        row.input = "number"
        row.unit_label = _("lần") if getattr(rule, "per_unit", None) else _("điểm")
    if isinstance(value, Number):
        row.number = _typed_number(value.value)
    elif isinstance(value, Ratio):
        row.done, row.total = _typed_number(value.done), _typed_number(value.total)
    elif isinstance(value, Flag):
        row.choice = "có" if value.value else "không"
    elif isinstance(value, Status):
        row.choice = str(value)
    elif row.is_na:
        row.choice = NOT_ARISING
    suffix = "%" if row.unit_label == "%" else ""
    if kind in ("bonus", "deduction") and getattr(rule, "per_unit", None):
        suffix = " " + row.unit_label
    row.display = _display(value, entry.value if entry else "", suffix, node)
    row.lacking_evidence = (
        applies
        and not organiser
        and entry is not None
        and entry.value != ""
        and not row.is_na
        and not entry.links.all()
    )
    return row


@dataclass
class FormState:
    """Everything the self-assessment page needs, computed once per request."""

    p: Participation
    acc: perm.Access
    tree: Methodology
    entries: dict[str, Entry]
    result: UnitResult
    progress: services.Progress
    open: bool
    why_closed: str

    def row(self, code: str, adjustment: bool = False) -> LeafRow:
        node = self.tree.nodes[code]
        return leaf_row(
            self.tree,
            self.p,
            self.acc,
            node,
            self.entries.get(code),
            self.result,
            self.open,
            adjustment,
        )

    @property
    def rows(self) -> list[tuple[str, Any]]:
        """("field"|"criterion", (node, result)) or ("leaf", LeafRow), in tree order."""
        out: list[tuple[str, Any]] = []
        for f in self.tree.fields:
            for node in f.walk():
                if node.is_leaf:
                    out.append(("leaf", self.row(node.code)))
                else:
                    kind = "field" if node.depth == 1 else "criterion"
                    out.append((kind, (node, self.result.nodes.get(node.code))))
        return out

    @property
    def adjustment_rows(self) -> list[LeafRow]:
        return [self.row(a.code, adjustment=True) for a in self.tree.adjustments]

    @property
    def missing(self) -> int:
        return self.progress.total - self.progress.scored

    @property
    def percent_done(self) -> int:
        if not self.progress.total:
            return 0
        return round(self.progress.scored * 100 / self.progress.total)

    @property
    def can_submit(self) -> bool:
        return self.acc.can(perm.SUBMIT) and self.open

    @property
    def can_hand_over(self) -> bool:
        """An officer hands the form over to the leader (a leader submits it directly)."""
        return (
            self.open
            and self.p.status == Participation.Status.DRAFT
            and perm.may_hand_over(self.acc)
            and not perm.may_approve(self.acc)
        )

    @property
    def can_return(self) -> bool:
        """The leader returns a form handed over, with a comment."""
        return self.p.status == Participation.Status.HANDED_OVER and perm.may_approve(self.acc)

    @property
    def handed_over(self) -> bool:
        return self.p.status == Participation.Status.HANDED_OVER

    @property
    def can_withdraw(self) -> bool:
        return (
            self.acc.can(perm.SUBMIT)
            and self.p.status == Participation.Status.SUBMITTED
            and lifecycle.of(self.p.cycle).withdraw
        )

    @property
    def can_edit_any(self) -> bool:
        return self.open and self.acc.can(perm.EDIT_SELF)


def form_state(p: Participation, acc: perm.Access) -> FormState:
    entries = _entries(p)
    listed = list(entries.values())
    result = services.unit_result(p, "self", listed)
    progress = services.participation_progress(p, listed, result=result)
    open_, why = lifecycle.self_entry_open(p, approver=perm.may_approve(acc))
    return FormState(p, acc, p.cycle.methodology.tree, entries, result, progress, open_, why)


@dataclass
class ExplainItem:
    node: Node
    entry: Entry
    dom: str
    editable: bool
    message: str = ""
    message_kind: str = ""
    preserve_text: bool = False

    @property
    def diff(self) -> Decimal:
        return (self.entry.r1_points or Decimal(0)) - (self.entry.self_points or Decimal(0))

    @property
    def links(self) -> list[EvidenceLink]:
        return list(self.entry.links.all())


def _explain_open(p: Participation, acc: perm.Access) -> tuple[bool, str]:
    ok, why = lifecycle.explanation_open(p.cycle)
    if not ok:
        return ok, why
    if not acc.can(perm.EXPLAIN):
        return False, _("Bạn chỉ có quyền xem.")
    return True, ""


def _explain_items(p: Participation, acc: perm.Access, entries: dict[str, Entry]) -> list:
    tree = p.cycle.methodology.tree
    open_, _why = _explain_open(p, acc)
    items: list[ExplainItem] = []
    if not acc.sees_stage(p.cycle, "r1"):  # round 1's cuts are not shown to the user yet
        return items
    for node in tree.leaves:
        e = entries.get(node.code)
        if e is not None and e.disputed:
            items.append(ExplainItem(node, e, dom_id(node.code), open_ and acc.covers(node.code)))
    return items


def _reached(p: Participation, acc: perm.Access, stage: str) -> bool:
    """Whether a stage's points may be shown to the user (permissions and lifecycle)."""
    return acc.sees_stage(p.cycle, stage)


@dataclass
class StageSummary:
    code: str
    label: str
    result: UnitResult | None
    base: UnitResult | None  # the self-assessment, to compare with

    @property
    def css(self) -> str:
        r, b = self.result, self.base
        if r is None or b is None or self.code == "self" or r.points == b.points:
            return ""
        return "diff-down" if r.points < b.points else "diff-up"


@dataclass
class StageCell:
    points: Decimal | None
    css: str = ""


@dataclass
class CompareRow:
    kind: str  # field / criterion / leaf / adjustment
    node: Node
    max_points: Decimal | None
    cells: list[StageCell]
    entry: Entry | None = None
    applies: bool = True


def _compare_rows(
    tree: Methodology,
    results: dict[str, UnitResult | None],
    entries: dict[str, Entry],
    unit_type: str,
) -> list[CompareRow]:
    rows = []
    base = results["self"]
    assert base is not None
    for f in tree.fields:
        for node in f.walk():
            kind = "leaf" if node.is_leaf else ("field" if node.depth == 1 else "criterion")
            mine = base.nodes.get(node.code)
            cells = []
            for stage in services.STAGES:
                res = results[stage]
                nr = res.nodes.get(node.code) if res else None
                if nr is None:
                    cells.append(StageCell(None))
                    continue
                css = ""
                if mine is not None and stage != "self":
                    if nr.points < mine.points:
                        css = "diff-down"
                    elif nr.points > mine.points:
                        css = "diff-up"
                cells.append(StageCell(nr.points, css))
            rows.append(
                CompareRow(
                    kind,
                    node,
                    mine.max_points if mine else None,
                    cells,
                    entries.get(node.code),
                    node.applies(unit_type),
                )
            )
    return rows
