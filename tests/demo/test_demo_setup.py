"""demo_setup on an empty database: what `parindex demo` promises is there, and a second run
changes nothing. The demo is built once for the module (about 10 s) inside a transaction that
is rolled back at the end, so other tests never see it."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone
from factories import built_once

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import permissions as perm
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Evidence, Participation
from parindex.audit.models import LogEntry
from parindex.demo.services import PASSWORD, DemoInfo, demo_setup

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, media_root: Path):
    def build() -> DemoInfo:
        assert not OrgUnit.objects.exists()
        return demo_setup(reset=False)

    yield from built_once(django_db_blocker, media_root, build)


def _cycle(info: DemoInfo, key: str) -> Cycle:
    return Cycle.objects.get(pk=info.cycles[key])


def test_it_reports_what_it_built(demo):
    assert demo.created
    assert set(demo.cycles) == {
        "open",
        "explanation",
        "published",
        "earlier",
        "province",
        "province_final",
    }
    assert demo.counts["entries"] > 2000
    assert demo.counts["evidence"] > 500


def test_it_creates_the_34_provinces_under_the_ministry(demo):
    bnv = OrgUnit.objects.get(code="BNV", type=OrgUnit.Type.MINISTRY)
    provinces = OrgUnit.objects.filter(type=OrgUnit.Type.PROVINCE)
    assert provinces.count() == 34
    assert all(p.parent_id == bnv.pk and p.code.isascii() for p in provinces)
    lao_cai = OrgUnit.objects.get(code="T-LAOCAI")
    assert lao_cai.name == "Lào Cai"
    assert lao_cai.predecessors == "Lào Cai;Yên Bái"
    assert str(lao_cai.valid_from) == "2025-07-01"
    assert OrgUnit.objects.get(code="T-HANOI").predecessors == ""


def test_it_creates_the_departments_and_communes_of_lao_cai(demo):
    lao_cai = OrgUnit.objects.get(code="T-LAOCAI")
    departments = set(
        OrgUnit.objects.filter(parent=lao_cai, type=OrgUnit.Type.DEPARTMENT).values_list(
            "name", flat=True
        )
    )
    assert len(departments) == 14
    assert {"Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Văn phòng UBND tỉnh"} <= departments
    communes = OrgUnit.objects.filter(parent=lao_cai, type=OrgUnit.Type.COMMUNE)
    assert 20 <= communes.count() <= 30
    names = set(communes.values_list("name", flat=True))
    assert {"Phường Yên Bái", "Phường Sa Pa", "Xã Bắc Hà"} <= names


def test_every_demo_account_logs_in_with_the_shared_password(demo):
    request = RequestFactory().post("/dang-nhap/")
    for account in demo.accounts:
        user = authenticate(request, username=account.username, password=PASSWORD)
        assert user is not None, account.username
    roles = set(
        Membership.objects.filter(
            user__username__in=[a.username for a in demo.accounts]
        ).values_list("role", flat=True)
    )
    assert roles == set(Role.values)
    assert User.objects.get(username="admin").is_superuser


def test_unit_staff_accounts_cannot_log_in(demo):
    staff = User.objects.filter(username__startswith="cb.")
    assert staff.count() > 30
    assert not any(u.has_usable_password() for u in staff)


def test_the_open_cycle_has_submitted_units_units_in_progress_and_empty_ones(demo):
    cycle = _cycle(demo, "open")
    now = timezone.now()
    assert cycle.state == Cycle.State.OPEN
    assert cycle.self_start < now < cycle.self_end < cycle.appraisal_start
    ps = list(cycle.participations.select_related("unit"))
    status = Counter(p.status for p in ps)
    assert status[Participation.Status.SUBMITTED] >= 5
    assert status[Participation.Status.DRAFT] >= 10
    progress = {p.unit.code: svc.participation_progress(p) for p in ps}
    assert any(pr.scored == 0 for pr in progress.values())
    assert any(0 < pr.scored < pr.total for pr in progress.values())
    for code in ("LC-STP", "LC-X-BACHA"):  # the demo accounts' units still have work to do
        p = next(p for p in ps if p.unit.code == code)
        assert p.status == Participation.Status.DRAFT
        assert 0 < progress[code].scored < progress[code].total


def test_the_open_cycle_was_filled_through_the_services(demo):
    cycle = _cycle(demo, "open")
    saved = LogEntry.objects.filter(cycle=cycle, action="entry.self_saved")
    assert saved.exists()
    assert not saved.filter(actor__username="sonoivu").exists()
    external = LogEntry.objects.filter(cycle=cycle, action="entry.external_set")
    assert set(external.values_list("actor__username", flat=True)) == {"sonoivu"}
    submitted = LogEntry.objects.filter(cycle=cycle, action="participation.submitted")
    assert all(u.startswith("ld.") for u in submitted.values_list("actor__username", flat=True))
    surveyed = Entry.objects.filter(participation__cycle=cycle, code="8.2.1")
    assert surveyed.count() > cycle.participations.count() // 2


def test_the_previous_cycle_is_in_explanation_with_cuts_and_replies(demo):
    cycle = _cycle(demo, "explanation")
    now = timezone.now()
    assert cycle.state == Cycle.State.EXPLANATION
    assert cycle.year == _cycle(demo, "open").year - 1
    assert cycle.self_end < now < cycle.explanation_end
    ps = list(cycle.participations.select_related("unit"))
    assert len(ps) == 12
    assert all(p.status == Participation.Status.SUBMITTED for p in ps)
    assert all(p.submitted_at < cycle.self_end for p in ps)
    entries = Entry.objects.filter(participation__cycle=cycle)
    cut = [e for e in entries if e.disputed]
    assert len(cut) >= 3 * len(ps)
    assert all(e.r1_reason in Entry.Reason.values and e.r1_comment for e in cut)
    assert entries.filter(r1_points__isnull=False).count() > 10 * len(cut)
    assert set(entries.values_list("r1_by__username", flat=True)) >= {"thamdinh", "thamdinh.lv3"}
    explained = [e for e in cut if e.explanation]
    assert explained
    bac_ha = [e for e in cut if e.participation.unit.code == "LC-X-BACHA"]
    assert any(e.explanation for e in bac_ha)
    assert any(not e.explanation for e in bac_ha)
    assert not any(e.explanation for e in cut if e.participation.unit.code == "LC-STP")


def test_appraisal_spreads_the_units_indices(demo):
    cycle = _cycle(demo, "explanation")
    indices = [svc.unit_result(p, "r1").index for p in cycle.participations.all()]
    assert min(indices) >= Decimal(60)
    assert max(indices) <= Decimal(100)
    assert max(indices) - min(indices) >= Decimal(10)


def test_evidence_files_are_valid_pdfs_matching_their_hash(demo):
    evidence = list(Evidence.objects.all()[:60])
    assert evidence
    for ev in evidence:
        with ev.file.open("rb") as f:
            content = f.read()
        assert content.startswith(b"%PDF-1.4")
        assert content.rstrip().endswith(b"%%EOF")
        assert hashlib.sha256(content).hexdigest() == ev.sha256
        assert ev.size == len(content)
        assert ev.content_type == "application/pdf"
        assert ev.original_name.endswith(".pdf")
        assert ev.links.exists()


def test_the_province_cycle_gives_each_lead_agency_its_field(demo):
    cycle = _cycle(demo, "province")
    assert cycle.state == Cycle.State.OPEN
    assert cycle.organiser.code == "BNV"
    p = cycle.participations.get()
    assert p.unit.code == "T-LAOCAI"
    finance = perm.access(User.objects.get(username="chutri.sotaichinh"), p)
    assert finance.can(perm.EDIT_SELF)
    assert finance.covers("6.1") and not finance.covers("1.1")
    home_affairs = perm.access(User.objects.get(username="sonoivu"), p)
    assert home_affairs.can(perm.SUBMIT)
    assert not Entry.objects.filter(participation=p, code__startswith="6.").exists()


def test_the_province_runs_on_a_methodology_imported_from_a_docx_appendix(demo):
    """Both provincial cycles use the appendix table uploaded as a .docx (demo/appendix.py):
    8 fields, 37 criteria, 88 sub-criteria, labelled synthetic; the shipped national file
    holds only the published blocks and the official structure, unknowns unknown."""
    from parindex.files.methodology import shipped_methodology

    for key in ("province", "province_final"):
        mv = _cycle(demo, key).methodology
        assert mv.code == "phu-luc-minh-hoa"
        tree = mv.tree
        assert (len(tree.fields), sum(len(f.children) for f in tree.fields)) == (8, 37)
        assert len(tree.leaves) == 88 and tree.max_points == 100
        assert "minh họa" in tree.name and "phu-luc-minh-hoa.docx" in tree.description
    national = shipped_methodology("vn-province-876")
    assert [f.max for f in national.structure.fields] == [
        None,
        None,
        Decimal(13),
        Decimal("10.5"),
        Decimal(15),
        None,
        None,
        Decimal("16.5"),
    ]
    assert not any(n.unknown for n in national.walk())


def test_it_loads_the_published_national_results_and_a_labelled_synthetic_table(demo):
    from parindex.results.models import NationalResult, Provenance

    rows = NationalResult.objects.all()
    assert {y: rows.filter(year=y).count() for y in (2023, 2024, 2025)} == {
        2023: 63,
        2024: 63,
        2025: 34,
    }
    lao_cai = rows.get(year=2024, province_canonical="Lào Cai")
    assert (lao_cai.provenance, lao_cai.total, lao_cai.rank) == (
        Provenance.PUBLISHED,
        Decimal("89.03"),
        26,
    )
    assert rows.filter(year__lt=2023, provenance=Provenance.SYNTHETIC).count() == 0
    merged = rows.get(year=2025, province_canonical="Lào Cai")  # with Yên Bái
    assert merged.provenance == Provenance.SYNTHETIC and merged.source


def test_a_second_run_changes_nothing(demo):
    again = demo_setup(reset=False)
    assert not again.created
    assert again.counts == demo.counts
    assert again.cycles == demo.cycles


def test_the_command_prints_the_logins(demo):
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/" in text
    for account in demo.accounts:
        assert account.username in text
    assert PASSWORD in text


def test_lao_cai_has_a_final_provincial_cycle_matching_the_national_table(demo):
    from parindex.results.models import NationalResult
    from parindex.results.selectors import cycle_ranking

    cycle = _cycle(demo, "province_final")
    assert cycle.state == Cycle.State.FINAL and cycle.organiser.code == "BNV"
    assert "minh họa" in cycle.name
    assert cycle.year == _cycle(demo, "province").year - 1
    p = cycle.participations.get()
    cut = Entry.objects.filter(participation=p).exclude(r1_points=None).exclude(r1_reason="")
    assert cut.count() >= 3 and all(e.r1_comment for e in cut)
    row = cycle_ranking(cycle, "final", unit_type="province", with_change=False).rows[0]
    table = NationalResult.objects.filter(year=cycle.year, province_canonical="Lào Cai")
    totals = [r.total for r in table if r.appraisal is not None]
    assert totals and abs(row.index - totals[0]) <= Decimal("0.01")
    # The Sở Nội vụ may draft the province's plan from it; the Ministry's council appraised.
    home_affairs = User.objects.get(username="sonoivu")
    assert perm.may_draft_plan(home_affairs, p) and perm.may_draft_plans_in(home_affairs, cycle)
    assert (
        not Entry.objects.filter(participation=p)
        .exclude(r1_by=None)
        .filter(r1_by__username="sonoivu")
        .exists()
    )


def test_the_departments_have_two_consecutive_finished_years(demo):
    years = sorted(_cycle(demo, k).year for k in ("published", "earlier"))
    assert years[1] == years[0] + 1
    assert all(_cycle(demo, k).state == Cycle.State.PUBLISHED for k in ("published", "earlier"))
