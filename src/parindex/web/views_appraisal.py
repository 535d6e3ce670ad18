"""Appraisal (thẩm định) by the council, and the read-only audit log pages. Views only
parse, call services and render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.assessment import selectors as sel
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry
from parindex.core import Node, UnitResult, fmt_vn
from parindex.core.model import SELF

State = Cycle.State
ROUND_OF_STATE: dict[str, int] = {State.APPRAISAL: 1, State.APPRAISAL_2: 2}


def _participation(user: Any, pk: int) -> tuple[Participation, sel.Access]:
    try:
        return sel.participation_for_user(user, pk)
    except Participation.DoesNotExist:
        raise Http404 from None


def _appraisal_participation(user: Any, pk: int) -> tuple[Participation, sel.Access, bool]:
    """The participation (404 if not visible), its access, and whether the user manages the
    cycle; 403 for those who see the unit but neither appraise nor manage."""
    p, acc = _participation(user, pk)
    manage = svc.can_manage(user, p.cycle)
    if not (acc.can(sel.APPRAISE) or manage):
        raise PermissionDenied
    return p, acc, manage


def _appraisable(tree: Any, unit_type: str) -> list[Node]:
    """Leaves the council appraises: the unit's own (self-assessed) items that apply."""
    return [n for n in tree.leaves if n.method == SELF and n.applies(unit_type)]


def _round_points(e: Entry | None, rnd: int) -> Decimal | None:
    if e is None:
        return None
    return e.r1_points if rnd == 1 else e.r2_points


# --- list ------------------------------------------------------------------------------------


@dataclass
class Task:
    p: Participation
    acc: sel.Access
    rnd: int  # the current round, or the last one held
    active: bool  # the round is open now
    done: int
    total: int


@dataclass
class CycleTasks:
    cycle: Cycle
    tasks: list[Task]
    waiting: int  # assigned units that have not submitted


# The round shown per state: the current one, else the last one held.
SHOWN_ROUND: dict[str, int] = {
    State.APPRAISAL: 1,
    State.EXPLANATION: 1,
    State.APPRAISAL_2: 2,
    State.FINAL: 2,
    State.PUBLISHED: 2,
}


@login_required
def appraisal_list(request: HttpRequest) -> HttpResponse:
    """The units the user appraises (submitted ones) in cycles that reached appraisal, with
    the round's progress; cycles with an open round first."""
    cycles = [c for c in sel.cycles_visible_to(request.user) if c.state in SHOWN_ROUND]
    parts = Participation.objects.filter(cycle__in=cycles).select_related(
        "unit", "cycle", "cycle__methodology", "cycle__organiser"
    )
    mine = [(p, a) for p in parts if (a := sel.access(request.user, p)).can(sel.APPRAISE)]
    submitted = [(p, a) for p, a in mine if p.status == Participation.Status.SUBMITTED]
    done_codes: dict[tuple[int, int], set[str]] = {}
    ids = [p.pk for p, _a in submitted]
    for number, column in ((1, "r1_points"), (2, "r2_points")):
        rows = Entry.objects.filter(participation_id__in=ids, **{f"{column}__isnull": False})
        for pid, code in rows.values_list("participation_id", "code"):
            done_codes.setdefault((pid, number), set()).add(code)
    groups = {c.pk: CycleTasks(c, [], 0) for c in cycles}
    for p, a in mine:
        group = groups[p.cycle_id]
        if p.status != Participation.Status.SUBMITTED:
            group.waiting += 1
            continue
        rnd = SHOWN_ROUND[p.cycle.state]
        leaves = [
            n for n in _appraisable(p.cycle.methodology.tree, p.unit.type) if a.covers(n.code)
        ]
        codes = done_codes.get((p.pk, rnd), set())
        done = sum(1 for n in leaves if n.code in codes)
        group.tasks.append(Task(p, a, rnd, p.cycle.state in ROUND_OF_STATE, done, len(leaves)))
    shown = [g for g in groups.values() if g.tasks or g.waiting]
    shown.sort(key=lambda g: (g.cycle.state not in ROUND_OF_STATE, -g.cycle.year))
    return render(request, "appraisal/list.html", {"nav": "cycles", "groups": shown})


# --- per unit --------------------------------------------------------------------------------


@dataclass
class LeafRow:
    node: Node
    entry: Entry | None
    applies: bool
    editable: bool
    rnd: int | None
    message: str = ""
    error: bool = False
    form: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.entry.version if self.entry else 0

    @property
    def base(self) -> Decimal | None:
        """What 'accept' gives in the current round: round 1 takes the self-assessed points,
        round 2 the round-1 points (else the self-assessed ones)."""
        e = self.entry
        if e is None:
            return None
        if self.rnd == 2 and e.r1_points is not None:
            return e.r1_points
        return e.self_points

    @property
    def current(self) -> Decimal | None:
        return _round_points(self.entry, self.rnd) if self.rnd else None

    @property
    def current_reason(self) -> str:
        e = self.entry
        if e is None or not self.rnd:
            return ""
        return e.get_r1_reason_display() if self.rnd == 1 else e.get_r2_reason_display()

    @property
    def current_comment(self) -> str:
        e = self.entry
        if e is None or not self.rnd:
            return ""
        return e.r1_comment if self.rnd == 1 else e.r2_comment

    @property
    def current_by(self) -> Any:
        e = self.entry
        if e is None or not self.rnd:
            return None
        return e.r1_by if self.rnd == 1 else e.r2_by

    @property
    def state(self) -> str:
        cur, base = self.current, self.base
        if cur is None:
            return ""
        return "cut" if cur < (base or 0) else "done"

    @property
    def links(self) -> list[Any]:
        return list(self.entry.links.all()) if self.entry else []


def _round(cycle: Cycle) -> int | None:
    return ROUND_OF_STATE.get(cycle.state)


def _shown_stage(cycle: Cycle) -> str | None:
    """The appraisal stage whose points the page shows beside the self-assessed ones."""
    stages: dict[str, str] = {
        State.APPRAISAL: "r1",
        State.EXPLANATION: "r1",
        State.APPRAISAL_2: "r2",
        State.FINAL: "final",
        State.PUBLISHED: "final",
    }
    return stages.get(cycle.state)


def _entries(p: Participation) -> dict[str, Entry]:
    qs = p.entries.select_related("r1_by", "r2_by").prefetch_related("links__evidence")
    return {e.code: e for e in qs}


def _leaf_row(
    p: Participation, acc: sel.Access, node: Node, entry: Entry | None, **extra: Any
) -> LeafRow:
    rnd = _round(p.cycle)
    applies = node.applies(p.unit.type)
    editable = bool(
        rnd
        and applies
        and node.method == SELF
        and acc.can(sel.APPRAISE)
        and acc.covers(node.code)
        and p.status == Participation.Status.SUBMITTED
    )
    return LeafRow(node, entry, applies, editable, rnd, **extra)


@dataclass
class Progress:
    rnd: int | None  # the current round, or the last one held
    done: int
    total: int
    mine_done: int
    mine_total: int
    self_result: UnitResult
    stage_result: UnitResult | None
    stage: str | None
    active: bool

    @property
    def diff(self) -> Decimal | None:
        if self.stage_result is None:
            return None
        return self.stage_result.points - self.self_result.points


def _progress(p: Participation, acc: sel.Access, entries: dict[str, Entry]) -> Progress:
    tree = p.cycle.methodology.tree
    rnd = SHOWN_ROUND.get(p.cycle.state)
    leaves = _appraisable(tree, p.unit.type)
    done = [n for n in leaves if rnd and _round_points(entries.get(n.code), rnd) is not None]
    mine = [n for n in leaves if acc.covers(n.code)]
    stage = _shown_stage(p.cycle)
    listed = list(entries.values())
    return Progress(
        rnd,
        len(done),
        len(leaves),
        sum(1 for n in done if acc.covers(n.code)),
        len(mine),
        svc.unit_result(p, "self", listed),
        svc.unit_result(p, stage, listed) if stage else None,
        stage,
        p.cycle.state in ROUND_OF_STATE,
    )


def _context_common(p: Participation, acc: sel.Access) -> dict[str, Any]:
    states = list(State.values)
    return {
        "show_actions": bool(_round(p.cycle)) and acc.can(sel.APPRAISE),
        "limited": acc.codes,
        "reasons": Entry.Reason.choices,
        "p": p,
        "cycle": p.cycle,
        "rnd": _round(p.cycle),
        "show_r2": states.index(p.cycle.state) >= states.index(State.APPRAISAL_2),
    }


@login_required
def appraisal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p, acc, manage = _appraisal_participation(request.user, pk)
    tree = p.cycle.methodology.tree
    entries = _entries(p)
    progress = _progress(p, acc, entries)
    rows: list[tuple[str, Any]] = []
    for f in tree.fields:
        for node in f.walk():
            if node.is_leaf:
                rows.append(("leaf", _leaf_row(p, acc, node, entries.get(node.code))))
            else:
                rows.append(("group", node))
    adjustments = [(a, entries.get(a.code)) for a in tree.adjustments if a.applies(p.unit.type)]
    rnd = _round(p.cycle)
    if not rnd:
        notice = _("Kỳ đánh giá đang ở giai đoạn “%(s)s”: trang này chỉ để xem.") % {
            "s": p.cycle.get_state_display()
        }
    elif p.status != Participation.Status.SUBMITTED:
        notice = _("Đơn vị chưa gửi kết quả tự đánh giá: chưa thể thẩm định.")
    elif not acc.can(sel.APPRAISE):
        notice = _("Bạn không phải thành viên Hội đồng thẩm định của đơn vị này: chỉ xem.")
    else:
        notice = ""
    return render(
        request,
        "appraisal/detail.html",
        {
            **_context_common(p, acc),
            "nav": "cycles",
            "acc": acc,
            "manage": manage,
            "rows": rows,
            "adjustments": adjustments,
            "progress": progress,
            "notice": notice,
        },
    )


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _parse_points(raw: str) -> Decimal:
    text = raw.strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise svc.ServiceError(_("Điểm “%(p)s” không phải là số.") % {"p": raw}) from None
    if not value.is_finite():
        raise svc.ServiceError(_("Điểm “%(p)s” không phải là số.") % {"p": raw})
    return value


@login_required
def appraisal_entry(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Accept or adjust one item in the current round (htmx: answers the table row)."""
    if request.method != "POST":
        return redirect("appraisal_detail", pk)
    p, acc = _participation(request.user, pk)
    if not acc.can(sel.APPRAISE):
        raise PermissionDenied
    tree = p.cycle.methodology.tree
    node = tree.nodes.get(code)
    if node is None or not node.is_leaf or code in {a.code for a in tree.adjustments}:
        raise Http404
    action = request.POST.get("action", "")
    form = {k: request.POST.get(k, "") for k in ("points", "reason", "comment")}
    message, error = "", False
    try:
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            raise svc.ServiceError(_("Thiếu phiên bản của mục; hãy tải lại trang.")) from None
        if action == "accept":
            points = None
        elif action == "adjust":
            if not form["points"].strip():
                raise svc.ServiceError(_("Hãy nhập điểm thẩm định."))
            points = _parse_points(form["points"])
        else:
            raise svc.ServiceError(_("Thao tác không hợp lệ."))
        entry = svc.entry_appraise_code(
            participation=p,
            code=code,
            points=points,
            reason=form["reason"] if action == "adjust" else "",
            comment=form["comment"],
            version=version,
            user=request.user,
        )
        message = _("Đã lưu: %(p)s điểm.") % {
            "p": fmt_vn(_round_points(entry, _round(p.cycle) or 1) or Decimal(0), 2)
        }
        form = {}
    except svc.Conflict as exc:
        message, error = str(exc), True
    except svc.ServiceError as exc:
        message, error = str(exc), True
    if not request.headers.get("HX-Request"):
        (messages.error if error else messages.success)(request, f"{code}: {message}")
        return redirect(reverse("appraisal_detail", args=[p.pk]) + f"#m-{code}")
    entries = _entries(p)
    row = _leaf_row(
        p, acc, node, entries.get(code), message=message, error=error, form=form if error else {}
    )
    return render(
        request,
        "appraisal/_leaf_response.html",
        {
            **_context_common(p, acc),
            "r": row,
            "progress": _progress(p, acc, entries),
            "groups": [tree.nodes[c] for c in _ancestors(code)],
        },
    )


# --- audit log -------------------------------------------------------------------------------

ACTION_LABELS = {
    "methodology.installed": gettext_lazy("Cài đặt bộ tiêu chí"),
    "cycle.created": gettext_lazy("Tạo kỳ đánh giá"),
    "cycle.state_changed": gettext_lazy("Chuyển giai đoạn kỳ đánh giá"),
    "cycle.schedule_updated": gettext_lazy("Sửa lịch kỳ đánh giá"),
    "cycle.external_imported": gettext_lazy("Nhập số liệu từ tệp CSV"),
    "entry.self_saved": gettext_lazy("Lưu tự đánh giá"),
    "entry.external_set": gettext_lazy("Nhập số liệu điều tra/số liệu ngoài/điểm thưởng, trừ"),
    "entry.appraised_r1": gettext_lazy("Thẩm định vòng 1"),
    "entry.appraised_r2": gettext_lazy("Thẩm định vòng 2"),
    "entry.explained": gettext_lazy("Giải trình"),
    "participation.submitted": gettext_lazy("Phê duyệt, gửi kết quả tự đánh giá"),
    "participation.withdrawn": gettext_lazy("Rút lại kết quả tự đánh giá đã gửi"),
    "participation.late_entry_granted": gettext_lazy("Gia hạn nhập sau thời hạn"),
    "participation.report_saved": gettext_lazy("Lưu báo cáo tự đánh giá"),
    "evidence.uploaded": gettext_lazy("Tải lên tài liệu kiểm chứng"),
    "evidence.linked": gettext_lazy("Gắn tài liệu kiểm chứng vào mục"),
    "evidence.unlinked": gettext_lazy("Gỡ tài liệu kiểm chứng khỏi mục"),
    "evidence.deleted": gettext_lazy("Xóa tài liệu kiểm chứng"),
}
KEY_LABELS = {
    "value": gettext_lazy("giá trị"),
    "points": gettext_lazy("điểm"),
    "note": gettext_lazy("thuyết minh"),
    "reason": gettext_lazy("lý do"),
    "comment": gettext_lazy("nhận xét"),
    "explanation": gettext_lazy("giải trình"),
}
DETAIL_LABELS = {
    "reason": gettext_lazy("lý do"),
    "name": gettext_lazy("tệp"),
    "page_ref": gettext_lazy("trang/mục"),
    "rows": gettext_lazy("số dòng"),
    "units": gettext_lazy("số đơn vị"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_value(key: str, v: Any) -> str:
    """One logged value for people: points with a decimal comma, reasons and states by
    their labels, dates as dd/mm/yyyy HH:MM."""
    if v is None or v == "":
        return "–"
    if key == "points":
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            return str(v)
        return fmt_vn(d, 2 if d == d.quantize(Decimal("0.01")) else 4)
    if key == "reason" and v in Entry.Reason.values:
        return str(Entry.Reason(v).label)
    if key == "state" and v in State.values:
        return str(State(v).label)
    if isinstance(v, str) and len(v) >= 10 and v[4:5] == "-" and v[7:8] == "-":
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            return _short(v)
        if len(v) == 10:
            return dt.strftime("%d/%m/%Y")
        if timezone.is_aware(dt):
            dt = timezone.localtime(dt)
        return dt.strftime("%d/%m/%Y %H:%M")
    return _short(str(v))


def _changes(log: LogEntry) -> list[tuple[str, str, str]]:
    """(what, old, new) for each changed value of a log entry."""
    data = log.data or {}
    if "old" not in data and "new" not in data:
        return []
    old, new = data.get("old"), data.get("new")
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = old or {}, new or {}
        out = []
        for k in list(dict.fromkeys([*new, *old])):
            if old.get(k) == new.get(k):
                continue
            if k in svc.SCHEDULE_FIELDS:
                label = svc.schedule_label(k)
            else:
                label = str(KEY_LABELS.get(k, k))
            out.append((label, _fmt_value(k, old.get(k)), _fmt_value(k, new.get(k))))
        return out
    key = "state" if log.action == "cycle.state_changed" else ""
    if log.action == "entry.explained":
        key = "explanation"
    return [(str(KEY_LABELS.get(key, "")), _fmt_value(key, old), _fmt_value(key, new))]


def _details(log: LogEntry) -> list[tuple[str, str]]:
    data = log.data or {}
    return [(str(label), _short(str(data[k]))) for k, label in DETAIL_LABELS.items() if data.get(k)]


@dataclass
class LogRow:
    log: LogEntry
    label: str
    changes: list[tuple[str, str, str]]
    details: list[tuple[str, str]]


def _audit_page(
    request: HttpRequest, p: Participation, code: str | None, node: Node | None
) -> HttpResponse:
    qs = LogEntry.objects.filter(cycle=p.cycle, unit=p.unit).select_related("actor")
    if code:
        qs = qs.filter(Q(code=code) | Q(code__startswith=f"{code}."))
    page = Paginator(qs.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    rows = [LogRow(log, action_label(log.action), _changes(log), _details(log)) for log in page]
    return render(
        request,
        "audit/log.html",
        {
            "nav": "cycles",
            "p": p,
            "cycle": p.cycle,
            "code": code,
            "node": node,
            "page": page,
            "rows": rows,
            "can_appraise_page": sel.access(request.user, p).can(sel.APPRAISE)
            or svc.can_manage(request.user, p.cycle),
        },
    )


@login_required
def audit_participation(request: HttpRequest, pk: int) -> HttpResponse:
    p, _acc = _participation(request.user, pk)
    return _audit_page(request, p, None, None)


@login_required
def audit_item(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    p, _acc = _participation(request.user, pk)
    node = p.cycle.methodology.tree.nodes.get(code)
    if node is None:
        raise Http404
    return _audit_page(request, p, code, node)
