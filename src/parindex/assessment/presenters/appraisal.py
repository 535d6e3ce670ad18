"""What the appraisal pages show: the council's tasks, the rows of a unit and the round's
progress."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.core import Node, UnitResult
from parindex.core.model import SELF
from parindex.core.values import RATIO

State = Cycle.State


def _appraisable(tree: Any, unit_type: str) -> list[Node]:
    """Leaves the council appraises: the unit's own (self-assessed) items that apply."""
    return [n for n in tree.leaves if n.method == SELF and n.applies(unit_type)]


def _round_points(e: Entry | None, rnd: int) -> Decimal | None:
    if e is None:
        return None
    return e.r1_points if rnd == 1 else e.r2_points


@dataclass
class Task:
    p: Participation
    acc: perm.Access
    rnd: int  # the current round, or the last one held
    active: bool  # the round is open now
    done: int
    total: int


@dataclass
class CycleTasks:
    cycle: Cycle
    tasks: list[Task]
    waiting: int  # assigned units that have not submitted


@dataclass
class LeafRow:
    node: Node
    entry: Entry | None
    applies: bool
    editable: bool
    rnd: int | None
    message: str = ""
    error: bool = False
    form: dict[str, str] = field(default_factory=dict)
    # round -> (the counts the council verified, the rule's explanation of them)
    counts: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def by_counts(self) -> bool:
        """A `ratio` item: the council may enter the two counts it verified."""
        return self.node.rule is not None and self.node.rule.expects == RATIO

    @property
    def r1_counts(self) -> tuple[str, str]:
        return self.counts.get(1, ("", ""))

    @property
    def r2_counts(self) -> tuple[str, str]:
        return self.counts.get(2, ("", ""))

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def base(self) -> Decimal | None:
        """What 'accept' gives in the current round: round 1 takes the self-assessed points,
        round 2 the round-1 points (else the self-assessed ones)."""
        e = self.entry
        if e is None:
            return None
        if self.rnd == 2 and e.r1_points is not None:
            return e.r1_points
        return e.self_points

    @property
    def current(self) -> Decimal | None:
        return _round_points(self.entry, self.rnd) if self.rnd else None

    @property
    def current_reason(self) -> str:
        e = self.entry
        if e is None or not self.rnd:
            return ""
        return e.get_r1_reason_display() if self.rnd == 1 else e.get_r2_reason_display()

    @property
    def current_comment(self) -> str:
        e = self.entry
        if e is None or not self.rnd:
            return ""
        return e.r1_comment if self.rnd == 1 else e.r2_comment

    @property
    def current_by(self) -> Any:
        e = self.entry
        if e is None or not self.rnd:
            return None
        return e.r1_by if self.rnd == 1 else e.r2_by

    @property
    def state(self) -> str:
        cur, base = self.current, self.base
        if cur is None:
            return ""
        return "cut" if cur < (base or 0) else "done"

    @property
    def links(self) -> list[Any]:
        return list(self.entry.links.all()) if self.entry else []


def _round(cycle: Cycle) -> int | None:
    """The appraisal round open now (lifecycle)."""
    return lifecycle.of(cycle).appraisal_round


def _entries(p: Participation) -> dict[str, Entry]:
    qs = p.entries.select_related("r1_by", "r2_by").prefetch_related("links__evidence")
    return {e.code: e for e in qs}


def _leaf_row(
    p: Participation, acc: perm.Access, node: Node, entry: Entry | None, **extra: Any
) -> LeafRow:
    rnd = _round(p.cycle)
    applies = node.applies(p.unit.type)
    editable = bool(
        rnd
        and applies
        and node.method == SELF
        and acc.can(perm.APPRAISE)
        and acc.covers(node.code)
        and p.status == Participation.Status.SUBMITTED
    )
    counts = {}
    if entry is not None:
        for number, text in ((1, entry.r1_value), (2, entry.r2_value)):
            if text:
                counts[number] = (text, svc.counts_explanation(p, node.code, text))
    return LeafRow(node, entry, applies, editable, rnd, counts=counts, **extra)


@dataclass
class Progress:
    rnd: int | None  # the current round, or the last one held
    done: int
    total: int
    mine_done: int
    mine_total: int
    self_result: UnitResult
    stage_result: UnitResult | None
    stage: str | None
    active: bool

    @property
    def diff(self) -> Decimal | None:
        if self.stage_result is None:
            return None
        return self.stage_result.points - self.self_result.points


def _progress(p: Participation, acc: perm.Access, entries: dict[str, Entry]) -> Progress:
    tree = p.cycle.methodology.tree
    facts = lifecycle.of(p.cycle)
    rnd = facts.shown_round
    leaves = _appraisable(tree, p.unit.type)
    done = [n for n in leaves if rnd and _round_points(entries.get(n.code), rnd) is not None]
    mine = [n for n in leaves if acc.covers(n.code)]
    stage = facts.shown_stage if facts.shown_stage in acc.stages(p.cycle) else None
    listed = list(entries.values())
    return Progress(
        rnd,
        len(done),
        len(leaves),
        sum(1 for n in done if acc.covers(n.code)),
        len(mine),
        svc.unit_result(p, "self", listed),
        svc.unit_result(p, stage, listed) if stage else None,
        stage,
        facts.appraisal_round is not None,
    )


def _context_common(p: Participation, acc: perm.Access) -> dict[str, Any]:
    return {
        "show_actions": bool(_round(p.cycle)) and acc.can(perm.APPRAISE),
        "limited": acc.codes,
        "reasons": Entry.Reason.choices,
        "p": p,
        "cycle": p.cycle,
        "rnd": _round(p.cycle),
        "show_r2": acc.sees_stage(p.cycle, "r2"),
    }


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]
