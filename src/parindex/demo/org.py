"""The demo's units (Lào Cai's departments and communes, the ministry) and accounts: the named
demo accounts of every role, and the staff who enter and submit in each unit. All of it is
made by the set-up services (parindex.setup.services) with the command line's rights, as
`parindex setup import` makes a province's."""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import resources

from django.contrib.auth.models import User

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.setup import services as setup

from .pdf import ascii_fold

PASSWORD = "parindex-demo-2025"  # noqa: S105 - the demo's published password
MARKER_UNIT = "LC-SNV"  # the Sở Nội vụ of Lào Cai: present once the demo has been built
PROVINCE = "T-LAOCAI"
BNV = "BNV"
MERGED_ON = date(2025, 7, 1)
DEPT_OF_JUSTICE = "LC-STP"
DEMO_COMMUNE = "LC-X-BACHA"


@dataclass(frozen=True)
class _Account:
    username: str
    first_name: str  # họ và tên đệm (shown first: get_full_name() reads "Nguyễn Văn An")
    last_name: str  # tên
    role: str
    unit: str = ""  # unit code
    target: str = ""
    codes: tuple[str, ...] = ()
    in_province_cycle: bool = False  # the membership is limited to the QĐ 876 cycle
    superuser: bool = False  # the system administrator's account


# Each person once; several rows for one username add roles to the same account.
ACCOUNTS: tuple[_Account, ...] = (
    _Account("admin", "Phạm Minh", "Đức", Role.ADMIN, superuser=True),
    _Account("sonoivu", "Trần Thị Thu", "Hà", Role.MANAGER, MARKER_UNIT),
    _Account("canbo.sotuphap", "Lê Văn", "Thắng", Role.OFFICER, DEPT_OF_JUSTICE),
    _Account("lanhdao.sotuphap", "Hoàng Thị Minh", "Nguyệt", Role.LEADER, DEPT_OF_JUSTICE),
    _Account("canbo.xa", "Lù Thị", "Hoa", Role.OFFICER, DEMO_COMMUNE),
    _Account("lanhdao.xa", "Giàng Seo", "Phử", Role.LEADER, DEMO_COMMUNE),
    _Account(
        "chutri.sotaichinh",
        "Đỗ Đức",
        "Mạnh",
        Role.LEAD_AGENCY,
        "LC-STC",
        PROVINCE,
        ("6",),
        in_province_cycle=True,
    ),
    _Account(
        "chutri.vanphong",
        "Ngô Thị Lan",
        "Anh",
        Role.LEAD_AGENCY,
        "LC-VPUBND",
        PROVINCE,
        ("3",),
        in_province_cycle=True,
    ),
    _Account("thamdinh", "Phạm Văn", "Tuấn", Role.APPRAISER, MARKER_UNIT),
    _Account("thamdinh.lv3", "Bùi Thị Thanh", "Hương", Role.APPRAISER, MARKER_UNIT, codes=("3",)),
    _Account("lanhdao.tinh", "Nguyễn Văn", "Bình", Role.VIEWER, PROVINCE),
    # The Sở Nội vụ also prepares the province's own self-assessment (QĐ 876).
    _Account("sonoivu", "", "", Role.OFFICER, PROVINCE, in_province_cycle=True),
    _Account("sonoivu", "", "", Role.LEADER, PROVINCE, in_province_cycle=True),
)

# --- units ---------------------------------------------------------------------------------


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("parindex.demo") / "data" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def slug(text: str) -> str:
    """'Lào Cai' -> 'LAOCAI'."""
    return "".join(
        ch for ch in ascii_fold(unicodedata.normalize("NFC", text)) if ch.isalnum()
    ).upper()


def _unit(
    code: str,
    name: str,
    type_: str,
    parent: OrgUnit | None,
    *,
    predecessors: str = "",
    valid_from: date | None = MERGED_ON,
) -> OrgUnit:
    """A unit through the set-up service (changed in place if an earlier run made it)."""
    return setup.unit_save(
        user=None,
        code=code,
        name=name,
        type=type_,
        parent=parent,
        predecessors=predecessors,
        valid_from=valid_from,
        unit=OrgUnit.objects.filter(code=code).first(),
    )


def build_provinces() -> dict[str, OrgUnit]:
    """The Ministry and the 34 provinces after the merger of 1 July 2025."""
    bnv = _unit(BNV, "Bộ Nội vụ", OrgUnit.Type.MINISTRY, None, valid_from=None)
    units = {BNV: bnv}
    for row in _rows("provinces-2025.csv"):
        name = row["province_2025"]
        before = row["predecessors_before_2025_07_01"]
        code = f"T-{slug(name)}"
        units[code] = _unit(
            code,
            name,
            OrgUnit.Type.PROVINCE,
            bnv,
            predecessors="" if before == name else before,
        )
    return units


def build_units() -> dict[str, OrgUnit]:
    """The provinces, and the departments and communes of Lào Cai."""
    units = build_provinces()
    lao_cai = units[PROVINCE]
    for row in _rows("laocai-departments.csv"):
        units[row["code"]] = _unit(row["code"], row["name"], OrgUnit.Type.DEPARTMENT, lao_cai)
    for row in _rows("laocai-communes.csv"):
        units[row["code"]] = _unit(
            row["code"],
            row["name"],
            OrgUnit.Type.COMMUNE,
            lao_cai,
            predecessors=row["predecessors"],
        )
    return units


def unit_symbols() -> dict[str, str]:
    """The abbreviation a unit puts in its documents' numbers (…/KH-STP, …/KH-UBND)."""
    return {row["code"]: row["symbol"] for row in _rows("laocai-departments.csv")}


def issuer_name(unit: OrgUnit) -> str:
    if unit.type == OrgUnit.Type.COMMUNE:
        return "UBND " + unit.name[0].lower() + unit.name[1:]
    if unit.type == OrgUnit.Type.PROVINCE:
        return f"UBND tỉnh {unit.name}"
    return f"{unit.name} Lào Cai" if unit.name.endswith(" tỉnh") else f"{unit.name} tỉnh Lào Cai"


# --- accounts ------------------------------------------------------------------------------

_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hà", "Lương"]
_FAMILY_HIGHLAND = ["Giàng", "Sùng", "Vàng", "Lò", "Lù", "Hoàng", "Triệu", "Sần", "Tẩn"]
_MALE = (["Văn", "Đức", "Minh", "Quang", "Xuân"], ["Hùng", "Dũng", "Long", "Sơn", "Tuấn", "Việt"])
_FEMALE = (["Thị", "Thị Thu", "Thị Hồng", "Ngọc", "Thanh"], ["Hương", "Lan", "Mai", "Thảo", "Yến"])


def _person(rng: random.Random, highland: bool) -> tuple[str, str]:
    middles, givens = rng.choice([_MALE, _FEMALE])
    family = rng.choice(_FAMILY_HIGHLAND if highland else _FAMILY)
    return f"{family} {rng.choice(middles)}", rng.choice(givens)


def account(
    username: str, full_name: str, *, password: str | None, superuser: bool = False
) -> User:
    """An account through the set-up service (the one an earlier run made, if any). An
    address, so that the demo prints its e-mails (console backend) for every role."""
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return setup.account_create(
        user=None,
        username=username,
        full_name=full_name,
        email=f"{username}@example.vn",
        send_link=False,
        password=password,
        superuser=superuser,
    )


def give_role(
    account: User,
    role: str,
    *,
    unit: OrgUnit | None,
    target: OrgUnit | None = None,
    cycle: Cycle | None = None,
    codes: tuple[str, ...] = (),
) -> None:
    """A role through the set-up services: lead agencies and limited appraisers as the
    set-up pages assign them (nothing when an earlier run gave it)."""
    held = Membership.objects.filter(user=account, role=role, unit=unit, target=target, cycle=cycle)
    if any(sorted(m.codes or []) == sorted(codes) for m in held):
        return
    kind = perm.assignment_kind(role)
    if kind == perm.ASSIGNMENT_LEAD and unit is not None and target is not None:
        setup.lead_agency_assign(
            user=None, account=account, agency=unit, target=target, codes=list(codes), cycle=cycle
        )
    elif kind == perm.ASSIGNMENT_APPRAISAL and unit is not None and (target or codes):
        setup.appraiser_assign(
            user=None,
            account=account,
            organiser=unit,
            target=target,
            codes=list(codes),
            cycle=cycle,
        )
    else:
        setup.membership_add(
            user=None,
            account=account,
            role=role,
            unit=unit,
            target=target,
            cycle=cycle,
            codes=list(codes),
        )


def build_accounts(units: dict[str, OrgUnit], province_cycle: Cycle | None) -> dict[str, User]:
    """The named demo accounts and their roles (those limited to the QĐ 876 cycle when
    `province_cycle` is given). The shipped methodologies must be installed: roles limited
    to some criteria are checked against them."""
    users: dict[str, User] = {}
    for acc in ACCOUNTS:
        if acc.in_province_cycle != (province_cycle is not None):
            continue
        user = users.get(acc.username) or account(
            acc.username,
            f"{acc.first_name} {acc.last_name}",
            password=PASSWORD,
            superuser=acc.superuser,
        )
        give_role(
            user,
            acc.role,
            unit=units.get(acc.unit),
            target=units.get(acc.target),
            codes=acc.codes,
            cycle=province_cycle,
        )
        users[acc.username] = user
    return users


def build_staff(
    rng: random.Random, units: Iterable[OrgUnit], named: dict[str, User]
) -> dict[str, tuple[User, User]]:
    """An officer and a leader for every assessed unit (no password: not for login)."""
    staff: dict[str, tuple[User, User]] = {}
    for unit in units:
        if unit.code == DEPT_OF_JUSTICE:
            staff[unit.code] = (named["canbo.sotuphap"], named["lanhdao.sotuphap"])
            continue
        if unit.code == DEMO_COMMUNE:
            staff[unit.code] = (named["canbo.xa"], named["lanhdao.xa"])
            continue
        highland = unit.type == OrgUnit.Type.COMMUNE and rng.random() < 0.6
        short = unit.code.lower().removeprefix("lc-")
        pair = []
        for prefix, role in (("cb", Role.OFFICER), ("ld", Role.LEADER)):
            user = account(f"{prefix}.{short}", " ".join(_person(rng, highland)), password=None)
            give_role(user, role, unit=unit)
            pair.append(user)
        staff[unit.code] = (pair[0], pair[1])
    return staff
