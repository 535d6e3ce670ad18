"""PostgreSQL restarted while users work (issue 12, faults). A real server process (one
worker keeping its database connection, serve_helper.py) reaches PostgreSQL through a TCP
proxy the test cuts and restores, like a database restart: every connection dropped, new
ones refused. During the outage pages and saves answer the site's 503 page (from the
template, no traceback, Retry-After). After it the very next request succeeds, also when the
restart fell between two requests (the kept connection is checked: CONN_HEALTH_CHECKS); the
user is still logged in; every entry saved before is there, the one refused during the
outage is not, nothing is half-written.

PostgreSQL only (`database` mark: the CI's PostgreSQL run); skipped on SQLite."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from fault_server import TcpProxy, database_url, postgres_only, running, server_env, session_of

from parindex.assessment.models import Entry
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db(transaction=True)

DOWN = "Hệ thống tạm thời gián đoạn"


def save(server, p, code: str, value: str, version: int):
    body = urlencode({"value": value, "version": str(version)}).encode()
    return server.request(
        "POST",
        reverse("self_entry_save", args=[p.pk, code]),
        body,
        **{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"},
    )


def test_requests_fail_cleanly_during_a_database_restart_and_nothing_is_lost(
    tmp_path, self_world, settings
):
    sd = postgres_only()
    proxy = TcpProxy((sd.get("HOST") or "127.0.0.1", int(sd.get("PORT") or 5432)))
    p = self_world["p"]
    session = session_of(self_world["officer"], settings)
    sessions = set(Session.objects.values_list("session_key", flat=True))
    page = reverse("self_assessment", args=[p.pk])
    env = server_env(tmp_path, database_url(sd, proxy.port), tmp_path / "media")
    try:
        with running(env, tmp_path / "server.log", session) as server:
            status, _, html = server.request("GET", page)
            assert status == 200 and "Tự đánh giá" in html
            assert save(server, p, "1.1.2", "100", 0)[0] == 200

            proxy.cut()  # PostgreSQL goes away: its connections dropped, new ones refused
            for _ in range(2):  # the held connection found dead, then a new one refused
                status, headers, html = server.request("GET", page)
                assert status == 503, html[-2000:]
                assert DOWN in html and 'class="brand"' in html and "Về trang chủ" in html
                assert "Traceback" not in html and "OperationalError" not in html
                assert headers["retry-after"].isdigit()
            status, _, html = save(server, p, "1.1.2", "50", 1)
            assert status == 503 and DOWN in html
            assert save(server, p, "1.1.3", "1", 0)[0] == 503

            proxy.restore()  # PostgreSQL is back: the next request succeeds at once
            status, _, html = server.request("GET", page)
            assert status == 200 and "Tự đánh giá" in html  # still logged in
            status, _, html = save(server, p, "1.1.2", "80", 1)
            assert status == 200 and "Đã lưu" in html, html[-2000:]

            # A restart between two requests: the connection the worker keeps is dead, yet
            # the next request is served (checked before use, replaced), not a 500.
            proxy.cut()
            proxy.restore()
            status, _, html = server.request("GET", page)
            assert status == 200 and "Tự đánh giá" in html, html[-2000:]
    finally:
        proxy.close()
    assert set(Session.objects.values_list("session_key", flat=True)) == sessions
    entry = Entry.objects.get(participation=p, code="1.1.2")
    assert (entry.value, entry.version) == ("80", 2)  # saved before and after, in order
    assert not Entry.objects.filter(participation=p, code="1.1.3").exists()
    audited = [e.data["new"]["value"] for e in LogEntry.objects.filter(code="1.1.2").order_by("pk")]
    assert audited == ["100", "80"], audited  # one audit row per save that happened
    assert not LogEntry.objects.filter(code="1.1.3").exists()
    # the server's log names the failures it answered with 503 (for the operators)
    assert "OperationalError" in (tmp_path / "server.log").read_text()
