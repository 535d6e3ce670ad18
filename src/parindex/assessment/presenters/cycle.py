"""What the cycle pages show: per-stage results and ranks of the units, the timeline, the
rows of external data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext_lazy

from parindex.assessment import lifecycle
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.common.collation import vn_key
from parindex.core import Grade, UnitResult, competition_ranks

State = Cycle.State


STAGE_SHORT = {
    "self": gettext_lazy("Tự đánh giá"),
    "r1": gettext_lazy("Thẩm định vòng 1"),
    "r2": gettext_lazy("Thẩm định vòng 2"),
    "final": gettext_lazy("Cuối cùng"),
}


CONFIRM = {
    State.OPEN: gettext_lazy("Mở cho các đơn vị tự đánh giá?"),
    State.SELF_CLOSED: gettext_lazy("Khóa tự đánh giá? Các đơn vị sẽ không sửa được nữa."),
    State.APPRAISAL: gettext_lazy("Bắt đầu thẩm định vòng 1?"),
    State.EXPLANATION: gettext_lazy("Kết thúc vòng 1 và mở cho các đơn vị giải trình?"),
    State.APPRAISAL_2: gettext_lazy("Kết thúc giải trình và bắt đầu thẩm định vòng 2?"),
    State.FINAL: gettext_lazy(
        "Chốt kết quả? Điểm cuối cùng của mọi mục được cố định, mọi dữ liệu chỉ còn để xem."
    ),
    State.PUBLISHED: gettext_lazy("Công bố kết quả?"),
}


@dataclass
class Row:
    p: Participation
    progress: svc.Progress
    results: dict[str, UnitResult]
    latest: UnitResult
    rank: int | None = None

    @property
    def grade(self) -> Grade | None:
        return self.latest.grade

    def cells(self) -> list[tuple[str, UnitResult | None]]:
        return [(s, self.results.get(s)) for s in svc.STAGES]


def cycle_rows(cycle: Cycle, parts: list[Participation], stages: Sequence[str]) -> list[Row]:
    """Progress, results at `stages` (those the user reads: permissions) and ranks (within
    each unit type, by the latest stage's index) of the given participations: entries in
    two queries, no query per unit. A unit recorded "không nộp" is not ranked, unless the
    methodology scores it 0 (services.not_submitted_zero)."""
    for p in parts:
        p.cycle = cycle  # share one methodology (and its parsed tree)
    prefetch_related_objects(parts, "entries", "entries__links")
    rows = []
    for p in parts:
        entries: list[Entry] = list(p.entries.all())
        results = {s: svc.unit_result(p, s, entries) for s in stages}
        rows.append(Row(p, svc.participation_progress(p, entries), results, results[stages[-1]]))
    zero = svc.not_submitted_zero(cycle)
    for unit_type in {r.p.unit.type for r in rows}:
        group = [r for r in rows if r.p.unit.type == unit_type and (zero or not r.p.not_submitted)]
        for r, rank in zip(
            group, competition_ranks(group, lambda r: (r.latest.index,)), strict=True
        ):
            r.rank = rank
    rows.sort(key=lambda r: (r.p.unit.type, vn_key(r.p.unit.name)))  # by type, then name
    return rows


def _timeline(cycle: Cycle) -> list[dict[str, Any]]:
    now = lifecycle.ORDER.index(cycle.state)
    return [
        {"value": v, "label": label, "done": i < now, "current": i == now}
        for i, (v, label) in enumerate(State.choices)
    ]


@dataclass
class ExternalRow:
    node: Any
    entry: Entry | None
    points: Decimal | None
    error: str = ""
    kind: str = ""


def _external_rows(p: Participation) -> list[ExternalRow]:
    tree = p.cycle.methodology.tree
    entries = {e.code: e for e in p.entries.all()}
    adjustment_codes = {a.code for a in tree.adjustments}
    rows = []
    for node in svc.external_codes(tree):
        if not node.applies(p.unit.type):
            continue
        e = entries.get(node.code)
        kind = (
            ("bonus" if node.rule and node.rule.kind == "bonus" else "deduction")
            if node.code in adjustment_codes
            else node.method
        )
        rows.append(ExternalRow(node, e, e.self_points if e else None, kind=kind))
    return rows


# --- the outside body's results, entered back ----------------------------------------------------


@dataclass
class OutsideRow:
    """One item of a unit on the page entering back the outside body's results."""

    node: Any
    entry: Entry | None

    @property
    def province_points(self) -> Decimal | None:
        return self.entry.final_points if self.entry else None


def outside_rows(p: Participation) -> list[OutsideRow]:
    entries = {e.code: e for e in p.entries.all()}
    return [OutsideRow(n, entries.get(n.code)) for n in svc.outside_items(p)]
