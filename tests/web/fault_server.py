"""What the fault tests (test_faults_*.py) drive: the application served by a real process
(serve_helper.py) over the test's own PostgreSQL database, a TCP proxy between that process
and PostgreSQL that the test cuts and restores, a logged-in session, raw HTTP requests (a
body sent in parts), and the database's view of a blocked request.

Everything listens on 127.0.0.1 only, and every wait is bounded."""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).with_name("serve_helper.py")
# The servers' secret key (not the published development key, which they refuse): the test
# sets it too (use_server_key) so that the sessions it makes are valid there.
SERVER_KEY = "fault-tests-" + uuid.uuid4().hex + uuid.uuid4().hex
CSRF = "f" * 8 + uuid.uuid4().hex[:24]  # a 32-character CSRF secret, sent as cookie and header
WAIT = 60  # seconds: the longest any step may take before the test fails


def postgres_only() -> dict:
    """The test database's settings; the test is skipped unless it is PostgreSQL over TCP."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the CI's PostgreSQL run): a real server shares its data")
    sd = connection.settings_dict
    if str(sd.get("HOST") or "").startswith("/"):
        pytest.skip("PostgreSQL over a Unix socket: the proxy speaks TCP")
    return sd


def database_url(sd: dict, port: int | None = None) -> str:
    user = quote(sd.get("USER") or "", safe="")
    password = quote(sd.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = sd.get("HOST") or "127.0.0.1"
    if port is not None:
        host = "127.0.0.1"
    return f"postgres://{auth}{host}:{port or sd.get('PORT') or 5432}/{quote(sd['NAME'])}"


def server_env(tmp_path: Path, db_url: str, media: Path) -> dict[str, str]:
    """The environment of a production-like server process: DEBUG off, the test's secret key
    (the sessions made by the test are signed with it), connections kept 10 minutes."""
    # SECRET_KEY_FILE too: `parindex demo` run by another test of this process sets it, and
    # it would win over SECRET_KEY (settings.env_secret), signing nothing the test made.
    drop = (
        "PYTEST", "DATABASE_URL", "CACHE_URL", "TASKS_BACKEND", "HTTPS", "SECURE_", "S3_",
        "SECRET_KEY",
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return env | {
        "DJANGO_SETTINGS_MODULE": "parindex.settings",
        "DEBUG": "false",
        "SECRET_KEY": SERVER_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": db_url,
        "CONN_MAX_AGE": "600",
        "PARINDEX_DATA_DIR": str(tmp_path),
        "MEDIA_ROOT": str(media),
        "STORAGE_S3_BUCKET": "",
    }


@dataclass
class Server:
    """serve_helper.py in a subprocess; `request` sends one HTTP request with the session."""

    env: dict[str, str]
    log: Path
    session: str = ""
    proc: subprocess.Popen | None = None
    port: int = 0

    def start(self) -> Server:
        err = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(HELPER)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        err.close()
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], WAIT)
        line = self.proc.stdout.readline() if ready else b""
        assert line.strip().isdigit(), f"the server did not start: {self.log.read_text()[-3000:]}"
        self.port = int(line)
        return self

    def headers(self, **extra: str) -> dict[str, str]:
        cookies = f"csrftoken={CSRF}" + (f"; sessionid={self.session}" if self.session else "")
        return {"Host": "127.0.0.1", "Cookie": cookies, "X-CSRFToken": CSRF, **extra}

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)

    def request(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, dict[str, str], str]:
        conn = self.connect()
        try:
            conn.request(method, path, body=body, headers=self.headers(**headers))
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or rolled back by the process."""
        assert self.proc is not None and self.proc.poll() is None, "the server had stopped"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(WAIT)
        assert self.proc.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()


@contextlib.contextmanager
def running(env: dict[str, str], log: Path, session: str = "") -> Iterator[Server]:
    server = Server(env=env, log=log, session=session).start()
    try:
        yield server
    finally:
        server.stop()


def session_of(user, settings) -> str:
    """A session of `user` stored in the database (what logging in leaves), its cookie;
    signed with the servers' key (`settings`: pytest-django's fixture)."""
    from django.test import Client

    settings.SECRET_KEY = SERVER_KEY
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def form_post(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = "----parindex" + uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, (filename, content) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def blocked_backend(table: str) -> int:
    """Wait (bounded) until another backend of this database waits for a lock on `table`;
    its pid."""
    from django.db import connection

    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as c:
            c.execute(
                "SELECT l.pid FROM pg_locks l WHERE NOT l.granted AND l.relation = %s::regclass "
                "AND l.pid <> pg_backend_pid()",
                [table],
            )
            row = c.fetchone()
        if row:
            return int(row[0])
        time.sleep(0.02)
    pytest.fail(f"no request came to wait on {table}")


def tables_written_by(pid: int) -> set[str]:
    """The tables backend `pid` holds a write lock on (rows it inserted or changed, not yet
    committed)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT relation::regclass::text FROM pg_locks WHERE pid = %s AND granted "
            "AND mode = 'RowExclusiveLock' AND relation IS NOT NULL",
            [pid],
        )
        return {r[0] for r in c.fetchall()}


@dataclass
class TcpProxy:
    """Between the server and PostgreSQL, on 127.0.0.1. `cut()` drops every connection and
    answers new ones by closing them (a database restarting); `restore()` lets them through."""

    upstream: tuple[str, int]
    up: bool = True
    _links: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=WAIT)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self._lock:
            links, self._links = self._links, []
        for s in links:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self._stopped.set()
        self.cut()
        self._listener.close()
        self._thread.join(WAIT)
