"""Production settings (issue 12, security pass): without SECRET_KEY and DEBUG the app
refuses to start; with HTTPS=true `check --deploy` is clean (HSTS, SSL redirect, secure
cookies), also from .env.example's values; the proxy header only when TRUST_PROXY is set;
database connections health-checked. Each case in a fresh process with its environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "k3Y-" + "x7Qp9vLm2Zr8" * 5  # long and varied enough for check --deploy


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTEST_VERSION", "DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "HTTPS"}
        and not k.startswith(("HSTS_", "SECURE_", "TRUST_PROXY", "CONN_"))
    }
    base |= {"PARINDEX_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "parindex.settings"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def env_example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def test_without_a_secret_key_the_app_refuses_to_start_in_production(tmp_path):
    done = run(["manage.py", "check"], tmp_path, DEBUG="false")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert "SECRET_KEY is not set" in done.stderr
    wsgi = run(["-c", "import parindex.wsgi"], tmp_path)  # DEBUG unset: off
    assert wsgi.returncode != 0 and "SECRET_KEY is not set" in wsgi.stderr
    assert run(["manage.py", "check"], tmp_path, DEBUG="true").returncode == 0


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY=KEY,
        ALLOWED_HOSTS="cchc.example.gov.vn",
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_check_deploy_is_clean_with_the_env_example_values(tmp_path):
    env = env_example() | {"HTTPS": "true", "SECRET_KEY": KEY, "PARINDEX_DATA_DIR": str(tmp_path)}
    env["MEDIA_ROOT"] = env["MEDIA_ROOT"] or str(tmp_path / "media")
    done = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **env)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "no issues" in done.stdout


def settings_of(tmp_path: Path, **env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'SECURE_PROXY_SSL_HEADER', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE')} | {'db': {k: s.DATABASES['default'][k] for k in "
        "('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')}}))"
    )
    done = run(["-c", code], tmp_path, SECRET_KEY=KEY, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_https_settings_and_the_proxy_header_only_when_trusted(tmp_path):
    plain = settings_of(tmp_path, DEBUG="false")
    assert plain["SECURE_SSL_REDIRECT"] is False and plain["SECURE_HSTS_SECONDS"] == 0
    assert plain["SECURE_PROXY_SSL_HEADER"] is None
    assert plain["db"] == {"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
    https = settings_of(tmp_path, HTTPS="true", HSTS_PRELOAD="false", CONN_MAX_AGE="300")
    assert https["SECURE_SSL_REDIRECT"] is True
    assert https["SECURE_HSTS_SECONDS"] == 31_536_000
    assert https["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert https["SECURE_HSTS_PRELOAD"] is False
    assert https["SESSION_COOKIE_SECURE"] is True and https["CSRF_COOKIE_SECURE"] is True
    assert https["SECURE_PROXY_SSL_HEADER"] is None  # a client could forge the header
    assert https["db"]["CONN_MAX_AGE"] == 300
    proxied = settings_of(tmp_path, HTTPS="true", TRUST_PROXY="true")
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
