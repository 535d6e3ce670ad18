"""`parindex demo --empty`: an empty database a newcomer sets up by hand — the shipped
methodologies, the Ministry and the 34 provinces (as the demo loads them), and ONE organiser:
the manager of a province's Sở Nội vụ, with no departments, communes, accounts or cycles."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction

from parindex.accounts.models import OrgUnit, Role
from parindex.files.methodology import shipped_methodology_names

from .builder import install_methodology
from .org import PASSWORD, PROVINCE, _unit, account, build_provinces, give_role
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
    """Through the set-up services, with the command line's rights (as `parindex demo`)."""
    for name in shipped_methodology_names():
        install_methodology(name)
    province = build_provinces()[PROVINCE]
    snv = _unit(ORGANISER, f"Sở Nội vụ tỉnh {province.name}", OrgUnit.Type.DEPARTMENT, province)
    user = account(USERNAME, "Trần Thị Thu Hà", password=PASSWORD)
    give_role(user, Role.MANAGER, unit=snv)
