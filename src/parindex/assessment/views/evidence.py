"""Evidence of the unit: the link/upload panel of one item, the library, upload and download.
Views only parse input, call parindex.assessment.services and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from parindex.assessment import lifecycle, services
from parindex.assessment import permissions as perm
from parindex.assessment.forms import (
    EvidenceLinkForm,
    EvidenceUploadForm,
    ItemAnswerForm,
    LibraryLinkForm,
    errors_text,
    first_error,
)
from parindex.assessment.models import Cycle, Evidence, EvidenceLink, Participation
from parindex.assessment.presenters.self_assessment import _unit_evidence, dom_id, form_state
from parindex.assessment.views.self_assessment import (
    _explain_response,
    _is_htmx,
    _leaf_response,
    _participation,
    _safe_next,
)
from parindex.core import Node

State = Cycle.State


def _where(request: HttpRequest) -> dict[str, str]:
    """Where the answer goes (ItemAnswerForm: two optional texts, always valid)."""
    form = ItemAnswerForm(request.POST, query=request.GET)
    form.is_valid()
    return form.cleaned_data


def _item_answer(
    request: HttpRequest, p: Participation, acc: perm.Access, code: str, kind: str, message: str
) -> HttpResponse:
    """After a change to an item's evidence: the row (self form), the explanation item, or a
    redirect for plain form posts."""
    where = _where(request)
    ctx = where["ctx"]
    if not _is_htmx(request) or ctx not in ("self", "explain"):
        messages.add_message(
            request, messages.SUCCESS if kind == "success" else messages.ERROR, message
        )
        library = reverse("evidence_library", args=[p.pk])
        return redirect(_safe_next(request, where["next"], library))
    if ctx == "explain":
        return _explain_response(request, p, acc, code, kind, message)
    node = p.cycle.methodology.tree.nodes.get(code)
    if node is None or not node.is_leaf:  # no row to answer (a forged or stale request)
        return render(
            request, "self/_message.html", {"kind": "error", "message": message}, status=404
        )
    return _leaf_response(request, form_state(p, acc), code, kind, message)


@login_required
@require_GET
def self_entry_evidence(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The link/upload panel of one item, loaded when its <details> is opened."""
    p, acc = _participation(request, pk)
    if code not in p.cycle.methodology.tree.nodes:
        raise Http404
    linked = set(
        EvidenceLink.objects.filter(entry__participation=p, entry__code=code).values_list(
            "evidence_id", flat=True
        )
    )
    docs = [d for d in _unit_evidence(p).only("pk", "title", "original_name") if d.pk not in linked]
    return render(
        request,
        "self/_evidence_panel.html",
        {
            "p": p,
            "code": code,
            "dom": dom_id(code),
            "docs": docs,
            "ctx": request.GET.get("ctx", "self"),
            "max_mb": _max_mb(),
        },
    )


@login_required
@require_POST
def self_evidence_link(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    p, acc = _participation(request, pk)
    if code not in p.cycle.methodology.tree.nodes:
        raise Http404
    form = EvidenceLinkForm(request.POST, documents=_unit_evidence(p))
    if not form.is_valid():
        return _item_answer(request, p, acc, code, "error", first_error(form))
    ev = form.cleaned_data["evidence"]
    try:
        services.evidence_link(
            participation=p,
            evidence=ev,
            code=code,
            page_ref=form.cleaned_data["page_ref"],
            user=request.user,
        )
        kind, message = "success", _("Đã gắn tài liệu “%(t)s”.") % {"t": ev}
    except services.ServiceError as exc:
        kind, message = "error", str(exc)
    return _item_answer(request, p, acc, code, kind, message)


@login_required
@require_POST
def self_evidence_unlink(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    try:
        link = EvidenceLink.objects.select_related("entry", "evidence").get(
            pk=link_pk, entry__participation=p
        )
    except EvidenceLink.DoesNotExist:
        raise Http404 from None
    link.entry.participation = p
    code = link.entry.code
    try:
        services.evidence_unlink(link=link, user=request.user)
        kind, message = (
            "success",
            _("Đã gỡ tài liệu “%(t)s” khỏi mục %(c)s.")
            % {
                "t": link.evidence,
                "c": code,
            },
        )
    except services.ServiceError as exc:
        kind, message = "error", str(exc)
    return _item_answer(request, p, acc, code, kind, message)


def _max_mb() -> int:
    from django.conf import settings

    return settings.EVIDENCE_MAX_BYTES // (1024 * 1024)


def _item_choices(p: Participation, acc: perm.Access) -> list[Node]:
    """Leaves the user may attach evidence to."""
    tree = p.cycle.methodology.tree
    return [n for n in tree.leaves if n.applies(p.unit.type) and acc.covers(n.code)]


def _evidence_open(p: Participation, acc: perm.Access) -> tuple[bool, str]:
    if not acc.handles_evidence():
        return False, _("Bạn chỉ có quyền xem tài liệu của đơn vị này.")
    return lifecycle.evidence_open(p, approver=perm.may_approve(acc))


def _library(
    request: HttpRequest, p: Participation, acc: perm.Access, form: EvidenceUploadForm, error: str
) -> HttpResponse:
    links = EvidenceLink.objects.select_related("entry").order_by("entry__code")
    docs = list(
        _unit_evidence(p)
        .select_related("uploaded_by")
        .prefetch_related(Prefetch("links", queryset=links))
    )
    for d in docs:
        for link in d.links.all():
            link.dom = dom_id(link.entry.code)
    can_change, why = _evidence_open(p, acc)
    return render(
        request,
        "self/library.html",
        {
            "p": p,
            "acc": acc,
            "docs": docs,
            "form": form,
            "error": error,
            "can_change": can_change,
            "why": why,
            "items": _item_choices(p, acc),
            "max_mb": _max_mb(),
            "nav": "home",
        },
    )


@login_required
@require_GET
def evidence_library(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    form = EvidenceUploadForm(initial={"code": request.GET.get("code", "")})
    return _library(request, p, acc, form, "")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        try:
            ev = services.evidence_upload(
                participation=p,
                file=form.cleaned_data["file"],
                user=request.user,
                title=form.cleaned_data["title"],
                doc_number=form.cleaned_data["doc_number"],
                doc_date=form.cleaned_data["doc_date"],
                issuer=form.cleaned_data["issuer"],
                link_code=form.cleaned_data["code"],
                page_ref=form.cleaned_data["page_ref"],
            )
        except services.ServiceError as exc:
            error = str(exc)
    else:
        error = errors_text(form)
    code = form.cleaned_data.get("code", "")
    if _where(request)["ctx"] in ("self", "explain") and code:
        if error:
            return _item_answer(
                request, p, acc, code, "error", _("Chưa tải lên: %(m)s") % {"m": error}
            )
        done = _("Đã tải lên “%(n)s”.") % {"n": ev.original_name}
        return _item_answer(request, p, acc, code, "success", _reused(ev) or done)
    if error:
        return _library(request, p, acc, form, error)
    messages.success(
        request,
        _reused(ev)
        or _("Đã tải lên “%(n)s” (SHA-256 %(h)s…).") % {"n": ev.original_name, "h": ev.sha256[:12]},
    )
    return redirect("evidence_library", pk=p.pk)


def _reused(ev: Evidence) -> str:
    """The message of an upload that reused the unit's document (same SHA-256), else ""."""
    if not ev.reused:
        return ""
    return _("Tệp này đã có trong kho tài liệu (“%(t)s”): dùng lại, không lưu thêm bản sao.") % {
        "t": ev
    }


@login_required
@require_POST
def library_link(request: HttpRequest, pk: int, ev_pk: int) -> HttpResponse:
    """Link a document of the library to the item chosen in its row."""
    p, _acc = _participation(request, pk)
    try:
        ev = _unit_evidence(p).get(pk=ev_pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    form = LibraryLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ServiceError(first_error(form))
        code = form.cleaned_data["code"]
        services.evidence_link(
            participation=p,
            evidence=ev,
            code=code,
            page_ref=form.cleaned_data["page_ref"],
            user=request.user,
        )
        messages.success(request, _("Đã gắn “%(t)s” vào mục %(c)s.") % {"t": ev, "c": code})
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("evidence_library", args=[p.pk]) + f"#ev-{ev.pk}")


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    try:
        ev = services.evidence_for_user(request.user, pk)
    except (Evidence.DoesNotExist, Participation.DoesNotExist):
        raise Http404 from None
    try:
        handle = ev.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=ev.original_name, content_type=ev.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
