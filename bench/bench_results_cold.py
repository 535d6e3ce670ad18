"""Results pages when cold, after a change and warm, beside the engine's own time.

    uv run python bench/bench_results_cold.py [--data DIR] [--repeat 3] [--requests 40]
        [--profile]

The national cycle of bench_ranking_page.py (4,055 units: 734 departments incl. the 34
provinces scored as departments, 3,321 communes; 344,565 entries; final) in a file SQLite
database (WAL) under a temporary PARINDEX_DATA_DIR, or DIR (built there once, then reused:
building takes a minute or two). Everything runs in this process, through Django's test
client (the whole view: session, permissions, selectors, template), as the organiser's
manager, DEBUG off, with the default per-process cache (LocMemCache) unless CACHE_URL says
otherwise. Measured, wall and CPU time (process_time: the figure to trust on a shared
machine):

1. the engine alone, best of --repeat: compute_unit for the 3,321 communes at the final
   stage with one memo and shared input values (as compute_all), inputs already parsed;
2. the cold ranking of the communes, best of --repeat (per run: every cache emptied, one
   full garbage collection, then the page): the selector (cycle_ranking) and the whole page;
   full collections of the cyclic garbage collector counted during it;
3. after one entry change (an entry's final points written and
   parindex.assessment.services.results_changed, as every write path does), the first
   request of: the communes' ranking page, a commune's profile page, the ledger page linked
   from the profile (?unit=CODE), the whole ledger's first page; each after its own change;
4. warm: --requests requests each of a commune's profile page, the ledger from the profile
   and the whole ledger (p50, p95, max);
5. the process's memory (RSS now and peak).

Targets (issue 8): cold communes' ranking <= 2 x the engine time for them; any results page
after a single entry change < 300 ms; unit profile and ledger p95 < 200 ms warm. The
verdicts use CPU time when the machine is loaded (load average above the CPU count), wall
time otherwise. Exit status 0 when every target is met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import bench_ranking_page as ranking_bench  # noqa: E402

TARGET_COLD_RATIO = 2.0
TARGET_AFTER_CHANGE_MS = 300.0
TARGET_WARM_P95_MS = 200.0


@dataclass
class Timing:
    wall: float  # seconds
    cpu: float

    def ms(self, cpu: bool) -> float:
        return (self.cpu if cpu else self.wall) * 1000


def timed(fn: Callable[[], Any]) -> tuple[Timing, Any]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return Timing(time.perf_counter() - t, time.process_time() - c), out


class FullPasses:
    """Counts the cyclic collector's full (generation 2) passes and their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._t = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._t = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._t

    def __enter__(self) -> FullPasses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        gc.callbacks.remove(self)


def rss_mb() -> tuple[float, float]:
    """(RSS now, peak RSS) in MB."""
    now = 0.0
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        pass
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine_alone(cycle_pk: int, unit_type: str, repeat: int) -> tuple[Timing, int]:
    """compute_unit for every unit of the type at the final stage, one memo, shared values
    (what compute_all does), inputs read and parsed beforehand (not timed)."""
    from parindex.assessment.models import Cycle, Entry, Participation
    from parindex.assessment.services import entry_row, stage_inputs_of_rows
    from parindex.core import Unit, compute_unit, young_collections_only

    cycle = Cycle.objects.select_related("methodology").get(pk=cycle_pk)
    tree = cycle.methodology.tree
    parts = {
        p.pk: Unit(p.unit.code, p.unit.name, p.unit.type)
        for p in Participation.objects.filter(cycle=cycle, unit__type=unit_type).select_related(
            "unit"
        )
    }
    rows: dict[int, list[Any]] = {pid: [] for pid in parts}
    for e in Entry.objects.filter(participation_id__in=list(parts)).iterator(chunk_size=20000):
        rows[e.participation_id].append(entry_row(e))
    parsed: dict[Any, Any] = {}
    inputs = {pid: stage_inputs_of_rows(tree, "final", rows[pid], parsed) for pid in parts}
    del rows
    best: Timing | None = None
    for _ in range(repeat):
        gc.collect()

        def run() -> int:
            memo: dict[Any, Any] = {}
            with young_collections_only():
                out = [
                    compute_unit(tree, parts[pid], values, overrides, memo=memo)
                    for pid, (values, overrides) in inputs.items()
                ]
            return len(out)

        t, _n = timed(run)
        best = t if best is None or t.cpu < best.cpu else best
    assert best is not None
    return best, len(parts)


def clear_all() -> None:
    from django.core.cache import caches

    from parindex.results import selectors as rsel

    caches["default"].clear()
    rsel.ranking_cache_clear()
    gc.collect()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, help="data folder to build into and reuse")
    p.add_argument("--repeat", type=int, default=3, help="runs of the cold measures")
    p.add_argument("--requests", type=int, default=40, help="warm requests per page")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--profile", action="store_true", help="cProfile one cold ranking")
    args = p.parse_args(argv)
    args.repeat = max(1, min(args.repeat, 10))
    args.requests = max(5, min(args.requests, 500))
    if args.data:
        tmp = args.data.resolve()
        tmp.mkdir(parents=True, exist_ok=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="parindex-bench-results-"))
    try:
        ranking_bench.setup_django(tmp)
        return run(args, tmp)
    finally:
        if not args.data:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> int:
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from parindex.assessment.models import Cycle, Entry, Participation
    from parindex.assessment.services import results_changed
    from parindex.results import computation
    from parindex.results import profile as rprof
    from parindex.results import selectors as rsel

    print(f"parindex results, cold and warm — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; cache backend "
        f"{settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    t = time.perf_counter()
    saved = tmp / "world.json"
    if saved.exists():
        world = ranking_bench.World(**json.loads(saved.read_text("utf-8")))
        verb = "reused"
    else:
        world = ranking_bench.build(args.seed)
        saved.write_text(json.dumps(world.__dict__), "utf-8")
        verb = "built"
    print(
        f"Database {verb} in {time.perf_counter() - t:.1f} s: "
        f"{sum(world.units.values()):,} units ({world.units}), {world.entries:,} entries"
    )
    cycle_pk = world.cycle_pk
    client = Client()
    client.force_login(User.objects.get(username="bench-manager"))
    ranking_url = reverse("results_ranking", args=[cycle_pk]) + "?stage=final&type=commune"
    commune = (
        Participation.objects.filter(cycle_id=cycle_pk, unit__type="commune")
        .select_related("unit")
        .order_by("unit__code")[1000]
    )
    profile_url = reverse("results_unit", args=[commune.pk])
    ledger_unit_url = reverse("results_ledger", args=[cycle_pk]) + f"?unit={commune.unit.code}"
    ledger_url = reverse("results_ledger", args=[cycle_pk])

    def get(url: str) -> tuple[Timing, int]:
        t, response = timed(lambda: client.get(url))
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return t, len(response.content)

    # 1. the engine alone
    engine, n_communes = engine_alone(cycle_pk, "commune", args.repeat)
    print(
        f"\n1. engine alone, {n_communes:,} communes at the final stage (best of "
        f"{args.repeat}): {engine.wall * 1000:,.0f} ms wall, {engine.cpu * 1000:,.0f} ms CPU"
    )

    # 2. cold
    def fresh_cycle() -> Cycle:
        return Cycle.objects.select_related("methodology", "organiser").get(pk=cycle_pk)

    client.get(reverse("home"))  # middleware, URL resolver, templates: not measured
    fresh_cycle().methodology.tree  # noqa: B018 - the parsed methodology is kept per version
    cold_sel: list[Timing] = []
    cold_page: list[Timing] = []
    passes: list[tuple[int, float]] = []
    computed = 0
    for _ in range(args.repeat):
        clear_all()
        computation.counters.reset()
        with FullPasses() as fp:
            cold, _table = timed(
                lambda: rsel.cycle_ranking(fresh_cycle(), "final", unit_type="commune")
            )
        cold_sel.append(cold)
        passes.append((fp.count, fp.seconds))
        computed = computation.counters.units_computed
        clear_all()
        with FullPasses() as fp:
            cold, size = get(ranking_url)
        cold_page.append(cold)
    best_sel = min(cold_sel, key=lambda x: x.cpu)
    best_page = min(cold_page, key=lambda x: x.cpu)
    print(
        f"2. cold ranking of the communes (best of {args.repeat}; every cache emptied):\n"
        f"   selector cycle_ranking: {best_sel.wall * 1000:,.0f} ms wall, "
        f"{best_sel.cpu * 1000:,.0f} ms CPU = {best_sel.cpu / engine.cpu:.2f} x the engine (CPU), "
        f"{best_sel.wall / engine.wall:.2f} x (wall)\n"
        f"   whole page: {best_page.wall * 1000:,.0f} ms wall, {best_page.cpu * 1000:,.0f} ms "
        f"CPU = {best_page.cpu / engine.cpu:.2f} x the engine (CPU), "
        f"{best_page.wall / engine.wall:.2f} x (wall); {size / 1024:,.0f} KiB\n"
        f"   full garbage collections during the selector: "
        + ", ".join(f"{n} ({s * 1000:,.0f} ms)" for n, s in passes)
        + f"; units computed by the engine: {computed:,}"
    )
    if args.profile:
        import cProfile
        import pstats

        clear_all()
        prof = cProfile.Profile()
        prof.enable()
        rsel.cycle_ranking(fresh_cycle(), "final", unit_type="commune")
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)

    # warm everything the next steps read (as a server would have after a while)
    for url in (ranking_url, profile_url, ledger_unit_url, ledger_url):
        get(url)

    # 3. after a single entry change
    from parindex.results.tables import LedgerFilter

    entry = Entry.objects.filter(participation=commune, final_points__gt=0).order_by("code").first()
    assert entry is not None
    original = entry.final_points

    def change() -> None:
        current = Entry.objects.values_list("final_points", flat=True).get(pk=entry.pk)
        new = original if current != original else (original or Decimal(0)) / 2
        Entry.objects.filter(pk=entry.pk).update(final_points=new)
        results_changed(cycle_pk, [commune.pk])

    def the_commune() -> Participation:
        p = Participation.objects.select_related("unit").get(pk=commune.pk)
        p.cycle = fresh_cycle()
        return p

    code = commune.unit.code
    targets: list[tuple[str, str, Callable[[], Any]]] = [
        (
            "ranking of the communes",
            ranking_url,
            lambda: rsel.cycle_ranking(fresh_cycle(), "final", unit_type="commune"),
        ),
        ("profile of a commune", profile_url, lambda: rprof.unit_profile(the_commune(), "final")),
        (
            "ledger from the profile (?unit=)",
            ledger_unit_url,
            lambda: rsel.lost_points_ledger(fresh_cycle(), LedgerFilter(units=frozenset({code}))),
        ),
        (
            "whole ledger, first page",
            ledger_url,
            lambda: rsel.lost_points_ledger(fresh_cycle(), LedgerFilter()),
        ),
    ]
    after: list[tuple[str, Timing, int, Timing, int]] = []
    for name, url, selector in targets:
        change()
        computation.counters.reset()
        t_page, _size = get(url)
        n_page = computation.counters.units_computed
        change()
        computation.counters.reset()
        t_sel, _out = timed(selector)
        after.append((name, t_page, n_page, t_sel, computation.counters.units_computed))
    Entry.objects.filter(pk=entry.pk).update(final_points=original)
    results_changed(cycle_pk, [commune.pk])
    print(
        "3. first request after one entry change, ms wall (CPU); engine units computed again:\n"
        "   | page | whole page | units | its selector | units |\n"
        "   |---|---:|---:|---:|---:|"
    )
    for name, tp, n_p, ts, n_s in after:
        print(
            f"   | {name} | {tp.wall * 1000:,.0f} ({tp.cpu * 1000:,.0f}) | {n_p} | "
            f"{ts.wall * 1000:,.0f} ({ts.cpu * 1000:,.0f}) | {n_s} |"
        )

    # 4. warm
    for _name, url, selector in targets:
        get(url)
        selector()
    warm: list[tuple[str, list[Timing], list[Timing]]] = []
    for name, url, selector in targets:
        pages = [get(url)[0] for _ in range(args.requests)]
        selectors = [timed(selector)[0] for _ in range(args.requests)]
        warm.append((name, pages, selectors))
    print(f"4. warm, {args.requests} requests each, ms wall (CPU):")
    print("   | page | p50 | p95 | max | its selector: p50 | p95 |")
    print("   |---|---:|---:|---:|---:|---:|")
    for name, pages, selectors in warm:
        w = sorted(x.wall * 1000 for x in pages)
        c = sorted(x.cpu * 1000 for x in pages)
        sw = sorted(x.wall * 1000 for x in selectors)
        sc = sorted(x.cpu * 1000 for x in selectors)
        print(
            f"   | {name} | {statistics.median(w):.1f} ({statistics.median(c):.1f}) | "
            f"{_p95(w):.1f} ({_p95(c):.1f}) | {w[-1]:.1f} ({c[-1]:.1f}) | "
            f"{statistics.median(sw):.1f} ({statistics.median(sc):.1f}) | "
            f"{_p95(sw):.1f} ({_p95(sc):.1f}) |"
        )
    now, peak = rss_mb()
    print(f"5. memory: RSS now {now:,.0f} MB, peak {peak:,.0f} MB")

    # verdicts
    loaded = os.getloadavg()[0] > (os.cpu_count() or 1)
    use_cpu = loaded
    basis = "CPU time (the machine is loaded)" if use_cpu else "wall time"
    ratio = best_page.cpu / engine.cpu if use_cpu else best_page.wall / engine.wall
    worst_after = max(t.ms(use_cpu) for _n, t, _u, _s, _v in after)
    worst_after_sel = max(t.ms(use_cpu) for _n, _p, _u, t, _v in after)
    warm_pages = [
        _p95(sorted(x.ms(use_cpu) for x in pages))
        for name, pages, _s in warm
        if not name.startswith("ranking")
    ]
    warm_selectors = [
        _p95(sorted(x.ms(use_cpu) for x in selectors))
        for name, _p, selectors in warm
        if not name.startswith("ranking")
    ]
    ok = [
        ratio <= TARGET_COLD_RATIO,
        worst_after < TARGET_AFTER_CHANGE_MS,
        max(warm_pages) < TARGET_WARM_P95_MS,
    ]
    ok_sel = [
        worst_after_sel < TARGET_AFTER_CHANGE_MS,
        max(warm_selectors) < TARGET_WARM_P95_MS,
    ]
    verdict = {True: "met", False: "MISSED"}
    print(f"\nVerdicts on {basis}, load average now {os.getloadavg()[0]:.1f}:")
    print(
        f"  cold communes' ranking page / engine = {ratio:.2f} (target <= "
        f"{TARGET_COLD_RATIO}): {verdict[ok[0]]}"
    )
    print(
        f"  worst first request after one change (target < {TARGET_AFTER_CHANGE_MS:.0f} ms): "
        f"pages {worst_after:,.0f} ms {verdict[ok[1]]}; their selectors "
        f"{worst_after_sel:,.0f} ms {verdict[ok_sel[0]]}"
    )
    print(
        f"  worst warm p95 of the profile and the ledgers (target < {TARGET_WARM_P95_MS:.0f} "
        f"ms): pages {max(warm_pages):,.1f} ms {verdict[ok[2]]}; their selectors "
        f"{max(warm_selectors):,.1f} ms {verdict[ok_sel[1]]}"
    )
    ok += ok_sel
    return 0 if all(ok) else 1


def _p95(sorted_values: list[float]) -> float:
    return ranking_bench.percentile(sorted_values, 95)


if __name__ == "__main__":
    sys.exit(main())
