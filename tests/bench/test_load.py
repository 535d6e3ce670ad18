"""The production set-up under a small load, on PostgreSQL only (CI's `-m database` run):
bench/load.py's stack (a fresh database dropped afterwards, gunicorn, Redis as the cache,
the database task worker) with a small world (3 units).

- Several processes agree: two gunicorn servers of one worker process each over the same
  database and Redis; an officer's save through one is in the ranking the other serves at
  once, three times, alternating (the ranking cached under the previous results_version,
  in Redis and in each process, is not served again).
- 10 simulated users for 5 s (officers saving and uploading, appraisers appraising, leaders
  reading rankings and downloading exports): no failure, no server error. No timing is
  asserted here (bench/load.py prints the figures; docs/benchmarks.md).

Redis: the one at LOAD_REDIS (default redis://127.0.0.1:6379/0) under a key prefix of the
run's own, else a redis-server started for the module on a free port; skipped without
either. Bounded: every request and process has a time limit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

DATABASE_URL = os.environ.get("DATABASE_URL", "")
pytestmark = [
    pytest.mark.database,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="the production set-up runs on PostgreSQL (CI's -m database run)",
    ),
]


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    url = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/0")
    if _redis_answers(url):
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis at LOAD_REDIS and no redis-server to start")
    from load import free_port

    port, work = free_port(), tempfile.mkdtemp(prefix="parindex-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", work],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(50):
            if _redis_answers(url):
                break
            subprocess.run(["sleep", "0.1"], check=True)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def running(redis_url: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    """The stack with a world of 3 units and 10 users' accounts, servers started: one
    gunicorn of 1 worker process on each of two ports."""
    from load import stack

    server = DATABASE_URL.rsplit("/", 1)[0]
    with stack(server, redis_url, workers=1) as s:
        plan = s.create(officers=5, appraisers=2, leaders=3, units=3)
        s.start()
        yield s, plan


def test_a_save_through_one_worker_is_in_the_ranking_of_another_at_once(running):
    from load import cross_process_check

    s, plan = running
    pids = {p.pid for p in s.procs}
    assert len(pids) == 3  # two servers and the task worker
    seen = cross_process_check(s, plan)
    assert seen[0] != seen[1] and seen[2] == seen[0]
    # the cache really is Redis: the run's keys are there
    import redis

    keys = list(redis.Redis.from_url(s.redis).scan_iter(match=f"{s.name}:*", count=100))
    assert keys


def test_ten_users_for_five_seconds_without_a_failure(running):
    from load import locust

    s, plan = running
    rows = locust(
        s,
        s.data / "plan.json",
        ["Officer", "Appraiser", "Leader", "HealthProbe"],
        10 + 1,
        20,
        5,
        "0.2-0.5",
        {"LOAD_PROBES": "1"},
    )
    total = rows["Aggregated"]
    logins = rows.get("__logins__", {})
    assert int(total["Failure Count"]) == 0, rows.get("__failures__")
    assert logins.get("failures") == [], logins
    # what ran (on a busy machine the logins, Argon2, may take most of the 5 s)
    assert logins.get("seconds") and int(total["Request Count"]) > 0
    assert all(int(r["Failure Count"]) == 0 for n, r in rows.items() if not n.startswith("__"))
    s.stop()
    log = (s.data / "servers.log").read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
