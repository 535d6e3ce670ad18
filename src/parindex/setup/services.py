"""Set-up use cases, one function each: units, accounts and their roles, appraiser
assignments, lead agencies, methodologies, cycles. Each checks the caller's rights
(permissions.can_setup / setup_units), writes in one transaction and audits.

`user` None is the command line (`parindex setup import`, `parindex demo`): whoever runs it
holds the server, so it has the administrator's rights, and only it may give an account a
password or make it a superuser (the pages send a one-time link instead)."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, MethodologyVersion
from parindex.assessment.services import (
    cycle_create,
    methodology_install,
    methodology_name,
    methodology_year_warning,
)
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.core import Issue, ValidationFailed
from parindex.core.model import SKELETON

if TYPE_CHECKING:
    from parindex.files.methodology_table import TableReport

RETIRED = "retired"
USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{2,150}$")
CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


class SetupRefused(ServiceError):
    """A set-up change refused; `field` names the form field it is about ("" for none)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _require(allowed: bool) -> None:
    if not allowed:
        raise SetupRefused(_("Bạn không có quyền thiết lập cho đơn vị này."))


def _command_line(user: Any) -> bool:
    return user is None


def _require_setup(user: Any) -> None:
    _require(_command_line(user) or perm.can_setup(user))


def _require_unit(user: Any, unit: OrgUnit | None) -> None:
    if _command_line(user):
        return
    _require(perm.can_setup(user, unit) if unit is not None else perm.is_admin(user))


# --- units -------------------------------------------------------------------------------------


def check_unit_code(code: str) -> str | None:
    """Why `code` cannot be a unit code (None: it can)."""
    if not CODE_RE.match(code):
        return _("Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 32 ký tự).")
    return None


def check_unit_type(type_: str) -> str | None:
    if type_ not in OrgUnit.Type.values:
        return _("Loại đơn vị không hợp lệ: “%(t)s”.") % {"t": type_}
    return None


def would_cycle(unit: OrgUnit | None, parent: OrgUnit | None) -> bool:
    """Whether making `parent` the parent of `unit` closes a loop in the tree."""
    if unit is None or unit.pk is None:
        return False
    node = parent
    while node is not None:
        if node.pk == unit.pk:
            return True
        node = node.parent
    return False


@transaction.atomic
def unit_save(
    *,
    user: Any,
    code: str,
    name: str,
    type: str,
    parent: OrgUnit | None,
    predecessors: str = "",
    valid_from: date | None = None,
    unit: OrgUnit | None = None,
) -> OrgUnit:
    """Create a unit (`unit` None) or change one. Its parent must be in the user's set-up
    (only administrators make top units); codes are unique; the tree has no loop.
    `valid_from` (the date a merged unit started) is changed only when given."""
    code, name = code.strip(), name.strip()
    if unit is not None:
        _require_unit(user, unit)
    _require_unit(user, parent)
    if why := check_unit_code(code):
        raise SetupRefused(why, "code")
    if not name:
        raise SetupRefused(_("Hãy nhập tên đơn vị."), "name")
    if why := check_unit_type(type):
        raise SetupRefused(why, "type")
    taken = OrgUnit.objects.filter(code=code)
    if unit is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        raise SetupRefused(_("Mã đơn vị “%(c)s” đã có.") % {"c": code}, "code")
    if would_cycle(unit, parent):
        raise SetupRefused(
            _("Không thể đặt đơn vị cấp trên là chính đơn vị này hoặc một đơn vị cấp dưới của nó."),
            "parent",
        )
    values: dict[str, Any] = {"code": code, "name": name, "type": type, "parent": parent}
    values["predecessors"] = predecessors.strip()
    if valid_from is not None:
        values["valid_from"] = valid_from
    if unit is None:
        unit = OrgUnit.objects.create(**values)
        log_action("setup.unit_created", actor=user, target=unit, unit=unit, code=code)
        return unit
    old = {k: str(getattr(unit, k) or "") for k in values}
    for k, v in values.items():
        setattr(unit, k, v)
    unit.save()
    new = {k: str(getattr(unit, k) or "") for k in values}
    log_action(
        "setup.unit_updated",
        actor=user,
        target=unit,
        unit=unit,
        code=code,
        old={k: v for k, v in old.items() if v != new[k]},
        new={k: v for k, v in new.items() if v != old[k]},
    )
    return unit


# --- accounts ----------------------------------------------------------------------------------


def split_name(full_name: str) -> tuple[str, str]:
    """'Nguyễn Văn An' -> ('Nguyễn Văn', 'An'): get_full_name() reads it back."""
    parts = full_name.split()
    if len(parts) < 2:
        return "", " ".join(parts)
    return " ".join(parts[:-1]), parts[-1]


def check_username(username: str) -> str | None:
    if not USERNAME_RE.match(username):
        return _("Tên đăng nhập gồm 2–150 chữ không dấu, số hoặc . _ @ + -")
    return None


def check_email(email: str) -> str | None:
    if not email:
        return _("Hãy nhập địa chỉ e-mail.")
    try:
        validate_email(email)
    except ValidationError:
        return _("Địa chỉ e-mail không hợp lệ: “%(e)s”.") % {"e": email}
    return None


@transaction.atomic
def account_create(
    *,
    user: Any,
    username: str,
    full_name: str,
    email: str,
    send_link: bool = True,
    base_url: str = "",
    password: str | None = None,
    superuser: bool = False,
) -> User:
    """A new account with no password yet: a one-time link to set it goes by e-mail
    (addresses start with `base_url`, else settings.SITE_URL). The command line alone may
    give a `password` instead (the demo's published one) or make a `superuser` (as Django's
    createsuperuser does)."""
    _require_setup(user)
    if (password is not None or superuser) and not _command_line(user):
        raise SetupRefused(_("Chỉ dòng lệnh được đặt mật khẩu hoặc tạo tài khoản quản trị Django."))
    username, full_name, email = username.strip(), " ".join(full_name.split()), email.strip()
    if why := check_username(username):
        raise SetupRefused(why, "username")
    if User.objects.filter(username__iexact=username).exists():
        raise SetupRefused(_("Tên đăng nhập “%(u)s” đã có.") % {"u": username}, "username")
    if not full_name:
        raise SetupRefused(_("Hãy nhập họ và tên."), "full_name")
    if why := check_email(email):
        raise SetupRefused(why, "email")
    first, last = split_name(full_name)
    account = User(username=username, first_name=first, last_name=last, email=email)
    account.set_password(password)  # None: unusable until the one-time link is used
    account.is_superuser = account.is_staff = superuser
    account.save()
    given: dict[str, Any] = {}  # what the command line gave (never the password itself)
    if password is not None:
        given["password_set"] = True
    if superuser:
        given["superuser"] = True
    log_action("setup.account_created", actor=user, target=account, username=username, **given)
    if send_link and password is None:
        from .mail import send_password_link

        transaction.on_commit(lambda: send_password_link(account, actor=user, base_url=base_url))
    return account


def _account_in_scope(user: Any, account: User) -> bool:
    """Organisers handle accounts whose roles all lie in their set-up (new accounts too)."""
    if perm.is_admin(user):
        return True
    units = perm.setup_units(user)
    if account.is_superuser:
        return False
    return all(
        m.unit_id is not None and units.has(m.unit_id)
        for m in Membership.objects.filter(user=account)
    )


@transaction.atomic
def account_deactivate(*, user: Any, account: User) -> User:
    """Lock an account (its history stays; it can no longer sign in)."""
    _require(perm.can_setup(user) and _account_in_scope(user, account))
    if account.pk == getattr(user, "pk", None):
        raise SetupRefused(_("Không thể tự khóa tài khoản của mình."))
    if account.is_active:
        account.is_active = False
        account.save(update_fields=["is_active"])
        log_action("setup.account_deactivated", actor=user, target=account)
    return account


def methodology_codes(methodology: MethodologyVersion | None) -> set[str]:
    """Codes of fields, criteria and sub-criteria (of one methodology, or of every one in
    use when None)."""
    versions = (
        [methodology]
        if methodology is not None
        else MethodologyVersion.objects.exclude(status=RETIRED)
    )
    out: set[str] = set()
    for mv in versions:
        out |= {n.code for n in mv.tree.walk()}
    return out


def parse_codes(text: str) -> list[str]:
    return [c for c in re.split(r"[;,\s]+", text.strip()) if c]


@transaction.atomic
def membership_add(
    *,
    user: Any,
    account: User,
    role: str,
    unit: OrgUnit | None,
    target: OrgUnit | None = None,
    cycle: Cycle | None = None,
    codes: list[str] | None = None,
    methodology: MethodologyVersion | None = None,
) -> Membership:
    """Give `account` a role in `unit` (optionally for one cycle; a lead agency or an
    appraiser for a `target` unit and some `codes`, checked against the methodology)."""
    grantable = Role.values if _command_line(user) else perm.grantable_roles(user)
    if role not in grantable:
        if role not in Role.values:
            raise SetupRefused(_("Vai trò không hợp lệ: “%(r)s”.") % {"r": role}, "role")
        raise SetupRefused(_("Bạn không được giao vai trò này."), "role")
    if unit is None and not perm.role_is_admin(role):
        raise SetupRefused(_("Hãy chọn đơn vị."), "unit")
    _require_unit(user, unit)
    if target is not None:
        _require_unit(user, target)
    if cycle is not None:
        _require_unit(user, cycle.organiser)
    if perm.role_needs_target(role) and target is None:
        raise SetupRefused(_("Cơ quan chủ trì cần đơn vị được đánh giá."), "target")
    codes = list(codes or [])
    if codes:
        known = methodology_codes(methodology or (cycle.methodology if cycle else None))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise SetupRefused(
                _("Mã tiêu chí không có trong bộ tiêu chí: %(c)s.") % {"c": ", ".join(unknown)},
                "codes",
            )
    values = {"user": account, "role": role, "unit": unit, "target": target, "cycle": cycle}
    for m in Membership.objects.filter(**values):
        if sorted(m.codes or []) == sorted(codes):
            raise SetupRefused(_("Tài khoản đã có vai trò này."), "role")
    m = Membership.objects.create(**values, codes=codes)
    perm.forget_memberships(account)
    log_action(
        "setup.role_added",
        actor=user,
        target=account,
        unit=unit,
        cycle=cycle,
        role=role,
        target_unit=target.code if target else "",
        codes=codes,
    )
    return m


def appraiser_assign(
    *,
    user: Any,
    account: User,
    organiser: OrgUnit,
    target: OrgUnit | None = None,
    codes: list[str] | None = None,
    cycle: Cycle | None = None,
) -> Membership:
    """A council member of `organiser`, limited to a `target` unit and/or fields `codes`."""
    return membership_add(
        user=user,
        account=account,
        role=perm.role_for_assignment(perm.ASSIGNMENT_APPRAISAL),
        unit=organiser,
        target=target,
        codes=codes,
        cycle=cycle,
    )


def lead_agency_assign(
    *,
    user: Any,
    account: User,
    agency: OrgUnit,
    target: OrgUnit,
    codes: list[str],
    cycle: Cycle | None = None,
    methodology: MethodologyVersion | None = None,
) -> Membership:
    """`agency` (a department) fills in criteria `codes` of `target`'s self-assessment."""
    if not codes:
        raise SetupRefused(_("Hãy nhập mã tiêu chí cơ quan chủ trì phụ trách."), "codes")
    return membership_add(
        user=user,
        account=account,
        role=perm.role_for_assignment(perm.ASSIGNMENT_LEAD),
        unit=agency,
        target=target,
        codes=codes,
        cycle=cycle,
        methodology=methodology,
    )


@transaction.atomic
def membership_remove(*, user: Any, membership: Membership) -> None:
    _require_unit(user, membership.unit)
    log_action(
        "setup.role_removed",
        actor=user,
        target=membership.user,
        unit=membership.unit,
        cycle=membership.cycle,
        role=membership.role,
        target_unit=membership.target.code if membership.target else "",
        codes=membership.codes,
    )
    membership.delete()
    perm.forget_memberships(membership.user)


# --- methodologies -----------------------------------------------------------------------------


def methodology_upload(*, user: Any, filename: str, data: bytes) -> MethodologyVersion:
    """Install a methodology from YAML, the Excel template or an appendix table (.docx).
    Raises ValidationFailed with the validator's issues (file, row, field)."""
    return methodology_upload_report(user=user, filename=filename, data=data)[0]


def methodology_upload_report(
    *, user: Any, filename: str, data: bytes, mapping: str = ""
) -> tuple[MethodologyVersion, TableReport | None]:
    """`methodology_upload`, with the import report of an appendix table (.docx: its
    columns, headings, notes, warnings and the items whose rule is to be written; None
    for YAML and the Excel template). `mapping` overrides the columns of a .docx table."""
    _require_setup(user)
    from parindex.files.methodology import dump_yaml

    suffix = Path(filename).suffix.lower()
    report = None
    if suffix in (".xlsx", ".docx"):
        from parindex.files.methodology_table import import_table
        from parindex.files.methodology_xlsx import read_methodology_xlsx

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(filename).name
            path.write_bytes(data)
            if suffix == ".docx":
                tree, report = import_table(path, mapping=mapping)
            else:
                tree = read_methodology_xlsx(path)
        source = dump_yaml(tree)
    elif suffix in (".yaml", ".yml"):
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed([Issue(_("tệp không phải văn bản UTF-8"), filename)]) from None
    else:
        raise ValidationFailed([Issue(_("cần tệp .yaml, .yml, .xlsx hoặc .docx"), filename)])
    return methodology_install(source=source, user=user, name=Path(filename).name), report


@transaction.atomic
def methodology_retire(*, user: Any, methodology: MethodologyVersion) -> MethodologyVersion:
    """Retired methodologies stay for the cycles using them; new cycles cannot use them."""
    _require(perm.can_setup(user))
    if methodology.status != RETIRED:
        old = methodology.status
        methodology.status = RETIRED
        methodology.save(update_fields=["status"])
        log_action(
            "setup.methodology_retired",
            actor=user,
            target=methodology,
            code=methodology.code,
            old=old,
        )
    return methodology


# --- cycles ------------------------------------------------------------------------------------


def _require_cycle_setup(user: Any, organiser: OrgUnit, units: list[OrgUnit]) -> None:
    _require(perm.can_setup(user, organiser))
    if not units:
        raise SetupRefused(_("Hãy chọn ít nhất một đơn vị được đánh giá."), "units")
    scope = perm.setup_units(user)
    outside = [u.name for u in units if not scope.has(u.pk)]
    if outside:
        raise SetupRefused(
            _("Các đơn vị ngoài phạm vi thiết lập của bạn: %(u)s.") % {"u": ", ".join(outside)},
            "units",
        )


def _require_usable(methodology: MethodologyVersion) -> None:
    if methodology.status == SKELETON:
        raise SetupRefused(
            _(
                "“%(m)s” là khung (chỉ ghi những gì đã công bố), không dùng để chấm điểm: hãy "
                "tải lên bảng phụ lục của văn bản chính thức (.docx hoặc .xlsx)."
            )
            % {"m": methodology},
            "methodology",
        )
    if methodology.status == RETIRED:
        raise SetupRefused(
            _("Bộ tiêu chí “%(m)s” đã ngừng sử dụng, không tạo kỳ mới được.") % {"m": methodology},
            "methodology",
        )


def setup_cycle_create(
    *,
    user: Any,
    name: str,
    year: int,
    methodology: MethodologyVersion,
    organiser: OrgUnit,
    units: list[OrgUnit],
    confirm_years: bool = False,
    reports_to: str = "",
    **schedule: Any,
) -> Cycle:
    """A new cycle organised by a unit of the user's set-up, on a methodology in use; for a
    year outside the methodology's years of validity only once the organiser confirms."""
    _require_cycle_setup(user, organiser, units)
    _require_usable(methodology)
    _require_years_confirmed(methodology, year, confirm_years)
    return cycle_create(
        name=name.strip(),
        year=year,
        methodology=methodology,
        organiser=organiser,
        units=units,
        user=user,
        reports_to=reports_to.strip(),
        **schedule,
    )


CONFIRM_YEARS = "confirm_years"  # the form field that confirms a year outside the validity


def _require_years_confirmed(methodology: MethodologyVersion, year: int, confirmed: bool) -> None:
    """A year outside the methodology's years of validity is a warning the organiser
    confirms (SetupRefused on the CONFIRM_YEARS field until then), not a refusal."""
    warning = methodology_year_warning(methodology.tree, year, methodology_name(methodology))
    if warning and not confirmed:
        raise SetupRefused(
            warning + " " + _("Nếu vẫn dùng bộ tiêu chí này, đánh dấu ô xác nhận và lưu lại."),
            CONFIRM_YEARS,
        )


def _next_year(value: Any) -> Any:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + 1)
    except ValueError:  # 29 February
        return value.replace(year=value.year + 1, day=28)


@dataclass(frozen=True)
class CopyPlan:
    methodology: MethodologyVersion | None
    units: list[OrgUnit]
    memberships: int
    year_warning: str | None = None  # the new year is outside the methodology's validity


def copy_plan(cycle: Cycle) -> CopyPlan:
    """What "copy last year's settings" takes from `cycle`: the newest methodology in use
    with the same code, its units, its cycle-scoped roles."""
    methodology = (
        MethodologyVersion.objects.filter(code=cycle.methodology.code)
        .exclude(status=RETIRED)
        .order_by("-created_at", "-pk")
        .first()
    )
    units = [p.unit for p in cycle.participations.select_related("unit").order_by("unit__code")]
    warning = (
        methodology_year_warning(methodology.tree, cycle.year + 1, methodology_name(methodology))
        if methodology is not None
        else None
    )
    return CopyPlan(methodology, units, Membership.objects.filter(cycle=cycle).count(), warning)


@transaction.atomic
def cycle_copy(*, user: Any, cycle: Cycle, name: str = "", confirm_years: bool = False) -> Cycle:
    """Next year's cycle from `cycle`: same organiser, methodology code, units; its
    cycle-scoped lead agencies and appraiser assignments (and other roles) scoped to the new
    cycle; the schedule shifted by one year."""
    plan = copy_plan(cycle)
    _require_cycle_setup(user, cycle.organiser, plan.units)
    if plan.methodology is None:
        raise SetupRefused(
            _("Không còn phiên bản nào của bộ tiêu chí “%(c)s” đang sử dụng.")
            % {"c": cycle.methodology.code},
            "methodology",
        )
    year = cycle.year + 1
    _require_years_confirmed(plan.methodology, year, confirm_years)
    fields = (
        "self_start",
        "self_end",
        "appraisal_start",
        "appraisal_end",
        "explanation_start",
        "explanation_end",
        "publication_date",
    )
    schedule: dict[str, datetime | date | None] = {f: _next_year(getattr(cycle, f)) for f in fields}
    new_name = name.strip() or cycle.name.replace(str(cycle.year), str(year))
    if new_name == cycle.name:
        new_name = f"{cycle.name} ({year})"
    new = cycle_create(
        name=new_name,
        year=year,
        methodology=plan.methodology,
        organiser=cycle.organiser,
        units=plan.units,
        user=user,
        reports_to=cycle.reports_to,
        **schedule,  # type: ignore[arg-type]
    )
    copied = [
        Membership(
            user_id=m.user_id,
            role=m.role,
            unit_id=m.unit_id,
            target_id=m.target_id,
            cycle=new,
            codes=list(m.codes or []),
        )
        for m in Membership.objects.filter(cycle=cycle)
    ]
    Membership.objects.bulk_create(copied)
    log_action(
        "setup.cycle_copied",
        actor=user,
        target=new,
        cycle=new,
        source=cycle.pk,
        units=len(plan.units),
        memberships=len(copied),
    )
    return new


def usable_methodologies() -> Any:
    return MethodologyVersion.objects.exclude(status__in=(RETIRED, SKELETON)).order_by(
        "code", "-version"
    )


def roles_of(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role
