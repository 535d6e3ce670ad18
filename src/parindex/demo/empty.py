"""`parindex demo --empty`: an empty database a newcomer sets up by hand — the shipped
methodologies, the Ministry and the 34 provinces (as the demo loads them), and ONE organiser:
the manager of a province's Sở Nội vụ, with no departments, communes, accounts or cycles."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment.services import methodology_install
from parindex.files.methodology import shipped_methodology_names

from .org import BNV, MERGED_ON, PASSWORD, PROVINCE, _rows, _unit, slug
from .services import URL, _wipe

ORGANISER = "LC-SNV"
USERNAME = "sonoivu"


@dataclass(frozen=True)
class EmptyInfo:
    created: bool
    username: str
    password: str
    unit: str
    url: str = URL
    methodologies: int = 0
    provinces: int = 0


def empty_setup(*, reset: bool) -> EmptyInfo:
    """Migrate, then build the empty database unless an organiser is already there."""
    call_command("migrate", verbosity=0, interactive=False)
    if reset:
        _wipe()
    created = False
    if not User.objects.filter(username=USERNAME).exists():
        with transaction.atomic():
            _build()
        created = True
    unit = OrgUnit.objects.filter(code=ORGANISER).first()
    return EmptyInfo(
        created=created,
        username=USERNAME,
        password=PASSWORD,
        unit=unit.name if unit else "",
        methodologies=len(shipped_methodology_names()),
        provinces=OrgUnit.objects.filter(type=OrgUnit.Type.PROVINCE).count(),
    )


def _build() -> None:
    for name in shipped_methodology_names():
        source = (resources.files("parindex.methodologies") / f"{name}.yaml").read_text(
            encoding="utf-8"
        )
        methodology_install(source=source, name=f"{name}.yaml")
    bnv = _unit(BNV, "Bộ Nội vụ", OrgUnit.Type.MINISTRY, None)
    for row in _rows("provinces-2025.csv"):
        name, before = row["province_2025"], row["predecessors_before_2025_07_01"]
        _unit(
            f"T-{slug(name)}",
            name,
            OrgUnit.Type.PROVINCE,
            bnv,
            valid_from=MERGED_ON,
            predecessors="" if before == name else before,
        )
    province = OrgUnit.objects.get(code=PROVINCE)
    snv = _unit(
        ORGANISER,
        f"Sở Nội vụ tỉnh {province.name}",
        OrgUnit.Type.DEPARTMENT,
        province,
        valid_from=MERGED_ON,
    )
    user = User.objects.create_user(
        USERNAME,
        email="sonoivu@example.vn",
        password=PASSWORD,
        first_name="Trần Thị Thu",
        last_name="Hà",
    )
    Membership.objects.create(user=user, role=Role.MANAGER, unit=snv)
