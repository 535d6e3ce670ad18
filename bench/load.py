"""Load test of the production set-up, on this machine only (127.0.0.1), bounded in time:

    uv run python bench/load.py [--users 200] [--seconds 60] [--workers 4] [--think 2-6]
        [--pg postgres://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/0]

1. A fresh PostgreSQL database (dropped at the end), migrated, and the world of
   bench/load_world.py built in it through the services: Lào Cai's 38 units in three cycles
   (published; in appraisal; open), 50 % of --users officers, 20 % appraisers, 30 % leaders,
   each with an account of their own.
2. The production processes, DEBUG off, a random SECRET_KEY, Redis as the cache
   (CACHE_URL, under a key prefix of the run's own, deleted at the end), the database task
   backend:
   - gunicorn `parindex.wsgi` with --workers sync worker processes on PORT (the load);
   - a second gunicorn, one worker, on PORT+1 (the cross-process check);
   - `manage.py db_worker` (django-tasks' database worker).
3. locust, headless: the users of bench/locustfile.py, spawned at --spawn-rate a second,
   for --seconds, plus 2 probes reading /healthz/ 5 times a second each. Halfway, the
   cross-process check: an officer saves an item through one server and the unit's leader
   reads the ranking through the other, three times, alternating the servers; the points
   shown must follow every save at once (each save bumps the cycle's results_version; the
   ranking cached in Redis and in each process under the old version is not served again).
4. The flood: /healthz/ alone, no think time, --flood-users users for 10 s (the ceiling of
   the trivial view on the same servers).
5. Everything stopped (SIGTERM, then SIGKILL after 10 s), the database dropped, the run's
   cache keys deleted; the table printed.

Exit status 0 when there was no failure and the check held (timing targets are printed,
not enforced: the machine may be shared). tests/bench/test_load.py runs a small one.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
TARGET_P95_MS = 300.0
START_TIMEOUT = 60.0
POINTS = re.compile(r'<tr class="rs-you" data-unit="([^"]+)">.*?<td class="num">([^<]+)</td>', re.S)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def psql(pg: str, sql: str) -> None:
    subprocess.run(
        ["psql", f"{pg}/postgres", "-qAtc", sql], check=True, capture_output=True, timeout=60
    )


@dataclass
class Stack:
    """The run's database, data directory and processes."""

    pg: str
    redis: str
    workers: int
    name: str = field(default_factory=lambda: f"parindex_load_{int(time.time())}_{os.getpid()}")
    port: int = field(default_factory=free_port)
    port2: int = field(default_factory=free_port)
    data: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="parindex-load-")))
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url2(self) -> str:
        return f"http://127.0.0.1:{self.port2}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for k in ("DEBUG", "PYTEST_VERSION", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"):
            env.pop(k, None)
        env.update(
            DATABASE_URL=f"{self.pg}/{self.name}",
            PARINDEX_DATA_DIR=str(self.data),
            SECRET_KEY=getattr(self, "_key", None) or self._new_key(),
            CACHE_URL=self.redis,
            CACHE_KEY_PREFIX=self.name,
            TASKS_BACKEND="database",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            PYTHONPATH=str(ROOT / "src"),
            DJANGO_SETTINGS_MODULE="parindex.settings",
        )
        return env

    def _new_key(self) -> str:
        self._key = secrets.token_urlsafe(50)
        return self._key

    def run(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(
                f"{' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )
        return done.stdout

    def create(self, officers: int, appraisers: int, leaders: int, units: int) -> dict[str, Any]:
        psql(self.pg, f"CREATE DATABASE {self.name}")
        self.run("manage.py", "migrate", "-v0")
        plan = self.data / "plan.json"
        print(
            self.run(
                str(BENCH / "load_world.py"),
                str(plan),
                f"--officers={officers}",
                f"--appraisers={appraisers}",
                f"--leaders={leaders}",
                f"--units={units}",
            )
            .strip()
            .splitlines()[-1],
            flush=True,
        )
        return json.loads(plan.read_text(encoding="utf-8"))

    def start(self) -> None:
        log = open(self.data / "servers.log", "ab")  # noqa: SIM115 - closed with the processes
        bin_dir = Path(sys.executable).parent
        for port, workers in ((self.port, self.workers), (self.port2, 1)):
            self.procs.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "gunicorn"),
                        "parindex.wsgi:application",
                        f"--bind=127.0.0.1:{port}",
                        f"--workers={workers}",
                        "--timeout=60",
                        "--graceful-timeout=5",
                        "--backlog=2048",
                    ],
                    cwd=ROOT,
                    env=self.env(),
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            )
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "db_worker"],
                cwd=ROOT,
                env=self.env(),
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        )
        import requests

        deadline = time.monotonic() + START_TIMEOUT
        for url in (self.url, self.url2):
            while True:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(url + "/healthz/", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                    raise RuntimeError(f"{url} did not start: see {self.data / 'servers.log'}")
                time.sleep(0.3)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        self.procs.clear()

    def destroy(self, keep: bool = False) -> None:
        self.stop()
        if keep:
            print(f"kept: database {self.name}, data {self.data}")
            return
        with contextlib.suppress(Exception):
            psql(self.pg, f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        with contextlib.suppress(Exception):
            import redis

            r = redis.Redis.from_url(self.redis)
            for key in r.scan_iter(match=f"{self.name}:*", count=1000):
                r.delete(key)
        shutil.rmtree(self.data, ignore_errors=True)


@contextlib.contextmanager
def stack(pg: str, redis_url: str, workers: int, keep: bool = False) -> Iterator[Stack]:
    s = Stack(pg=pg, redis=redis_url, workers=workers)
    try:
        yield s
    finally:
        s.destroy(keep)


# --- the cross-process check ------------------------------------------------------------------


class Browser:
    """A logged-in person on one server (the session lives in the database: it serves on
    every server)."""

    def __init__(self, base: str, username: str, password: str) -> None:
        import requests

        self.http = requests.Session()
        self.base = base
        form = self.http.get(base + "/dang-nhap/", timeout=120).text
        token = TOKEN.search(form)
        assert token, "no CSRF token in the login form"
        r = self.http.post(
            base + "/dang-nhap/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            allow_redirects=False,
            timeout=120,
        )
        assert r.status_code == 302 and "dang-nhap" not in r.headers["Location"], "login refused"

    def on(self, base: str) -> Browser:
        self.base = base
        return self


def points_shown(leader: Browser, cycle: int, unit: str) -> str:
    html = leader.http.get(
        f"{leader.base}/ket-qua-chi-so/ky/{cycle}/xep-hang/?stage=self", timeout=60
    ).text
    found = {u: pts.strip() for u, pts in POINTS.findall(html)}
    assert unit in found, f"{unit} not in the ranking served by {leader.base}"
    return found[unit]


def save(officer: Browser, check: dict[str, Any], value: str) -> None:
    pk, code = check["participation"], check["code"]
    page = officer.http.get(f"{officer.base}/tu-danh-gia/{pk}/", timeout=120).text
    start = page.find(f'<tbody id="e-{code.replace(".", "-")}"')
    version = re.search(r'name="version" value="(\d+)"', page[start:])
    assert start >= 0 and version, f"item {code} not on the form"
    r = officer.http.post(
        f"{officer.base}/tu-danh-gia/{pk}/muc/{code}/",
        data={"value": value, "version": version[1]},
        headers={"HX-Request": "true", "X-CSRFToken": officer.http.cookies.get("csrftoken", "")},
        timeout=120,
    )
    assert r.status_code == 200 and "Đã lưu." in r.text, f"save refused: {r.status_code}"


def cross_process_check(s: Stack, plan: dict[str, Any]) -> list[str]:
    """Saves through one server, reads through the other, alternating; returns what each
    read showed. Raises AssertionError when a read shows the points before its save."""
    check, cycle = plan["check"], plan["cycles"]["open"]
    officer = Browser(s.url, check["officer"], plan["password"])
    leader = Browser(s.url2, check["leader"], plan["password"])
    a, b = check["values"]
    seen: list[str] = []
    # warm both servers' caches with the current points first
    points_shown(leader.on(s.url), cycle, check["unit"])
    points_shown(leader.on(s.url2), cycle, check["unit"])
    for value, save_on, read_on in ((a, s.url, s.url2), (b, s.url2, s.url), (a, s.url, s.url2)):
        save(officer.on(save_on), check, value)
        seen.append(points_shown(leader.on(read_on), cycle, check["unit"]))
        # and the server the save went through agrees
        assert points_shown(leader.on(save_on), cycle, check["unit"]) == seen[-1], seen
    assert seen[0] != seen[1] and seen[0] == seen[2], f"stale ranking across processes: {seen}"
    return seen


# --- locust ---------------------------------------------------------------------------------


def locust(
    s: Stack,
    plan_path: Path,
    classes: list[str],
    users: int,
    spawn_rate: float,
    seconds: int,
    think: str,
    env_more: dict[str, str],
    tag: str = "",
    reset: bool = False,
) -> dict[str, dict[str, Any]]:
    prefix = s.data / f"locust-{tag or classes[0]}"
    env = dict(
        os.environ,
        LOAD_PLAN=str(plan_path),
        LOAD_THINK=think,
        LOAD_LOGINS=f"{prefix}_logins.json",
        **env_more,
    )
    cmd = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(BENCH / "locustfile.py"),
        *classes,
        "--headless",
        f"--host={s.url}",
        f"--users={users}",
        f"--spawn-rate={spawn_rate}",
        f"--run-time={seconds}s",
        "--stop-timeout=10",
        f"--csv={prefix}",
        "--only-summary",
        *(["--reset-stats"] if reset else []),
        "--loglevel=WARNING",
    ]
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    (s.data / "locust.log").open("a").write(done.stdout + done.stderr)
    rows: dict[str, dict[str, Any]] = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = row
    logins = Path(f"{prefix}_logins.json")
    if logins.exists():
        rows["__logins__"] = json.loads(logins.read_text())
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        rows["__failures__"] = {"text": failures.read_text(encoding="utf-8")}
    return rows


def table(rows: dict[str, dict[str, Any]], trivial: dict[str, Any], flood: dict[str, Any]) -> str:
    def ms(row: dict[str, Any], q: str) -> float:
        v = row.get(q, "N/A")
        return float(v) if v not in ("N/A", "", None) else float("nan")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}×" if b and b == b and a == a else "–"

    t50, t95 = ms(trivial, "50%"), ms(trivial, "95%")
    lines = [
        "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | p50 / trivial | "
        "p95 / trivial |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in sorted(rows.items()):
        if name.startswith("__") or name == "login":
            continue
        p50, p95, p99 = ms(row, "50%"), ms(row, "95%"), ms(row, "99%")
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {p50:.0f} | {p95:.0f} | {p99:.0f} | "
            f"{ratio(p50, t50)} | {ratio(p95, t95)} |"
        )
    if flood:
        lines.append(
            f"| trivial: /healthz/ alone, no think time (flood) | {flood['Request Count']} | "
            f"{flood['Failure Count']} | {float(flood['Requests/s']):.1f} | "
            f"{ms(flood, '50%'):.0f} | {ms(flood, '95%'):.0f} | {ms(flood, '99%'):.0f} | | |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--spawn-rate", type=float, default=5, help="users started (logged in) a second"
    )
    parser.add_argument("--think", default="2-6", help="seconds between a user's requests")
    parser.add_argument(
        "--warmup", type=int, default=15, help="seconds of unmeasured load first (0: none)"
    )
    parser.add_argument("--flood-users", type=int, default=16)
    parser.add_argument("--flood-seconds", type=int, default=10)
    parser.add_argument("--units", type=int, default=38, help="Lào Cai units in the cycles")
    parser.add_argument(
        "--pg", default=os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--redis", default=os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--keep", action="store_true", help="keep the database and data dir")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)

    officers = max(1, round(args.users * 0.5))
    appraisers = max(1, round(args.users * 0.2))
    leaders = max(1, args.users - officers - appraisers)
    started = time.monotonic()
    with stack(args.pg, args.redis, args.workers, keep=args.keep) as s:
        print(f"database {s.name}; servers :{s.port} ({args.workers} workers) and :{s.port2}")
        plan = s.create(officers, appraisers, leaders, args.units)
        plan_path = s.data / "plan.json"
        s.start()
        check: dict[str, Any] = {}

        def run_check() -> None:
            time.sleep(ramp + args.seconds / 2)
            try:
                check["seen"] = cross_process_check(s, plan)
            except Exception as exc:  # noqa: BLE001 - reported, and the run fails
                check["error"] = f"{type(exc).__name__}: {exc}"

        if args.warmup > 0:  # every worker compiles its templates and opens its connections
            locust(
                s,
                plan_path,
                ["Officer", "Appraiser", "Leader"],
                min(args.users, 8 * args.workers),
                args.spawn_rate,
                args.warmup,
                "0.2-1",
                {"LOAD_WEIGHTED": "1", "LOAD_PROBES": "0"},
                tag="warmup",
            )
        ramp = args.users / args.spawn_rate
        checker = threading.Thread(target=run_check, daemon=True)
        checker.start()
        probes = 2
        rows = locust(
            s,
            plan_path,
            ["Officer", "Appraiser", "Leader", "HealthProbe"],
            args.users + probes,
            args.spawn_rate,
            round(ramp) + args.seconds,
            args.think,
            {"LOAD_PROBES": str(probes)},
            reset=True,  # the figures: once every user has started (logins: printed apart)
        )
        checker.join(timeout=120)
        flood = {}
        if args.flood_seconds > 0:
            flood = locust(
                s,
                plan_path,
                ["HealthFlood"],
                args.flood_users,
                args.flood_users,
                args.flood_seconds,
                args.think,
                {"LOAD_FLOOD": str(args.flood_users)},
            ).get("trivial: /healthz/ (flood)", {})
        s.stop()
        log = (s.data / "servers.log").read_text(errors="replace")
        server_errors = log.count("Traceback")

    total = rows.get("Aggregated", {})
    trivial = rows.get("trivial: /healthz/", {})
    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"world: {plan['units']} units, {plan['entries']} entries; users: {officers} officers, "
        f"{appraisers} appraisers, {leaders} leaders (+{probes} /healthz/ probes); think "
        f"{args.think} s; {args.seconds} s; gunicorn {args.workers} workers"
    )
    print(table(rows, trivial, flood))
    login_failures = rows.get("__logins__", {}).get("failures", ["no login record"])
    failures = (
        int(total.get("Failure Count", 1))
        + int(flood.get("Failure Count", 0) or 0)
        + len(login_failures)
    )
    pages = [
        r
        for n, r in rows.items()
        if n.startswith(("page:", "save:", "upload:")) and r.get("95%") not in ("N/A", None)
    ]
    worst = max((float(r["95%"]) for r in pages), default=float("nan"))
    mix_rps = float(total.get("Requests/s", 0) or 0)
    flood_rps = float(flood.get("Requests/s", 0) or 0)
    print(
        f"\nthroughput: {mix_rps:.1f} req/s in the mix"
        + (
            f"; the trivial view alone: {flood_rps:.1f} req/s (×{flood_rps / mix_rps:.1f})"
            if flood_rps and mix_rps
            else ""
        )
    )
    print(
        f"failures: {failures}; server tracebacks: {server_errors}; worst p95 of pages, saves "
        f"and uploads: {worst:.0f} ms (target < {TARGET_P95_MS:.0f} ms: "
        f"{'met' if worst < TARGET_P95_MS else 'NOT met'})"
    )
    print(
        "cross-process check: "
        + (
            f"held, points shown {check['seen']}"
            if "seen" in check
            else check.get("error", "did not run")
        )
    )
    logins = sorted(rows.get("__logins__", {}).get("seconds", []))
    if logins:
        q = lambda f: logins[min(len(logins) - 1, int(f * len(logins)))] * 1000  # noqa: E731
        print(
            f"logins (form + POST, while the users start at {args.spawn_rate:g}/s, not in the "
            f"table): {len(logins)}, p50 {q(0.5):.0f} ms, p95 {q(0.95):.0f} ms, max "
            f"{logins[-1] * 1000:.0f} ms; refused: {len(login_failures)}"
        )
    if "__failures__" in rows:
        print(rows["__failures__"]["text"][:3000])
    print(f"total time {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps({"rows": rows, "flood": flood, "check": check}, ensure_ascii=False, indent=1)
        )
    return 0 if failures == 0 and server_errors == 0 and "seen" in check else 1


if __name__ == "__main__":
    sys.exit(main())
