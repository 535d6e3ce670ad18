"""Downloads of results (the pages are the other modules of this package): parse the
request, call the service, return the file."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from parindex.assessment.models import Cycle
from parindex.assessment.permissions import cycle_for_results
from parindex.common.errors import ServiceError
from parindex.results import services
from parindex.results.exports import SUPPORTED
from parindex.results.selectors import ledger_filter_from_params
from parindex.results.tables import STAGES


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class ExportForm(forms.Form):
    stage = forms.ChoiceField(choices=[(s, s) for s in STAGES], required=False)
    unit_type = forms.CharField(max_length=16, required=False)


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int, what: str, fmt: str) -> HttpResponse:
    """/results/<cycle>/export/<what>.<fmt>?stage=final&unit_type=commune&field=1&...
    (ledger filters: see selectors.ledger_filter_from_params)."""
    if fmt not in SUPPORTED.get(what, ()):
        raise Http404
    try:
        cycle, seen = cycle_for_results(request.user, pk)
    except Cycle.DoesNotExist:
        raise Http404 from None
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8"
        )
    # No stage asked: the latest one the user reads; a stage asked for is checked as asked.
    stage = form.cleaned_data["stage"] or seen.stages[-1]
    unit_type = form.cleaned_data["unit_type"] or None
    try:
        export = services.export_for_user(
            user=request.user,
            cycle=cycle,
            what=what,
            fmt=fmt,
            stage=stage,
            unit_type=unit_type,
            ledger_filter=ledger_filter_from_params(request.GET, unit_type=unit_type),
        )
    except ServiceError as exc:
        return HttpResponse(str(exc), status=403, content_type="text/plain; charset=utf-8")
    return _attachment(export.data, export.content_type, export.filename)


class SampleForm(forms.Form):
    file = forms.ChoiceField(
        choices=[("sample", "sample"), ("published", "published")], required=False
    )


@login_required
@require_GET
def national_sample(request: HttpRequest) -> HttpResponse:
    """The shipped sample of published national results (also the import template), or with
    ?file=published the shipped list of published results (sources and notes)."""
    form = SampleForm(request.GET)
    published = form.is_valid() and form.cleaned_data["file"] == "published"
    if published:
        data = services.shipped_file(services.PUBLISHED_FILE)
        return _attachment(data, "text/csv; charset=utf-8", "par-index-da-cong-bo-2017-2024.csv")
    data = services.shipped_file(services.SAMPLE_FILE)
    return _attachment(data, "text/csv; charset=utf-8", "ket-qua-par-index-cong-bo-mau.csv")
