"""The production set-up of docs/deploy.md (issue 12): the application refuses the
published development key outside DEBUG, and `check --deploy` is clean with the settings the
guide gives (PostgreSQL, object storage, Redis, the task worker, behind nginx with HTTPS)."""

from __future__ import annotations

from test_production_settings import KEY, run

from parindex.settings import DEV_SECRET_KEY

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": KEY,
    "ALLOWED_HOSTS": "cchc.example.gov.vn",
    "CSRF_TRUSTED_ORIGINS": "https://cchc.example.gov.vn",
    "HTTPS": "true",
    "TRUST_PROXY": "true",
    "DATABASE_URL": "postgres://parindex:secret@db.internal:5432/parindex",
    "CACHE_URL": "redis://redis.internal:6379/0",
    "TASKS_BACKEND": "database",
    "STORAGE_S3_BUCKET": "cchc-tai-lieu",
    "S3_ENDPOINT_URL": "https://s3.internal",
    "S3_ACCESS_KEY_ID": "parindex",
    "S3_SECRET_ACCESS_KEY": "x" * 40,
    "S3_ADDRESSING_STYLE": "path",
    "SITE_URL": "https://cchc.example.gov.vn",
}


def test_the_development_key_is_refused_outside_debug(tmp_path):
    done = run(["manage.py", "check"], tmp_path, DEBUG="false", SECRET_KEY=DEV_SECRET_KEY)
    assert done.returncode != 0
    assert "development key published in the repository" in done.stderr
    wsgi = run(["-c", "import parindex.wsgi"], tmp_path, SECRET_KEY=DEV_SECRET_KEY)
    assert wsgi.returncode != 0 and "development key" in wsgi.stderr
    # development: allowed, with DEBUG on
    debug = run(["manage.py", "check"], tmp_path, DEBUG="true", SECRET_KEY=DEV_SECRET_KEY)
    assert debug.returncode == 0, debug.stderr


def test_check_deploy_is_clean_with_the_guides_settings(tmp_path):
    done = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **PRODUCTION
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues (0 silenced)." in done.stdout
