"""The set-up pages (/thiet-lap/...): views parse, call a service, render. Every page asks
permissions.can_setup; objects outside the user's set-up answer 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.accounts.models import Membership, OrgUnit
from parindex.assessment import permissions as perm
from parindex.assessment.models import MethodologyVersion
from parindex.common.collation import person_key, unit_key, vn_key
from parindex.core import ValidationFailed

from . import forms as f
from . import services as svc
from . import workbook as wb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
F = TypeVar("F", bound=forms.BaseForm)
T = TypeVar("T")


def setup_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not perm.can_setup(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _bound(request: HttpRequest, form_class: type[F], *, files: bool = False, **kwargs: Any) -> F:
    """The page's form: bound on POST (even an empty one), unbound otherwise."""
    if request.method != "POST":
        return form_class(**kwargs)
    if files:
        return form_class(request.POST, request.FILES, **kwargs)
    return form_class(request.POST, **kwargs)


def _saved(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[dict[str, Any]], T | None],
    done: Callable[[T], HttpResponse],
) -> HttpResponse | None:
    """What every set-up form does: on a valid POST, `save` its data through a service
    (returning what it saved, or None when it was refused with the reasons shown on the
    page); a SetupRefused goes on the field it names. Saved: `done` answers (a message and
    a redirect, _done). None: the page is shown (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except svc.SetupRefused as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return None
    return None if result is None else done(result)


def _done(request: HttpRequest, message: str, *to: Any) -> HttpResponse:
    messages.success(request, message)
    return redirect(*to)


def _site(request: HttpRequest) -> str:
    """The address links in e-mails start with: the one people reach the site at."""
    return request.build_absolute_uri("/").rstrip("/")


def _page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(request, f"setup/{template}", {"nav": "setup", **context})


def _form_page(request: HttpRequest, form: Any, title: str, **context: Any) -> HttpResponse:
    return _page(request, "form.html", form=form, title=title, **context)


def _unit_tree(units: list[OrgUnit]) -> list[tuple[OrgUnit, int]]:
    ids = {u.pk for u in units}
    children: dict[Any, list[OrgUnit]] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[tuple[OrgUnit, int]] = []
    stack = [(u, 0) for u in sorted(children.get(None, []), key=lambda u: u.code, reverse=True)]
    while stack:
        u, depth = stack.pop()
        out.append((u, min(depth, 6)))
        kids = sorted(children.get(u.pk, []), key=unit_key, reverse=True)
        stack.extend((c, depth + 1) for c in kids)
    return out


@setup_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = list(f.units_in_scope(user).select_related("parent"))
    accounts = sorted(
        f.accounts_in_scope(user).prefetch_related("memberships__unit"), key=person_key
    )
    scope = perm.setup_units(user)
    members = Membership.objects.select_related("user", "unit", "target", "cycle")
    if not scope.all:
        members = members.filter(unit_id__in=scope.ids)
    appraisers, leads = [], []

    def by_name(m: Membership) -> tuple[bytes, tuple[bytes, bytes, str]]:
        return (vn_key(m.unit.name if m.unit else ""), person_key(m.user))

    for m in sorted(members, key=by_name):
        kind = perm.assignment_kind(m.role)
        if kind == perm.ASSIGNMENT_LEAD:
            leads.append(m)
        elif kind == perm.ASSIGNMENT_APPRAISAL:
            appraisers.append(m)
    return _page(
        request,
        "home.html",
        tree=_unit_tree(units),
        accounts=accounts,
        appraisers=appraisers,
        leads=leads,
        methodologies=MethodologyVersion.objects.order_by("code", "-version"),
        cycles=f.cycles_in_scope(user),
        retired=svc.RETIRED,
    )


def _unit_for(user: Any, pk: int) -> OrgUnit:
    unit = get_object_or_404(OrgUnit, pk=pk)
    if not perm.can_setup(user, unit):
        raise Http404
    return unit


@setup_required
def unit_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    unit = _unit_for(request.user, pk) if pk is not None else None
    initial = {}
    if unit is not None:
        initial = {
            "code": unit.code,
            "name": unit.name,
            "type": unit.type,
            "parent": unit.parent_id,
            "predecessors": unit.predecessors,
        }
    form = _bound(request, f.UnitForm, user=request.user, initial=initial)
    answer = _saved(
        request,
        form,
        lambda data: svc.unit_save(user=request.user, unit=unit, **data),
        lambda saved: _done(request, _("Đã lưu đơn vị “%(u)s”.") % {"u": saved.name}, "setup_home"),
    )
    return answer or _form_page(request, form, _("Sửa đơn vị") if unit else _("Thêm đơn vị"))


@setup_required
def account_new(request: HttpRequest) -> HttpResponse:
    form = _bound(request, f.AccountForm)
    answer = _saved(
        request,
        form,
        lambda data: svc.account_create(user=request.user, base_url=_site(request), **data),
        lambda account: _done(
            request,
            _("Đã tạo tài khoản “%(u)s” và gửi đường dẫn đặt mật khẩu tới %(e)s.")
            % {"u": account.username, "e": account.email},
            "setup_account",
            account.pk,
        ),
    )
    return answer or _form_page(request, form, _("Thêm tài khoản"))


def _account_for(user: Any, pk: int) -> User:
    account = get_object_or_404(User, pk=pk)
    if not svc._account_in_scope(user, account):
        raise Http404
    return account


@setup_required
def account(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: its roles, a form to add one."""
    acc = _account_for(request.user, pk)
    form = _bound(request, f.RoleForm, user=request.user)
    answer = _saved(
        request,
        form,
        lambda data: svc.membership_add(user=request.user, account=acc, **data),
        lambda _m: _done(request, _("Đã giao vai trò."), "setup_account", acc.pk),
    )
    if answer:
        return answer
    roles = Membership.objects.filter(user=acc).select_related("unit", "target", "cycle")
    return _page(request, "account.html", account=acc, roles=roles, form=form)


@setup_required
@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    acc = _account_for(request.user, pk)
    try:
        svc.account_deactivate(user=request.user, account=acc)
    except svc.SetupRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã khóa tài khoản “%(u)s”.") % {"u": acc.username})
    return redirect("setup_home")


@setup_required
@require_POST
def role_remove(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_object_or_404(Membership.objects.select_related("unit", "user", "target"), pk=pk)
    if m.unit is None or not perm.can_setup(request.user, m.unit):
        raise Http404
    svc.membership_remove(user=request.user, membership=m)
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # htmx: the role's row goes away in place
    messages.success(request, _("Đã thu hồi vai trò."))
    return redirect("setup_account", m.user_id)


@setup_required
def appraiser_new(request: HttpRequest) -> HttpResponse:
    form = _bound(request, f.AppraiserForm, user=request.user)
    answer = _saved(
        request,
        form,
        lambda data: svc.appraiser_assign(user=request.user, **data),
        lambda _m: _done(request, _("Đã phân công thẩm định."), "setup_home"),
    )
    return answer or _form_page(request, form, _("Phân công thẩm định"))


@setup_required
def lead_new(request: HttpRequest) -> HttpResponse:
    form = _bound(request, f.LeadAgencyForm, user=request.user)
    answer = _saved(
        request,
        form,
        lambda data: svc.lead_agency_assign(user=request.user, **data),
        lambda _m: _done(request, _("Đã giao cơ quan chủ trì."), "setup_home"),
    )
    return answer or _form_page(request, form, _("Giao cơ quan chủ trì"))


@setup_required
def methodology_upload(request: HttpRequest) -> HttpResponse:
    """YAML, the Excel template, or an appendix table (.docx): the latter answers with its
    import report (the methodology is installed; its rules are to be refined)."""
    form = _bound(request, f.MethodologyUploadForm, files=True)
    issues: list[str] = []
    reports: list[Any] = []

    def save(data: dict[str, Any]) -> MethodologyVersion | None:
        upload = data["file"]
        try:
            mv, report = svc.methodology_upload_report(
                user=request.user, filename=upload.name, data=upload.read(), mapping=data["mapping"]
            )
        except ValidationFailed as exc:
            issues.extend(str(i) for i in exc.issues)
            return None
        reports.append(report)
        return mv

    def done(mv: MethodologyVersion) -> HttpResponse:
        message = _("Đã cài đặt bộ tiêu chí “%(m)s”.") % {"m": mv}
        if reports[0] is None:
            return _done(request, message, "methodology_detail", mv.pk)
        messages.success(request, message)
        return _page(request, "table_report.html", report=reports[0], methodology=mv)

    answer = _saved(request, form, save, done)
    return answer or _form_page(
        request,
        form,
        _("Tải lên bộ tiêu chí (YAML, Excel hoặc bảng phụ lục Word)"),
        issues=issues,
        multipart=True,
    )


@setup_required
@require_POST
def methodology_retire(request: HttpRequest, pk: int) -> HttpResponse:
    mv = get_object_or_404(MethodologyVersion, pk=pk)
    svc.methodology_retire(user=request.user, methodology=mv)
    messages.success(request, _("Bộ tiêu chí “%(m)s” đã ngừng sử dụng.") % {"m": mv})
    return redirect("setup_home")


@setup_required
def cycle_new(request: HttpRequest) -> HttpResponse:
    form = _bound(request, f.CycleForm, user=request.user)
    answer = _saved(
        request,
        form,
        lambda data: svc.setup_cycle_create(
            user=request.user, **{**data, "units": list(data["units"])}
        ),
        lambda cycle: _done(
            request, _("Đã tạo kỳ đánh giá “%(c)s”.") % {"c": cycle.name}, "cycle_detail", cycle.pk
        ),
    )
    return answer or _form_page(request, form, _("Tạo kỳ đánh giá"))


@setup_required
def cycle_copy(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_object_or_404(f.cycles_in_scope(request.user), pk=pk)
    form = _bound(request, f.CopyForm)
    answer = _saved(
        request,
        form,
        lambda data: svc.cycle_copy(user=request.user, cycle=cycle, **data),
        lambda new: _done(
            request, _("Đã tạo kỳ đánh giá “%(c)s”.") % {"c": new.name}, "cycle_detail", new.pk
        ),
    )
    if answer:
        return answer
    return _page(request, "copy.html", form=form, cycle=cycle, plan=svc.copy_plan(cycle))


@setup_required
def workbook(request: HttpRequest) -> HttpResponse:
    form = _bound(request, f.UploadForm, files=True)
    errors: list[str] = []

    def save(data: dict[str, Any]) -> wb.ImportSummary | None:
        try:
            return wb.workbook_import(
                user=request.user,
                data=data["file"].read(),
                base_url=_site(request),
                name=data["file"].name,
            )
        except wb.WorkbookRefused as exc:
            errors.extend(exc.errors)
            form.add_error("file", str(exc))
            return None

    def done(summary: wb.ImportSummary) -> HttpResponse:
        message = _(
            "Đã nhập: %(u)s đơn vị mới, %(uu)s đơn vị cập nhật, %(a)s tài khoản mới, %(r)s vai trò."
        ) % {
            "u": summary.units_created,
            "uu": summary.units_updated,
            "a": summary.accounts_created,
            "r": summary.roles_added,
        }
        return _done(request, message, "setup_home")

    answer = _saved(request, form, save, done)
    return answer or _page(request, "workbook.html", form=form, errors=errors)


@setup_required
def workbook_download(request: HttpRequest) -> HttpResponse:
    empty = request.GET.get("mau") == "1"
    data = wb.workbook_bytes() if empty else wb.workbook_export(request.user)
    name = "mau-thiet-lap.xlsx" if empty else "thiet-lap.xlsx"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
