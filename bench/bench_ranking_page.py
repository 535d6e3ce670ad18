"""Ranking page under load: a national-size cycle served by an HTTP server on 127.0.0.1.

    uv run python bench/bench_ranking_page.py [--duration 15] [--connections 2]
        [--servers nodelay,runserver] [--tool auto|wrk|python] [--profile] [--port 8127]
        [--keep | --data DIR]

What it does (bounded: every phase has a time limit; the only traffic is to 127.0.0.1; each
server is stopped in a `finally`):

1. A temporary PARINDEX_DATA_DIR with a file SQLite database (WAL, as in production),
   migrated; the shipped methodology `example-province-internal` installed through
   `services.methodology_install`; 4,055 units (34 provinces scored as departments, 3,321
   communes, 700 departments) in one cycle (`services.cycle_create`) organised by the
   ministry; about 85 entries per unit (344,565) written with bulk_create: values drawn per
   rule kind as in bench_compute.py, self points from the engine (`score_leaf`), 6 % of the
   items cut in appraisal round 1 (a third restored in round 2), final points filled; the
   cycle set to "final" with its audit row (as `cycle_transition` writes). A manager of the
   organiser with a database session, whose cookie the ranking requests carry.
   `--data DIR` builds into DIR and reuses it on the next runs.
2. For each server of --servers, in a subprocess, DEBUG off:
   - "nodelay": Django's runserver server classes (threaded, HTTP/1.1 keep-alive) with
     TCP_NODELAY on each connection, as production WSGI servers set it (see serve_nodelay:
     without it every kept-alive response waits about 40 ms for a delayed ACK);
   - "runserver": `manage.py runserver 127.0.0.1:PORT --noreload` as it is.
   (No production WSGI server is a dependency of the project.)
3. The cold request of each ranking page (nothing cached in the new process), then, per
   target, a warm-up and a closed loop of --connections connections for --duration seconds
   with `wrk --latency` (a Lua `done` hook prints p50/p90/p95/p99) or, without wrk, a thread
   pool of http.client keep-alive connections: the trivial baseline (GET /dang-nhap/, the
   login form as an anonymous visitor gets it), the ranking of the departments (734 rows) and
   of the communes (3,321 rows), both at the final stage, as the manager.
4. Invalidation, on the last server: one audited change for the cycle, then the next
   request (computed again) and the one after (cached again).

Target (the issue): ranking page p95 < 200 ms, beside the baseline measured in the same run.
Exit status 0 when met, 1 when not.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from bench_compute import ADJUSTMENT_RATE, MISSING_RATE, NA_RATE, value_for  # noqa: E402

UNIT_COUNTS = {"province": 34, "commune": 3321, "department": 700}
SCORED_AS = {"province": "department"}  # the methodology has department and commune leaves
CUT_RATE = 0.06  # items cut in appraisal round 1
RESTORE_RATE = 1 / 3  # of the cut items, restored in round 2
REASONS = ("evidence_missing", "evidence_invalid", "outside_period", "not_met", "other")
TARGET_P95_MS = 200.0
SERVER_START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 120.0


# --- 1. the database -------------------------------------------------------------------------


def setup_django(data_dir: Path) -> None:
    os.environ["PARINDEX_DATA_DIR"] = str(data_dir)
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)  # DEBUG off needs a key
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ.pop("DATABASE_URL", None)  # always the temporary SQLite file
    import django

    django.setup()


@dataclass
class World:
    cycle_pk: int
    session_key: str
    units: dict[str, int]
    entries: int


def build(seed: int) -> World:
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from parindex.accounts.models import Membership, OrgUnit, Role
    from parindex.assessment import services
    from parindex.assessment.models import Cycle, Entry, Participation
    from parindex.audit.services import log_action
    from parindex.core import Unit, parse_value, score_leaf
    from parindex.core.model import NOT_ALLOWED
    from parindex.results.lineage import lineage

    call_command("migrate", verbosity=0)
    source = (ROOT / "src/parindex/methodologies/example-province-internal.yaml").read_text("utf-8")
    mv = services.methodology_install(source=source, name="example-province-internal.yaml")
    tree = mv.tree
    rng = random.Random(seed)

    with transaction.atomic():
        ministry = OrgUnit.objects.create(code="BNV", name="Bộ Nội vụ", type="ministry")
        provinces = [
            OrgUnit(code=f"T{i:04d}", name=f"UBND {p.name}", type="department", parent=ministry)
            for i, p in enumerate(lineage().provinces[: UNIT_COUNTS["province"]], start=1)
        ]
        OrgUnit.objects.bulk_create(provinces)
        provinces = list(OrgUnit.objects.filter(code__startswith="T").order_by("code"))
        others = []
        for i in range(1, UNIT_COUNTS["commune"] + 1):
            parent = provinces[i % len(provinces)]
            others.append(
                OrgUnit(
                    code=f"X{i:04d}", name=f"Xã Thử Nghiệm {i:04d}", type="commune", parent=parent
                )
            )
        for i in range(1, UNIT_COUNTS["department"] + 1):
            parent = provinces[i % len(provinces)]
            others.append(
                OrgUnit(
                    code=f"S{i:04d}",
                    name=f"Sở Thử Nghiệm {i:04d} ({parent.name[4:]})",
                    type="department",
                    parent=parent,
                )
            )
        OrgUnit.objects.bulk_create(others, batch_size=2000)
        units = list(OrgUnit.objects.exclude(pk=ministry.pk).order_by("code"))
        manager = User.objects.create_user("bench-manager", first_name="Quản lý")
        Membership.objects.create(user=manager, role=Role.MANAGER, unit=ministry)
        cycle = services.cycle_create(
            name="Chỉ số CCHC năm 2025 (toàn quốc, thử tải)",
            year=2025,
            methodology=mv,
            organiser=ministry,
            units=units,
            user=manager,
        )
        now = timezone.now()
        Participation.objects.filter(cycle=cycle).update(
            status=Participation.Status.SUBMITTED, submitted_at=now
        )
        points_memo: dict[tuple[str, str, str], Decimal | None] = {}

        def points(code: str, unit_type: str, value: str) -> Decimal | None:
            key = (code, unit_type, value)
            if key not in points_memo:
                node = tree.nodes[code]
                parsed = parse_value(value, node.rule.expects if node.rule else "number")
                unit = Unit("x", "x", unit_type)
                points_memo[key] = score_leaf(tree, node, unit, parsed).points
            return points_memo[key]

        batch: list[Entry] = []
        count = 0
        parts = cycle.participations.select_related("unit").order_by("unit__code")
        for p in parts:
            unit_type = p.unit.type
            for leaf in tree.leaves:
                if not leaf.applies(unit_type) or rng.random() < MISSING_RATE:
                    continue
                if rng.random() < NA_RATE and tree.policy(leaf) != NOT_ALLOWED:
                    value = "không phát sinh"
                else:
                    value = value_for(rng, leaf)
                self_pts = points(leaf.code, unit_type, value)
                e = Entry(
                    participation=p, code=leaf.code, value=value, self_points=self_pts, version=1
                )
                own = leaf.method not in ("survey", "external")
                if own and self_pts and rng.random() < CUT_RATE:
                    step = Decimal("0.25")
                    cut = max(Decimal(0), (self_pts * Decimal("0.5") / step).quantize(1) * step)
                    e.r1_points = cut
                    e.r1_reason = rng.choice(REASONS)
                    e.r1_comment = "Tài liệu kiểm chứng chưa đầy đủ theo yêu cầu."
                    if rng.random() < 0.5:
                        e.explanation = "Đơn vị bổ sung văn bản số 123/UBND ngày 12/11/2025."
                    if rng.random() < RESTORE_RATE:
                        e.r2_points = self_pts
                        e.r2_reason = "other"
                e.final_points = e.appraised_points if e.appraised_points is not None else self_pts
                batch.append(e)
            for adj in tree.adjustments:
                if rng.random() < ADJUSTMENT_RATE:
                    value = value_for(rng, adj)
                    pts = points(adj.code, unit_type, value)
                    batch.append(
                        Entry(
                            participation=p,
                            code=adj.code,
                            value=value,
                            self_points=pts,
                            final_points=pts,
                            version=1,
                        )
                    )
            if len(batch) >= 20000:
                Entry.objects.bulk_create(batch, batch_size=2000)
                count += len(batch)
                batch = []
        Entry.objects.bulk_create(batch, batch_size=2000)
        count += len(batch)
        Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.FINAL, finalised_at=now)
        log_action(
            "cycle.state_changed",
            actor=manager,
            target=cycle,
            cycle=cycle,
            old=Cycle.State.APPRAISAL_2,
            new=Cycle.State.FINAL,
        )

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = SessionStore()
    session[SESSION_KEY] = str(manager.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = manager.get_session_auth_hash()
    session.create()
    by_type: dict[str, int] = {}
    for u in units:
        by_type[u.type] = by_type.get(u.type, 0) + 1
    return World(cycle.pk, session.session_key or "", by_type, count)


# --- 2. the server ---------------------------------------------------------------------------


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


SERVERS = {
    "runserver": "manage.py runserver --noreload (Django's threaded development server)",
    "nodelay": "the same server classes with TCP_NODELAY on each connection",
}


def serve_nodelay(port: int) -> None:
    """Django's runserver server (ThreadedWSGIServer + WSGIRequestHandler, HTTP/1.1
    keep-alive) with TCP_NODELAY set on each accepted connection, as production WSGI servers
    (gunicorn, uWSGI) do. The development server leaves Nagle's algorithm on: on a kept-alive
    connection its small separate writes (status line and headers, then the body) wait for
    the client's delayed ACK, about 40 ms on Linux, on every request whatever the view."""
    import django

    django.setup()
    from django.core.servers.basehttp import (
        ThreadedWSGIServer,
        WSGIRequestHandler,
        get_internal_wsgi_application,
    )

    class Handler(WSGIRequestHandler):
        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    httpd = ThreadedWSGIServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    httpd.set_app(get_internal_wsgi_application())
    httpd.serve_forever()


@contextlib.contextmanager
def server(data_dir: Path, port: int, log: Path, mode: str):
    env = {
        **os.environ,
        "PARINDEX_DATA_DIR": str(data_dir),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "parindex.settings",
    }
    env.pop("DATABASE_URL", None)
    if mode == "runserver":
        cmd = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the server stopped: see {log}")
                try:
                    status, _body, _t = get(port, "/dang-nhap/", timeout=5)
                    if status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start in time")
                time.sleep(0.2)
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)


def get(
    port: int, path: str, cookie: str = "", timeout: float = REQUEST_TIMEOUT
) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        t = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, body, time.perf_counter() - t
    finally:
        conn.close()


# --- 3. load ----------------------------------------------------------------------------------


@dataclass
class Load:
    name: str
    tool: str
    requests: int
    seconds: float
    errors: int
    p50: float  # ms
    p90: float
    p95: float
    p99: float
    mean: float
    max: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %d %.1f %d\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(100), latency.mean, latency.max))
end
"""


def load_wrk(name: str, url: str, cookie: str, connections: int, seconds: int, lua: Path) -> Load:
    cmd = [
        "wrk",
        f"-t{connections}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(lua),
        *(["-H", f"Cookie: {cookie}"] if cookie else []),
        url,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    m = re.search(r"^RESULT (.*)$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    req, dur, err, p50, p90, p95, p99, _p100, mean, mx = m.group(1).split()
    ms = lambda v: float(v) / 1000  # noqa: E731 (µs -> ms)
    return Load(
        name,
        "wrk",
        int(req),
        int(dur) / 1e6,
        int(err),
        ms(p50),
        ms(p90),
        ms(p95),
        ms(p99),
        ms(mean),
        ms(mx),
    )


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def load_python(
    name: str, port: int, path: str, cookie: str, connections: int, seconds: int
) -> Load:
    """Closed loop: each thread keeps one HTTP/1.1 connection and sends the next request as
    soon as the previous answer is read."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        mine: list[float] = []
        bad = 0
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
                if resp.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            mine.append(time.perf_counter() - t)
            bad += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + REQUEST_TIMEOUT)
    elapsed = time.perf_counter() - start
    lat = sorted(v * 1000 for v in latencies)
    return Load(
        name,
        "python",
        len(lat),
        elapsed,
        errors[0],
        percentile(lat, 50),
        percentile(lat, 90),
        percentile(lat, 95),
        percentile(lat, 99),
        statistics.fmean(lat) if lat else float("nan"),
        lat[-1] if lat else float("nan"),
    )


# --- main -------------------------------------------------------------------------------------


def profile_view(cycle_pk: int, session_key: str, unit_type: str) -> None:
    """cProfile of the cached ranking page in this process (test client, same settings)."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    url = reverse("results_ranking", args=[cycle_pk]) + f"?stage=final&type={unit_type}"
    t = time.perf_counter()
    assert client.get(url).status_code == 200
    print(f"  in-process cold request ({unit_type}): {(time.perf_counter() - t) * 1000:.0f} ms")
    times = []
    for _ in range(5):
        t = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - t)
    print(f"  in-process cached request ({unit_type}): best {min(times) * 1000:.1f} ms")
    prof = cProfile.Profile()
    prof.enable()
    client.get(url)
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


def run_load(tool: str, name: str, port: int, path: str, cookie: str, args: Any, lua: Path) -> Load:
    if tool == "wrk":
        url = f"http://127.0.0.1:{port}{path}"
        if args.warmup:
            load_wrk(name, url, cookie, args.connections, args.warmup, lua)
        return load_wrk(name, url, cookie, args.connections, args.duration, lua)
    if args.warmup:
        load_python(name, port, path, cookie, args.connections, args.warmup)
    return load_python(name, port, path, cookie, args.connections, args.duration)


def print_table(results: list[Load]) -> None:
    base = results[0]
    print("| target | requests/s | p50 | p90 | p95 | p99 | max | errors | p95 / baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = r.p95 / base.p95 if base.p95 else float("nan")
        print(
            f"| {r.name} | {r.rps:.1f} | {r.p50:.1f} | {r.p90:.1f} | {r.p95:.1f} | "
            f"{r.p99:.1f} | {r.max:.1f} | {r.errors} | {ratio:.1f}× |"
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=15, help="seconds of load per target")
    p.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target")
    p.add_argument("--connections", type=int, default=2)
    p.add_argument("--port", type=int, default=8127)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument(
        "--servers",
        default="nodelay,runserver",
        help=f"comma-separated, run one after the other: {', '.join(SERVERS)}",
    )
    p.add_argument("--profile", action="store_true", help="cProfile the cached page in-process")
    p.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    p.add_argument(
        "--data",
        type=Path,
        help="data folder to build into and keep (reused when it holds a built database)",
    )
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: the nodelay server
    args = p.parse_args(argv)
    if args.serve:
        serve_nodelay(args.serve)
        return 0
    args.duration = max(1, min(args.duration, 300))
    args.warmup = max(0, min(args.warmup, 60))
    modes = [m.strip() for m in args.servers.split(",") if m.strip()]
    if not modes or any(m not in SERVERS for m in modes):
        p.error(f"--servers: choose among {', '.join(SERVERS)}")

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk); use --tool python", file=sys.stderr)
        return 2

    if args.data:
        tmp = args.data.resolve()
        tmp.mkdir(parents=True, exist_ok=True)
        args.keep = True
    else:
        tmp = Path(tempfile.mkdtemp(prefix="parindex-bench-ranking-"))
    try:
        setup_django(tmp)
        print(f"parindex ranking page under load — {time.strftime('%Y-%m-%d %H:%M')}")
        print(
            f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}; "
            f"load tool: {tool}"
        )
        t = time.perf_counter()
        saved = tmp / "world.json"
        if saved.exists():
            world = World(**json.loads(saved.read_text("utf-8")))
            verb = "reused"
        else:
            world = build(args.seed)
            saved.write_text(json.dumps(world.__dict__), "utf-8")
            verb = "built"
        print(
            f"Database {verb} in {time.perf_counter() - t:.1f} s: "
            f"{sum(world.units.values()):,} units ({world.units}), {world.entries:,} entries; "
            f"SQLite file {tmp / 'parindex.sqlite3'}"
        )
        if args.profile:
            for unit_type in ("department", "commune"):
                profile_view(world.cycle_pk, world.session_key, unit_type)
        from django.conf import settings
        from django.urls import reverse

        from parindex.assessment.models import Cycle
        from parindex.audit.services import log_action

        cookie = f"{settings.SESSION_COOKIE_NAME}={world.session_key}"
        ranking = reverse("results_ranking", args=[world.cycle_pk])
        # (name, path, cookie): the baseline is the login form as an anonymous visitor sees
        # it (with the session cookie the login view only redirects to the home page)
        targets = [
            ("baseline: GET /dang-nhap/ (login page)", reverse("login"), ""),
            (
                f"ranking, departments ({world.units['department']:,} rows)",
                f"{ranking}?stage=final&type=department",
                cookie,
            ),
            (
                f"ranking, communes ({world.units['commune']:,} rows)",
                f"{ranking}?stage=final&type=commune",
                cookie,
            ),
        ]
        port = free_port(args.port)
        lua = tmp / "done.lua"
        lua.write_text(WRK_DONE, "utf-8")
        by_mode: dict[str, list[Load]] = {}
        for n, mode in enumerate(modes):
            results: list[Load] = []
            with server(tmp, port, tmp / f"server-{mode}.log", mode):
                print(f"\n== Server: {SERVERS[mode]}, 127.0.0.1:{port}, DEBUG off")
                status, body, _t = get(port, targets[0][1])
                if status != 200 or b'name="password"' not in body:
                    raise RuntimeError(f"{targets[0][1]}: HTTP {status}, not the login form")
                for name, path, sent in targets[1:]:
                    status, body, secs = get(port, path, sent)
                    if status != 200 or b"rs-rank" not in body:
                        raise RuntimeError(f"{path}: HTTP {status}, not the ranking page")
                    _s, _b, again = get(port, path, sent)
                    print(
                        f"cold (first, uncached) request, {name}: {secs * 1000:,.0f} ms; "
                        f"the next (cached): {again * 1000:,.0f} ms; {len(body) / 1024:,.0f} KiB"
                    )
                for name, path, sent in targets:
                    res = run_load(tool, name, port, path, sent, args, lua)
                    results.append(res)
                    print(
                        f"  {name}: {res.requests} requests in {res.seconds:.1f} s, "
                        f"p95 {res.p95:.1f} ms"
                    )
                if n == len(modes) - 1:
                    # 4. invalidation: one audited change, then the next two requests
                    path = targets[2][1]
                    log_action("bench.touch", cycle=Cycle.objects.get(pk=world.cycle_pk))
                    _s, _b, after = get(port, path, cookie)
                    _s, _b, again = get(port, path, cookie)
                    print(
                        f"after an audited change for the cycle, communes: first request "
                        f"{after * 1000:,.0f} ms (computed again), next {again * 1000:,.0f} ms"
                    )
            by_mode[mode] = results

        print(
            f"\n{args.connections} connections, {args.duration} s each (after {args.warmup} s "
            f"of warm-up), tool {tool}; latency in ms; load average now "
            f"{os.getloadavg()[0]:.1f}"
        )
        worst = 0.0
        for mode, results in by_mode.items():
            print(f"\n{SERVERS[mode]}:\n")
            print_table(results)
            for r in results[1:]:
                bad = not r.requests or r.errors
                worst = max(worst, float("inf") if bad else r.p95)
        verdict = "met" if worst < TARGET_P95_MS else "MISSED"
        print(f"\nTarget ranking p95 < {TARGET_P95_MS:.0f} ms: {verdict} (worst {worst:.1f} ms)")
        return 0 if worst < TARGET_P95_MS else 1
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
