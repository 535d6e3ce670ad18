"""Engine benchmark: a synthetic national workload through read_scores, compute_all, ranking.

    uv run python bench/bench_compute.py [--repeat 3] [--seed 2025] [--profile]

Workload: 34 provinces, 3,321 communes and 700 departments (4,055 units) scored against the
shipped example methodology `example-province-internal` (90 leaves, every rule kind). That
methodology is written for departments and communes, so provinces are scored as departments.
Values are drawn per rule kind with a fixed seed; about 2 % of the rows are "không phát sinh"
(only where the leaf's policy allows it) and about 1 % of the applicable leaves have no row.

Measured side by side, best of --repeat runs:
  1. reading the CSV with the csv module only (the floor any reader pays);
  2. parindex.files.scores.read_scores (parse and validate every value);
  3. compute_all + rank_results;
  4. peak memory of compute_all + rank_results (tracemalloc, in a separate run).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import os
import platform
import pstats
import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from parindex.core import Methodology, Node, compute_all
from parindex.core.model import NOT_ALLOWED
from parindex.files.methodology import shipped_methodology
from parindex.files.results import rank_results
from parindex.files.scores import read_scores

METHODOLOGY = "example-province-internal"
UNIT_COUNTS = {"province": 34, "commune": 3321, "department": 700}
SCORED_AS = {"province": "department"}  # the methodology has department and commune leaves
NA_RATE = 0.02
MISSING_RATE = 0.01
ADJUSTMENT_RATE = 0.3


def _num(rng: random.Random, value: float, places: int = 2) -> str:
    """A number as officials type it: a decimal comma half of the time."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if rng.random() < 0.5 else text


def value_for(rng: random.Random, leaf: Node) -> str:
    """A realistic valid input for the leaf's rule."""
    rule = leaf.rule
    assert rule is not None
    mx = float(leaf.max_points)
    kind = rule.kind
    if kind == "manual":
        step = rule.step if rule.step > 0 else Decimal("0.25")
        steps = int(leaf.max_points / step)
        k = min(steps, max(0, round(rng.triangular(0, steps, steps * 0.85))))
        return str(step * k)
    if kind == "yes_no":
        return rng.choices(["có", "không", "yes", "đạt"], [60, 15, 20, 5])[0]
    if kind == "timeliness":
        return rng.choices(["đúng hạn", "chậm", "không thực hiện", "on-time"], [70, 18, 4, 8])[0]
    if kind == "thresholds":
        if rule.over == "percent":
            return _num(rng, 100.0 if rng.random() < 0.4 else rng.triangular(60, 100, 98))
        return str(rng.choices(range(8), [30, 25, 15, 10, 8, 6, 4, 2])[0])
    if kind == "proportional":
        return _num(rng, rng.triangular(0.6, 1.1, 1.0) * float(rule.full_at))
    if kind == "survey":
        return _num(rng, min(100.0, max(0.0, rng.gauss(82, 7))), 4)
    if kind == "bonus":
        if rule.per_unit is not None:
            return str(rng.choices(range(4), [60, 25, 10, 5])[0])
        return _num(rng, rng.uniform(0, mx))
    if kind == "deduction":
        return str(rng.choices(range(5), [70, 15, 8, 5, 2])[0])
    raise ValueError(kind)


def write_workload(m: Methodology, path: Path, seed: int) -> tuple[int, int, int]:
    """Write the tidy CSV; return (rows, units, NA rows)."""
    rng = random.Random(seed)
    rows = na = 0
    n_units = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["unit", "code", "value", "unit_type"])
        for kind, count in UNIT_COUNTS.items():
            unit_type = SCORED_AS.get(kind, kind)
            prefix = {"province": "T", "commune": "X", "department": "S"}[kind]
            for i in range(1, count + 1):
                unit = f"{prefix}{i:04d}"
                n_units += 1
                for leaf in m.leaves:
                    if not leaf.applies(unit_type) or rng.random() < MISSING_RATE:
                        continue
                    if rng.random() < NA_RATE and m.policy(leaf) != NOT_ALLOWED:
                        value = "không phát sinh" if rng.random() < 0.5 else "NA"
                        na += 1
                    else:
                        value = value_for(rng, leaf)
                    w.writerow([unit, leaf.code, value, unit_type])
                    rows += 1
                for adj in m.adjustments:
                    if rng.random() < ADJUSTMENT_RATE:
                        w.writerow([unit, adj.code, value_for(rng, adj), unit_type])
                        rows += 1
    return rows, n_units, na


class GcMeter:
    """CPU time the cyclic garbage collector spends, by generation, while active."""

    def __init__(self) -> None:
        self.runs = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.runs[info["generation"]] += 1
            self.seconds[info["generation"]] += time.process_time() - self._start


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, float, Any, GcMeter]:
    """(best wall time, best CPU time, last result, GC of the best run). The previous result
    is released and the collector run before each timing, so neither is counted."""
    wall = cpu = float("inf")
    result = None
    best_gc = GcMeter()
    for _ in range(repeat):
        result = None
        gc.collect()
        meter = GcMeter()
        gc.callbacks.append(meter)
        w, c = time.perf_counter(), time.process_time()
        try:
            result = fn()
        finally:
            c = time.process_time() - c
            w = time.perf_counter() - w
            gc.callbacks.remove(meter)
        if c < cpu:
            best_gc = meter
        cpu = min(cpu, c)
        wall = min(wall, w)
    return wall, cpu, result, best_gc


def plain_csv(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sum(1 for _ in csv.reader(fh))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="runs per measure (best is kept)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--profile", action="store_true", help="cProfile compute_all + ranking")
    p.add_argument("--keep", action="store_true", help="keep the generated CSV")
    args = p.parse_args(argv)

    m = shipped_methodology(METHODOLOGY)
    tmp = Path(tempfile.mkdtemp(prefix="parindex-bench-"))
    path = tmp / "national-scores.csv"
    start = time.perf_counter()
    rows, n_units, na = write_workload(m, path, args.seed)
    gen = time.perf_counter() - start

    print(f"parindex engine benchmark — {time.strftime('%Y-%m-%d %H:%M')}")
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPU(s)"
    )
    print(
        f"Methodology {m.code}: {len(m.leaves)} leaves, {len(m.adjustments)} adjustments; "
        f"{n_units:,} units ({', '.join(f'{v:,} {k}' for k, v in UNIT_COUNTS.items())})"
    )
    size = path.stat().st_size
    print(
        f"Scores CSV: {rows:,} rows ({na:,} NA), {size / 1e6:.1f} MB, generated in {gen:.2f} s; "
        f"best of {args.repeat}\n"
    )

    w_csv, t_csv, n_csv, _ = best_of(args.repeat, lambda: plain_csv(path))
    assert n_csv == rows + 1
    w_read, t_read, scores, gc_read = best_of(args.repeat, lambda: read_scores(path, m))
    assert len(scores.units) == n_units

    def compute() -> list[Any]:
        return rank_results(compute_all(m, scores.units, scores.inputs))

    w_compute, t_compute, ranked, gc_compute = best_of(args.repeat, compute)
    assert len(ranked) == n_units

    kept = ranked
    ranked = None
    gc.collect()
    tracemalloc.start()
    compute()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ranked = kept

    per_unit = t_compute / n_units * 1e6
    per_leaf = t_compute / (n_units * len(m.leaves)) * 1e6
    table = [
        ("1. csv module only (baseline)", t_csv, w_csv, f"{rows / t_csv / 1e3:,.0f} k rows/s"),
        (
            "2. read_scores (parse + validate)",
            t_read,
            w_read,
            f"{rows / t_read / 1e3:,.0f} k rows/s",
        ),
        (
            "3. compute_all + rank_results",
            t_compute,
            w_compute,
            f"{per_unit:,.0f} µs/unit, {per_leaf:.2f} µs/leaf",
        ),
    ]
    width = max(len(t[0]) for t in table)
    print(f"  {'':<{width}}  {'CPU':>8}      {'wall':>8}")
    for label, seconds, wall, rate in table:
        print(f"  {label:<{width}}  {seconds * 1000:8.1f} ms  {wall * 1000:8.1f} ms   {rate}")
    print(f"  {'4. peak memory of 3 (tracemalloc)':<{width}}  {peak / 2**20:8.1f} MB")
    for label, meter in (("2", gc_read), ("3", gc_compute)):
        print(
            f"  in {label}, cyclic GC: {meter.runs[2]} full pass(es) "
            f"{meter.seconds[2] * 1000:.0f} ms, {meter.runs[0] + meter.runs[1]} young "
            f"{(meter.seconds[0] + meter.seconds[1]) * 1000:.0f} ms"
        )
    print()
    print("  ratios (CPU time):")
    print(f"    compute / plain csv read : {t_compute / t_csv:5.2f}×")
    print(f"    compute / read_scores    : {t_compute / t_read:5.2f}×")
    print(f"    read_scores / plain csv  : {t_read / t_csv:5.2f}×")
    print(f"    read_scores + compute    : {t_read + t_compute:5.2f} s")
    top = ranked[0]
    grades = Counter(r.result.grade.code if r.result.grade else "-" for r in ranked)
    print(
        f"\n  rank 1: {top.result.unit.code} index {top.result.index}; "
        f"last: {ranked[-1].result.unit.code} index {ranked[-1].result.index}; "
        f"grades {dict(sorted(grades.items()))}"
    )
    ok_time = t_compute < 1.0
    ok_ratio = t_compute <= t_read
    print(
        f"\n  target compute < 1 s: {'OK' if ok_time else 'MISSED'}; "
        f"compute ≤ parse: {'OK' if ok_ratio else 'MISSED'}"
    )

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        compute()
        prof.disable()
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(20)

    if args.keep:
        print(f"\nCSV kept: {path}")
    else:
        path.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
