"""The main journey of a cycle, in a real browser, as people do it: log in through the form,
click, type, confirm dialogs.

Department "Sở Tư pháp" in an open cycle on tests/data/small.yaml (factories.build_small_cycle):
officer enters five items of four kinds and sees the points live, writes a note, uploads an
evidence PDF and links it to two items -> the leader submits -> the manager closes the
self-assessment and opens appraisal -> the appraiser accepts four items and cuts 1.1.2 with
a reason and a comment -> explanation: the officer explains 1.1.2 (and adds a document) ->
round 2: the appraiser gives part of the points back -> the manager finalises -> the stage
comparison shows self / round 1 / round 2 / final side by side.

Each step checks the database and what the page shows, and saves a 1366x768 screenshot.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from factories import PASSWORD, build_small_cycle

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Evidence, EvidenceLink, Participation

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no /usr/bin/chromium"),
]

D = Decimal


def make_pdf(title: str) -> bytes:
    """A small, valid one-page PDF (correct cross-reference offsets) showing `title`."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def vn(d: Decimal) -> str:
    """Points as the pages show them (the pts filter): 4,85."""
    return f"{d:.2f}".replace(".", ",")


# --- small helpers over Playwright ------------------------------------------------------------


class Steps:
    """Screenshots numbered in the order of the journey."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.n = 0
        self.files: list[Path] = []

    def shot(self, page, name: str, full_page: bool = False) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        self.files.append(path)


def login(page, username: str) -> None:
    """Log in through the login form, as a person would."""
    from playwright.sync_api import expect

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/dang-nhap/"))  # anonymous: sent to the login page
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator(".login-box button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Xin chào")
    expect(page.locator("header .user")).to_contain_text(username)


def saved(page, url_part: str):
    """Context manager: wait for the POST whose URL contains `url_part` (an htmx save)."""
    return page.expect_response(
        lambda r: url_part in r.url and r.request.method == "POST", timeout=15_000
    )


def row(page, code: str):
    """The self-assessment row (tbody) of one leaf."""
    return page.locator(f"#e-{code.replace('.', '-')}")


def ap_row(page, code: str):
    """The appraisal row (tr) of one leaf."""
    return page.locator(f'[id="m-{code}"]')


def progress_points(page):
    return page.locator("#self-progress .sp-stat", has_text="Điểm tự chấm").locator("strong")


def move_cycle(page, cycle: Cycle, button: str, state: str, steps: Steps) -> None:
    """The manager presses a transition button on the cycle page (the confirm dialog is
    accepted) and the cycle moves to `state`."""
    from playwright.sync_api import expect

    page.goto(f"/ky-danh-gia/{cycle.pk}/")
    form = page.locator("form.cy-move", has=page.get_by_role("button", name=button))
    reason = form.locator("textarea[name=reason]")
    if reason.count():  # open points on the checklist: moving on needs a reason
        reason.fill("Đơn vị còn lại không nộp; hội đồng thống nhất chuyển tiếp")
    form.get_by_role("button", name=button).click()
    label = str(Cycle.State(state).label)
    expect(page.locator("ul.messages")).to_contain_text(f"Kỳ đánh giá đã chuyển sang “{label}”")
    expect(page.locator("h1 .tag")).to_have_text(label)
    cycle.refresh_from_db()
    assert cycle.state == state
    steps.shot(page, f"manager-{state}")


# --- the journey -------------------------------------------------------------------------------


def test_main_journey(live_server, new_page, shots, tmp_path):
    from playwright.sync_api import expect

    world = build_small_cycle()
    cycle, p = world.cycle, world.p_department
    steps = Steps(shots)
    pdf = tmp_path / "ke-hoach-cchc-2025.pdf"
    pdf.write_bytes(make_pdf("Ke hoach CCHC nam 2025"))
    pdf2 = tmp_path / "bao-cao-bo-sung.pdf"
    pdf2.write_bytes(make_pdf("Bao cao bo sung"))

    # 1. The officer fills in the self-assessment ------------------------------------------
    officer = new_page()
    login(officer, "canbo")
    steps.shot(officer, "officer-home")
    officer.locator("table tr", has_text="Sở Tư pháp").get_by_role("link", name="Mở").click()
    expect(officer.locator("h1")).to_have_text("Tự đánh giá: Sở Tư pháp")
    expect(officer.locator("#self-progress")).to_contain_text("0/5")
    steps.shot(officer, "officer-form-empty")

    # Items of four kinds; each save answers the row and the progress (live points).
    typed = [
        # code, how, value, points of the item, total so far
        ("1.1.1", "select", "đúng hạn", D("1"), D("1")),  # timeliness
        ("1.2.1", "select", "có", D("1"), D("2")),  # yes / no
        ("1.1.2", "number", "90", D("0.5"), D("2.5")),  # a percentage (thresholds)
        ("1.2.2", "number", "0.75", D("0.75"), D("3.25")),  # a manual number (step 0,25)
        ("2.1.1", "number", "80", D("1.6"), D("4.85")),  # a percentage (proportional)
    ]
    for n, (code, how, value, points, total) in enumerate(typed, start=1):
        r = row(officer, code)
        with saved(officer, f"/muc/{code}/") as response:
            if how == "select":
                r.locator("select[name=value]").select_option(value)
            else:
                r.locator("input[name=value]").fill(value)
                r.locator("input[name=value]").press("Tab")
        assert response.value.status == 200
        expect(r.locator("td.pts")).to_have_text(vn(points))
        expect(r.locator(".row-msg.success")).to_have_text("Đã lưu.")
        expect(progress_points(officer)).to_have_text(vn(total))
        expect(officer.locator("#self-progress")).to_contain_text(f"{n}/5")
    expect(row(officer, "1.1.2").locator(".explain")).to_contain_text("80")  # the band used
    # Every typed item still lacks evidence.
    expect(officer.locator("#self-progress .sp-stat", has_text="Thiếu TLKC")).to_contain_text("5")

    # A note (thuyết minh) on 1.1.2, saved when the field loses focus.
    note = "Hoàn thành 18/20 nhiệm vụ của Kế hoạch CCHC năm 2025."
    with saved(officer, "/muc/1.1.2/"):
        row(officer, "1.1.2").locator("textarea[name=note]").fill(note)
        row(officer, "1.1.2").locator("textarea[name=note]").press("Tab")
    expect(row(officer, "1.1.2").locator(".row-msg.success")).to_be_visible()

    entries = {e.code: e for e in p.entries.all()}
    assert {c: (entries[c].value, entries[c].self_points) for c, *_ in typed} == {
        "1.1.1": ("đúng hạn", D("1")),
        "1.2.1": ("có", D("1")),
        "1.1.2": ("90", D("0.5")),
        "1.2.2": ("0.75", D("0.75")),
        "2.1.1": ("80", D("1.6")),
    }
    assert entries["1.1.2"].note == note
    assert services.unit_result(p, "self").points == D("4.85")
    steps.shot(officer, "officer-form-filled")

    # Upload an evidence PDF from the row of 1.1.1 (linked to it on upload).
    r = row(officer, "1.1.1")
    r.locator("details.ev-add summary").click()
    r.locator("input[type=file]").set_input_files(str(pdf))
    r.locator("input[name=title]").fill("Kế hoạch CCHC năm 2025")
    r.locator("input[name=doc_number]").fill("12/KH-STP")
    steps.shot(officer, "officer-upload-panel")
    with saved(officer, "/tai-lieu/tai-len/"):
        r.get_by_role("button", name="Tải lên", exact=True).click()
    expect(row(officer, "1.1.1").locator("ul.ev-list")).to_contain_text("Kế hoạch CCHC năm 2025")
    expect(row(officer, "1.1.1").locator(".row-msg.success")).to_contain_text("Đã tải lên")
    ev = Evidence.objects.get(unit=world.department, cycle=cycle)
    assert ev.original_name == "ke-hoach-cchc-2025.pdf"
    assert ev.content_type == "application/pdf"
    assert ev.size == pdf.stat().st_size
    assert ev.doc_number == "12/KH-STP"

    # Link the same document to 1.2.1, with a page reference.
    r = row(officer, "1.2.1")
    r.locator("details.ev-add summary").click()
    r.locator("select[name=evidence]").select_option(str(ev.pk))
    r.locator("input[name=page_ref]").first.fill("tr. 3, mục II")
    with saved(officer, "/gan-tai-lieu/"):
        r.get_by_role("button", name="Gắn", exact=True).click()
    expect(row(officer, "1.2.1").locator("ul.ev-list")).to_contain_text("(tr. 3, mục II)")
    links = EvidenceLink.objects.filter(evidence=ev).select_related("entry")
    assert sorted((lk.entry.code, lk.page_ref) for lk in links) == [
        ("1.1.1", ""),
        ("1.2.1", "tr. 3, mục II"),
    ]
    expect(officer.locator("#self-progress .sp-stat", has_text="Thiếu TLKC")).to_contain_text("3")

    # The document downloads with its original name and content.
    with officer.expect_download() as dl:
        row(officer, "1.1.1").locator("ul.ev-list a").first.click()
    assert dl.value.suggested_filename == "ke-hoach-cchc-2025.pdf"
    assert Path(dl.value.path()).read_bytes() == pdf.read_bytes()
    steps.shot(officer, "officer-evidence-linked")
    officer.get_by_role("link", name="Kho tài liệu kiểm chứng").click()
    expect(officer.locator("table.lib-table")).to_contain_text("12/KH-STP")
    expect(officer.locator("table.lib-table")).to_contain_text("1.2.1")
    steps.shot(officer, "officer-library")

    # 2. The leader approves and submits (confirm dialog accepted) --------------------------
    leader = new_page()
    login(leader, "lanhdao")
    leader.locator("table tr", has_text="Sở Tư pháp").get_by_role("link", name="Mở").click()
    expect(leader.locator("#self-progress")).to_contain_text("Đang nhập")
    steps.shot(leader, "leader-before-submit")
    leader.get_by_role("button", name="Phê duyệt và gửi").click()
    expect(leader.locator("ul.messages")).to_contain_text("Đã phê duyệt và gửi")
    expect(leader.locator("#self-progress .tag.ok")).to_have_text("Đã gửi")
    expect(leader.locator("#self-progress")).to_contain_text("bởi lanhdao")
    expect(leader.locator("select[name=value]")).to_have_count(0)  # read-only now
    p.refresh_from_db()
    assert p.status == Participation.Status.SUBMITTED
    assert p.submitted_by == world.users["leader"]
    steps.shot(leader, "leader-submitted")

    # 3. The manager closes the self-assessment and opens appraisal ------------------------
    manager = new_page()
    login(manager, "quanly")
    manager.get_by_role("link", name="Kỳ đánh giá").first.click()
    manager.get_by_role("link", name=cycle.name).first.click()
    expect(manager.locator("h1")).to_contain_text(cycle.name)
    steps.shot(manager, "manager-cycle-open")
    move_cycle(manager, cycle, "Chuyển sang: Đã khóa tự đánh giá", Cycle.State.SELF_CLOSED, steps)
    move_cycle(manager, cycle, "Chuyển sang: Thẩm định vòng 1", Cycle.State.APPRAISAL, steps)

    # 4. Round 1: the appraiser accepts four items and cuts 1.1.2 ---------------------------
    appraiser = new_page()
    login(appraiser, "thamdinh")
    appraiser.get_by_role("link", name="Thẩm định", exact=True).click()
    expect(appraiser.locator("h1")).to_have_text("Các đơn vị cần thẩm định")
    appraiser.locator("tr", has_text="Sở Tư pháp").get_by_role("link", name="Thẩm định").click()
    expect(appraiser.locator("h1")).to_contain_text("Thẩm định: Sở Tư pháp")
    expect(ap_row(appraiser, "1.1.2")).to_contain_text(note)  # the unit's note
    expect(ap_row(appraiser, "1.1.1")).to_contain_text("ke-hoach-cchc-2025.pdf")
    steps.shot(appraiser, "appraiser-r1-start")
    for code in ("1.1.1", "1.2.1", "1.2.2", "2.1.1"):
        with saved(appraiser, f"/muc/{code}/"):
            ap_row(appraiser, code).get_by_role("button", name="Chấp nhận").click()
        expect(ap_row(appraiser, code).locator("td.ap-cur")).to_contain_text(
            vn(typed[[t[0] for t in typed].index(code)][3])
        )
    r = ap_row(appraiser, "1.1.2")
    r.locator("summary", has_text="Điều chỉnh").click()
    r.locator("input[name=points]").fill("0")
    r.locator("select[name=reason]").select_option("evidence_missing")
    comment_r1 = "Chưa có báo cáo kết quả thực hiện kế hoạch."
    r.locator("textarea[name=comment]").fill(comment_r1)
    steps.shot(appraiser, "appraiser-r1-adjust-form")
    with saved(appraiser, "/muc/1.1.2/"):
        r.get_by_role("button", name="Lưu điều chỉnh").click()
    cut = ap_row(appraiser, "1.1.2")
    expect(cut.locator("td.ap-cur")).to_contain_text("0,00")
    expect(cut.locator("td.ap-cur")).to_contain_text("Thiếu tài liệu kiểm chứng")
    expect(cut.locator("td.ap-cur")).to_contain_text(comment_r1)
    expect(appraiser.locator("#ap-progress")).to_contain_text("5/5")
    expect(appraiser.locator("#ap-progress")).to_contain_text("4,35")
    expect(appraiser.locator("#ap-progress")).to_contain_text("−0,50")
    e = Entry.objects.get(participation=p, code="1.1.2")
    assert (e.r1_points, e.r1_reason, e.r1_comment, e.r1_by) == (
        D("0"),
        "evidence_missing",
        comment_r1,
        world.users["appraiser"],
    )
    assert Entry.objects.get(participation=p, code="2.1.1").r1_points == D("1.6")
    assert services.unit_result(p, "r1").points == D("4.35")
    steps.shot(appraiser, "appraiser-r1-done")

    # 5. Explanation: the officer explains the cut item and adds a document -----------------
    move_cycle(manager, cycle, "Chuyển sang: Giải trình", Cycle.State.EXPLANATION, steps)
    officer.goto(f"/tu-danh-gia/{p.pk}/")
    expect(officer.locator(".alert.info")).to_contain_text("giai đoạn giải trình")
    officer.locator(".self-links").get_by_role("link", name="Giải trình").click()
    item = officer.locator("#e-1-1-2")
    expect(item).to_contain_text("Thiếu tài liệu kiểm chứng")
    expect(item.locator(".ex-nums")).to_contain_text("−0,50")
    expect(officer.locator("section.explain-item")).to_have_count(1)  # only the cut item
    item.locator("details.ev-add summary").click()
    item.locator("input[type=file]").set_input_files(str(pdf2))
    item.locator("input[name=title]").fill("Báo cáo kết quả thực hiện Kế hoạch CCHC")
    with saved(officer, "/tai-lieu/tai-len/"):
        item.get_by_role("button", name="Tải lên", exact=True).click()
    expect(officer.locator("#e-1-1-2 .ex-evidence")).to_contain_text("Báo cáo kết quả")
    explanation = "Đơn vị bổ sung Báo cáo số 45/BC-STP ngày 15/12/2025 về kết quả thực hiện."
    officer.locator("#e-1-1-2 textarea[name=text]").fill(explanation)
    with saved(officer, "/giai-trinh/"):
        officer.locator("#e-1-1-2").get_by_role("button", name="Lưu giải trình").click()
    expect(officer.locator("#e-1-1-2 .row-msg.success")).to_have_text("Đã lưu giải trình.")
    e.refresh_from_db()
    assert e.explanation == explanation
    assert sorted(lk.evidence.original_name for lk in e.links.all()) == ["bao-cao-bo-sung.pdf"]
    steps.shot(officer, "officer-explanation", full_page=True)

    # 6. Round 2: the appraiser gives part of the points back, accepts another --------------
    move_cycle(manager, cycle, "Chuyển sang: Thẩm định vòng 2", Cycle.State.APPRAISAL_2, steps)
    appraiser.goto(f"/tham-dinh/{p.pk}/")
    r = ap_row(appraiser, "1.1.2")
    expect(r).to_contain_text(explanation)
    expect(r).to_contain_text("bao-cao-bo-sung.pdf")
    r.locator("summary", has_text="Điều chỉnh").click()
    r.locator("input[name=points]").fill("0,25")  # a decimal comma, as people type it
    r.locator("select[name=reason]").select_option("other")
    comment_r2 = "Báo cáo bổ sung ban hành sau thời điểm đánh giá; chấp nhận một phần."
    r.locator("textarea[name=comment]").fill(comment_r2)
    with saved(appraiser, "/muc/1.1.2/"):
        r.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(ap_row(appraiser, "1.1.2").locator("td.ap-cur")).to_contain_text("0,25")
    with saved(appraiser, "/muc/1.1.1/"):
        ap_row(appraiser, "1.1.1").get_by_role("button", name="Chấp nhận").click()
    expect(ap_row(appraiser, "1.1.1").locator("td.ap-cur")).to_contain_text("1,00")
    e.refresh_from_db()
    assert (e.r2_points, e.r2_reason, e.r2_comment) == (D("0.25"), "other", comment_r2)
    assert services.unit_result(p, "r2").points == D("4.60")
    steps.shot(appraiser, "appraiser-r2-done")

    # 7. The manager finalises ----------------------------------------------------------------
    move_cycle(manager, cycle, "Chốt kết quả", Cycle.State.FINAL, steps)
    assert cycle.finalised_at is not None
    finals = dict(p.entries.values_list("code", "final_points"))
    assert finals == {
        "1.1.1": D("1"),
        "1.1.2": D("0.25"),
        "1.2.1": D("1"),
        "1.2.2": D("0.75"),
        "2.1.1": D("1.6"),
    }
    expect(manager.locator("body")).to_contain_text("Kết quả cuối cùng")

    # 8. The stage comparison: self / round 1 / round 2 / final side by side -----------------
    officer.goto(f"/ket-qua/{p.pk}/")
    expect(officer.locator("h1")).to_contain_text("Kết quả qua các giai đoạn")
    headers = officer.locator("table.cmp-table thead th.stage-col")
    expect(headers).to_have_text(
        [
            "Tự đánh giá",
            "Thẩm định vòng 1",
            "Thẩm định vòng 2 (sau giải trình)",
            "Kết quả cuối cùng",
        ]
    )
    cards = officer.locator(".stage-cards .stage .value")
    expect(cards).to_have_text(["4,85", "4,35", "4,60", "4,60"])
    cmp = officer.locator("table.cmp-table tbody tr", has_text="Tỷ lệ hoàn thành kế hoạch")
    cells = cmp.locator("td.num")
    # max, then the four stages
    expect(cells).to_have_text(["1,00", "0,50", "0,00", "0,25", "0,25"])
    for i in (2, 3, 4):
        expect(cells.nth(i)).to_have_class(re.compile(r"\bdiff-down\b"))
    expect(cmp).to_contain_text(comment_r1)
    expect(cmp).to_contain_text(explanation[:40])
    expect(cmp).to_contain_text(comment_r2)
    unchanged = officer.locator("table.cmp-table tbody tr", has_text="Ban hành kế hoạch")
    expect(unchanged.locator("td.num")).to_have_text(["1,00", "1,00", "1,00", "1,00", "1,00"])
    totals = officer.locator("table.cmp-table tfoot tr.total").first.locator("td.num")
    expect(totals.nth(1)).to_contain_text("4,85")
    expect(totals.nth(4)).to_contain_text("4,60")
    for i in (2, 3, 4):
        expect(totals.nth(i)).to_have_class(re.compile(r"\bdiff-down\b"))
    final = services.unit_result(p, "final")
    assert final.points == D("4.60")
    index_row = officer.locator("table.cmp-table tfoot tr.total").nth(1)
    expect(index_row).to_contain_text(vn(final.index))
    steps.shot(officer, "results-comparison", full_page=True)

    # No page raised a script error or a Content-Security-Policy violation.
    for person in (officer, leader, manager, appraiser):
        assert person.errors == [], person.errors


def test_subtotals_follow_live_edits(live_server, new_page):
    from playwright.sync_api import expect

    world = build_small_cycle()
    page = new_page()
    login(page, "canbo")
    page.goto(f"/tu-danh-gia/{world.p_department.pk}/")
    with saved(page, "/muc/1.1.1/"):
        row(page, "1.1.1").locator("select[name=value]").select_option("đúng hạn")
    expect(row(page, "1.1.1").locator("td.pts")).to_have_text("1,00")
    expect(progress_points(page)).to_have_text("1,00")
    field = page.locator("table.self-table tr.field", has_text="Chỉ đạo, điều hành")
    criterion = page.locator("table.self-table tr.criterion", has_text="Kế hoạch CCHC")
    expect(criterion.locator("td.num").nth(1)).to_have_text("1,00", timeout=3_000)
    expect(field.locator("td.num").nth(1)).to_have_text("1,00", timeout=3_000)


def test_english_interface(live_server, new_page, shots):
    """Switching the language works and pages render (translations may be incomplete)."""
    from playwright.sync_api import expect

    world = build_small_cycle()
    page = new_page()
    login(page, "canbo")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header select[name=language]")).to_have_value("en")
    expect(page.locator("h1")).to_be_visible()
    page.screenshot(path=str(shots / "en-home.png"))

    response = page.goto(f"/tu-danh-gia/{world.p_department.pk}/")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("table.self-table").first).to_be_visible()
    expect(row(page, "1.1.1")).to_be_visible()
    page.screenshot(path=str(shots / "en-self-form.png"))
    # The form still works in English.
    with saved(page, "/muc/1.1.1/") as saving:
        row(page, "1.1.1").locator("select[name=value]").select_option("đúng hạn")
    assert saving.value.status == 200
    # (in English the points may be written with a decimal point)
    expect(row(page, "1.1.1").locator("td.pts")).to_have_text(re.compile(r"^\s*1[,.]00\s*$"))

    for url in ("/", "/ky-danh-gia/", f"/ky-danh-gia/{world.cycle.pk}/", "/bo-tieu-chi/"):
        response = page.goto(url)
        assert response.status == 200, url

    with page.expect_navigation():
        page.locator("header select[name=language]").select_option("vi")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert page.errors == [], page.errors
