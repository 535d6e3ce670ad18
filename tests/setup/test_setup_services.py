"""Set-up services: each use case and each refusal (no rights, duplicate code, loop in the
tree, bad e-mail, retired methodology), the audit rows, copying last year's cycle."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from factories import SMALL_YAML, install_methodology, make_cycle, make_unit, make_user

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle
from parindex.audit.models import LogEntry
from parindex.setup import services as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    province = make_unit("P", "Tỉnh Thử", OrgUnit.Type.PROVINCE)
    snv = make_unit("P-SNV", "Sở Nội vụ", parent=province)
    other = make_unit("Q", "Tỉnh Khác", OrgUnit.Type.PROVINCE)
    manager = make_user(Role.MANAGER, snv)
    officer = make_user(Role.OFFICER, snv)
    return {
        "province": province,
        "snv": snv,
        "other": other,
        "manager": manager,
        "officer": officer,
    }


def test_scope_and_menu(org):
    assert perm.can_setup(org["manager"], org["province"])
    assert not perm.can_setup(org["manager"], org["other"])
    assert not perm.can_setup(org["officer"])
    assert perm.MENU_SETUP in perm.menu(org["manager"])
    assert perm.MENU_SETUP not in perm.menu(org["officer"])
    assert Role.ADMIN not in perm.grantable_roles(org["manager"])
    assert perm.grantable_roles(org["officer"]) == []


def test_unit_create_update_and_refusals(org):
    m = org["manager"]
    u = svc.unit_save(
        user=m, code="P-STP", name="Sở Tư pháp", type="department", parent=org["province"]
    )
    assert LogEntry.objects.filter(action="setup.unit_created", target_id=str(u.pk)).exists()
    child = svc.unit_save(
        user=m, code="P-STP-1", name="Phòng", type="other", parent=u, predecessors="A; B"
    )
    # a loop: the unit under its own child
    with pytest.raises(svc.SetupRefused) as e:
        svc.unit_save(
            user=m, unit=u, code="P-STP", name="Sở Tư pháp", type="department", parent=child
        )
    assert e.value.field == "parent"
    with pytest.raises(svc.SetupRefused) as e:
        svc.unit_save(user=m, unit=u, code="P-STP", name="x", type="department", parent=u)
    assert e.value.field == "parent"
    # duplicate code
    with pytest.raises(svc.SetupRefused) as e:
        svc.unit_save(user=m, code="P-SNV", name="Trùng", type="department", parent=org["province"])
    assert e.value.field == "code"
    # bad type, bad code
    with pytest.raises(svc.SetupRefused):
        svc.unit_save(user=m, code="P-X", name="x", type="nope", parent=org["province"])
    with pytest.raises(svc.SetupRefused):
        svc.unit_save(user=m, code="có dấu", name="x", type="other", parent=org["province"])
    # no rights: another province, a top unit, an officer
    for user, parent in ((m, org["other"]), (m, None), (org["officer"], org["province"])):
        with pytest.raises(svc.SetupRefused):
            svc.unit_save(user=user, code="P-Y", name="y", type="other", parent=parent)
    svc.unit_save(
        user=m,
        unit=u,
        code="P-STP2",
        name="Sở Tư pháp mới",
        type="department",
        parent=org["province"],
    )
    u.refresh_from_db()
    assert (u.code, u.name) == ("P-STP2", "Sở Tư pháp mới")
    assert LogEntry.objects.filter(action="setup.unit_updated").exists()


def test_account_create_sends_one_time_link(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        acc = svc.account_create(
            user=org["manager"], username="nv.an", full_name="Nguyễn Văn An", email="an@example.vn"
        )
    assert acc.get_full_name() == "Nguyễn Văn An"
    assert not acc.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/dat-mat-khau/" in mail.outbox[0].body
    assert LogEntry.objects.filter(action="setup.account_created").exists()
    assert LogEntry.objects.filter(action="setup.password_link_sent").exists()


@pytest.mark.parametrize(
    "username, name, email, field",
    [
        ("nv an", "Nguyễn Văn An", "an@example.vn", "username"),
        ("nv.an2", "", "an@example.vn", "full_name"),
        ("nv.an3", "Nguyễn Văn An", "không-phải-email", "email"),
        ("nv.an4", "Nguyễn Văn An", "", "email"),
    ],
)
def test_account_create_refusals(org, username, name, email, field):
    with pytest.raises(svc.SetupRefused) as e:
        svc.account_create(user=org["manager"], username=username, full_name=name, email=email)
    assert e.value.field == field
    assert not User.objects.filter(username=username).exists()


def test_account_duplicate_and_no_rights(org):
    svc.account_create(user=org["manager"], username="a1", full_name="A B", email="a@b.vn")
    with pytest.raises(svc.SetupRefused):
        svc.account_create(user=org["manager"], username="A1", full_name="A B", email="a@b.vn")
    with pytest.raises(svc.SetupRefused):
        svc.account_create(user=org["officer"], username="a2", full_name="A B", email="a@b.vn")


def test_only_the_command_line_sets_a_password_or_makes_a_superuser(org):
    admin = make_user(Role.ADMIN)
    for user in (org["manager"], admin):
        with pytest.raises(svc.SetupRefused):
            svc.account_create(
                user=user, username="x1", full_name="X Y", email="x@y.vn", password="bí-mật-123"
            )
        with pytest.raises(svc.SetupRefused):
            svc.account_create(
                user=user, username="x1", full_name="X Y", email="x@y.vn", superuser=True
            )
    assert not User.objects.filter(username="x1").exists()
    root = svc.account_create(
        user=None,
        username="root",
        full_name="Quản Trị",
        email="root@example.vn",
        password="bí-mật-123",
        superuser=True,
    )
    assert root.check_password("bí-mật-123")
    assert root.is_superuser and root.is_staff
    assert perm.is_admin(root)
    row = LogEntry.objects.get(action="setup.account_created", target_id=str(root.pk))
    assert row.actor is None
    assert row.data == {"username": "root", "password_set": True, "superuser": True}
    assert "bí-mật-123" not in str(row.data)
    assert len(mail.outbox) == 0  # a password given: no link to send


def test_the_command_line_sets_up_with_the_administrators_rights(org):
    top = svc.unit_save(user=None, code="CLI-TOP", name="Bộ", type="ministry", parent=None)
    unit = svc.unit_save(
        user=None,
        code="CLI-A",
        name="Tỉnh A",
        type="province",
        parent=top,
        valid_from=datetime(2025, 7, 1).date(),
    )
    assert str(unit.valid_from) == "2025-07-01"
    renamed = svc.unit_save(
        user=None, code="CLI-A", name="Tỉnh A mới", type="province", parent=top, unit=unit
    )
    assert str(renamed.valid_from) == "2025-07-01"  # kept when not given
    acc = svc.account_create(
        user=None, username="cli.a", full_name="A B", email="a@b.vn", send_link=False
    )
    assert not acc.has_usable_password()
    assert perm.can_setup(acc) is False
    svc.membership_add(user=None, account=acc, role=Role.MANAGER, unit=unit)
    assert perm.can_setup(acc, unit)  # the cached memberships were refreshed
    svc.membership_add(user=None, account=acc, role=Role.ADMIN, unit=None)
    assert perm.is_admin(acc)


def test_roles_add_remove_and_deactivate(org):
    install_methodology()
    m = org["manager"]
    dept = make_unit("P-STC", "Sở Tài chính", parent=org["province"])
    acc = svc.account_create(
        user=m, username="b1", full_name="B C", email="b@c.vn", send_link=False
    )
    officer = svc.membership_add(user=m, account=acc, role=Role.OFFICER, unit=dept)
    with pytest.raises(svc.SetupRefused):  # the same role twice
        svc.membership_add(user=m, account=acc, role=Role.OFFICER, unit=dept)
    with pytest.raises(svc.SetupRefused):  # a manager gives no admin role
        svc.membership_add(user=m, account=acc, role=Role.ADMIN, unit=None)
    with pytest.raises(svc.SetupRefused):  # unknown role
        svc.membership_add(user=m, account=acc, role="boss", unit=dept)
    with pytest.raises(svc.SetupRefused):  # outside the set-up
        svc.membership_add(user=m, account=acc, role=Role.OFFICER, unit=org["other"])
    lead = svc.lead_agency_assign(
        user=m, account=acc, agency=dept, target=org["province"], codes=["1", "2.1"]
    )
    assert lead.role == Role.LEAD_AGENCY and lead.codes == ["1", "2.1"]
    with pytest.raises(svc.SetupRefused) as e:  # codes checked against the methodology
        svc.lead_agency_assign(user=m, account=acc, agency=dept, target=dept, codes=["9.9"])
    assert e.value.field == "codes"
    appr = svc.appraiser_assign(user=m, account=acc, organiser=org["snv"], target=dept, codes=["1"])
    assert appr.role == Role.APPRAISER and appr.target == dept
    svc.membership_remove(user=m, membership=officer)
    assert not Membership.objects.filter(pk=officer.pk).exists()
    assert LogEntry.objects.filter(action="setup.role_removed").exists()
    svc.account_deactivate(user=m, account=acc)
    acc.refresh_from_db()
    assert not acc.is_active
    with pytest.raises(svc.SetupRefused):  # an account of another province
        outsider = make_user(Role.OFFICER, org["other"])
        svc.account_deactivate(user=m, account=outsider)


def test_methodology_upload_retire_and_cycles(org):
    m = org["manager"]
    mv = svc.methodology_upload(user=m, filename="small.yaml", data=SMALL_YAML.read_bytes())
    with pytest.raises(Exception) as e:
        svc.methodology_upload(user=m, filename="bad.yaml", data=b"code: [")
    assert "bad.yaml" in str(e.value)
    dept = make_unit("P-STP", "Sở Tư pháp", parent=org["province"])
    when = timezone.make_aware(datetime(2025, 3, 1, 8, 0))
    cycle = svc.setup_cycle_create(
        user=m,
        name="Chỉ số CCHC năm 2025",
        year=2025,
        methodology=mv,
        organiser=org["snv"],
        units=[dept],
        self_start=when,
    )
    with pytest.raises(svc.SetupRefused):  # units outside the set-up
        svc.setup_cycle_create(
            user=m, name="x", year=2025, methodology=mv, organiser=org["snv"], units=[org["other"]]
        )
    # last year's settings: cycle-scoped roles come along, the schedule moves one year
    acc = make_user(Role.LEAD_AGENCY, dept, target=org["province"], codes=["1"], cycle=cycle)
    new = svc.cycle_copy(user=m, cycle=cycle)
    assert (new.year, new.name, new.organiser) == (2026, "Chỉ số CCHC năm 2026", org["snv"])
    assert new.self_start.year == 2026
    assert list(new.participations.values_list("unit", flat=True)) == [dept.pk]
    assert Membership.objects.filter(user=acc, cycle=new, codes=["1"]).exists()
    svc.methodology_retire(user=m, methodology=mv)
    mv.refresh_from_db()
    assert mv.status == "retired"
    with pytest.raises(svc.SetupRefused) as e:
        svc.setup_cycle_create(
            user=m, name="y", year=2027, methodology=mv, organiser=org["snv"], units=[dept]
        )
    assert e.value.field == "methodology"
    with pytest.raises(svc.SetupRefused):  # no version of the code in use any more
        svc.cycle_copy(user=m, cycle=new)
    with pytest.raises(svc.SetupRefused):
        svc.methodology_retire(user=org["officer"], methodology=mv)
    assert Cycle.objects.count() == 2


def test_cycle_copy_refused_without_rights(org):
    dept = make_unit(parent=org["province"])
    cycle = make_cycle(organiser=org["snv"], units=[dept])
    with pytest.raises(svc.SetupRefused):
        svc.cycle_copy(user=org["officer"], cycle=cycle)


def test_permission_helpers_for_setup():
    """What set-up asks of permissions.py instead of comparing roles."""
    assert perm.assignment_kind(Role.APPRAISER) == perm.ASSIGNMENT_APPRAISAL
    assert perm.assignment_kind(Role.LEAD_AGENCY) == perm.ASSIGNMENT_LEAD
    assert perm.assignment_kind(Role.OFFICER) == ""
    assert perm.role_for_assignment(perm.ASSIGNMENT_LEAD) == Role.LEAD_AGENCY
    assert perm.role_needs_target(Role.LEAD_AGENCY) and not perm.role_needs_target(Role.VIEWER)
    assert perm.works_in_unit(Role.OFFICER) and perm.works_in_unit(Role.LEADER)
    assert not perm.works_in_unit(Role.MANAGER)
    assert perm.role_is_admin(Role.ADMIN) and not perm.role_is_admin(Role.MANAGER)


def test_admin_sets_up_everything():
    admin = make_user(Role.ADMIN)
    top = svc.unit_save(user=admin, code="NEW-TOP", name="Bộ mới", type="ministry", parent=None)
    assert top.parent is None
    assert Role.ADMIN in perm.grantable_roles(admin)
