"""Background work of the survey component. Each task body is one service call; tasks get
ids, not objects, and are enqueued after commit (ImmediateBackend runs them inline in
development and tests; `manage.py db_worker` runs them with TASKS_BACKEND=database)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def validate_import(job_id: int) -> None:
    services.import_job_validate(job_id=job_id)


@task()
def run_import(job_id: int) -> None:
    services.import_job_run(job_id=job_id)
