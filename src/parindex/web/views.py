"""Shell pages: home, methodology browser. Views only parse, call and render."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from parindex.accounts.models import OrgUnit
from parindex.accounts.services import notifications_set, profile_of
from parindex.assessment import permissions as perm
from parindex.assessment.models import MethodologyVersion
from parindex.assessment.services import participation_progress
from parindex.assessment.todo import todo_for
from parindex.common.collation import unit_key, vn_key
from parindex.core import Methodology
from parindex.files.methodology import shipped_methodology, shipped_methodology_names


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """/healthz/: "ok" while the process serves requests (for a load balancer's or a service
    manager's check). Public and trivial on purpose: no session, no database, no template; the
    load test (bench/load.py) measures it beside the real pages as the server's floor."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    parts = perm.home_participations(request.user).select_related("cycle__methodology")
    own = [(p, participation_progress(p)) for p in sorted(parts, key=lambda p: unit_key(p.unit))]
    cycles = list(perm.cycles_visible_to(request.user)[:20])
    roles = sorted(
        perm.memberships(request.user),
        key=lambda m: (
            m.role,
            vn_key(m.unit.name if m.unit else ""),
            vn_key(m.target.name if m.target else ""),
        ),
    )
    return render(
        request,
        "web/home.html",
        {
            "nav": "home",
            "own": own,
            "cycles": cycles,
            "roles": roles,
            "todo": todo_for(request.user),
        },
    )


class NotificationsForm(forms.Form):
    notify_by_email = forms.BooleanField(
        label=_("Nhận thông báo qua thư điện tử"),
        required=False,
        help_text=_(
            "Thư báo khi biểu tự đánh giá được chuyển, trả lại hoặc gửi, và thư nhắc 3 ngày "
            "trước và đúng ngày hết hạn."
        ),
    )


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    """The user's own settings: e-mail notifications."""
    profile = profile_of(request.user)
    if request.method == "POST":
        form = NotificationsForm(request.POST)
        if form.is_valid():
            notifications_set(
                user=request.user, notify_by_email=form.cleaned_data["notify_by_email"]
            )
            messages.success(request, _("Đã lưu cài đặt thông báo."))
            return redirect("my_account")
    else:
        form = NotificationsForm(initial={"notify_by_email": profile.notify_by_email})
    return render(request, "web/account.html", {"form": form, "nav": "account"})


def _methodology_context(tree: Methodology) -> dict[str, object]:
    rows = []
    for field in tree.fields:
        for node in field.walk():
            rows.append(node)
    criteria = sum(len(f.children) for f in tree.fields)
    labels = dict(OrgUnit.Type.choices)
    per_type = {
        labels.get(t, t): sum(
            (n.max_points for n in tree.leaves if n.applies(t)), start=tree.max_points * 0
        )
        for t in tree.unit_types
    }
    return {
        "tree": tree,
        "rows": rows,
        "criteria": criteria,
        "leaves": len(tree.leaves),
        "per_type": per_type,
        "nav": "methodologies",
    }


def methodology_list(request: HttpRequest) -> HttpResponse:
    installed = MethodologyVersion.objects.all()
    shipped = [(name, shipped_methodology(name)) for name in shipped_methodology_names()]
    return render(
        request,
        "web/methodology_list.html",
        {"installed": installed, "shipped": shipped, "nav": "methodologies"},
    )


def methodology_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mv = get_object_or_404(MethodologyVersion, pk=pk)
    return render(request, "web/methodology_detail.html", _methodology_context(mv.tree))


def methodology_shipped(request: HttpRequest, name: str) -> HttpResponse:
    if name not in shipped_methodology_names():
        raise Http404
    return render(
        request, "web/methodology_detail.html", _methodology_context(shipped_methodology(name))
    )
