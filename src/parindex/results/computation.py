"""The computed results of a cycle, kept live in each process and refreshed incrementally.

Rankings, unit profiles, the ledger of lost points and the trend all read one computation
per cycle (`Snapshot`): per participating unit, its entries as plain rows and, per stage,
the engine's result, plus what is derived from them (ranked tables, node statistics, ledger
lines). It is keyed by the cycle's results version (Cycle.results_version, bumped by
parindex.assessment.services.results_changed on every entry write and state change, which
also stamps the changed participations with the new version):

- cold: one query for the participations (with the cycle's version) and one for the
  entries (the comments and explanations that are not empty: one more, when leaf records
  are first needed); entries are kept as the `values_list` rows the database driver
  returns (points converted to Decimal with Django's own converters, once per distinct
  value, when needed), each distinct typed text is parsed once, and every unit is computed
  with one engine memo (parindex.core.compute_unit's `memo`), as compute_all does: units
  typing the same value share the leaf result;
- warm: one query (the cycle's version); nothing is computed;
- after a change: the participations whose version is newer than the snapshot's (and any
  added, removed, renamed or retyped unit) are read and computed again, the others keep
  their results; tables are ranked again (cheap), node statistics and ledger lines are
  carried over for the units that did not change.

The whole computation runs with the cyclic garbage collector's full passes held back
(`computing()`, parindex.core.young_collections_only); a large one is then frozen
(gc.freeze) so that later full collections do not walk its hundreds of thousands of objects
again. Nothing kept holds a reference cycle (a test checks it): refcounting frees a replaced
snapshot as always, frozen or not.

Only unit types asked for are read: a ranking of the communes does not load the
departments. A snapshot is never changed once published to other threads (a refresh builds a
new one); what is derived lazily is added under the snapshot's lock. Each process keeps a few
snapshots (least recently used dropped first, LIVE_MAX_UNITS units x stages in all).
"""

from __future__ import annotations

import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, Max
from django.db.models.sql.constants import MULTI

from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.services import ENTRY_ROW_COLUMNS, unit_result_of_rows
from parindex.core import Memo, Methodology, Unit, UnitResult, young_collections_only

from .recovery import DEFAULT, Recovery
from .stats_index import StatsIndex, _paths
from .tables import (
    LeafRecord,
    LedgerEntry,
    NodeStats,
    UnitInput,
    UnitRow,
    ledger_entries,
    natural_code,
    rank_units,
    type_order,
)

# services.EntryRow as the database driver returns it: code, value, self, r1, r2 and final
# points (raw: float or int on SQLite, converted with Shared.decimal when needed), r1
# reason, r2 reason, participation id, r1 and r2 verified counts, then the outside body's
# appraisal points, final points and reason (Cycle.reports_to)
Row = tuple[str, str, Any, Any, Any, Any, str, str, int, str, str, Any, Any, str]
# r1 comment, r2 comment, explanation, the outside body's comment, the explanation to it
Texts = tuple[str, str, str, str, str]

LIVE_MAX_UNITS = 24_000  # per process: units x stages computed, over every snapshot kept
REVALIDATE_SECONDS = 3600  # a snapshot older than this checks its units again (renamed?)
FREEZE_MIN_ENTRIES = 20_000  # gc.freeze() after computing a snapshot at least this large
REFRESH_IN_QUERY_MAX = 500  # more changed units than this: read their types whole

_ROW_COLUMNS = ENTRY_ROW_COLUMNS
_TEXT_COLUMNS = (
    "participation_id",
    "code",
    "r1_comment",
    "r2_comment",
    "explanation",
    "ministry_comment",
    "ministry_explanation",
)
_NO_TEXT: Texts = ("", "", "", "", "")


# --- counters (tests and the benchmark read them) ----------------------------------------------


@dataclass
class Counters:
    """What this process computed: snapshots read whole, refreshes, units computed by the
    engine (unit x stage) and entries read."""

    loads: int = 0
    refreshes: int = 0
    units_computed: int = 0
    entries_read: int = 0
    freezes: int = 0

    def reset(self) -> None:
        self.loads = self.refreshes = self.units_computed = self.entries_read = 0
        self.freezes = 0


counters = Counters()


# --- one unit ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class UnitData:
    """One participating unit as read at a results version: its entries as rows, and the
    comments and explanations of those that have any."""

    pid: int
    version: int
    unit: Unit
    rows: tuple[Row, ...]
    texts_of: _Texts  # the comments and explanations, read when first asked for
    decimal: Callable[[Any], Any]  # raw points -> Decimal

    @property
    def texts(self) -> Mapping[str, Texts]:
        return self.texts_of.get(self.pid)

    @cached_property
    def leaves(self) -> dict[str, LeafRecord]:
        """The leaf records of the tables (results/tables.py), built on first use."""
        out = {}
        texts = self.texts
        dec = self.decimal
        for row in self.rows:
            code, _v, self_points, r1, r2, final, r1_reason, r2_reason = row[:8]
            m_points, m_final, m_reason = row[11:14]
            r1_comment, r2_comment, explanation, m_comment, m_explanation = texts.get(
                code, _NO_TEXT
            )
            out[code] = LeafRecord(
                code=code,
                self_points=dec(self_points),
                r1_points=dec(r1),
                r2_points=dec(r2),
                r1_reason=r1_reason,
                r2_reason=r2_reason,
                comment=r2_comment if r2 is not None and r2_comment else r1_comment,
                explanation=explanation,
                r1_comment=r1_comment,
                province_points=dec(final),
                ministry_points=dec(m_points),
                ministry_final_points=dec(m_final),
                ministry_reason=m_reason,
                ministry_comment=m_comment,
                ministry_explanation=m_explanation,
            )
        return out


class LazyLeaves(Mapping[str, LeafRecord]):
    """UnitRow.leaves of a snapshot's rows: the unit's leaf records, built when first read
    (a ranking never reads them)."""

    __slots__ = ("_unit",)

    def __init__(self, unit: UnitData) -> None:
        self._unit = unit

    def __getitem__(self, code: str) -> LeafRecord:
        return self._unit.leaves[code]

    def get(self, code: str, default: Any = None) -> Any:
        return self._unit.leaves.get(code, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._unit.leaves)

    def __len__(self) -> int:
        return len(self._unit.rows)

    def __contains__(self, code: object) -> bool:
        return code in self._unit.leaves

    def __reduce__(self) -> Any:  # pickled (never by the caches) as a plain dict
        return (dict, (dict(self._unit.leaves),))


# --- the snapshot ------------------------------------------------------------------------------


@dataclass(eq=False)
class Shared:
    """Kept from one version of a cycle's snapshot to the next: the typed values by (code,
    text) and the engine's memo (keyed by the identity of those values, so both live
    together), and the translated reason labels."""

    parsed: dict[str, Any] = field(default_factory=dict)
    memo: Memo = field(default_factory=dict)
    decimal: Any = None  # raw database value of a points column -> Decimal (_Converted)
    paths: dict[str, tuple[int, ...]] = field(default_factory=dict)  # see _paths


@dataclass(eq=False)
class Snapshot:
    """A cycle's units and results at one results version (see the module docstring)."""

    cycle_id: int
    methodology_id: int
    tree: Methodology
    version: int
    types: frozenset[str] | None  # unit types read (None: all)
    units: dict[int, UnitData]
    shared: Shared
    results: dict[str, dict[int, UnitResult]] = field(default_factory=dict)  # stage -> pid
    derived: dict[Any, Any] = field(default_factory=dict)
    carried: dict[Any, Any] = field(default_factory=dict)  # from the version before
    made_at: float = field(default_factory=time.monotonic)
    # Units recorded "không nộp" that are not ranked (empty when the methodology scores
    # them 0): read once per version, with the snapshot.
    unranked: frozenset[int] = frozenset()
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def covers(self, types: frozenset[str] | None) -> bool:
        if self.types is None:
            return True
        return types is not None and types <= self.types

    @property
    def size(self) -> int:
        """Units x stages computed: what the process-wide bound counts."""
        return len(self.units) * max(1, len(self.results))

    def units_of(self, unit_type: str | None) -> list[UnitData]:
        units = self.units.values()
        if unit_type is None:
            return sorted(units, key=lambda u: u.pid)
        return sorted((u for u in units if u.unit.type == unit_type), key=lambda u: u.pid)

    def unit_types(self) -> list[str]:
        return sorted({u.unit.type for u in self.units.values()}, key=lambda t: (type_order(t), t))

    # -- engine results --

    def stage_results(self, stage: str, units: Sequence[UnitData]) -> dict[int, UnitResult]:
        """The engine's result of each unit at `stage`, computed for those not yet known."""
        known = self.results.get(stage, {})
        if all(u.pid in known for u in units):
            return known
        with self.lock, young_collections_only():
            known = dict(self.results.get(stage, {}))
            missing = [u for u in units if u.pid not in known]
            _large(len(missing), self.tree)
            tree, shared = self.tree, self.shared
            reasons = {str(k): str(v) for k, v in Entry.Reason.choices}
            for u in missing:
                known[u.pid] = unit_result_of_rows(
                    tree,
                    u.unit,
                    stage,
                    u.rows,
                    parsed=shared.parsed,
                    memo=shared.memo,
                    reasons=reasons,
                    decimal=shared.decimal,
                )
            counters.units_computed += len(missing)
            self.results[stage] = known
        return known

    def result(self, stage: str, pid: int) -> UnitResult:
        return self.stage_results(stage, [self.units[pid]])[pid]

    # -- ranked tables --

    def table(self, stage: str, unit_type: str | None, by_type: bool = True) -> list[UnitRow]:
        """rank_units over the units (of one type), with result trees and lazy leaves; the
        same list object for every caller (never change it)."""
        key = ("table", stage, unit_type, by_type)
        found = self.derived.get(key)
        if found is not None:
            return found
        with self.lock:
            found = self.derived.get(key)
            if found is not None:
                return found
            if unit_type is None and by_type:
                rows: list[UnitRow] = []
                for t in self.unit_types():
                    rows += self.table(stage, t, True)
            else:
                units = self.units_of(unit_type)
                results = self.stage_results(stage, units)
                reuse = self.carried.pop(("rows", *key[1:]), {})
                with young_collections_only():
                    rows = rank_units(
                        self.tree,
                        [
                            UnitInput(
                                u.unit,
                                results[u.pid],
                                LazyLeaves(u),
                                u.pid,
                                u.pid in self.unranked,
                            )
                            for u in units
                        ],
                        by_type=by_type,
                        reuse=reuse,
                    )
                self.derived[("rows", *key[1:])] = reuse
            self.derived[key] = rows
            return rows

    # -- node statistics (unit profiles) --

    def node_stats(self, stage: str, unit_type: str, code: str) -> NodeStats:
        """tables.node_stats(rows of the type, code), kept per code and carried over from the
        previous version for the units that did not change."""
        key = ("stats", stage, unit_type)
        with self.lock:
            index = self.derived.get(key)
            if index is None:
                rows = self.table(stage, unit_type)
                before = self._previous_stats(stage, unit_type)
                if not self.shared.paths:
                    self.shared.paths = _paths(self.tree)
                index = (
                    StatsIndex(self.shared.paths, rows) if before is None else before.moved(rows)
                )
                self.derived[key] = index
            return index.stats(code)

    def _previous_stats(self, stage: str, unit_type: str) -> StatsIndex | None:
        return self.carried.pop(("stats", stage, unit_type), None)

    def recovery(self) -> Recovery:
        """The organiser's recoverability setting (results/recovery.py), read once per
        version when the ledger is first needed (changing it bumps the results version:
        results.services.recoverability_set)."""
        found = self.derived.get(("recovery",))
        if found is None:
            found = self.derived[("recovery",)] = recovery_of(self.cycle_id)
        return found

    # -- ledger lines --

    def ledger_lines(
        self, stage: str, unit_type: str | None, pids: Iterable[int] | None = None
    ) -> list[LedgerEntry]:
        """The ledger lines (tables.ledger_entries, without lead agencies) at `stage` of the
        units (all of the type, or `pids`), by unit code, then code in natural order (what
        tables.filter_ledger(..., presorted=True) takes). Kept per unit and carried over
        from the previous version while the unit's result and rank stay the same."""
        rows = self.table(stage, unit_type)
        if pids is not None:
            wanted = set(pids)
            rows = [r for r in rows if r.participation_id in wanted]
        rows = sorted(rows, key=lambda r: r.unit.code)
        with self.lock:
            key = ("ledger", stage)
            cache: dict[int, tuple[UnitResult, int, list[LedgerEntry]]] | None
            cache = self.derived.get(key)
            if cache is None:
                # a unit's lines are kept while its result is the same object
                cache = self.derived[key] = self.carried.pop(key, {})
            out: list[LedgerEntry] = []
            for r in rows:
                pid = r.participation_id
                assert pid is not None
                known = cache.get(pid)
                if known is not None and known[0] is r.result and known[1] == r.rank:
                    out += known[2]
                    continue
                if known is not None and known[0] is r.result:
                    lines = [e._replace(unit_rank=r.rank) for e in known[2]]
                else:
                    lines = ledger_entries([r], recovery=self.recovery())
                    lines.sort(key=lambda e: (natural_code(e.code), e.code))
                cache[pid] = (r.result, r.rank, lines)
                out += lines
            return out

    def carry(self, keep: Callable[[int], bool]) -> dict[Any, Any]:
        """What the next version can start from: node statistics and ledger lines (of the
        units for which `keep` is true)."""
        out: dict[Any, Any] = {}
        for source in (self.carried, self.derived):
            for key, value in source.items():
                if isinstance(value, StatsIndex):
                    out[key] = value
                elif key[0] == "rows":  # rank_units' reuse: rows of units that stay
                    out[key] = {pid: v for pid, v in value.items() if keep(pid)}
        for stage in {k[1] for k in (*self.carried, *self.derived) if k[0] == "ledger"}:
            key = ("ledger", stage)
            lines = {**self.carried.get(key, {}), **self.derived.get(key, {})}
            out[key] = {pid: line for pid, line in lines.items() if keep(pid)}
        return out


# --- reading the database --------------------------------------------------------------------


def _raw_rows(qs: Any, columns: Sequence[str]) -> tuple[list[Any], list[Callable[..., Any]]]:
    """The rows of qs.values_list(*columns) as the database driver returns them, and per
    column the function Django would convert a raw value with (None: none needed). Reading
    through the query compiler keeps the SQL Django's (any database) without building a
    converted tuple per row; callers convert each distinct value once."""
    qs = qs.values_list(*columns).order_by()
    compiler = qs.query.get_compiler(using=qs.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=False, chunk_size=2000)
    rows: list[Any] = []
    for chunk in chunks or ():
        rows += chunk
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    converters = compiler.get_converters(fields)
    connection = compiler.connection
    out: list[Any] = []
    for pos in range(len(columns)):
        found = converters.get(pos)
        if not found:
            out.append(None)
            continue
        funcs, expression = found

        def convert(value: Any, funcs: Any = funcs, expression: Any = expression) -> Any:
            for f in funcs:
                value = f(value, expression, connection)
            return value

        out.append(convert)
    return rows, out


class _Converted(dict[Any, Any]):
    """raw value -> converted value (Django's converters), each distinct raw value converted
    once; use its __getitem__."""

    def __init__(self, convert: Callable[[Any], Any] | None) -> None:
        super().__init__()
        self.convert = convert
        self[None] = None

    def __missing__(self, raw: Any) -> Any:
        value = self.convert(raw) if self.convert is not None else raw
        self[raw] = value  # (1 and 1.0 are one key: both convert to the same Decimal)
        return value


_NO_TEXTS: Mapping[str, Texts] = {}


class _Texts:
    """The comments and explanations (mostly empty) of the entries read together, read with
    one query when a unit's leaf records are first needed (a ranking never needs them)."""

    def __init__(
        self, cycle_id: int, pids: frozenset[int], by_pid: bool, types: frozenset[str] | None
    ) -> None:
        self.where = (cycle_id, pids, by_pid, types)
        self.data: dict[int, dict[str, Texts]] | None = None
        self.lock = threading.Lock()

    def get(self, pid: int) -> Mapping[str, Texts]:
        if self.data is None:
            with self.lock:
                if self.data is None:
                    cycle_id, pids, by_pid, types = self.where
                    qs = _entries(cycle_id, pids, by_pid=by_pid, types=types).exclude(
                        r1_comment="",
                        r2_comment="",
                        explanation="",
                        ministry_comment="",
                        ministry_explanation="",
                    )
                    data: dict[int, dict[str, Texts]] = {}
                    raw, _convs = _raw_rows(qs, _TEXT_COLUMNS)
                    for p, code, *text in raw:
                        if p in pids:
                            data.setdefault(p, {})[code] = tuple(text)  # type: ignore[assignment]
                    self.data = data
        return self.data.get(pid, _NO_TEXTS)


def _entries(
    cycle_id: int, pids: frozenset[int], *, by_pid: bool, types: frozenset[str] | None
) -> Any:
    qs = Entry.objects.all()
    if by_pid:
        return qs.filter(participation_id__in=sorted(pids))
    qs = qs.filter(participation__cycle_id=cycle_id)
    if types is not None:
        qs = qs.filter(participation__unit__type__in=sorted(types))
    return qs


def _read_units(
    cycle_id: int,
    shared: Shared,
    parts: Sequence[tuple[int, int, str, str, str]],
    *,
    by_pid: bool,
    types: frozenset[str] | None,
) -> dict[int, UnitData]:
    """UnitData of the participations `parts` (pid, version, code, name, type), their
    entries read with one query (restricted to those pids when `by_pid`, else to the cycle
    and `types`); the texts that are not empty with another one, when first needed."""
    wanted = {p[0]: p for p in parts}
    qs = _entries(cycle_id, frozenset(wanted), by_pid=by_pid, types=types)
    raw, convs = _raw_rows(qs, _ROW_COLUMNS)
    counters.entries_read += len(raw)
    if shared.decimal is None:
        shared.decimal = _Converted(convs[2]).__getitem__
    grouped: dict[int, list[Row]] = {pid: [] for pid in wanted}
    for row in raw:
        lst = grouped.get(row[8])
        if lst is not None:
            lst.append(row)
    del raw
    texts = _Texts(cycle_id, frozenset(wanted), by_pid, types)
    out = {}
    for pid, (_pid, version, code, name, kind) in wanted.items():
        out[pid] = UnitData(
            pid,
            version,
            Unit(code, name, kind),
            tuple(grouped[pid]),
            texts,
            shared.decimal,
        )
    return out


def _participations(
    cycle_id: int, types: frozenset[str] | None
) -> tuple[list[tuple[int, int, str, str, str]], int | None]:
    """(pid, version, unit code, name, type) of the cycle's participations (of `types`) and
    the cycle's results version, read in the same query."""
    qs = Participation.objects.filter(cycle_id=cycle_id)
    if types is not None:
        qs = qs.filter(unit__type__in=sorted(types))
    rows = list(
        qs.order_by("pk").values_list(
            "pk",
            "results_version",
            "unit__code",
            "unit__name",
            "unit__type",
            "cycle__results_version",
        )
    )
    version = rows[0][5] if rows else None
    return [r[:5] for r in rows], version


# --- the process's snapshots ------------------------------------------------------------------

_live: OrderedDict[int, Snapshot] = OrderedDict()
_live_lock = threading.Lock()
_cycle_locks: dict[int, threading.Lock] = {}
_local = threading.local()


def clear() -> None:
    """Forget every snapshot of this process (tests)."""
    with _live_lock:
        _live.clear()


def current_version(cycle_id: int) -> int:
    """The cycle's results version, read now (one indexed query)."""
    found = Cycle.objects.filter(pk=cycle_id).values_list("results_version", flat=True).first()
    if found is None:
        raise Cycle.DoesNotExist
    return found


@contextmanager
def computing() -> Iterator[None]:
    """Around a whole read of results (selectors): the cyclic collector's full passes held
    back throughout (parindex.core.young_collections_only), and, when a large snapshot was
    read meanwhile, gc.freeze() at the end so that later full passes skip its objects. Before
    reading a large snapshot, one full collection of what the process holds (outside the
    frozen objects), so that no garbage gets frozen with it. Nestable, per thread."""
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    if depth == 0:
        _local.freeze = False
    try:
        with young_collections_only():
            yield
            if depth == 0 and _local.freeze:
                gc.collect(1)  # the young garbage of the computation itself
                gc.freeze()
                counters.freezes += 1
    finally:
        _local.depth = depth
        if depth == 0:
            _local.freeze = False


def _large(n_units: int, tree: Methodology) -> None:
    """About to read and compute `n_units` units: when that is large and a `computing()` is
    around, collect now and freeze at its end."""
    if n_units * max(1, len(tree.leaves)) < FREEZE_MIN_ENTRIES or not getattr(_local, "depth", 0):
        return
    if not _local.freeze:
        gc.collect()
        _local.freeze = True


def snapshot(cycle: Cycle, unit_type: str | None = None) -> Snapshot:
    """The cycle's snapshot at its current results version, with the units of `unit_type`
    (None: all) read; found, refreshed or read whole (see the module docstring)."""
    types = None if unit_type is None else frozenset((unit_type,))

    def fits(snap: Snapshot | None, version: int) -> bool:
        return (
            snap is not None
            and snap.methodology_id == cycle.methodology_id
            and snap.covers(types)
            and snap.version == version
            and time.monotonic() - snap.made_at < REVALIDATE_SECONDS
        )

    snap = _live.get(cycle.pk)
    version = None
    if snap is not None:
        version = current_version(cycle.pk)
        if fits(snap, version):
            _touch(cycle.pk)
            return snap
    with _live_lock:
        lock = _cycle_locks.setdefault(cycle.pk, threading.Lock())
    with lock:  # one computation per cycle and process; the others wait for it
        found = _live.get(cycle.pk)
        if found is None or found.methodology_id != cycle.methodology_id:
            new = _loaded(cycle, types)  # reads the version with the participations
        else:
            if found is not snap or version is None:
                version = current_version(cycle.pk)
            if fits(found, version):
                return found
            if found.version <= version:
                want = None if found.types is None or types is None else found.types | types
                new = _refreshed(found, want, version)
            else:  # the version went back (a database restored): read it again
                new = _loaded(cycle, types)
        _publish(new)
        return new


def _touch(cycle_id: int) -> None:
    with _live_lock:
        if cycle_id in _live:
            _live.move_to_end(cycle_id)


def _publish(snap: Snapshot) -> None:
    with _live_lock:
        _live[snap.cycle_id] = snap
        _live.move_to_end(snap.cycle_id)
        total = sum(s.size for s in _live.values())
        while total > LIVE_MAX_UNITS and len(_live) > 1:
            _k, dropped = _live.popitem(last=False)
            total -= dropped.size


def _loaded(cycle: Cycle, types: frozenset[str] | None) -> Snapshot:
    """A snapshot read whole (the units of `types`)."""
    counters.loads += 1
    tree = cycle.methodology.tree
    with young_collections_only():
        shared = Shared()
        parts, version = _participations(cycle.pk, types)
        if version is None:
            version = current_version(cycle.pk)
        _large(len(parts), tree)
        units = _read_units(cycle.pk, shared, parts, by_pid=False, types=types)
    return Snapshot(
        cycle_id=cycle.pk,
        methodology_id=cycle.methodology_id,
        tree=tree,
        version=version,
        types=types,
        units=units,
        shared=shared,
        unranked=_unranked(cycle.pk, tree),
    )


def _unranked(cycle_id: int, tree: Methodology) -> frozenset[int]:
    """The participations recorded "không nộp", unless the methodology scores them 0
    (one query per results version)."""
    if tree.not_submitted == "zero":
        return frozenset()
    return frozenset(
        Participation.objects.filter(cycle_id=cycle_id, not_submitted=True).values_list(
            "pk", flat=True
        )
    )


def recovery_of(cycle_id: int) -> Recovery:
    """The organiser's recoverability setting of a cycle (one query)."""
    from .models import Recoverability

    methods: set[str] = set()
    items: list[tuple[str, bool]] = []
    rows = Recoverability.objects.filter(cycle_id=cycle_id).order_by("code", "method")
    for method, code, recoverable in rows.values_list("method", "code", "recoverable"):
        if method and recoverable:
            methods.add(method)
        elif code:
            items.append((code, recoverable))
    if not methods and not items:
        return DEFAULT
    return Recovery(frozenset(methods), tuple(items))


def _refreshed(old: Snapshot, types: frozenset[str] | None, version: int) -> Snapshot:
    """A new snapshot from `old`: the units whose participation changed since old.version
    (or that were added, renamed, retyped, or are of a type not read yet) read again, the
    others kept with their results; node statistics and ledger lines carried over.

    Usually only the participations stamped since old.version are read, with a count that
    says none was added or removed; every participation is checked (renamed or retyped
    units too) when types are added, and every REVALIDATE_SECONDS."""
    counters.refreshes += 1
    made_at = time.monotonic()
    with young_collections_only():
        parts: list[tuple[int, int, str, str, str]] | None = None
        if types == old.types and made_at - old.made_at < REVALIDATE_SECONDS:
            qs = Participation.objects.filter(cycle_id=old.cycle_id)
            if types is not None:
                qs = qs.filter(unit__type__in=sorted(types))
            seen = qs.aggregate(n=Count("pk"), top=Max("pk"))
            if seen["n"] == len(old.units) and seen["top"] == max(old.units, default=None):
                changed = list(
                    qs.filter(results_version__gt=old.version).values_list(
                        "pk", "results_version", "unit__code", "unit__name", "unit__type"
                    )
                )
                units = dict(old.units)
                made_at = old.made_at  # the last full check
                parts = changed
        if parts is None:
            parts, _v = _participations(old.cycle_id, types)
            changed = []
            for part in parts:
                pid, p_version, code, name, kind = part
                known = old.units.get(pid)
                if (
                    known is None
                    or p_version > old.version
                    or known.version != p_version
                    or known.unit != Unit(code, name, kind)
                ):
                    changed.append(part)
            units = {p[0]: old.units[p[0]] for p in parts if p[0] in old.units}
        if changed:
            _large(len(changed), old.tree)
            by_pid = len(changed) <= REFRESH_IN_QUERY_MAX
            read_types = frozenset(p[4] for p in changed)
            units.update(
                _read_units(old.cycle_id, old.shared, changed, by_pid=by_pid, types=read_types)
            )
        fresh = {p[0] for p in changed}
        results = {
            stage: {pid: r for pid, r in known.items() if pid in units and pid not in fresh}
            for stage, known in old.results.items()
        }
    return Snapshot(
        cycle_id=old.cycle_id,
        methodology_id=old.methodology_id,
        tree=old.tree,
        version=version,
        types=types,
        units=units,
        shared=old.shared,
        results=results,
        carried=old.carry(lambda pid: pid in units and pid not in fresh),
        made_at=made_at,
        unranked=_unranked(old.cycle_id, old.tree),
    )
