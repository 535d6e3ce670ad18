"""The self-assessment form: saving through htmx, refusals, conflicts, access, submission."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.assessment import services
from parindex.assessment.models import Entry, Participation

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def save(client, p, code, **data):
    data.setdefault("version", "0")
    return client.post(reverse("self_entry_save", args=[p.pk, code]), data, **HX)


def row_html(html: str, code: str) -> str:
    dom = "e-" + code.replace(".", "-")
    match = re.search(rf'<tbody id="{dom}".*?</tbody>', html, re.S)
    assert match, f"row {code} not found"
    return match.group(0)


def test_it_saves_a_value_and_answers_the_row_with_points(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    response = save(client, p, "1.1.2", value="100", note="Đạt 100% kế hoạch")
    assert response.status_code == 200
    html = response.content.decode()
    row = row_html(html, "1.1.2")
    assert "Đã lưu" in row
    assert 'class="num pts">1,00</td>' in row
    assert "mức = 100,00%" in row  # the rule's explanation of the points
    # The progress summary comes along out of band.
    assert re.search(r'<section id="self-progress"[^>]*hx-swap-oob="true"', html)
    assert "1/5" in html
    entry = Entry.objects.get(participation=p, code="1.1.2")
    assert entry.self_points == Decimal("1.0000")
    assert entry.note == "Đạt 100% kế hoạch"
    assert entry.version == 1
    assert 'name="version" value="1"' in row
    # What the user may still be typing in the note survives the swap.
    assert "hx-preserve" in row


def test_it_saves_yes_no_and_timeliness_from_selects(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    save(client, p, "1.2.1", value="có")
    row = row_html(save(client, p, "1.1.1", value="chậm").content.decode(), "1.1.1")
    assert '<option value="chậm" selected>' in row
    assert 'class="num pts">0,50</td>' in row
    assert Entry.objects.get(participation=p, code="1.2.1").self_points == Decimal("1")


def test_not_arising_is_offered_and_saved(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    refused = row_html(save(client, p, "1.1.2", na="1", value="").content.decode(), "1.1.2")
    assert "cần ghi thuyết minh lý do hoặc gắn tài liệu kiểm chứng" in refused
    assert not Entry.objects.filter(participation=p, code="1.1.2", value="không phát sinh")
    reason = "Năm 2025 không ban hành văn bản nào thuộc nội dung này"
    row = row_html(
        save(client, p, "1.1.2", na="1", value="", note=reason).content.decode(), "1.1.2"
    )
    assert 'name="na" value="1" class="ef" checked' in row
    entry = Entry.objects.get(participation=p, code="1.1.2")
    assert (entry.value, entry.note) == ("không phát sinh", reason)
    page = client.get(reverse("self_assessment", args=[p.pk])).content.decode()
    assert '<option value="không phát sinh"' in row_html(page, "1.2.1")


def test_a_note_not_sent_is_kept_and_a_number_version_only_is_checked(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    save(client, p, "1.1.2", value="100", note="Báo cáo số 12")
    save(client, p, "1.1.2", value="90", version="1")  # no note in the post
    entry = Entry.objects.get(participation=p, code="1.1.2")
    assert (entry.value, entry.note, entry.version) == ("90", "Báo cáo số 12", 2)
    save(client, p, "1.1.2", value="90", note="", version="")  # sent empty: cleared
    entry.refresh_from_db()
    assert (entry.note, entry.version) == ("", 3)
    row = row_html(save(client, p, "1.1.2", value="80", version="abc").content.decode(), "1.1.2")
    assert "Đã lưu" in row
    assert Entry.objects.get(participation=p, code="1.1.2").value == "80"


def test_an_out_of_range_value_is_refused_and_nothing_saved(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    row = row_html(save(client, p, "1.2.2", value="3").content.decode(), "1.2.2")
    assert "Chưa lưu" in row and "ngoài khoảng" in row
    assert 'class="row-msg error"' in row
    row = row_html(save(client, p, "1.1.2", value="150").content.decode(), "1.1.2")
    assert "vượt quá 100%" in row
    assert not Entry.objects.filter(participation=p, value__gt="").exists()


def test_a_stale_version_shows_the_conflict_and_the_current_value(self_world, self_login):
    p = self_world["p"]
    first = self_login(self_world["officer"])
    second = self_login(self_world["leader"])
    save(first, p, "1.1.2", value="100", version="0")
    row = row_html(save(second, p, "1.1.2", value="50", version="0").content.decode(), "1.1.2")
    assert "vừa được canbo cập nhật" in row
    assert 'class="row-msg warning"' in row
    assert 'value="100"' in row  # the current value, not the stale one
    assert 'name="version" value="1"' in row
    assert "hx-preserve" not in row  # after a conflict the saved note is shown
    assert Entry.objects.get(participation=p, code="1.1.2").value == "100"


def test_another_units_user_gets_404_everywhere(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["other"])
    for name in ("self_assessment", "evidence_library", "explanation", "unit_results"):
        assert client.get(reverse(name, args=[p.pk])).status_code == 404, name
    assert save(client, p, "1.1.2", value="100").status_code == 404
    assert client.post(reverse("participation_submit", args=[p.pk])).status_code == 404
    assert not Entry.objects.filter(participation=p).exists()


def test_the_form_shows_the_tree_with_guidance_and_special_rows(self_world, self_login):
    p = self_world["p"]
    services.entry_set_external(
        participation=p, code="2.2.1", value="80", user=self_world["manager"]
    )
    services.entry_set_external(participation=p, code="T1", value="1", user=self_world["manager"])
    client = self_login(self_world["officer"])
    response = client.get(reverse("self_assessment", args=[p.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chỉ đạo, điều hành" in html and "Kế hoạch CCHC" in html
    # Not applicable to a department: greyed, no input.
    na_row = row_html(html, "2.1.2")
    assert "không áp dụng" in na_row and 'name="value"' not in na_row
    # Survey: read-only with the organiser's value and its points.
    survey = row_html(html, "2.2.1")
    assert "do cơ quan tổ chức nhập" in survey and "80%" in survey
    assert 'class="num pts">1,60</td>' in survey and 'name="value"' not in survey
    # Bonus items: read-only section.
    assert "Điểm thưởng, điểm trừ" in html and "+0,50" in html
    # Inputs per rule kind.
    manual = row_html(html, "1.2.2")
    assert 'type="text" inputmode="decimal"' in manual and "0–1,00, bước 0,25" in manual
    assert '<option value="đúng hạn"' in row_html(html, "1.1.1")
    assert "%" in row_html(html, "1.1.2")


def test_a_lead_agency_gets_inputs_only_for_its_codes(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["lead_agency"])
    html = client.get(reverse("self_assessment", args=[p.pk])).content.decode()
    assert 'name="value"' in row_html(html, "1.1.1")
    assert 'name="value"' not in row_html(html, "1.2.1")
    row = row_html(save(client, p, "1.2.1", value="có").content.decode(), "1.2.1")
    assert "không có quyền" in row
    assert not Entry.objects.filter(participation=p, code="1.2.1", value="có").exists()


def test_the_form_renders_in_few_queries(self_world, self_login, django_assert_max_num_queries):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    for code, value in (("1.1.1", "đúng hạn"), ("1.1.2", "90"), ("1.2.1", "có")):
        save(client, p, code, value=value)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("self_assessment", args=[p.pk])).status_code == 200


# --- submission --------------------------------------------------------------------------


def test_the_leader_submits_and_the_form_becomes_read_only(self_world, self_login):
    p = self_world["p"]
    leader = self_login(self_world["leader"])
    page = leader.get(reverse("self_assessment", args=[p.pk])).content.decode()
    assert "Phê duyệt và gửi" in page and "data-confirm=" in page
    assert "5 mục chưa chấm" in page  # the warning before submitting
    response = leader.post(reverse("participation_submit", args=[p.pk]))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == Participation.Status.SUBMITTED
    page = leader.get(reverse("self_assessment", args=[p.pk])).content.decode()
    assert "chế độ chỉ xem" in page and "rút lại để sửa" in page
    assert 'name="value"' not in page
    assert "Rút lại để sửa" in page


def test_an_officer_cannot_submit(self_world, self_login):
    p = self_world["p"]
    officer = self_login(self_world["officer"])
    page = officer.get(reverse("self_assessment", args=[p.pk])).content.decode()
    assert "Phê duyệt và gửi" not in page
    response = officer.post(reverse("participation_submit", args=[p.pk]), follow=True)
    assert "Chỉ lãnh đạo đơn vị" in response.content.decode()
    p.refresh_from_db()
    assert p.status == Participation.Status.DRAFT


def test_saving_after_submission_is_refused(self_world, self_login):
    p = self_world["p"]
    services.participation_submit(participation=p, user=self_world["leader"])
    officer = self_login(self_world["officer"])
    row = row_html(save(officer, p, "1.1.2", value="100").content.decode(), "1.1.2")
    assert "Chưa lưu" in row and "đã gửi" in row
    assert not Entry.objects.filter(participation=p, code="1.1.2", value="100").exists()


def test_the_leader_withdraws_to_edit_again(self_world, self_login):
    p = self_world["p"]
    services.participation_submit(participation=p, user=self_world["leader"])
    leader = self_login(self_world["leader"])
    response = leader.post(reverse("participation_withdraw", args=[p.pk]), follow=True)
    assert "Đã rút lại" in response.content.decode()
    p.refresh_from_db()
    assert p.status == Participation.Status.DRAFT
    assert 'name="value"' in response.content.decode()


def test_a_closed_window_makes_the_form_read_only_with_the_reason(self_world, self_login):
    p = self_world["p"]
    p.cycle.state = "self_closed"
    p.cycle.save()
    html = self_login(self_world["officer"]).get(reverse("self_assessment", args=[p.pk]))
    html = html.content.decode()
    assert "không ở giai đoạn tự đánh giá" in html
    assert 'name="value"' not in html


def test_a_plain_post_without_htmx_redirects_back_with_a_message(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    response = client.post(
        reverse("self_entry_save", args=[p.pk, "1.1.2"]), {"value": "100", "version": "0"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#e-1-1-2")


@pytest.mark.parametrize(
    ("typed", "points", "shown"),
    [
        ("85,5", "1,71", 'value="85,5"'),
        ("85.5", "1,71", 'value="85,5"'),
        ("85,50 %", "1,71", 'value="85,5"'),
        (" 9,25", "0,19", 'value="9,25"'),
    ],
)
def test_numbers_are_read_as_officials_type_them(self_world, self_login, typed, points, shown):
    """A decimal comma is never dropped: 85,5 on a proportional rate is 85.5% (1,71 of 2),
    not 855 capped at full points; the input is a text field showing the comma again."""
    p = self_world["p"]
    client = self_login(self_world["officer"])
    row = row_html(save(client, p, "2.1.1", value=typed).content.decode(), "2.1.1")
    assert f'class="num pts">{points}</td>' in row
    assert shown in row
    assert 'type="text" inputmode="decimal"' in row and 'type="number"' not in row


@pytest.mark.parametrize(
    ("code", "typed", "message"),
    [
        ("2.1.1", "101 %", "ngoài khoảng 0–100%"),
        ("2.1.1", "855", "ngoài khoảng 0–100%"),
        ("1.1.2", "101", "vượt quá 100%"),
        ("2.1.1", "abc", "cần một số"),
        ("2.1.1", "-1", "âm"),
    ],
)
def test_a_percent_outside_0_100_or_not_a_number_is_refused_on_the_row(
    self_world, self_login, code, typed, message
):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    row = row_html(save(client, p, code, value=typed).content.decode(), code)
    assert 'class="row-msg error"' in row and message in row
    assert not Entry.objects.filter(participation=p, code=code).exclude(value="").exists()


def test_thousands_and_decimal_separators_together():
    from parindex.core import to_decimal

    assert to_decimal("1.234,5") == Decimal("1234.5")
    assert to_decimal("1,234.5") == Decimal("1234.5")
    assert to_decimal("85,50 %") == Decimal("85.50")


def test_dates_are_typed_dd_mm_yyyy_in_every_language():
    """Text inputs with dd/mm/yyyy, never a native date input (mm/dd/yyyy in English)."""
    from parindex.assessment.forms import EvidenceUploadForm, LateGrantForm, ScheduleForm
    from parindex.surveys.forms import ConfigForm

    html = str(EvidenceUploadForm()["doc_date"]) + str(ScheduleForm())
    html += str(ConfigForm()["opens_at"])
    assert 'type="date"' not in html and "datetime-local" not in html
    assert 'placeholder="dd/mm/yyyy"' in html and 'placeholder="dd/mm/yyyy hh:mm"' in html
    form = EvidenceUploadForm(data={"doc_date": "15/01/2025"})
    form.is_valid()
    assert str(form.cleaned_data["doc_date"]) == "2025-01-15"
    field = LateGrantForm.base_fields["until"]
    assert field.clean("31/12/2025 17:30").strftime("%d/%m/%Y %H:%M") == "31/12/2025 17:30"
