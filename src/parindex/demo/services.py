"""The demo database behind `parindex demo`: units, accounts, methodologies and three cycles
in progress, so that every role has something to do in one session.

The set-up (units, accounts, roles, appraisers, lead agencies, methodologies, cycles) goes
through parindex.setup.services as a province's would; every data entry and every state
change goes through parindex.assessment.services with the user who would do it in real
life (officers enter, leaders submit, the Sở Nội vụ manages, appraisers appraise), so
rights, rules and the audit log apply as in production. Only the schedule and submission
times of the previous year's cycle are moved into the past at the end (the services stamp
everything "now").

Years follow today's date: the open cycle assesses the current year (from September; before
that, the previous year) and the cycle in explanation assesses the year before.

Modules: `org` (units and accounts, by the set-up services), `builder` (the cycles),
`generate` (plausible inputs), `pdf` (evidence files).
"""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle, Entry, Evidence, Participation
from parindex.audit.models import LogEntry
from parindex.results.services import national_demo_load

from .builder import build_demo
from .org import ACCOUNTS, MARKER_UNIT, PASSWORD

URL = "http://127.0.0.1:8000/"
SEED = 2025


# --- what demo_setup returns ---------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit: str  # the unit's name ("" for the administrator)
    hint: str


@dataclass
class DemoInfo:
    created: bool
    seconds: float
    password: str = PASSWORD
    url: str = URL
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    cycles: dict[str, int] = field(default_factory=dict)  # "open", "explanation", "province"


def _hints(y_open: int, y_prev: int) -> dict[str, str]:
    return {
        "admin": _("Xem toàn hệ thống: mọi kỳ đánh giá, bộ tiêu chí, đơn vị, tài khoản."),
        "sonoivu": _(
            "Quản lý kỳ %(y)s (tiến độ; Điều tra XHH: nhập tệp phiếu mẫu, xem tỷ lệ thu phiếu, "
            "dòng bị loại); chuyển kỳ %(p)s sang thẩm định vòng 2; tự đánh giá cấp tỉnh (QĐ 876); "
            "lập kế hoạch năm %(y)s của tỉnh từ kết quả cấp tỉnh năm %(p)s, hỏi “Mục tiêu” top 10."
        )
        % {"y": y_open, "p": y_prev},
        "canbo.sotuphap": _(
            "Nhập tự đánh giá kỳ %(y)s, tải tài liệu kiểm chứng; giải trình các mục bị trừ "
            "điểm ở kỳ %(p)s."
        )
        % {"y": y_open, "p": y_prev},
        "lanhdao.sotuphap": _("Xem lại, phê duyệt và gửi kết quả tự đánh giá kỳ %(y)s.")
        % {"y": y_open},
        "canbo.xa": _(
            "Nhập tự đánh giá kỳ %(y)s của Xã Bắc Hà; viết giải trình các mục còn lại bị trừ "
            "điểm ở kỳ %(p)s."
        )
        % {"y": y_open, "p": y_prev},
        "lanhdao.xa": _("Phê duyệt, gửi tự đánh giá kỳ %(y)s; xem kết quả thẩm định kỳ %(p)s.")
        % {"y": y_open, "p": y_prev},
        "chutri.sotaichinh": _(
            "Cơ quan chủ trì: nhập lĩnh vực 6 (tài chính công) trong tự đánh giá cấp tỉnh (QĐ 876)."
        ),
        "chutri.vanphong": _(
            "Cơ quan chủ trì lĩnh vực 3 (thủ tục hành chính) cấp tỉnh: đã nhập, xem và sửa."
        ),
        "thamdinh": _(
            "Xem thẩm định vòng 1 và giải trình kỳ %(p)s; chấm vòng 2 sau khi sonoivu chuyển "
            "giai đoạn."
        )
        % {"p": y_prev},
        "thamdinh.lv3": _("Như thamdinh, nhưng chỉ lĩnh vực 3 (cải cách thủ tục hành chính)."),
        "lanhdao.tinh": _(
            "Xem tiến độ, kết quả, xếp hạng, điểm bị trừ; kết quả đã công bố của kỳ %(y)s."
        )
        % {"y": y_prev - 1},
    }


# --- entry point ---------------------------------------------------------------------------


def demo_setup(*, reset: bool, now: datetime | None = None) -> DemoInfo:
    """Migrate, then build the demo data unless it is already there (or rebuild with reset)."""
    started = clock.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    if reset:
        _wipe()
    created = False
    if not _present():
        with transaction.atomic():
            # Published national results (as published) and a synthetic table around them,
            # labelled as such wherever shown (parindex.results.synthetic); first, since the
            # province's finished cycle reproduces Lào Cai's row (demo/province.py).
            national_demo_load()
            build_demo(now or timezone.now(), random.Random(SEED))  # noqa: S311 - reproducible data
        created = True
    info = describe()
    info.created = created
    info.seconds = round(clock.monotonic() - started, 1)
    return info


def _present() -> bool:
    return (
        User.objects.filter(username="sonoivu").exists()
        and Cycle.objects.filter(organiser__code=MARKER_UNIT).exists()
    )


def _wipe() -> None:
    """Delete the stored evidence files, then every row (manage.py flush)."""
    for ev in Evidence.objects.all():
        ev.file.delete(save=False)
    call_command("flush", interactive=False, verbosity=0)


def describe() -> DemoInfo:
    """The logins and the volumes of the demo data in the database."""
    # The Sở Nội vụ's cycles: the internal index of the departments and communes, and the
    # province's self-assessment for the Ministry (reports_to set).
    ours = Cycle.objects.filter(organiser__code=MARKER_UNIT).order_by("-year")
    local = list(ours.filter(reports_to=""))
    province = ours.exclude(reports_to="").first()
    y_open = local[0].year if local else timezone.localdate().year
    hints = _hints(y_open, y_open - 1)
    units = {u.code: u.name for u in OrgUnit.objects.filter(code__in={a.unit for a in ACCOUNTS})}
    accounts = []
    for acc in ACCOUNTS:
        if not acc.first_name:  # an extra role of an account listed above
            continue
        accounts.append(
            DemoAccount(
                acc.username,
                str(Role(acc.role).label),
                units.get(acc.unit, ""),
                hints[acc.username],
            )
        )
    cycles = {}
    if local:
        cycles["open"] = local[0].pk
    if len(local) > 1:
        cycles["explanation"] = local[1].pk
    if len(local) > 2:
        cycles["published"] = local[2].pk
    if len(local) > 3:
        cycles["earlier"] = local[3].pk
    if province:
        cycles["province"] = province.pk
    final = (
        ours.exclude(reports_to="")
        .filter(state__in=lifecycle.FINISHED_STATES)
        .order_by("-year")
        .first()
    )
    if final:
        cycles["province_final"] = final.pk
    counts = {
        "provinces": OrgUnit.objects.filter(type=OrgUnit.Type.PROVINCE).count(),
        "departments": OrgUnit.objects.filter(type=OrgUnit.Type.DEPARTMENT).count(),
        "communes": OrgUnit.objects.filter(type=OrgUnit.Type.COMMUNE).count(),
        "users": User.objects.count(),
        "cycles": Cycle.objects.count(),
        "participations": Participation.objects.count(),
        "entries": Entry.objects.count(),
        "evidence": Evidence.objects.count(),
        "log_entries": LogEntry.objects.count(),
    }
    return DemoInfo(created=False, seconds=0.0, accounts=accounts, counts=counts, cycles=cycles)
