"""One shape for the organiser's file imports (external values, the Ministry's results):
parse the upload form, run the import, say what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from parindex.assessment import services as svc


def run_file_import(
    request: HttpRequest,
    form: Any,
    run: Callable[[Any], int],
    done: str,
    no_file: str,
) -> tuple[bool, list[svc.RowError]]:
    """`run(upload)` (the number of rows imported) for a valid `form`; the success message
    `done` (with %(n)s) or the refusal. Returns (imported, the refused rows)."""
    if not form.is_valid():
        messages.error(request, no_file)
        return False, []
    try:
        n = run(form.cleaned_data["file"])
    except svc.ImportRefused as exc:
        messages.error(request, str(exc))
        return False, exc.errors
    except svc.ServiceError as exc:
        messages.error(request, str(exc))
        return False, []
    messages.success(request, done % {"n": n})
    return True, []
