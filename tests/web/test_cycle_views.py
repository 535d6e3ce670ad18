"""The organiser's cycle pages: overview, transitions, schedule, late entry, survey/external
data (page and all-or-nothing CSV), and who may open each URL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from ap_cast import AP_VALUES, ap_client, ap_fill, ap_state  # noqa: F401
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parindex.accounts.models import OrgUnit
from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db

SMALL_YAML = Path(__file__).resolve().parents[1] / "data" / "small.yaml"
State = Cycle.State
# --- cycle page ------------------------------------------------------------------------------


def test_the_cycle_page_shows_participants_progress_stages_and_ranks(ap_world):
    ap_fill(ap_world, ap_world["p"])
    ap_fill(ap_world, ap_world["p_b"], {"1.1.1": "đúng hạn"}, submit=False)
    ap_state(ap_world["cycle"], State.APPRAISAL)
    response = ap_client(ap_world["manager"]).get(
        reverse("cycle_detail", args=[ap_world["cycle"].pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sở Tư pháp" in html and "Sở Y tế" in html
    assert "Thẩm định vòng 1" in html  # state, and the r1 column
    rows = {r.p.unit.code: r for r in response.context["rows"]}
    a, b = rows["STP"], rows["SYT"]
    assert (a.progress.scored, a.progress.total) == (5, 5)
    assert (b.progress.scored, b.progress.total) == (1, 5)
    assert a.results["self"].points == Decimal("5.0000")
    assert set(a.results) == {"self", "r1"}  # round 2 and final do not exist yet
    assert (a.rank, b.rank) == (1, 2)
    assert "Đã gửi" in html and "Đang nhập" in html
    assert "5,00" in html  # decimal comma


def test_tied_units_share_a_rank(ap_world):
    ap_fill(ap_world, ap_world["p"])
    ap_fill(ap_world, ap_world["p_b"])
    response = ap_client(ap_world["manager"]).get(
        reverse("cycle_detail", args=[ap_world["cycle"].pk])
    )
    assert [r.rank for r in response.context["rows"]] == [1, 1]


def test_the_cycle_page_filters_by_unit_type_and_status(ap_world):
    ap_fill(ap_world, ap_world["p"])
    client = ap_client(ap_world["manager"])
    url = reverse("cycle_detail", args=[ap_world["cycle"].pk])
    submitted = client.get(url, {"status": "submitted"}).context["rows"]
    assert [r.p.unit.code for r in submitted] == ["STP"]
    drafts = client.get(url, {"status": "draft"}).context["rows"]
    assert [r.p.unit.code for r in drafts] == ["SYT"]
    assert client.get(url, {"type": "commune"}).context["rows"] == []
    by_rank = client.get(url, {"sort": "rank"}).context["rows"]
    assert [r.p.unit.code for r in by_rank] == ["STP", "SYT"]


def test_the_cycle_page_does_not_query_per_unit(ap_world):
    ap_fill(ap_world, ap_world["p"])
    ap_state(ap_world["cycle"], State.APPRAISAL_2)
    client = ap_client(ap_world["manager"])
    url = reverse("cycle_detail", args=[ap_world["cycle"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(6):
        unit = OrgUnit.objects.create(code=f"U{i}", name=f"Đơn vị {i}", type="department")
        p = Participation.objects.create(cycle=ap_world["cycle"], unit=unit)
        for code, value in AP_VALUES.items():
            Entry.objects.create(participation=p, code=code, value=value, self_points=1)
    with CaptureQueriesContext(connection) as big:
        response = client.get(url)
    assert len(response.context["rows"]) == 8
    assert len(big.captured_queries) <= len(small.captured_queries) + 1


def test_another_units_officer_sees_only_their_own_row(ap_world):
    response = ap_client(ap_world["other"]).get(
        reverse("cycle_detail", args=[ap_world["cycle"].pk])
    )
    assert [r.p.unit.code for r in response.context["rows"]] == ["SYT"]
    assert "Sở Tư pháp" not in response.content.decode()
    assert not response.context["manage"]
    assert "chuyen-trang-thai" not in response.content.decode()


# --- transitions -----------------------------------------------------------------------------


def transition(client: Client, cycle: Cycle, to_state: str):
    data = {"to_state": to_state, "reason": "Kiểm thử"}
    if to_state == State.PUBLISHED:
        data |= {"decision_number": "15/QĐ-UBND", "decision_date": "2026-02-01"}
    return client.post(reverse("cycle_transition", args=[cycle.pk]), data)


def test_every_transition_through_the_view(ap_world):
    cycle = ap_world["cycle"]
    client = ap_client(ap_world["manager"])
    path = [
        State.OPEN,
        State.SELF_CLOSED,
        State.OPEN,  # reopened
        State.SELF_CLOSED,
        State.APPRAISAL,
        State.EXPLANATION,
        State.APPRAISAL_2,
        State.FINAL,
        State.PUBLISHED,
    ]
    for to_state in path:
        response = transition(client, cycle, to_state)
        assert response.status_code == 302
        cycle.refresh_from_db()
        assert cycle.state == to_state
    logged = LogEntry.objects.filter(action="cycle.state_changed", cycle=cycle).order_by("id")
    assert [log.data["new"] for log in logged] == [str(s) for s in path]
    assert cycle.finalised_at is not None
    # The page of a published cycle offers no transition.
    page = client.get(reverse("cycle_detail", args=[cycle.pk]))
    assert page.context["transitions"] == []


def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(ap_world):
    cycle = ap_state(ap_world["cycle"], State.OPEN)
    client = ap_client(ap_world["manager"])
    response = transition(client, cycle, State.FINAL)
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == State.OPEN
    page = client.get(response.url)
    assert "Không thể chuyển kỳ đánh giá" in page.content.decode()
    assert not LogEntry.objects.filter(action="cycle.state_changed").exists()
    assert transition(client, cycle, "nonsense").status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == State.OPEN


@pytest.mark.parametrize(
    "who, status",
    [
        ("appraiser", 403),
        ("officer", 403),
        ("leader", 403),
        ("viewer", 403),
        ("lead_agency", 403),
        ("other", 403),
        ("outsider", 404),
    ],
)
def test_only_the_manager_moves_the_cycle(ap_world, who, status):
    cycle = ap_state(ap_world["cycle"], State.OPEN)
    response = transition(ap_client(ap_world[who]), cycle, State.SELF_CLOSED)
    assert response.status_code == status
    cycle.refresh_from_db()
    assert cycle.state == State.OPEN


def test_anonymous_transition_goes_to_login(ap_world):
    cycle = ap_state(ap_world["cycle"], State.OPEN)
    response = transition(ap_client(None), cycle, State.SELF_CLOSED)
    assert response.status_code == 302 and "/dang-nhap/" in response.url
    cycle.refresh_from_db()
    assert cycle.state == State.OPEN


def test_transitions_are_post_only(ap_world):
    response = ap_client(ap_world["manager"]).get(
        reverse("cycle_transition", args=[ap_world["cycle"].pk])
    )
    assert response.status_code == 405


# --- late entry ------------------------------------------------------------------------------


def test_a_late_exception_lets_a_unit_edit_after_its_deadline(ap_world):
    past = timezone.now() - timedelta(days=1)
    cycle = ap_state(ap_world["cycle"], State.OPEN, self_end=past)
    p = ap_world["p"]
    with pytest.raises(services.ServiceError, match="hết hạn"):
        services.entry_save_self(participation=p, code="1.1.1", value="có", user=ap_world["leader"])
    until = timezone.localtime() + timedelta(days=2)
    response = ap_client(ap_world["manager"]).post(
        reverse("cycle_late_grant", args=[cycle.pk]),
        {"participation": p.pk, "until": until.strftime("%Y-%m-%dT%H:%M"), "reason": "Mất điện"},
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.late_until is not None and p.late_until > timezone.now()
    entry = services.entry_save_self(
        participation=p, code="1.1.1", value="đúng hạn", user=ap_world["leader"]
    )
    assert entry.self_points == Decimal(1)
    # B got no exception and is still locked out.
    with pytest.raises(services.ServiceError):
        services.entry_save_self(
            participation=ap_world["p_b"], code="1.1.1", value="có", user=ap_world["leader_b"]
        )
    log = LogEntry.objects.get(action="participation.late_entry_granted")
    assert log.data["reason"] == "Mất điện"


def test_a_late_exception_needs_a_reason_and_a_manager(ap_world):
    cycle = ap_state(ap_world["cycle"], State.OPEN)
    p = ap_world["p"]
    until = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("cycle_late_grant", args=[cycle.pk])
    client = ap_client(ap_world["manager"])
    client.post(url, {"participation": p.pk, "until": until, "reason": ""})
    assert (
        ap_client(ap_world["leader"])
        .post(url, {"participation": p.pk, "until": until, "reason": "x"})
        .status_code
        == 403
    )
    p.refresh_from_db()
    assert p.late_until is None


# --- schedule --------------------------------------------------------------------------------


def test_the_manager_edits_the_schedule_and_it_is_audited(ap_world):
    cycle = ap_world["cycle"]
    client = ap_client(ap_world["manager"])
    url = reverse("cycle_schedule", args=[cycle.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "self_start": "2025-10-01T08:00",
            "self_end": "2025-11-15T17:00",
            "appraisal_start": "2025-11-20T08:00",
            "appraisal_end": "",
            "publication_date": "2026-01-15",
        },
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert timezone.localtime(cycle.self_end).strftime("%d/%m/%Y %H:%M") == "15/11/2025 17:00"
    assert cycle.appraisal_end is None
    log = LogEntry.objects.get(action="cycle.schedule_updated")
    assert set(log.data["new"]) == {"self_start", "self_end", "appraisal_start", "publication_date"}
    page = client.get(reverse("cycle_detail", args=[cycle.pk])).content.decode()
    assert "01/10/2025 08:00 – 15/11/2025 17:00" in page


def test_a_schedule_ending_before_it_starts_is_refused(ap_world):
    cycle = ap_world["cycle"]
    response = ap_client(ap_world["manager"]).post(
        reverse("cycle_schedule", args=[cycle.pk]),
        {"self_start": "2025-11-15T08:00", "self_end": "2025-10-01T17:00"},
    )
    assert response.status_code == 200
    assert "không được trước" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.self_start is None and cycle.self_end is None
    assert not LogEntry.objects.filter(action="cycle.schedule_updated").exists()


def test_after_finalising_only_the_publication_date_may_change(ap_world):
    cycle = ap_state(ap_world["cycle"], State.FINAL)
    with pytest.raises(services.ServiceError, match="ngày công bố"):
        services.cycle_update_schedule(
            cycle=cycle, user=ap_world["manager"], self_end=timezone.now()
        )
    services.cycle_update_schedule(
        cycle=cycle, user=ap_world["manager"], publication_date=timezone.localdate()
    )
    cycle.refresh_from_db()
    assert cycle.publication_date == timezone.localdate()


# --- survey/external data ------------------------------------------------------------------


def test_the_manager_enters_survey_data_and_adjustments_for_one_unit(ap_world):
    p = ap_world["p"]
    client = ap_client(ap_world["manager"])
    url = reverse("participation_external", args=[p.pk])
    page = client.get(url)
    assert page.status_code == 200
    codes = [r.node.code for r in page.context["rows"]]
    assert codes == ["2.2.1", "T1", "D1"]
    response = client.post(
        url,
        {
            "v-2.2.1": "82,5",
            "ver-2.2.1": "0",
            "v-T1": "3",
            "ver-T1": "0",
            "v-D1": "",
            "ver-D1": "0",
        },
    )
    assert response.status_code == 302
    entries = {e.code: e for e in p.entries.all()}
    assert entries["2.2.1"].self_points == Decimal("1.6500")
    assert entries["T1"].self_points == Decimal("1.0000")  # 3 x 0.5, capped at 1
    assert "D1" not in entries
    bad = client.post(url, {"v-2.2.1": "120", "ver-2.2.1": str(entries["2.2.1"].version)})
    assert "ngoài khoảng" in client.get(bad.url).content.decode()
    entries["2.2.1"].refresh_from_db()
    assert entries["2.2.1"].value == "82,5"


def test_each_external_item_is_saved_or_refused_on_its_own(ap_world):
    p = ap_world["p"]
    client = ap_client(ap_world["manager"])
    url = reverse("participation_external", args=[p.pk])
    client.post(url, {"v-2.2.1": "82,5", "ver-2.2.1": "0", "v-T1": "3", "ver-T1": "0"})
    stored = {e.code: e for e in p.entries.all()}
    response = client.post(
        url,
        {
            "v-2.2.1": " 90 ",  # changed, with a version that is not a number: refused
            "ver-2.2.1": "abc",
            "v-T1": "3",  # unchanged: its version is not even read
            "ver-T1": "x",
            "v-D1": "1",  # new
            "ver-D1": "",
        },
    )
    page = client.get(response.url).content.decode()
    assert "2.2.1: phiên bản không hợp lệ." in page and "Đã lưu 1 mục." in page
    assert "T1: phiên bản" not in page
    entries = {e.code: e for e in p.entries.all()}
    assert entries["2.2.1"].value == "82,5" and entries["2.2.1"].version == 1
    assert entries["T1"].version == stored["T1"].version
    assert entries["D1"].value == "1"
    # An item not sent is left alone (not emptied).
    client.post(url, {"v-D1": "2", "ver-D1": str(entries["D1"].version)})
    assert {e.code: e.value for e in p.entries.all()} == {"2.2.1": "82,5", "T1": "3", "D1": "2"}
    # Nothing changed: said so.
    unchanged = client.post(url, {"v-T1": "3", "ver-T1": "1"})
    assert "Không có thay đổi." in client.get(unchanged.url).content.decode()


def csv_upload(client: Client, cycle: Cycle, text: str, name: str = "so-lieu.csv"):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("cycle_external_import", args=[cycle.pk]), {"file": upload})


def test_a_valid_csv_sets_every_units_values(ap_world):
    cycle = ap_world["cycle"]
    client = ap_client(ap_world["manager"])
    assert client.get(reverse("cycle_external_import", args=[cycle.pk])).status_code == 200
    text = "unit,code,value\nSTP,2.2.1,90\nSYT,2.2.1,70\nSTP,T1,1\nSYT,D1,2\n"
    response = csv_upload(client, cycle, text)
    assert response.status_code == 302
    points = {(e.participation.unit.code, e.code): e.self_points for e in Entry.objects.all()}
    assert points == {
        ("STP", "2.2.1"): Decimal("1.8000"),
        ("SYT", "2.2.1"): Decimal("1.4000"),
        ("STP", "T1"): Decimal("0.5000"),
        ("SYT", "D1"): Decimal("-0.5000"),
    }
    assert LogEntry.objects.filter(action="entry.external_set").count() == 4
    assert LogEntry.objects.get(action="cycle.external_imported").data["rows"] == 4


def test_a_csv_with_one_bad_row_saves_nothing_and_names_rows_and_columns(ap_world):
    cycle = ap_world["cycle"]
    text = (
        "unit;code;value\n"
        "STP;2.2.1;90\n"  # line 2: fine
        "ABC;2.2.1;50\n"  # line 3: unknown unit
        "SYT;1.1.1;1\n"  # line 4: a self-assessed item
        "SYT;2.2.1;150\n"  # line 5: out of range
        "STP;2.2.1;80\n"  # line 6: duplicate of line 2
        "SYT;9.9;1\n"  # line 7: no such item
        "SYT;T1;\n"  # line 8: no value
    )
    response = csv_upload(ap_client(ap_world["manager"]), cycle, text)
    assert response.status_code == 200
    html = response.content.decode()
    assert not Entry.objects.exists()
    errors = [str(e) for e in response.context["errors"]]
    f = "Tệp “so-lieu.csv”, dòng"  # every error names the file
    assert errors[0].startswith(f"{f} 3, cột “unit”")
    assert any(e.startswith(f"{f} 4, cột “code”") and "tự đánh giá" in e for e in errors)
    assert any(e.startswith(f"{f} 5, cột “value”") for e in errors)
    assert any(e.startswith(f"{f} 6, cột “code”") and "dòng 2" in e for e in errors)
    assert any(e.startswith(f"{f} 7, cột “code”") for e in errors)
    assert any(e.startswith(f"{f} 8, cột “value”") for e in errors)
    assert "Không nhập dòng nào" in html
    assert not LogEntry.objects.filter(action__startswith="entry.").exists()


def test_a_csv_without_the_columns_is_refused(ap_world):
    response = csv_upload(ap_client(ap_world["manager"]), ap_world["cycle"], "don_vi,ma\nSTP,T1\n")
    errors = [str(e) for e in response.context["errors"]]
    assert errors == [
        f"Tệp “so-lieu.csv”, dòng 1, cột “{c}”: thiếu cột này ở dòng tiêu đề (cần: "
        "unit,code,value)."
        for c in ("unit", "code", "value")
    ]
    latin1 = SimpleUploadedFile("x.csv", "unit,code,value\nSTP,T1,Đ\n".encode("cp1258"))
    response = ap_client(ap_world["manager"]).post(
        reverse("cycle_external_import", args=[ap_world["cycle"].pk]), {"file": latin1}
    )
    assert "UTF-8" in str(response.context["errors"][0])
    assert str(response.context["errors"][0]).startswith("Tệp “x.csv”")


def test_external_data_is_refused_once_final(ap_world):
    cycle = ap_state(ap_world["cycle"], State.FINAL)
    response = csv_upload(ap_client(ap_world["manager"]), cycle, "unit,code,value\nSTP,T1,1\n")
    assert "đã chốt" in response.content.decode()
    assert not Entry.objects.exists()
    page = ap_client(ap_world["manager"]).get(
        reverse("participation_external", args=[ap_world["p"].pk])
    )
    assert page.context["readonly"] and 'name="v-T1"' not in page.content.decode()


# --- who may open what -------------------------------------------------------------------------

CAST = ["manager", "appraiser", "officer", "leader", "viewer", "lead_agency", "other", "outsider"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("cycle_detail", [200, 200, 200, 200, 200, 200, 200, 404]),
        ("cycle_schedule", [200, 403, 403, 403, 403, 403, 403, 404]),
        ("cycle_external_import", [200, 403, 403, 403, 403, 403, 403, 404]),
    ],
)
def test_who_may_open_the_cycle_pages(ap_world, name, expected):
    url = reverse(name, args=[ap_world["cycle"].pk])
    got = [ap_client(ap_world[who]).get(url).status_code for who in CAST]
    assert got == expected
    anonymous = ap_client(None).get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))


def test_who_may_open_a_units_external_data_page(ap_world):
    url = reverse("participation_external", args=[ap_world["p"].pk])
    got = [ap_client(ap_world[who]).get(url).status_code for who in CAST]
    # the appraiser, the unit and its lead agency see unit A but may not enter organiser data
    assert got == [200, 403, 403, 403, 403, 403, 404, 404]
    assert ap_client(None).get(url).status_code == 302
    posted = ap_client(ap_world["leader"]).post(url, {"v-T1": "2", "ver-T1": "0"})
    assert posted.status_code == 403
    assert not Entry.objects.exists()
