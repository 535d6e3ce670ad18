"""The unit's side of the cycle: self-assessment form, evidence, explanation and results.

Views only parse input, call parindex.assessment.services and render. Each page fetches the
participation through the selectors (404 for units the user may not see) and computes the
engine's result once; htmx requests get fragments, other requests full pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from parindex.assessment import selectors as sel
from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Evidence, EvidenceLink, Participation
from parindex.core import InvalidValue, Methodology, Node, NodeResult, UnitResult, parse_value
from parindex.core.aggregate import STATUS_LABELS
from parindex.core.model import NOT_ALLOWED, SELF
from parindex.core.numbers import fmt_vn
from parindex.core.rules import Manual, Proportional, Thresholds
from parindex.core.values import Flag, NotArising, Number, Status
from parindex.web.templatetags.parindex import value_label

State = Cycle.State
NOT_ARISING = "không phát sinh"
YES_NO_CHOICES = (("có", gettext_lazy("Có")), ("không", gettext_lazy("Không")))
TIMELINESS_CHOICES = (
    ("đúng hạn", gettext_lazy("Đúng hạn")),
    ("chậm", gettext_lazy("Chậm")),
    ("không thực hiện", gettext_lazy("Không thực hiện")),
)


# --- helpers -----------------------------------------------------------------------------


def _participation(request: HttpRequest, pk: int) -> tuple[Participation, sel.Access]:
    try:
        return sel.participation_for_user(request.user, pk, sel.VIEW)
    except Participation.DoesNotExist:
        raise Http404 from None


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def dom_id(code: str) -> str:
    return "e-" + re.sub(r"[^0-9A-Za-z]+", "-", code)


def _entries(p: Participation) -> dict[str, Entry]:
    """Every entry of the unit with its evidence links, in two queries."""
    links = EvidenceLink.objects.select_related("evidence").order_by("pk")
    qs = p.entries.prefetch_related(Prefetch("links", queryset=links))
    return {e.code: e for e in qs}


def _unit_evidence(p: Participation):
    return Evidence.objects.filter(cycle=p.cycle, unit=p.unit)


def _plain_number(d: Decimal) -> str:
    """A Decimal as an HTML number input wants it: a dot, no exponent, no trailing zeros."""
    return format(d.normalize(), "f")


def _vn_number(d: Decimal) -> str:
    exponent = d.normalize().as_tuple().exponent
    places = min(4, max(0, -exponent)) if isinstance(exponent, int) else 2
    return fmt_vn(d, places)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
        return nxt
    return fallback


# --- rows of the form ----------------------------------------------------------------------


@dataclass
class LeafRow:
    """One leaf as the form shows it: its input, its points and its evidence."""

    node: Node
    entry: Entry | None
    result: NodeResult | None
    dom: str
    applies: bool
    organiser: bool  # survey/external data or bonus/deduction: entered by the organiser
    editable: bool
    input: str  # "number", "select" or "" (read-only)
    choices: tuple[tuple[str, Any], ...] = ()
    choice: str = ""
    number: str = ""
    step: str = "any"
    step_label: str = ""
    min: str = "0"
    max: str = ""
    unit_label: str = ""
    na_allowed: bool = False
    is_na: bool = False
    display: str = ""  # the value in words, for read-only rows
    lacking_evidence: bool = False
    message: str = ""
    message_kind: str = ""
    preserve_note: bool = False

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def links(self) -> list[EvidenceLink]:
        return list(self.entry.links.all()) if self.entry else []

    @property
    def points(self) -> Decimal | None:
        if self.result is None or not self.applies:
            return None
        if self.entry is None or self.entry.value == "":
            return None
        return self.result.points

    @property
    def note(self) -> str:
        return self.entry.note if self.entry else ""

    @property
    def explain_short(self) -> str:
        """The branch of the rule that gave the points (the full text is in `explanation`)."""
        r = self.result
        if r is None or not self.applies or self.entry is None or self.entry.value == "":
            return ""
        if r.status == "scored" and r.scored is not None:
            return r.scored.branch
        return STATUS_LABELS.get(r.status, "").capitalize()

    @property
    def explanation(self) -> str:
        return self.result.explanation if self.result is not None else ""


def _parsed(entry: Entry | None, node: Node) -> Any:
    if entry is None or entry.value == "" or node.rule is None:
        return None
    try:
        return parse_value(entry.value, node.rule.expects)
    except InvalidValue:
        return None


def _display(value: Any, raw: str, suffix: str, node: Node) -> str:
    """The value in words for read-only rows: 82,5% / 2 lần / Đúng hạn."""
    if value is None:
        return raw
    if isinstance(value, Number):
        return f"{_vn_number(value.value)}{suffix}"
    return value_label(raw, node)


def leaf_row(
    tree: Methodology,
    p: Participation,
    acc: sel.Access,
    node: Node,
    entry: Entry | None,
    result: UnitResult,
    open_: bool,
    adjustment: bool = False,
) -> LeafRow:
    rule = node.rule
    kind = rule.kind if rule else ""
    applies = node.applies(p.unit.type)
    organiser = adjustment or node.method != SELF
    editable = (
        open_ and applies and not organiser and acc.can(sel.EDIT_SELF) and acc.covers(node.code)
    )
    row = LeafRow(
        node=node,
        entry=entry,
        result=result.nodes.get(node.code),
        dom=dom_id(node.code),
        applies=applies,
        organiser=organiser,
        editable=editable,
        input="",
        na_allowed=not adjustment and tree.policy(node) != NOT_ALLOWED,
    )
    value = _parsed(entry, node)
    row.is_na = isinstance(value, NotArising)
    if isinstance(rule, Manual):
        row.input = "number"
        row.step = _plain_number(rule.step) if rule.step > 0 else "any"
        row.step_label = _vn_number(rule.step) if rule.step > 0 else ""
        row.max = _plain_number(node.max_points)
    elif isinstance(rule, Thresholds):
        row.input = "number"
        if rule.over == "percent":
            row.max, row.unit_label = "100", "%"
        else:
            row.step, row.unit_label = "1", _("số lượng")
    elif isinstance(rule, Proportional):
        row.input = "number"
        if rule.full_at == 100:
            row.unit_label = "%"
    elif kind in ("survey",):
        row.input, row.unit_label = "number", "%"
    elif kind == "yes_no":
        row.input, row.choices = "select", YES_NO_CHOICES
    elif kind == "timeliness":
        row.input, row.choices = "select", TIMELINESS_CHOICES
    elif kind in ("bonus", "deduction"):
        row.input = "number"
        row.unit_label = _("lần") if getattr(rule, "per_unit", None) else _("điểm")
    if isinstance(value, Number):
        row.number = _plain_number(value.value)
    elif isinstance(value, Flag):
        row.choice = "có" if value.value else "không"
    elif isinstance(value, Status):
        row.choice = str(value)
    elif row.is_na:
        row.choice = NOT_ARISING
    suffix = "%" if row.unit_label == "%" else ""
    if kind in ("bonus", "deduction") and getattr(rule, "per_unit", None):
        suffix = " " + row.unit_label
    row.display = _display(value, entry.value if entry else "", suffix, node)
    row.lacking_evidence = (
        applies
        and not organiser
        and entry is not None
        and entry.value != ""
        and not row.is_na
        and not entry.links.all()
    )
    return row


@dataclass
class FormState:
    """Everything the self-assessment page needs, computed once per request."""

    p: Participation
    acc: sel.Access
    tree: Methodology
    entries: dict[str, Entry]
    result: UnitResult
    progress: services.Progress
    open: bool
    why_closed: str

    def row(self, code: str, adjustment: bool = False) -> LeafRow:
        node = self.tree.nodes[code]
        return leaf_row(
            self.tree,
            self.p,
            self.acc,
            node,
            self.entries.get(code),
            self.result,
            self.open,
            adjustment,
        )

    @property
    def rows(self) -> list[tuple[str, Any]]:
        """("field"|"criterion", (node, result)) or ("leaf", LeafRow), in tree order."""
        out: list[tuple[str, Any]] = []
        for f in self.tree.fields:
            for node in f.walk():
                if node.is_leaf:
                    out.append(("leaf", self.row(node.code)))
                else:
                    kind = "field" if node.depth == 1 else "criterion"
                    out.append((kind, (node, self.result.nodes.get(node.code))))
        return out

    @property
    def adjustment_rows(self) -> list[LeafRow]:
        return [self.row(a.code, adjustment=True) for a in self.tree.adjustments]

    @property
    def missing(self) -> int:
        return self.progress.total - self.progress.scored

    @property
    def percent_done(self) -> int:
        if not self.progress.total:
            return 0
        return round(self.progress.scored * 100 / self.progress.total)

    @property
    def can_submit(self) -> bool:
        return self.acc.can(sel.SUBMIT) and self.open

    @property
    def can_withdraw(self) -> bool:
        return (
            self.acc.can(sel.SUBMIT)
            and self.p.status == Participation.Status.SUBMITTED
            and self.p.cycle.state in (State.OPEN, State.SELF_CLOSED)
        )

    @property
    def can_edit_any(self) -> bool:
        return self.open and self.acc.can(sel.EDIT_SELF)


def form_state(p: Participation, acc: sel.Access) -> FormState:
    entries = _entries(p)
    listed = list(entries.values())
    result = services.unit_result(p, "self", listed)
    progress = services.participation_progress(p, listed, result=result)
    open_, why = services.self_assessment_open(p)
    return FormState(p, acc, p.cycle.methodology.tree, entries, result, progress, open_, why)


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


# --- the self-assessment form --------------------------------------------------------------


@login_required
@require_GET
def self_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc = _participation(request, pk)
    st = form_state(p, acc)
    return render(
        request,
        "self/form.html",
        {"st": st, "p": p, "nav": "home", "explaining": p.cycle.state == State.EXPLANATION},
    )


@login_required
@require_POST
def self_entry_save(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Save one leaf's value and note (htmx: answer the row and the progress summary)."""
    p, acc = _participation(request, pk)
    node = p.cycle.methodology.tree.nodes.get(code)
    if node is None or not node.is_leaf:
        raise Http404
    value = NOT_ARISING if request.POST.get("na") else request.POST.get("value", "")
    note = request.POST.get("note")
    version = _int(request.POST.get("version"))
    try:
        services.entry_save_self(
            participation=p, code=code, value=value, note=note, version=version, user=request.user
        )
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
def self_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    p, _acc = _participation(request, pk)
    try:
        services.participation_withdraw(participation=p, user=request.user)
        messages.success(request, _("Đã rút lại kết quả tự đánh giá để sửa."))
    except services.ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("self_assessment", pk=p.pk)


# --- evidence attached to one item -----------------------------------------------------------


def _item_answer(
    request: HttpRequest, p: Participation, acc: sel.Access, code: str, kind: str, message: str
) -> HttpResponse:
    """After a change to an item's evidence: the row (self form), the explanation item, or a
    redirect for plain form posts."""
    ctx = request.POST.get("ctx") or request.GET.get("ctx") or ""
    if not _is_htmx(request) or ctx not in ("self", "explain"):
        messages.add_message(
            request, messages.SUCCESS if kind == "success" else messages.ERROR, message
        )
        return redirect(_safe_next(request, reverse("evidence_library", args=[p.pk])))
    if ctx == "explain":
        return _explain_response(request, p, acc, code, kind, message)
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
    try:
        ev = _unit_evidence(p).get(pk=_int(request.POST.get("evidence")) or 0)
    except Evidence.DoesNotExist:
        return _item_answer(request, p, acc, code, "error", _("Hãy chọn một tài liệu của đơn vị."))
    try:
        services.evidence_link(
            participation=p,
            evidence=ev,
            code=code,
            page_ref=request.POST.get("page_ref", ""),
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


# --- evidence library, upload and download ------------------------------------------------


def _max_mb() -> int:
    from django.conf import settings

    return settings.EVIDENCE_MAX_BYTES // (1024 * 1024)


class EvidenceUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp (PDF, DOCX, XLSX, PNG, JPEG)"))
    title = forms.CharField(label=gettext_lazy("Trích yếu"), max_length=300, required=False)
    doc_number = forms.CharField(label=gettext_lazy("Số, ký hiệu"), max_length=100, required=False)
    doc_date = forms.DateField(
        label=gettext_lazy("Ngày ban hành"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    issuer = forms.CharField(label=gettext_lazy("Cơ quan ban hành"), max_length=200, required=False)
    code = forms.CharField(label=gettext_lazy("Gắn vào mục"), max_length=32, required=False)
    page_ref = forms.CharField(label=gettext_lazy("Trang/mục"), max_length=100, required=False)


def _item_choices(p: Participation, acc: sel.Access) -> list[Node]:
    """Leaves the user may attach evidence to."""
    tree = p.cycle.methodology.tree
    return [n for n in tree.leaves if n.applies(p.unit.type) and acc.covers(n.code)]


def _evidence_open(p: Participation, acc: sel.Access) -> tuple[bool, str]:
    if not (acc.can(sel.EDIT_SELF) or acc.can(sel.EXPLAIN)):
        return False, _("Bạn chỉ có quyền xem tài liệu của đơn vị này.")
    ok, why = services.self_assessment_open(p)
    if ok or p.cycle.state == State.EXPLANATION:
        return True, ""
    return False, why


def _library(
    request: HttpRequest, p: Participation, acc: sel.Access, form: EvidenceUploadForm, error: str
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
    code = request.POST.get("code", "")
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
        error = " ".join(str(e) for errs in form.errors.values() for e in errs)
    if request.POST.get("ctx") in ("self", "explain") and code:
        if error:
            return _item_answer(
                request, p, acc, code, "error", _("Chưa tải lên: %(m)s") % {"m": error}
            )
        return _item_answer(
            request, p, acc, code, "success", _("Đã tải lên “%(n)s”.") % {"n": ev.original_name}
        )
    if error:
        return _library(request, p, acc, form, error)
    messages.success(
        request,
        _("Đã tải lên “%(n)s” (SHA-256 %(h)s…).") % {"n": ev.original_name, "h": ev.sha256[:12]},
    )
    return redirect("evidence_library", pk=p.pk)


@login_required
@require_POST
def library_link(request: HttpRequest, pk: int, ev_pk: int) -> HttpResponse:
    """Link a document of the library to the item chosen in its row."""
    p, _acc = _participation(request, pk)
    try:
        ev = _unit_evidence(p).get(pk=ev_pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    code = request.POST.get("code", "").strip()
    try:
        if not code:
            raise services.ServiceError(_("Hãy chọn mục cần gắn tài liệu."))
        services.evidence_link(
            participation=p,
            evidence=ev,
            code=code,
            page_ref=request.POST.get("page_ref", ""),
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


# --- explanation (giải trình) ---------------------------------------------------------------


@dataclass
class ExplainItem:
    node: Node
    entry: Entry
    dom: str
    editable: bool
    message: str = ""
    message_kind: str = ""
    preserve_text: bool = False

    @property
    def diff(self) -> Decimal:
        return (self.entry.r1_points or Decimal(0)) - (self.entry.self_points or Decimal(0))

    @property
    def links(self) -> list[EvidenceLink]:
        return list(self.entry.links.all())


def _explain_open(p: Participation, acc: sel.Access) -> tuple[bool, str]:
    if p.cycle.state != State.EXPLANATION:
        return False, _("Kỳ đánh giá không ở giai đoạn giải trình (hiện: %(s)s).") % {
            "s": p.cycle.get_state_display()
        }
    if p.cycle.explanation_end and timezone.now() > p.cycle.explanation_end:
        return False, _("Đã hết hạn giải trình.")
    if not acc.can(sel.EXPLAIN):
        return False, _("Bạn chỉ có quyền xem.")
    return True, ""


def _explain_items(p: Participation, acc: sel.Access, entries: dict[str, Entry]) -> list:
    tree = p.cycle.methodology.tree
    open_, _why = _explain_open(p, acc)
    items = []
    for node in tree.leaves:
        e = entries.get(node.code)
        if e is not None and e.disputed:
            items.append(ExplainItem(node, e, dom_id(node.code), open_ and acc.covers(node.code)))
    return items


def _explain_response(
    request: HttpRequest, p: Participation, acc: sel.Access, code: str, kind: str, message: str
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
    try:
        services.entry_explain(
            entry=entry,
            text=request.POST.get("text", ""),
            version=_int(request.POST.get("version")),
            user=request.user,
        )
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


# --- stage comparison ----------------------------------------------------------------------

_ORDER = [s.value for s in State]


def _reached(p: Participation, acc: sel.Access, stage: str) -> bool:
    """Whether a stage's points may be shown: once the cycle has passed it, or while it runs
    to the council and the organiser."""
    state = _ORDER.index(p.cycle.state)
    staff = acc.can(sel.APPRAISE) or acc.can(sel.MANAGE)
    if stage == "self":
        return True
    if stage == "r1":
        return state >= _ORDER.index(State.EXPLANATION) or (
            staff and state >= _ORDER.index(State.APPRAISAL)
        )
    if stage == "r2":
        return state >= _ORDER.index(State.FINAL) or (
            staff and state >= _ORDER.index(State.APPRAISAL_2)
        )
    return state >= _ORDER.index(State.FINAL)


@dataclass
class StageSummary:
    code: str
    label: str
    result: UnitResult | None
    base: UnitResult | None  # the self-assessment, to compare with

    @property
    def css(self) -> str:
        r, b = self.result, self.base
        if r is None or b is None or self.code == "self" or r.points == b.points:
            return ""
        return "diff-down" if r.points < b.points else "diff-up"


@dataclass
class StageCell:
    points: Decimal | None
    css: str = ""


@dataclass
class CompareRow:
    kind: str  # field / criterion / leaf / adjustment
    node: Node
    max_points: Decimal | None
    cells: list[StageCell]
    entry: Entry | None = None
    applies: bool = True


def _compare_rows(
    tree: Methodology,
    results: dict[str, UnitResult | None],
    entries: dict[str, Entry],
    unit_type: str,
) -> list[CompareRow]:
    rows = []
    base = results["self"]
    assert base is not None
    for f in tree.fields:
        for node in f.walk():
            kind = "leaf" if node.is_leaf else ("field" if node.depth == 1 else "criterion")
            mine = base.nodes.get(node.code)
            cells = []
            for stage in services.STAGES:
                res = results[stage]
                nr = res.nodes.get(node.code) if res else None
                if nr is None:
                    cells.append(StageCell(None))
                    continue
                css = ""
                if mine is not None and stage != "self":
                    if nr.points < mine.points:
                        css = "diff-down"
                    elif nr.points > mine.points:
                        css = "diff-up"
                cells.append(StageCell(nr.points, css))
            rows.append(
                CompareRow(
                    kind,
                    node,
                    mine.max_points if mine else None,
                    cells,
                    entries.get(node.code),
                    node.applies(unit_type),
                )
            )
    return rows


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
            "rows": _compare_rows(tree, results, entries, p.unit.type),
            "adjustments": adjustments,
            "nav": "home",
            "can_edit": acc.can(sel.EDIT_SELF),
        },
    )
