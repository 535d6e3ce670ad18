"""Evidence: upload checks, library, linking from the form, permission-checked download."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.assessment.models import Evidence, EvidenceLink

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def small_pdf() -> bytes:
    """A real one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@pytest.fixture
def self_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, p, name, content, **data):
    data["file"] = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(reverse("evidence_upload", args=[p.pk]), data, **data.pop("_hx", {}))


def test_a_real_pdf_is_uploaded_hashed_and_linked(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    content = small_pdf()
    response = upload(
        client,
        p,
        "ke-hoach.pdf",
        content,
        title="Kế hoạch CCHC năm 2025",
        doc_number="12/KH-STP",
        doc_date="2025-01-15",
        issuer="Sở Tư pháp",
        code="1.1.1",
        page_ref="tr. 2",
    )
    assert response.status_code == 302
    ev = Evidence.objects.get()
    assert ev.sha256 == hashlib.sha256(content).hexdigest()
    assert ev.size == len(content) and ev.content_type == "application/pdf"
    assert ev.doc_date.isoformat() == "2025-01-15"
    link = EvidenceLink.objects.get()
    assert link.entry.code == "1.1.1" and link.page_ref == "tr. 2"
    page = client.get(reverse("evidence_library", args=[p.pk])).content.decode()
    assert "Kế hoạch CCHC năm 2025" in page and "12/KH-STP" in page and "15/01/2025" in page
    assert f'title="SHA-256: {ev.sha256}"' in page and ev.sha256[:12] in page
    assert "ke-hoach.pdf" in page and "tr. 2" in page


def test_a_text_file_renamed_pdf_is_refused(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    response = upload(client, p, "bao-cao.pdf", b"just some text, not a PDF at all\n")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chưa tải lên" in html and "kiểm tra theo nội dung" in html
    assert not Evidence.objects.exists()


def test_a_name_that_does_not_match_the_content_is_refused(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    html = upload(client, p, "anh.png", small_pdf()).content.decode()
    assert "không khớp với nội dung" in html
    assert not Evidence.objects.exists()


def test_an_oversize_file_is_refused(self_world, self_login, self_media, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    p = self_world["p"]
    client = self_login(self_world["officer"])
    html = upload(client, p, "lon.pdf", small_pdf() + b" " * 200).content.decode()
    assert "quá lớn" in html
    assert not Evidence.objects.exists()


def test_a_path_traversal_name_is_stored_safely(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    upload(client, p, "../../etc/passwd.pdf", small_pdf())
    ev = Evidence.objects.get()
    assert "/" not in ev.original_name and "\\" not in ev.original_name
    assert ev.original_name == "passwd.pdf"
    stored = PurePosixPath(ev.file.name)
    assert stored.parts[0] == "evidence" and ".." not in stored.parts
    assert stored.name != "passwd.pdf" and stored.suffix == ".pdf"
    assert (self_media / ev.file.name).is_file()


def test_download_is_an_attachment_with_the_original_name(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    content = small_pdf()
    upload(client, p, "Kế hoạch.pdf", content)
    ev = Evidence.objects.get()
    response = client.get(reverse("evidence_download", args=[ev.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "K%E1%BA%BF%20ho%E1%BA%A1ch.pdf" in response["Content-Disposition"]
    # The organiser (view access) may download; another unit may not.
    assert self_login(self_world["manager"]).get(response.request["PATH_INFO"]).status_code == 200
    other = self_login(self_world["other"])
    assert other.get(reverse("evidence_download", args=[ev.pk])).status_code == 404
    assert other.get(reverse("evidence_library", args=[p.pk])).status_code == 404
    assert other.get(reverse("evidence_download", args=[ev.pk + 99])).status_code == 404


def test_one_document_backs_several_items_and_can_be_unlinked(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    upload(client, p, "qd.pdf", small_pdf(), title="Quyết định")
    ev = Evidence.objects.get()
    # From the form row (htmx): link, the row comes back with the document.
    url = reverse("self_evidence_link", args=[p.pk, "1.1.2"])
    response = client.post(url, {"evidence": ev.pk, "page_ref": "mục II", "ctx": "self"}, **HX)
    html = response.content.decode()
    assert '<tbody id="e-1-1-2"' in html and "Quyết định" in html and "(mục II)" in html
    # From the library: link to a second item.
    client.post(reverse("library_link", args=[p.pk, ev.pk]), {"code": "1.2.1", "page_ref": ""})
    assert sorted(EvidenceLink.objects.values_list("entry__code", flat=True)) == ["1.1.2", "1.2.1"]
    link = EvidenceLink.objects.get(entry__code="1.1.2")
    response = client.post(
        reverse("self_evidence_unlink", args=[p.pk, link.pk]), {"ctx": "self"}, **HX
    )
    assert "Đã gỡ" in response.content.decode()
    assert list(EvidenceLink.objects.values_list("entry__code", flat=True)) == ["1.2.1"]
    assert Evidence.objects.count() == 1  # the document stays in the library


def test_linking_without_a_document_or_an_item_is_refused_where_it_was_asked(
    self_world, self_login, self_media
):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    upload(client, p, "qd.pdf", small_pdf(), title="Quyết định")
    ev = Evidence.objects.get()
    url = reverse("self_evidence_link", args=[p.pk, "1.1.2"])
    for chosen in ("", "abc", str(ev.pk + 99)):  # none, not a number, not the unit's
        response = client.post(url, {"evidence": chosen, "ctx": "self"}, **HX)
        html = response.content.decode()
        assert '<tbody id="e-1-1-2"' in html
        assert 'class="row-msg error"' in html and "Hãy chọn một tài liệu của đơn vị." in html
    # From the explanation page the message goes to the item there; without htmx, back to
    # the page named by `next` (this site only), else the library.
    plain = client.post(url, {"evidence": "", "next": reverse("self_assessment", args=[p.pk])})
    assert plain.url == reverse("self_assessment", args=[p.pk])
    elsewhere = client.post(url, {"evidence": "", "next": "https://example.com/"})
    assert elsewhere.url == reverse("evidence_library", args=[p.pk])
    assert "Hãy chọn một tài liệu của đơn vị." in client.get(elsewhere.url).content.decode()
    # The library's row needs an item code.
    response = client.post(reverse("library_link", args=[p.pk, ev.pk]), {"code": "  "})
    assert response.url.endswith(f"#ev-{ev.pk}")
    assert "Hãy chọn mục cần gắn tài liệu." in client.get(response.url).content.decode()
    assert not EvidenceLink.objects.exists()


def test_upload_from_a_row_answers_the_row(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    response = upload(
        client, p, "bb.pdf", small_pdf(), code="1.2.2", ctx="self", title="Biên bản", _hx=HX
    )
    html = response.content.decode()
    assert '<tbody id="e-1-2-2"' in html and "Đã tải lên" in html and "Biên bản" in html
    response = upload(client, p, "x.pdf", b"not a pdf", code="1.2.2", ctx="self", _hx=HX)
    assert 'class="row-msg error"' in response.content.decode()
    assert Evidence.objects.count() == 1


def test_the_evidence_panel_lists_documents_not_yet_linked(self_world, self_login, self_media):
    p = self_world["p"]
    client = self_login(self_world["officer"])
    upload(client, p, "a.pdf", small_pdf(), title="Tài liệu A", code="1.1.1")
    upload(client, p, "b.pdf", small_pdf() + b"%B\n", title="Tài liệu B")  # another file
    html = client.get(
        reverse("self_entry_evidence", args=[p.pk, "1.1.1"]) + "?ctx=self", **HX
    ).content.decode()
    assert "Tài liệu B" in html and "Tài liệu A" not in html
    assert 'hx-encoding="multipart/form-data"' in html


def test_a_viewer_of_the_unit_sees_the_library_without_upload(self_world, self_login, self_media):
    p = self_world["p"]
    html = self_login(self_world["manager"]).get(reverse("evidence_library", args=[p.pk]))
    html = html.content.decode()
    assert "Kho tài liệu kiểm chứng" in html
    assert 'enctype="multipart/form-data"' not in html
    assert "chỉ có quyền xem" in html


def test_evidence_cannot_be_added_after_submission(self_world, self_login, self_media):
    from parindex.assessment import services

    p = self_world["p"]
    services.participation_submit(participation=p, user=self_world["leader"])
    client = self_login(self_world["officer"])
    html = upload(client, p, "a.pdf", small_pdf()).content.decode()
    assert "đã gửi" in html
    assert not Evidence.objects.exists()
