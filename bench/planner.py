"""Target planner benchmark: the engine of issue 10 on a national-size workload.

    uv run python bench/planner.py [--repeat 3] [--seed 2025] [--draws 10000]

Workload (synthetic, labelled so; no figure here is an official result):
  - the 34 provinces scored by the engine on the shipped example methodology
    `example-province-internal` (90 sub-criteria, values drawn per rule kind as in
    bench_compute.py; provinces scored as departments, so 84 of them apply);
  - history: 10 index years, 2016-2025: the 63 provinces before 01/07/2025 for 2016-2024
    (each drifting towards its successor's score) and the 34 after for 2025 (their engine
    index): 567 + 34 = 601 published rows, carried onto the 34 provinces with the `mean`
    pro forma rule;
  - 10,000 Monte Carlo draws (--draws) for the target and the forecast;
  - the exact optimiser (HiGHS) over 90 tasks, one per sub-criterion (points a random
    quarter to all of its maximum, effort 1 to 30 days).

Measured, best of --repeat (CPU time, `process_time`; wall time beside it), each also as a
ratio to ONE engine computation of the same unit (`compute_unit` on the 90-leaf
methodology, best of 200 calls):
  1. build_history (pro forma, changes);
  2. target(): last year's threshold, simulate (10,000 draws x 33 competitors), the
     probability for an index and the index needed for 50 %;
  3. cheapest_to_reach over 90 tasks, and most_points_within a budget;
  4. one what-if (a keystroke): a sub-criterion changed, index, band, rank, probability;
  5. forecast: 90 tasks, 10,000 draws, ranked against the competitors' draws;
  6. rank_intervals for the 34 provinces (2,000 draws, survey error and weights).
Target (the issue): the whole planner under 2 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bench_compute import value_for  # same folder: values drawn per rule kind

from parindex.core import Unit, compute_unit, parse_value, q4
from parindex.core.model import SURVEY
from parindex.files.methodology import shipped_methodology
from parindex.planner import (
    Change,
    Item,
    MonteCarlo,
    PublishedResult,
    Sampling,
    Standing,
    Task,
    build_history,
    cheapest_to_reach,
    forecast,
    most_points_within,
    points_needed,
    rank_intervals,
    target,
    unit_scores,
    what_if,
)
from parindex.planner.forecast import DONE, IN_PROGRESS, NOT_STARTED, OVERDUE
from parindex.results.lineage import lineage

METHODOLOGY = "example-province-internal"
PROVINCE = "Lào Cai"
YEARS = range(2016, 2026)
K = 10


def timed(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(best CPU seconds, best wall seconds, last result)."""
    cpu = wall = float("inf")
    result = None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        result = fn()
        cpu = min(cpu, time.process_time() - c)
        wall = min(wall, time.perf_counter() - w)
    return cpu, wall, result


def synthetic_history(rng: random.Random, last: dict[str, Decimal]) -> list[PublishedResult]:
    """Published-looking rows: each former province drifts from its own level towards its
    successor's 2025 index `last` (the engine's)."""
    rows = []
    lin = lineage()
    successor = {p: prov.name for prov in lin.provinces for p in prov.predecessors}
    level = {p: float(last[successor[p]]) - 6 + rng.uniform(-4, 4) for p in lin.before_2025}
    for year in YEARS:
        if year < 2025:
            for p in lin.before_2025:
                level[p] = min(99.0, max(50.0, level[p] + rng.gauss(0.6, 2.2)))
                rows.append(PublishedResult(year, p, Decimal(f"{level[p]:.2f}")))
        else:
            rows += [PublishedResult(year, prov.name, last[prov.name]) for prov in lin.provinces]
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--draws", type=int, default=10_000)
    args = p.parse_args(argv)
    rng = random.Random(args.seed)

    m = shipped_methodology(METHODOLOGY)
    provinces = [prov.name for prov in lineage().provinces]
    inputs = {}
    for name in provinces:
        values = {}
        for leaf in m.leaves:
            if leaf.applies("department"):
                assert leaf.rule is not None
                values[leaf.code] = parse_value(value_for(rng, leaf), leaf.rule.expects)
        inputs[name] = values
    units = {name: Unit(name, name, "department") for name in provinces}

    # the reference: one engine computation of the planning unit
    calls = 200
    engine = float("inf")
    for _ in range(calls):
        c = time.process_time()
        compute_unit(m, units[PROVINCE], inputs[PROVINCE])
        engine = min(engine, time.process_time() - c)
    result = compute_unit(m, units[PROVINCE], inputs[PROVINCE])
    results = {n: compute_unit(m, units[n], inputs[n]) for n in provinces}
    rows = synthetic_history(rng, {n: r.index for n, r in results.items()})

    print(f"parindex target planner benchmark — {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s); SYNTHETIC data (not official results)"
    )
    print(
        f"History: {len(rows)} published rows, {YEARS.start}-{YEARS.stop - 1}; methodology "
        f"{m.code}: {len(m.leaves)} sub-criteria; {args.draws:,} draws; best of {args.repeat}"
    )
    print(f"Reference: compute_unit of one unit = {engine * 1e3:.3f} ms (best of {calls})\n")

    figures: list[tuple[str, float, float]] = []

    def step(label: str, fn: Callable[[], Any]) -> Any:
        cpu, wall, out = timed(args.repeat, fn)
        figures.append((label, cpu, wall))
        return out

    history = step("1. build_history (mean rule)", lambda: build_history(rows))
    settings = MonteCarlo(draws=args.draws, seed=args.seed)
    answer = step(
        "2. target: threshold, 10k-draw simulation, P, index for 50 %",
        lambda: target(history, PROVINCE, K, index=result.index, settings=settings),
    )
    leaves = list(m.leaves)
    items = [
        Item(
            leaf.code,
            Decimal(rng.randint(1, 4)) * leaf.max_points / 4,
            Decimal(rng.randint(1, 30)),
        )
        for leaf in leaves
    ]
    total_points = sum((i.points for i in items), Decimal(0))
    needed = min(
        points_needed(result.points, result.max_points, min(answer.needed.index, Decimal(99))),
        total_points * Decimal("0.4"),
    )
    needed = q4(max(needed, total_points * Decimal("0.2")))
    cheapest = step(
        f"3a. cheapest_to_reach, {len(items)} tasks", lambda: cheapest_to_reach(items, needed)
    )
    budget = sum((i.cost for i in items), Decimal(0)) / 3
    most = step(
        f"3b. most_points_within, {len(items)} tasks", lambda: most_points_within(items, budget)
    )
    competitors = [r.index for n, r in results.items() if n != PROVINCE]
    standing = Standing(tuple(competitors), answer.simulation, K)
    change = [Change(leaves[5].code, leaves[5].max_points)]
    step("4. what_if (one keystroke)", lambda: what_if(m, result, change, standing))
    c = time.process_time()
    for _ in range(1_000):
        what_if(m, result, change, standing)
    keystroke = (time.process_time() - c) / 1_000
    statuses = (NOT_STARTED, IN_PROGRESS, DONE, OVERDUE)
    tasks = [
        Task(i.id, i.points, statuses[n % 4], Decimal(rng.randint(0, 10)) / 10, code=i.id)
        for n, i in enumerate(items)
    ]
    fc = step(
        f"5. forecast, {len(tasks)} tasks, vs competitors",
        lambda: forecast(m, result, tasks, competitors=answer.simulation, k=K, seed=args.seed),
    )
    se = {leaf.code: Decimal("0.05") for leaf in leaves if leaf.method == SURVEY}
    scores = [unit_scores(results[n], se) for n in provinces]
    sampling = Sampling(seed=args.seed, weight_spread=Decimal("0.1"))
    rob = step("6. rank_intervals, 34 units", lambda: rank_intervals(scores, sampling))

    width = max(len(label) for label, _, _ in figures)
    print(f"  {'':<{width}}  {'CPU':>9}     {'wall':>9}    × engine")
    for label, cpu, wall in figures:
        print(
            f"  {label:<{width}}  {cpu * 1e3:9.1f} ms  {wall * 1e3:9.1f} ms  {cpu / engine:9.0f}×"
        )
    total_cpu = sum(c for _, c, _ in figures)
    total_wall = sum(w for _, _, w in figures)
    print(
        f"  {'total':<{width}}  {total_cpu * 1e3:9.1f} ms  {total_wall * 1e3:9.1f} ms  "
        f"{total_cpu / engine:9.0f}×"
    )

    print(
        f"\n  {PROVINCE}: index {result.index}; rank {K} last year took "
        f"{answer.last_year.index}; P(rank <= {K}) with {result.index} = "
        f"{answer.chance.probability if answer.chance else '-'}; index for 50 %: "
        f"{answer.needed.index}"
    )
    print(
        f"  optimiser: needed {needed} points -> {len(cheapest.chosen)} tasks, cost "
        f"{cheapest.cost}; budget {budget:.2f} -> {most.points} points"
    )
    print(
        f"  forecast: expected {fc.expected} [{fc.low}; {fc.high}], "
        f"rank {fc.rank_low}-{fc.rank_high}"
    )
    print(f"  what_if: {keystroke * 1e3:.3f} ms per keystroke (mean of 1,000)")
    mine = next(u for u in rob.units if u.code == PROVINCE)
    print(f"  robustness: {mine.text}")
    ok = total_cpu < 2.0
    print(f"\n  target: whole planner < 2 s: {'met' if ok else 'NOT met'} ({total_cpu:.2f} s CPU)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
