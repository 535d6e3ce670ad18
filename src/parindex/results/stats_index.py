"""Node statistics (average and best component index per node across the units it applies
to), kept incrementally: a snapshot's changed units move exact Decimal sums; the best unit
is searched again only when a best unit lost it."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from parindex.core import Methodology, UnitResult, q4

from .tables import (
    NodeStats,
    UnitRow,
)

# --- node statistics, incrementally --------------------------------------------------------


def _paths(tree: Methodology) -> dict[str, tuple[int, ...]]:
    """Per node code of the field tree, its path of child positions in a unit's result."""
    out: dict[str, tuple[int, ...]] = {}

    def visit(node: Any, path: tuple[int, ...]) -> None:
        out[node.code] = path
        for i, child in enumerate(node.children):
            visit(child, (*path, i))

    for i, f in enumerate(tree.fields):
        visit(f, (i,))
    return out


def _node(result: UnitResult, path: tuple[int, ...] | None, code: str) -> Any:
    if path is None:
        return result.nodes.get(code)
    node: Any = result.fields[path[0]]
    for i in path[1:]:
        node = node.children[i]
    return node


@dataclass
class _Acc:
    """One node over the units: sums of index and lost points, count, best index and who."""

    total: Decimal
    lost: Decimal
    count: int
    best: Decimal | None
    best_pids: set[int]
    dirty: bool = False  # the best unit left: find it again


ZERO = Decimal(0)


class StatsIndex:
    """node_stats(rows, code) for the codes asked, kept up to date when units change: the
    sums (exact Decimal sums, so equal to a recomputation) move by the changed units only;
    the best index is searched again only when a best unit lost it."""

    def __init__(self, paths: dict[str, tuple[int, ...]], rows: list[UnitRow]) -> None:
        self.rows = rows
        self.paths = paths
        self.accs: dict[str, _Acc] = {}
        self.done: dict[str, NodeStats] = {}
        self.best_units: dict[str, tuple[str, ...]] = {}  # carried over, see moved()
        self.lock = threading.Lock()

    def _contribution(self, result: UnitResult, code: str) -> tuple[Decimal, Decimal] | None:
        n = _node(result, self.paths.get(code), code)
        if n is None:
            return None
        index = n.index
        if index is None:
            return None
        return index, n.lost

    def _full(self, code: str) -> _Acc:
        acc = _Acc(ZERO, ZERO, 0, None, set())
        for r in self.rows:
            c = self._contribution(r.result, code)
            if c is None:
                continue
            pid = r.participation_id or 0
            acc.total += c[0]
            acc.lost += c[1]
            acc.count += 1
            if acc.best is None or c[0] > acc.best:
                acc.best, acc.best_pids = c[0], {pid}
            elif c[0] == acc.best:
                acc.best_pids.add(pid)
        return acc

    def stats(self, code: str) -> NodeStats:
        with self.lock:
            found = self.done.get(code)
            if found is not None:
                return found
            acc = self.accs.get(code)
            if acc is None or acc.dirty:
                acc = self.accs[code] = self._full(code)
            if not acc.count:
                found = NodeStats(code, None, None, (), ZERO, 0)
            else:
                best = acc.best_pids  # in row order, as tables.node_stats lists them
                names = self.best_units.get(code)
                if names is None:
                    names = tuple(
                        r.unit.label for r in self.rows if (r.participation_id or 0) in best
                    )
                found = NodeStats(
                    code,
                    q4(acc.total / acc.count),
                    acc.best,
                    names,
                    q4(acc.lost / acc.count),
                    acc.count,
                )
            self.done[code] = found
            return found

    def moved(self, rows: list[UnitRow]) -> StatsIndex:
        """The index for `rows`: the same units, some with a new result (or added, removed)."""
        new = StatsIndex(self.paths, rows)
        with self.lock:
            accs = {code: acc for code, acc in self.accs.items() if not acc.dirty}
        if not accs:
            return new
        old_by_pid = {r.participation_id or 0: r.result for r in self.rows}
        new_by_pid = {r.participation_id or 0: r.result for r in rows}
        changes = [
            (pid, old_by_pid.get(pid), new_by_pid.get(pid))
            for pid in old_by_pid.keys() | new_by_pid.keys()
            if old_by_pid.get(pid) is not new_by_pid.get(pid)
        ]
        if len(changes) * 4 > len(rows):
            return new  # most units changed: start again
        for code, acc in accs.items():
            acc = _Acc(acc.total, acc.lost, acc.count, acc.best, set(acc.best_pids))
            for pid, before, after in changes:
                if before is not None:
                    c = self._contribution(before, code)
                    if c is not None:
                        acc.total -= c[0]
                        acc.lost -= c[1]
                        acc.count -= 1
                        if pid in acc.best_pids:
                            acc.best_pids.discard(pid)
                            if not acc.best_pids:
                                acc.dirty = True
                if after is not None:
                    c = new._contribution(after, code)
                    if c is not None:
                        acc.total += c[0]
                        acc.lost += c[1]
                        acc.count += 1
                        if acc.best is None or c[0] > acc.best:
                            acc.best, acc.best_pids, acc.dirty = c[0], {pid}, False
                        elif c[0] == acc.best:
                            acc.best_pids.add(pid)
            if not acc.dirty:
                new.accs[code] = acc
                before_stats = self.done.get(code)
                if (
                    before_stats is not None
                    and before_stats.best == acc.best
                    and before_stats.count
                    and not any(
                        pid in acc.best_pids or pid in self.accs[code].best_pids
                        for pid, _b, _a in changes
                    )
                ):
                    # the same best units, none of them changed: rows of units that did not
                    # change keep their order among themselves, so the names stay as listed
                    new.best_units[code] = before_stats.best_units
        return new
