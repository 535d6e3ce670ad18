"""Hostile input on the unit's pages (issue 12, the security pass): unknown item codes, NUL
bytes, items that do not apply to the unit, over-long file names and orphan files. Each
answer is a clean refusal with a message (never a 500), and nothing is stored."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from test_self_evidence import small_pdf

from parindex.assessment.models import Entry, Evidence, EvidenceLink

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(client, p, name, content, hx=False, **data):
    data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(reverse("evidence_upload", args=[p.pk]), data, **(HX if hx else {}))


# --- unknown item codes ------------------------------------------------------------------------


def test_an_htmx_upload_naming_an_unknown_item_is_refused_and_stores_nothing(
    self_world, self_login, media
):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    response = upload(client, p, "kh.pdf", small_pdf(), hx=True, code="9.9.9", ctx="self")
    assert response.status_code in (400, 404)
    assert "9.9.9" in response.content.decode()
    assert not Evidence.objects.exists() and not EvidenceLink.objects.exists()
    assert stored_files(media) == []  # the refused upload left no file behind


def test_an_htmx_link_to_an_unknown_item_is_404(self_world, self_login, media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    upload(client, p, "qd.pdf", small_pdf())
    ev = Evidence.objects.get()
    url = reverse("self_evidence_link", args=[p.pk, "9.9.9"])
    response = client.post(url, {"evidence": ev.pk, "ctx": "self"}, **HX)
    assert response.status_code == 404
    assert not EvidenceLink.objects.exists()
    # the explanation page asks the same way
    response = client.post(url, {"evidence": ev.pk, "ctx": "explain"}, **HX)
    assert response.status_code in (200, 404) and not EvidenceLink.objects.exists()


# --- NUL bytes ---------------------------------------------------------------------------------


def test_a_nul_byte_in_the_note_or_the_value_is_refused(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    url = reverse("self_entry_save", args=[p.pk, "1.1.2"])
    for data in ({"value": "90", "note": "Kế\x00hoạch"}, {"value": "9\x000"}):
        response = client.post(url, {"version": "0", **data}, **HX)
        assert response.status_code == 200  # the row comes back with its message
        html = response.content.decode()
        assert 'class="row-msg error"' in html and "Chưa lưu" in html
    assert not Entry.objects.filter(participation=p, code="1.1.2").exclude(value="").exists()


def test_a_nul_byte_in_an_item_code_of_the_address_is_refused(self_world, self_login):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    for name in ("self_entry_save", "explanation_save", "self_evidence_link"):
        response = client.post(reverse(name, args=[p.pk, "1.1\x00.2"]), {"version": "0"}, **HX)
        assert response.status_code in (400, 404), name
    assert not Entry.objects.exists()


# --- entry validation --------------------------------------------------------------------------


def test_an_item_of_another_unit_type_cannot_be_saved(self_world, self_login):
    # 2.1.2 applies to communes only; unit A is a department.
    p = self_world["p"]
    client = self_login(self_world["officer"])
    url = reverse("self_entry_save", args=[p.pk, "2.1.2"])
    response = client.post(url, {"value": "có", "version": "0"}, **HX)
    assert response.status_code in (200, 404)
    assert not Entry.objects.filter(participation=p, code="2.1.2").exists()
    plain = client.post(url, {"value": "có", "version": "0"})
    assert plain.status_code in (302, 404)
    assert not Entry.objects.filter(participation=p, code="2.1.2").exists()


def test_a_long_file_name_keeps_its_extension(self_world, self_login, media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    name = "Bao-cao-ket-qua-thuc-hien-" + "x" * 220 + ".pdf"  # 250 characters
    response = upload(client, p, name, small_pdf())
    assert response.status_code == 302, response.content.decode()[:2000]
    ev = Evidence.objects.get()
    assert len(ev.original_name) <= 200 and ev.original_name.endswith(".pdf")
    assert ev.original_name.startswith("Bao-cao-ket-qua")


def test_a_long_name_of_the_wrong_type_gets_the_type_message(self_world, self_login, media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    html = upload(client, p, "a" * 230 + ".png", small_pdf()).content.decode()
    assert "không khớp với nội dung (nội dung là PDF)" in html
    assert ".png” không khớp" in html  # the message names the file as it was sent
    assert not Evidence.objects.exists() and stored_files(media) == []


# --- orphan files ------------------------------------------------------------------------------


def test_an_upload_refused_at_the_linking_step_leaves_no_file(self_world, self_login, media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    # 2.2.1 is a survey item (the organiser's), 2.1.2 does not apply: both refused links.
    for code in ("2.2.1", "2.1.2", "9.9.9"):
        response = upload(client, p, "kh.pdf", small_pdf(), code=code)
        assert response.status_code == 200
        assert "Chưa" in response.content.decode() or code in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_the_same_file_uploaded_five_times_is_stored_once(self_world, self_login, media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    content = small_pdf()
    for code in ("1.1.1", "1.1.1", "1.1.2", "", "1.2.1"):
        response = upload(client, p, "kh.pdf", content, title="Kế hoạch", code=code)
        assert response.status_code == 302
    ev = Evidence.objects.get()
    assert len(stored_files(media)) == 1
    assert sorted(ev.links.values_list("entry__code", flat=True)) == ["1.1.1", "1.1.2", "1.2.1"]
    page = client.get(reverse("evidence_library", args=[p.pk])).content.decode()
    assert "đã có trong kho" in page
    # another unit's identical file is its own document
    other = self_login(self_world["other"])
    upload(other, self_world["p_b"], "kh.pdf", content)
    assert Evidence.objects.count() == 2 and len(stored_files(media)) == 2
