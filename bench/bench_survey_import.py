"""Survey import benchmark: import, validate, store and score N responses x 20 questions.

    uv run python bench/bench_survey_import.py [--rows 1000000] [--backends sqlite,postgres]

Workload: the shipped SIPAS questionnaire (20 select_one questions, 18 of them scored for
the five SIPAS leaves 8.1.1-8.1.5) of the example methodology, over the 38 Lào Cai units of
the demo data; N rows of plausible answers (a pool of 5,000 generated rows repeated with new
respondent ids: sequential like typed paper forms, or random UUIDs like Kobo's `_uuid` with
--uuid), written once to a CSV file (about 70 bytes per row).

For each backend, in its own process (so settings and peak memory are its own):
  - SQLite: a file database in a temporary folder (WAL, as in production);
  - PostgreSQL: a scratch database created and dropped on DATABASE_URL's server
    (default postgres://postgres@127.0.0.1:5432, trust auth).
it migrates, installs the questionnaires (surveys.services.demo_seed), then measures
  1. the time to parse the CSV with the csv module only (best of 3): the floor;
  2. surveys.services.responses_import_path, mode "all": read + check every row, insert in
     ONE transaction, then survey_points_write (scores per unit and leaf written through
     entry_set_external); split into check / insert / score;
  3. peak RSS of the process (resource.getrusage, ru_maxrss), and the rows stored.
BENCH_PROFILE=1 prints a cProfile of each import to stderr.
Targets (the issue): under 60 s and under 2 GB on this 2-core machine, ratio import / parse
at most 3 (a target, not a gate).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_DATA = ROOT / "src/parindex/demo/data"
METHODOLOGY = ROOT / "src/parindex/methodologies/example-province-internal.yaml"
PG_URL = "postgres://postgres@127.0.0.1:5432"


# --- the parent: write the file, run one child per backend, print the table -------------------


def write_csv(path: Path, rows: int, uuid_ids: bool = False) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from parindex.surveys.sample_data import generate, header_for, laocai_units, load_sample_forms

    forms = [f for f in load_sample_forms() if f.group_code == "nguoi_dan"]
    units = [code for code, _kind in laocai_units(DEMO_DATA)]
    pool = list(generate(units, forms, {(u, "nguoi_dan"): 5000 // len(units) + 1 for u in units}))
    rng = random.Random(2025)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header_for(forms))
        for i in range(rows):
            row = pool[i % len(pool)]
            row[0] = (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)) if uuid_ids else f"B{i:08d}"
            )
            row[1] = units[i % len(units)]
            w.writerow(row)


def run_child(backend: str, path: Path, workdir: Path, pg_url: str) -> dict:
    (workdir / backend).mkdir(exist_ok=True)
    env = {**os.environ, "PARINDEX_DATA_DIR": str(workdir / backend), "LOG_LEVEL": "ERROR"}
    env.pop("DATABASE_URL", None)
    db_name = ""
    if backend == "postgres":
        import psycopg

        db_name = f"parindex_bench_{os.getpid()}"
        with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{db_name}"')
            con.execute(f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = f"{pg_url}/{db_name}"
    try:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"{backend} failed:\n{out.stderr[-3000:]}")
        if os.environ.get("BENCH_PROFILE"):
            print(out.stderr, file=sys.stderr)
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if db_name:
            import psycopg

            with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    parser.add_argument(
        "--uuid", action="store_true", help="random UUID respondent ids, as in Kobo exports"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(Path(args.child))
    with tempfile.TemporaryDirectory(prefix="bench-survey-") as tmp:
        work = Path(tmp)
        path = work / "responses.csv"
        t = time.perf_counter()
        write_csv(path, args.rows, args.uuid)
        ids = "random UUID" if args.uuid else "sequential"
        print(
            f"{args.rows:,} responses x 20 questions ({ids} respondent ids), "
            f"{path.stat().st_size / 1e6:.1f} MB "
            f"(written in {time.perf_counter() - t:.1f} s); Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        print()
        header = (
            f"{'backend':<10} {'parse':>7} {'import':>8} {'check':>7} {'insert':>7} "
            f"{'score':>7} {'ratio':>6} {'peak RSS':>9} {'stored':>10}"
        )
        print(header)
        print("-" * len(header))
        for backend in args.backends.split(","):
            r = run_child(backend, path, work, args.pg_url)
            print(
                f"{backend:<10} {r['parse']:>6.2f}s {r['import']:>7.2f}s {r['check']:>6.2f}s "
                f"{r['insert']:>6.2f}s {r['score']:>6.2f}s {r['import'] / r['parse']:>6.1f} "
                f"{r['rss_mb']:>6.0f} MB {r['stored']:>10,}"
            )
        print()
        print("parse: csv module only (best of 3); import = check + insert + score + the rest")
        print("(job rows, audit); ratio = import / parse; peak RSS of the backend's process.")


# --- the child: one backend ------------------------------------------------------------------


def child(path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)  # DEBUG off needs a key
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from parindex.accounts.models import Membership, OrgUnit
    from parindex.assessment import services as assessment
    from parindex.surveys import services as svc
    from parindex.surveys.models import Response
    from parindex.surveys.sample_data import laocai_units
    from parindex.surveys.services import imports, scores

    call_command("migrate", verbosity=0)
    mv = assessment.methodology_install(source=METHODOLOGY.read_text(encoding="utf-8"))
    snv = OrgUnit.objects.create(code="BENCH-SNV", name="Sở Nội vụ", type="department")
    units = [
        OrgUnit.objects.create(code=code, name=code, type=kind)
        for code, kind in laocai_units(DEMO_DATA)
    ]
    user = User.objects.create(username="bench")
    Membership.objects.create(user=user, role="manager", unit=snv)
    cycle = assessment.cycle_create(
        name="Benchmark", year=2025, methodology=mv, organiser=snv, units=units, user=user
    )
    svc.demo_seed(cycle, user)
    cycle.methodology.tree  # parse the methodology once, outside the timings  # noqa: B018

    parse = min(_parse_time(path) for _ in range(3))
    timings = {"check": 0.0, "insert": 0.0, "score": 0.0}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - t

        return wrapper

    imports.check_stream = timed("check", imports.check_stream)
    imports._insert_responses = timed("insert", imports._insert_responses)
    imports.survey_points_write = timed("score", scores.survey_points_write)
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    t = time.perf_counter()
    job = svc.responses_import_path(cycle=cycle, path=path, user=user)
    total = time.perf_counter() - t
    if profile is not None:
        import pstats

        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    assert job.status == "done", (job.status, job.message, job.errors[:3])
    stored = Response.objects.filter(cycle=cycle).count()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"parse": parse, "import": total, **timings, "rss_mb": rss_mb, "stored": stored})
    )


def _parse_time(path: Path) -> float:
    t = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as f:
        for _row in csv.reader(f):
            pass
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
