"""The plan dashboard: tasks done and late, points expected back and points already secured in
the open cycle, per lead agency and per field. Pure Python over the tasks' values (no
database), so the sums are tested directly.

Points secured by a "recover" task: what the unit has entered for that sub-criterion in its
next cycle's self-assessment above last year's final points, at most the points lost (an
item not entered yet secures nothing). A "maintain" task has slipped when the points entered
are below the maximum.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from parindex.common.collation import vn_key
from parindex.core import q4
from parindex.results.tables import natural_code

ZERO = Decimal(0)


@dataclass
class Line:
    """The sums of a group of tasks (an agency, a field, or the whole plan)."""

    key: str
    label: str
    tasks: int = 0
    recover: int = 0
    maintain: int = 0
    done: int = 0
    in_progress: int = 0
    late: int = 0
    lost: Decimal = ZERO
    expected: Decimal = ZERO  # points expected back (recover tasks)
    secured: Decimal = ZERO  # already entered above last year's final (recover tasks)
    entered: int = 0  # recover tasks whose item is entered in the open cycle
    slipped: int = 0  # maintain tasks entered below the maximum

    @property
    def done_pct(self) -> int:
        return round(100 * self.done / self.tasks) if self.tasks else 0


@dataclass
class Dashboard:
    total: Line
    by_agency: list[Line] = field(default_factory=list)
    by_field: list[Line] = field(default_factory=list)
    open_cycle: str = ""  # the name of the next cycle, when there is one


def secured(task: Any, entered: Decimal | None) -> Decimal:
    """Points of a recover task already won back in the open cycle (see the docstring)."""
    if entered is None or task.kind != "recover":
        return ZERO
    return q4(min(max(entered - task.last_points, ZERO), task.lost))


def _add(line: Line, task: Any, entered: Decimal | None, today: date) -> None:
    line.tasks += 1
    if task.status == "done":
        line.done += 1
    elif task.status == "in_progress":
        line.in_progress += 1
    if task.overdue_on(today):
        line.late += 1
    if task.kind == "recover":
        line.recover += 1
        line.lost += task.lost
        line.expected += task.expected_points
        if entered is not None:
            line.entered += 1
            line.secured += secured(task, entered)
    else:
        line.maintain += 1
        if entered is not None and entered < task.max_points:
            line.slipped += 1


def build(
    tasks: Iterable[Any],
    entered: Mapping[str, Decimal],
    today: date,
    *,
    agency_name: Callable[[Any], str],
    field_name: Callable[[str], str],
    open_cycle: str = "",
) -> Dashboard:
    """Sum the tasks (plans.models.Task or alike: kind, status, overdue_on(), lead_agency_id,
    field_code, code, lost, last_points, max_points, expected_points) by agency and by
    field; `entered`: the open cycle's self-assessed points by sub-criterion code."""
    total = Line("", "")
    agencies: dict[str, Line] = {}
    fields: dict[str, Line] = {}
    for t in tasks:
        points = entered.get(t.code)
        _add(total, t, points, today)
        key = str(t.lead_agency_id or "")
        if key not in agencies:
            agencies[key] = Line(key, agency_name(t))
        _add(agencies[key], t, points, today)
        if t.field_code not in fields:
            fields[t.field_code] = Line(t.field_code, field_name(t.field_code))
        _add(fields[t.field_code], t, points, today)
    return Dashboard(
        total=total,
        by_agency=sorted(agencies.values(), key=lambda x: vn_key(x.label)),
        by_field=sorted(fields.values(), key=lambda x: natural_code(x.key)),
        open_cycle=open_cycle,
    )
