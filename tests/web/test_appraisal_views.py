"""Appraisal (thẩm định) through the htmx endpoint, finalisation, the appraiser's list, the
audit log pages, and who may open each URL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from ap_cast import AP_VALUES, ap_client, ap_fill, ap_state  # noqa: F401
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry
from parindex.audit.services import log_action

pytestmark = pytest.mark.django_db

SMALL_YAML = Path(__file__).resolve().parents[1] / "data" / "small.yaml"
State = Cycle.State
HX = {"HTTP_HX_REQUEST": "true"}


def ap_appraisal_ready(world) -> Participation:
    """Unit A filled in and submitted; the cycle in appraisal round 1."""
    p = world["p"]
    ap_fill(world, p)
    ap_state(world["cycle"], State.APPRAISAL)
    p.refresh_from_db()
    return p


def appraise(client: Client, p: Participation, code: str, htmx: bool = True, **data):
    entry = Entry.objects.filter(participation=p, code=code).first()
    data.setdefault("version", entry.version if entry else 0)
    return client.post(reverse("appraisal_entry", args=[p.pk, code]), data, **(HX if htmx else {}))


def entry(p: Participation, code: str) -> Entry:
    return Entry.objects.get(participation=p, code=code)


# --- the appraisal endpoint ------------------------------------------------------------------


def test_accepting_keeps_the_self_assessed_points(ap_world):
    p = ap_appraisal_ready(ap_world)
    response = appraise(ap_client(ap_world["appraiser"]), p, "2.1.1", action="accept")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="m-2.1.1"' in html and "Đã lưu: 1,50 điểm." in html
    assert 'id="ap-progress"' in html and "hx-swap-oob" in html  # progress refreshed
    e = entry(p, "2.1.1")
    assert (e.r1_points, e.r1_reason, e.r1_by) == (Decimal("1.5000"), "", ap_world["appraiser"])
    log = LogEntry.objects.get(action="entry.appraised_r1")
    assert log.code == "2.1.1" and log.data["new"]["points"] == "1.5000"


def _row(response, code: str) -> str:
    html = response.content.decode()
    assert f'id="m-{code}"' in html
    return html


def test_what_the_form_refuses_is_said_on_the_row_first_check_first(ap_world):
    p = ap_appraisal_ready(ap_world)
    client = ap_client(ap_world["appraiser"])
    url = reverse("appraisal_entry", args=[p.pk, "1.1.2"])
    no_version = client.post(url, {"action": "nonsense", "points": "x"}, **HX)
    row = _row(no_version, "1.1.2")
    assert "Thiếu phiên bản của mục; hãy tải lại trang." in row
    assert "Thao tác không hợp lệ." not in row  # one message: the first check's
    bad_action = appraise(client, p, "1.1.2", action="nonsense")
    assert "Thao tác không hợp lệ." in _row(bad_action, "1.1.2")
    no_points = appraise(client, p, "1.1.2", action="adjust", points="  ", reason="not_met")
    assert "Hãy nhập điểm thẩm định." in _row(no_points, "1.1.2")
    typed = appraise(client, p, "1.1.2", action="adjust", points="1;5", comment="Xem lại")
    row = _row(typed, "1.1.2")
    assert "Điểm “1;5” không phải là số." in row
    assert 'value="1;5"' in row and "Xem lại</textarea>" in row  # what was typed stays
    # Accepting ignores whatever sits in the points box.
    accepted = appraise(client, p, "1.1.2", action="accept", points="1;5", reason="not_met")
    assert "Đã lưu: 1,00 điểm." in _row(accepted, "1.1.2")
    e = entry(p, "1.1.2")
    assert (e.r1_points, e.r1_reason) == (Decimal("1.0000"), "")
    # Without htmx the message comes back on the page, named by its item.
    plain = client.post(url, {"action": "accept"})
    assert plain.status_code == 302 and plain.url.endswith("#m-1.1.2")
    page = client.get(plain.url).content.decode()
    assert "1.1.2: Thiếu phiên bản của mục; hãy tải lại trang." in page


def test_adjusting_needs_points_within_the_maximum_and_a_reason(ap_world):
    p = ap_appraisal_ready(ap_world)
    client = ap_client(ap_world["appraiser"])
    no_reason = appraise(client, p, "1.1.2", action="adjust", points="0,5", reason="")
    assert "cần chọn lý do" in no_reason.content.decode()
    assert 'value="0,5"' in no_reason.content.decode()  # the form keeps what was typed
    too_many = appraise(client, p, "1.1.2", action="adjust", points="1,5", reason="not_met")
    assert "ngoài khoảng [0; 1,00]" in too_many.content.decode()
    not_a_number = appraise(client, p, "1.1.2", action="adjust", points="abc", reason="not_met")
    assert "không phải là số" in not_a_number.content.decode()
    assert entry(p, "1.1.2").r1_points is None
    ok = appraise(
        client,
        p,
        "1.1.2",
        action="adjust",
        points="0,5",
        reason="evidence_missing",
        comment="Thiếu báo cáo kết quả",
    )
    assert "Đã lưu: 0,50 điểm." in ok.content.decode()
    e = entry(p, "1.1.2")
    assert (e.r1_points, e.r1_reason, e.r1_comment) == (
        Decimal("0.5000"),
        "evidence_missing",
        "Thiếu báo cáo kết quả",
    )
    assert e.disputed


def test_an_appraiser_limited_to_some_fields_cannot_appraise_the_others(ap_world):
    p = ap_appraisal_ready(ap_world)
    client = ap_client(ap_world["appraiser_2"])  # field 2 only
    refused = appraise(client, p, "1.1.1", action="adjust", points="0", reason="not_met")
    assert "không được giao thẩm định mục này" in refused.content.decode()
    assert entry(p, "1.1.1").r1_points is None
    allowed = appraise(client, p, "2.1.1", action="adjust", points="1", reason="not_met")
    assert "Đã lưu" in allowed.content.decode()
    page = client.get(reverse("appraisal_detail", args=[p.pk]))
    rows = {r.node.code: r for kind, r in page.context["rows"] if kind == "leaf"}
    assert not rows["1.1.1"].editable and rows["2.1.1"].editable
    assert "Ngoài phạm vi được giao" in page.content.decode()


def test_appraisal_before_submission_is_refused(ap_world):
    ap_fill(ap_world, ap_world["p_b"], submit=False)
    ap_state(ap_world["cycle"], State.APPRAISAL)
    p_b = ap_world["p_b"]
    client = ap_client(ap_world["appraiser"])
    response = appraise(client, p_b, "1.1.1", action="accept")
    assert "chưa gửi kết quả tự đánh giá" in response.content.decode()
    assert entry(p_b, "1.1.1").r1_points is None
    page = client.get(reverse("appraisal_detail", args=[p_b.pk]))
    assert "chưa thể thẩm định" in page.content.decode()
    assert 'name="action"' not in page.content.decode()


def test_appraisal_outside_the_appraisal_rounds_is_refused(ap_world):
    p = ap_appraisal_ready(ap_world)
    ap_state(ap_world["cycle"], State.EXPLANATION)
    response = appraise(ap_client(ap_world["appraiser"]), p, "1.1.1", action="accept")
    assert "không ở giai đoạn thẩm định" in response.content.decode()
    assert entry(p, "1.1.1").r1_points is None


def test_a_stale_version_is_a_conflict_showing_the_current_value(ap_world):
    p = ap_appraisal_ready(ap_world)
    stale = entry(p, "1.2.2").version
    services.entry_appraise(
        entry=entry(p, "1.2.2"),
        points=Decimal("0.25"),
        reason="not_met",
        user=ap_world["appraiser"],
    )
    response = appraise(
        ap_client(ap_world["appraiser"]), p, "1.2.2", action="accept", version=stale
    )
    html = response.content.decode()
    assert "vừa được thamdinh cập nhật" in html
    assert "<strong>0,25</strong>" in html  # the current round-1 points
    current = entry(p, "1.2.2")
    assert current.r1_points == Decimal("0.2500")
    assert f'name="version" value="{current.version}"' in html  # ready for another try


def test_an_item_the_unit_left_empty_can_be_appraised(ap_world):
    p = ap_world["p"]
    ap_fill(ap_world, p, {"1.1.1": "đúng hạn"})
    ap_state(ap_world["cycle"], State.APPRAISAL)
    response = appraise(ap_client(ap_world["appraiser"]), p, "1.2.1", action="accept")
    assert "Đã lưu: 0,00 điểm." in response.content.decode()
    assert entry(p, "1.2.1").r1_points == 0


def test_survey_items_and_items_that_do_not_apply_are_not_appraised(ap_world):
    p = ap_appraisal_ready(ap_world)
    client = ap_client(ap_world["appraiser"])
    survey = appraise(client, p, "2.2.1", action="adjust", points="1", reason="other")
    assert "do cơ quan tổ chức nhập" in survey.content.decode()
    commune_only = appraise(client, p, "2.1.2", action="adjust", points="0", reason="other")
    assert "không áp dụng" in commune_only.content.decode()
    assert not Entry.objects.filter(participation=p, code__in=["2.2.1", "2.1.2"]).exists()


def test_without_htmx_the_endpoint_redirects_with_a_message(ap_world):
    p = ap_appraisal_ready(ap_world)
    client = ap_client(ap_world["appraiser"])
    response = appraise(client, p, "1.1.1", htmx=False, action="accept")
    assert response.status_code == 302
    assert response.url.endswith(f"/tham-dinh/{p.pk}/#m-1.1.1")
    assert "1.1.1: Đã lưu" in client.get(response.url).content.decode()
    assert client.get(reverse("appraisal_entry", args=[p.pk, "1.1.1"])).status_code == 302
    assert appraise(client, p, "9.9", action="accept").status_code == 404
    assert appraise(client, p, "T1", action="accept").status_code == 404


def test_round_two_shows_round_one_and_the_explanation_and_builds_on_it(ap_world):
    p = ap_appraisal_ready(ap_world)
    services.entry_appraise(
        entry=entry(p, "1.1.2"),
        points=Decimal("0.5"),
        reason="evidence_missing",
        comment="Chưa có báo cáo",
        user=ap_world["appraiser"],
    )
    ap_state(ap_world["cycle"], State.EXPLANATION)
    services.entry_explain(
        entry=entry(p, "1.1.2"), text="Đã bổ sung báo cáo số 12/BC", user=ap_world["officer"]
    )
    ap_state(ap_world["cycle"], State.APPRAISAL_2)
    client = ap_client(ap_world["appraiser"])
    page = client.get(reverse("appraisal_detail", args=[p.pk]))
    html = page.content.decode()
    assert page.context["show_r2"] and page.context["rnd"] == 2
    assert "Đã bổ sung báo cáo số 12/BC" in html
    assert "Thiếu tài liệu kiểm chứng" in html and "Chưa có báo cáo" in html
    response = appraise(client, p, "1.1.2", action="accept")
    assert "Đã lưu: 0,50 điểm." in response.content.decode()  # round 2 keeps round 1
    response = appraise(client, p, "1.1.2", action="adjust", points="1", reason="other")
    e = entry(p, "1.1.2")
    assert (e.r1_points, e.r2_points) == (Decimal("0.5000"), Decimal("1.0000"))


# --- finalisation ----------------------------------------------------------------------------


def test_finalising_fixes_final_points_round_two_else_round_one_else_self(ap_world):
    p = ap_appraisal_ready(ap_world)
    appraiser = ap_world["appraiser"]
    services.entry_appraise(
        entry=entry(p, "1.1.2"), points=Decimal("0.5"), reason="not_met", user=appraiser
    )
    services.entry_appraise(
        entry=entry(p, "2.1.1"), points=Decimal("1"), reason="not_met", user=appraiser
    )
    ap_state(ap_world["cycle"], State.APPRAISAL_2)
    services.entry_appraise(
        entry=entry(p, "2.1.1"), points=Decimal("1.25"), reason="other", user=appraiser
    )
    client = ap_client(ap_world["manager"])
    response = client.post(
        reverse("cycle_transition", args=[ap_world["cycle"].pk]),
        {"to_state": State.FINAL, "reason": "Hội đồng đã họp"},
    )
    assert response.status_code == 302
    final = {e.code: e.final_points for e in p.entries.all()}
    assert final == {
        "1.1.1": Decimal("1.0000"),  # self
        "1.1.2": Decimal("0.5000"),  # round 1
        "1.2.1": Decimal("1.0000"),
        "1.2.2": Decimal("0.5000"),
        "2.1.1": Decimal("1.2500"),  # round 2
    }
    page = client.get(reverse("cycle_detail", args=[ap_world["cycle"].pk]))
    html = page.content.decode()
    assert "Kết quả cuối cùng" in html
    rows = {r.p.unit.code: r for r in page.context["rows"]}
    assert rows["STP"].results["final"].points == Decimal("4.2500")
    assert rows["STP"].rank == 1 and rows["SYT"].rank == 2
    label, group = page.context["summary"][0]
    assert [r.p.unit.code for r in group] == ["STP", "SYT"]
    # Everything is read-only now.
    ap_page = ap_client(appraiser).get(reverse("appraisal_detail", args=[p.pk]))
    assert 'name="action"' not in ap_page.content.decode()
    refused = appraise(ap_client(appraiser), p, "1.1.1", action="accept")
    assert "không ở giai đoạn thẩm định" in refused.content.decode()
    assert entry(p, "1.1.1").r2_points is None


# --- the appraiser's list --------------------------------------------------------------------


def test_the_appraisers_list_shows_submitted_units_with_this_rounds_count(ap_world):
    p = ap_appraisal_ready(ap_world)
    services.entry_appraise(entry=entry(p, "1.1.1"), points=None, user=ap_world["appraiser"])
    services.entry_appraise(entry=entry(p, "2.1.1"), points=None, user=ap_world["appraiser"])
    response = ap_client(ap_world["appraiser"]).get(reverse("appraisal_list"))
    assert response.status_code == 200
    (group,) = response.context["groups"]
    assert [(t.p.unit.code, t.rnd, t.active, t.done, t.total) for t in group.tasks] == [
        ("STP", 1, True, 2, 5)
    ]
    assert group.waiting == 1  # B has not submitted
    assert "1 đơn vị được giao chưa gửi" in response.content.decode()
    limited = ap_client(ap_world["appraiser_2"]).get(reverse("appraisal_list"))
    (group,) = limited.context["groups"]
    assert [(t.done, t.total) for t in group.tasks] == [(1, 1)]  # field 2 has one item (2.1.1)
    nobody = ap_client(ap_world["officer"]).get(reverse("appraisal_list"))
    assert nobody.context["groups"] == []


def test_the_appraisers_list_ignores_cycles_before_appraisal(ap_world):
    ap_fill(ap_world, ap_world["p"])  # submitted, but the cycle is still open
    response = ap_client(ap_world["appraiser"]).get(reverse("appraisal_list"))
    assert response.context["groups"] == []
    ap_state(ap_world["cycle"], State.EXPLANATION)
    (group,) = ap_client(ap_world["appraiser"]).get(reverse("appraisal_list")).context["groups"]
    assert [(t.rnd, t.active) for t in group.tasks] == [(1, False)]


def test_the_appraisal_page_shows_values_notes_evidence_and_progress(ap_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = ap_world["p"]
    ap_fill(ap_world, p, submit=False)
    services.entry_save_self(
        participation=p,
        code="1.1.1",
        value="đúng hạn",
        note="Kế hoạch ban hành ngày 05/01",
        user=ap_world["leader"],
    )
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    services.evidence_upload(
        participation=p,
        file=SimpleUploadedFile("ke-hoach.pdf", pdf, "application/pdf"),
        user=ap_world["leader"],
        link_code="1.1.1",
        page_ref="tr. 3",
    )
    services.participation_submit(participation=p, user=ap_world["leader"])
    ap_state(ap_world["cycle"], State.APPRAISAL)
    services.entry_appraise(
        entry=entry(p, "2.1.1"), points=Decimal("1"), reason="not_met", user=ap_world["appraiser"]
    )
    page = ap_client(ap_world["appraiser"]).get(reverse("appraisal_detail", args=[p.pk]))
    html = page.content.decode()
    assert "Kế hoạch ban hành ngày 05/01" in html
    assert "ke-hoach.pdf" in html and "tr. 3" in html
    progress = page.context["progress"]
    assert (progress.done, progress.total) == (1, 5)
    assert progress.self_result.points == Decimal("5.0000")
    assert progress.stage_result.points == Decimal("4.5000")
    assert reverse("audit_participation", args=[p.pk]) in html
    assert reverse("audit_item", args=[p.pk, "1.1.1"]) in html


# --- audit log -------------------------------------------------------------------------------


def test_the_audit_page_lists_the_changes_with_old_and_new_values(ap_world):
    p = ap_appraisal_ready(ap_world)
    services.entry_appraise(
        entry=entry(p, "1.1.2"), points=Decimal("0.5"), reason="not_met", user=ap_world["appraiser"]
    )
    # While round 1 runs the unit does not read its records (points, reasons, comments).
    unit_page = ap_client(ap_world["officer"]).get(reverse("audit_participation", args=[p.pk]))
    assert unit_page.status_code == 200
    assert {r.log.action for r in unit_page.context["rows"]} >= {"entry.self_saved"}
    assert "entry.appraised_r1" not in {r.log.action for r in unit_page.context["rows"]}
    client = ap_client(ap_world["appraiser"])
    response = client.get(reverse("audit_participation", args=[p.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lưu tự đánh giá" in html and "Thẩm định vòng 1" in html
    assert "Phê duyệt, gửi kết quả tự đánh giá" in html
    first = response.context["rows"][0]  # newest first
    assert first.label == "Thẩm định vòng 1" and first.log.code == "1.1.2"
    assert ("điểm", "–", "0,50") in first.changes
    assert ("lý do", "–", "Không đáp ứng yêu cầu") in first.changes
    saved = [r for r in response.context["rows"] if r.log.code == "1.1.1"]
    assert saved[0].label == "Lưu tự đánh giá"
    assert ("giá trị", "–", "đúng hạn") in saved[0].changes
    assert ("điểm", "–", "1,00") in saved[0].changes
    assert timezone.localtime(first.log.at).strftime("%d/%m/%Y %H:%M:%S") in html
    item = client.get(reverse("audit_item", args=[p.pk, "1.1.2"]))
    assert {r.log.code for r in item.context["rows"]} == {"1.1.2"}
    assert len(item.context["rows"]) == 2  # saved, appraised
    parent = client.get(reverse("audit_item", args=[p.pk, "1.1"]))
    assert {r.log.code for r in parent.context["rows"]} == {"1.1.1", "1.1.2"}
    assert client.get(reverse("audit_item", args=[p.pk, "9.9"])).status_code == 404


def test_the_audit_page_is_paginated_and_has_no_way_to_delete(ap_world):
    p = ap_world["p"]
    for i in range(60):
        log_action(
            "entry.self_saved",
            actor=ap_world["officer"],
            cycle=p.cycle,
            unit=p.unit,
            code="1.1.1",
            old={"value": str(i)},
            new={"value": str(i + 1)},
        )
    client = ap_client(ap_world["viewer"])
    first = client.get(reverse("audit_participation", args=[p.pk]))
    assert len(first.context["rows"]) == 50 and first.context["page"].has_next()
    second = client.get(reverse("audit_participation", args=[p.pk]), {"page": 2})
    assert len(second.context["rows"]) == 10
    html = first.content.decode()
    assert "delete" not in html.lower() and '<form method="post"' not in html.split("<main>")[1]
    assert client.post(reverse("audit_participation", args=[p.pk])).status_code in (200, 405)
    assert LogEntry.objects.count() >= 60


def test_a_user_of_another_unit_gets_404_on_the_audit_pages(ap_world):
    p = ap_world["p"]
    ap_fill(ap_world, p)
    for who in ("other", "outsider"):
        client = ap_client(ap_world[who])
        assert client.get(reverse("audit_participation", args=[p.pk])).status_code == 404
        assert client.get(reverse("audit_item", args=[p.pk, "1.1.1"])).status_code == 404


# --- who may open what -----------------------------------------------------------------------

CAST = [
    "manager",
    "appraiser",
    "appraiser_2",
    "officer",
    "leader",
    "viewer",
    "lead_agency",
    "other",
    "outsider",
]


@pytest.mark.parametrize(
    "name, with_code, expected",
    [
        ("appraisal_detail", False, [200, 200, 200, 403, 403, 403, 403, 404, 404]),
        ("audit_participation", False, [200, 200, 200, 200, 200, 200, 200, 404, 404]),
        ("audit_item", True, [200, 200, 200, 200, 200, 200, 200, 404, 404]),
    ],
)
def test_who_may_open_the_appraisal_and_audit_pages(ap_world, name, with_code, expected):
    p = ap_appraisal_ready(ap_world)
    args = [p.pk, "1.1.1"] if with_code else [p.pk]
    url = reverse(name, args=args)
    got = [ap_client(ap_world[who]).get(url).status_code for who in CAST]
    assert got == expected
    anonymous = ap_client(None).get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))


def test_who_may_post_an_appraisal(ap_world):
    p = ap_appraisal_ready(ap_world)
    expected = {
        "manager": 403,  # organises, does not appraise
        "officer": 403,
        "leader": 403,
        "viewer": 403,
        "lead_agency": 403,
        "other": 404,
        "outsider": 404,
    }
    got = {
        who: appraise(ap_client(ap_world[who]), p, "1.1.1", action="accept").status_code
        for who in expected
    }
    assert got == expected
    anonymous = appraise(ap_client(None), p, "1.1.1", action="accept")
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous.url
    assert entry(p, "1.1.1").r1_points is None


def test_the_appraisal_list_needs_a_login_only(ap_world):
    url = reverse("appraisal_list")
    for who in CAST:
        assert ap_client(ap_world[who]).get(url).status_code == 200
    assert ap_client(None).get(url).status_code == 302
