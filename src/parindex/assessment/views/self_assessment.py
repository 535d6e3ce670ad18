"""The unit's side of the cycle: self-assessment form, evidence, explanation and results.

Views only parse input, call parindex.assessment.services and render. Each page fetches the
participation through the selectors (404 for units the user may not see) and computes the
engine's result once; htmx requests get fragments, other requests full pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parindex.assessment import lifecycle, services
from parindex.assessment import permissions as perm
from parindex.assessment.forms import (
    ExplanationForm,
    ReturnForm,
    SelfEntryForm,
    SelfReportForm,
    errors_text,
)
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.assessment.presenters.self_assessment import (
    CompareRow,
    FormState,
    StageCell,
    StageSummary,
    _compare_rows,
    _entries,
    _explain_items,
    _explain_open,
    _reached,
    dom_id,
    form_state,
)
from parindex.core import UnitResult

State = Cycle.State


def _participation(request: HttpRequest, pk: int) -> tuple[Participation, perm.Access]:
    try:
        return perm.participation_for_user(request.user, pk, perm.VIEW)
    except Participation.DoesNotExist:
        raise Http404 from None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _safe_next(request: HttpRequest, nxt: str, fallback: str) -> str:
    """`nxt` if it is an address of this site, else `fallback`."""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return fallback


def _leaf_response(
    request: HttpRequest, st: FormState, code: str, kind: str = "", message: str = ""
) -> HttpResponse:
    row = st.row(code, adjustment=code in {a.code for a in st.tree.adjustments})
    row.message, row.message_kind = message, kind
    # Keep what the user is typing in the note across the swap, except after a conflict,
    # where the current saved text must be shown.
    row.preserve_note = kind != "warning"
    # The field and criterion rows above the item change with it: send them out of band.
    parts = code.split(".")
    groups = []
    for depth in range(1, len(parts)):
        node = st.tree.nodes.get(".".join(parts[:depth]))
        if node is not None and not node.is_leaf:
            kind = "field" if node.depth == 1 else "criterion"
            groups.append((kind, (node, st.result.nodes.get(node.code))))
    return render(request, "self/_leaf_response.html", {"row": row, "st": st, "groups": groups})


@login_required
@require_GET
def self_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    st = form_state(p, acc)
    return render(
        request,
        "self/form.html",
        {
            "st": st,
            "p": p,
            "nav": "home",
            "explaining": lifecycle.of(p.cycle).explanation,
            "return_form": ReturnForm() if st.can_return else None,
            "can_download_report": acc.can(perm.SELF_REPORT),
            "report_form": (
                SelfReportForm(
                    initial={"difficulties": p.difficulties, "recommendations": p.recommendations}
                )
                if st.open and perm.may_write_report(acc)
                else None
            ),
        },
    )


@login_required
@require_POST
def self_report_save(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's "Khó khăn, vướng mắc" and "Đề xuất, kiến nghị" for its report."""
    p, _acc = _participation(request, pk)
    form = SelfReportForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ServiceError(errors_text(form))
        services.participation_save_report(participation=p, user=request.user, **form.cleaned_data)
        messages.success(request, _("Đã lưu nội dung báo cáo tự đánh giá."))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("self_assessment", args=[p.pk]) + "#self-report")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
@require_GET
def self_report_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The Word report of the unit's self-assessment."""
    p, _acc = _participation(request, pk)
    try:
        name, content = services.self_report_docx(participation=p, user=request.user)
    except services.ServiceError as exc:
        raise PermissionDenied(str(exc)) from None
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def evidence_bundle_download(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The unit's evidence as one zip, streamed (one chunk of one file in memory at once)."""
    p, _acc = _participation(request, pk)
    try:
        name, chunks = services.evidence_bundle(participation=p, user=request.user)
    except services.ServiceError as exc:
        raise PermissionDenied(str(exc)) from None
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def self_entry_save(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one leaf's value and note (htmx: answer the row and the progress summary)."""
    p, acc = _participation(request, pk)
    node = p.cycle.methodology.tree.nodes.get(code)
    if node is None or not node.is_leaf:
        raise Http404
    form = SelfEntryForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ServiceError(errors_text(form))
        services.entry_save_self(participation=p, code=code, user=request.user, **form.cleaned_data)
        kind, message = "success", _("Đã lưu.")
    except services.Conflict as exc:
        kind, message = "warning", str(exc)
    except services.ServiceError as exc:
        kind, message = "error", _("Chưa lưu: %(m)s") % {"m": exc}
    if not _is_htmx(request):
        messages.add_message(
            request, messages.SUCCESS if kind == "success" else messages.ERROR, message
        )
        return redirect(reverse("self_assessment", args=[p.pk]) + "#" + dom_id(code))
    p.refresh_from_db(fields=["status"])
    return _leaf_response(request, form_state(p, acc), code, kind, message)


@login_required
@require_POST
def self_submit(request: HttpRequest, pk: int) -> HttpResponse:
    p, _acc = _participation(request, pk)
    try:
        services.participation_submit(participation=p, user=request.user)
        messages.success(request, _("Đã phê duyệt và gửi kết quả tự đánh giá."))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("self_assessment", pk=p.pk)


@login_required
@require_POST
def self_hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer hands the form over to the unit's leader."""
    p, _acc = _participation(request, pk)
    try:
        services.participation_hand_over(participation=p, user=request.user)
        messages.success(request, _("Đã chuyển biểu cho lãnh đạo đơn vị phê duyệt."))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("self_assessment", pk=p.pk)


@login_required
@require_POST
def self_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader returns a form handed over, with a comment."""
    p, _acc = _participation(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, errors_text(form))
        return redirect("self_assessment", pk=p.pk)
    try:
        services.participation_return(
            participation=p, comment=form.cleaned_data["comment"], user=request.user
        )
        messages.success(request, _("Đã trả lại biểu kèm ý kiến."))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("self_assessment", pk=p.pk)


@login_required
@require_POST
def self_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    p, _acc = _participation(request, pk)
    try:
        services.participation_withdraw(participation=p, user=request.user)
        messages.success(request, _("Đã rút lại kết quả tự đánh giá để sửa."))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("self_assessment", pk=p.pk)


def _explain_response(
    request: HttpRequest, p: Participation, acc: perm.Access, code: str, kind: str, message: str
) -> HttpResponse:
    items = [i for i in _explain_items(p, acc, _entries(p)) if i.node.code == code]
    if not items:  # not (or no longer) disputed: answer the message alone
        return render(request, "self/_message.html", {"kind": kind, "message": message})
    item = items[0]
    item.message, item.message_kind = message, kind
    item.preserve_text = kind != "warning"  # unsaved text survives evidence changes
    return render(request, "self/_explain_item.html", {"item": item, "p": p})


@login_required
@require_GET
def explanation(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    entries = _entries(p)
    open_, why = _explain_open(p, acc)
    return render(
        request,
        "self/explanation.html",
        {
            "p": p,
            "items": _explain_items(p, acc, entries),
            "open": open_,
            "why": why,
            "nav": "home",
        },
    )


@login_required
@require_POST
def explanation_save(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    p, acc = _participation(request, pk)
    try:
        entry = p.entries.get(code=code)
    except Entry.DoesNotExist:
        raise Http404 from None
    entry.participation = p
    form = ExplanationForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ServiceError(errors_text(form))
        services.entry_explain(entry=entry, user=request.user, **form.cleaned_data)
        kind, message = "success", _("Đã lưu giải trình.")
    except services.Conflict as exc:
        kind, message = "warning", str(exc)
    except services.ServiceError as exc:
        kind, message = "error", _("Chưa lưu: %(m)s") % {"m": exc}
    if not _is_htmx(request):
        messages.add_message(
            request, messages.SUCCESS if kind == "success" else messages.ERROR, message
        )
        return redirect(reverse("explanation", args=[p.pk]) + "#" + dom_id(code))
    return _explain_response(request, p, acc, code, kind, message)


@login_required
@require_GET
def unit_results(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    entries = _entries(p)
    listed = list(entries.values())
    tree = p.cycle.methodology.tree
    results: dict[str, UnitResult | None] = {
        s: services.unit_result(p, s, listed) if _reached(p, acc, s) else None
        for s in services.STAGES
    }
    base = results["self"]
    stages = [
        StageSummary(s, str(services.STAGE_LABELS[s]), results[s], base) for s in services.STAGES
    ]
    adjustments = []
    for a in tree.adjustments:
        cells = []
        for s in services.STAGES:
            r = results[s]
            nr = r.nodes.get(a.code) if r else None
            cells.append(StageCell(nr.points if nr else None))
        if any(c.points is not None for c in cells):
            adjustments.append(
                CompareRow("adjustment", a, a.max_points, cells, entries.get(a.code))
            )
    return render(
        request,
        "self/results.html",
        {
            "p": p,
            "stages": stages,
            "absent_blocks": services.absent_block_texts(p),
            "rows": _compare_rows(tree, results, entries, p.unit.type),
            "adjustments": adjustments,
            "nav": "home",
            "can_edit": acc.can(perm.EDIT_SELF),
            "shows_r1": _reached(p, acc, "r1"),
            "shows_r2": _reached(p, acc, "r2"),
            "explaining": lifecycle.of(p.cycle).explanation,
        },
    )
