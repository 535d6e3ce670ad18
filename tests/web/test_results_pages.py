"""Results pages (parindex.results.views): ranking, unit profile, ledger, national
results and their import, public results. Who sees what:

- the organiser's side (manager, council) and viewers above the organiser: every unit;
- a unit (officer, leader, lead agency): its own rows until the cycle is published, then the
  whole ranking; never the other units' ledgers; other units' profiles are 404;
- outsiders: 404 everywhere; anonymous: the login page, except the public pages, which show
  published cycles only.

The world (fixture `rp`, from the test cast, tests/cast.py): tests/data/small.yaml, the Sở Nội
vụ of "Tỉnh Lào Cai" runs a cycle for three departments and a commune, driven through the
services to the final results:

  STP  1 + 0,5 (1.1.2 cut from 1: evidence missing) + 1 + 0,75 + 1,8 + 1,6 = 6,65 / 8
  SYT  1 + 1 + 1 + 1 + 2 + 2 = 8 / 8 = 100 (rank 1)
  SXD  0,5 + 0 + 0 + 0,25 + 1,6 + 1,5 = 3,85 / 8 (rank 3)
  XA1  the only commune
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from factories import make_cycle, make_unit

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, Participation
from parindex.results.models import NationalResult
from parindex.results.services import national_results_import_file
from parindex.results.views import ledger as ledger_views

State = Cycle.State

VALUES = {
    "STP": {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "0.75", "2.1.1": "90"},
    "SYT": {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "1", "2.1.1": "100"},
    "SXD": {"1.1.1": "late", "1.1.2": "50", "1.2.1": "không", "1.2.2": "0.25", "2.1.1": "80"},
    "XA1": {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "2.1.1": "100", "2.1.2": "có"},
}
SURVEY = {"STP": "80", "SYT": "100", "SXD": "75", "XA1": "90"}
CUTS = [
    ("STP", "1.1.2", Decimal("0.5"), "evidence_missing", "Thiếu kế hoạch kiểm chứng số 12."),
    ("SXD", "2.1.1", Decimal("1"), "not_met", "Tỷ lệ đúng hạn thấp hơn báo cáo."),
]


class World:
    """The cast's province, organiser, STP, SYT, commune XA1, lead agency (SKH, 1.1 of STP),
    manager, appraiser, viewer, admin, officer (of STP) and outsider; SXD; a manager of the
    Ministry; a leader per unit."""

    def __init__(self, cast) -> None:
        self.cast = cast
        self.province = cast.province
        self.snv = cast.organiser
        self.units = {"STP": cast.a, "SYT": cast.b, "SXD": cast.unit("SXD", "Sở Xây dựng")}
        self.units["XA1"] = cast.commune
        self.lead_unit = cast.lead_unit
        self.manager, self.appraiser = cast.manager, cast.appraiser
        self.viewer, self.admin = cast.viewer, cast.admin
        ministry = cast.unit("RP-BNV", "Bộ Nội vụ (thử)", OrgUnit.Type.MINISTRY, parent=None)
        # The national index's organiser: its managers import the published results.
        self.ministry = cast.user(Role.MANAGER, ministry, username="bonoivu")
        self.leaders = {c: cast.leader_of(u) for c, u in self.units.items()}
        self.officer = cast.officer
        self.lead_agency = cast.lead_agency
        self.outsider = cast.outsider
        self.mv = cast.methodology()
        cycle = cast.cycle(
            State.SELF_CLOSED,
            units=list(self.units.values()),
            values=VALUES,
            name="Chỉ số CCHC năm 2025 tỉnh Lào Cai",
        )
        parts = self.parts_of(cycle)
        for code, raw in SURVEY.items():
            services.entry_set_external(
                participation=parts[code], code="2.2.1", value=raw, user=self.manager
            )
        cycle = self.move(cycle, State.APPRAISAL)
        parts = self.parts_of(cycle)
        for unit, leaf, points, reason, comment in CUTS:
            services.entry_appraise_code(
                participation=parts[unit],
                code=leaf,
                points=points,
                reason=reason,
                comment=comment,
                user=self.appraiser,
            )
        self.cycle = self.move(cycle, State.EXPLANATION, State.APPRAISAL_2, State.FINAL)
        self.parts = self.parts_of(self.cycle)

    def parts_of(self, cycle: Cycle) -> dict[str, Participation]:
        return {
            p.unit.code: p
            for p in Participation.objects.filter(cycle=cycle).select_related("unit", "cycle")
        }

    def move(self, cycle: Cycle, *states: str) -> Cycle:
        return self.cast.advance(cycle, *states)

    def publish(self) -> None:
        self.cycle = self.move(self.cycle, State.PUBLISHED)

    def set_state(self, state: str) -> None:
        """A fixture shortcut (not audited): look at the pages in an earlier state."""
        self.cycle = self.cast.jump(self.cycle, state)


@pytest.fixture
def rp(cast) -> World:
    return World(cast)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def html(response) -> str:
    return response.content.decode()


def units_listed(response) -> list[str]:
    """Unit codes of the ranking rows, in order."""
    return re.findall(r'<tr class="[^"]*" data-unit="([^"]+)"', html(response))


def ranking_url(w: World, **params: str) -> str:
    url = reverse("results_ranking", args=[w.cycle.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


# --- who sees what ------------------------------------------------------------------------------


def test_the_organiser_sees_the_whole_ranking_with_component_indices(rp):
    response = client_for(rp.manager).get(ranking_url(rp))
    assert response.status_code == 200
    assert units_listed(response) == ["SYT", "STP", "SXD"]  # departments first
    page = html(response)
    assert "83,13" in page  # STP 6,65 / 8 = 83,125
    assert "100,00" in page
    assert 'id="rs-data-ranking" type="application/json"' in page
    assert 'id="rs-data-heatmap" type="application/json"' in page
    for fmt in ("ranking.xlsx", "report.docx", "ranking.csv", "ranking.json"):
        assert f"/results/{rp.cycle.pk}/export/{fmt}?stage=final&amp;unit_type=department" in page


def test_the_ranking_lists_one_unit_type_at_a_time(rp):
    response = client_for(rp.manager).get(ranking_url(rp, type="commune"))
    assert units_listed(response) == ["XA1"]


def test_the_selected_unit_is_highlighted_in_the_table_and_the_chart(rp):
    response = client_for(rp.manager).get(ranking_url(rp, unit="SXD"))
    page = html(response)
    assert '<tr class="rs-you" data-unit="SXD">' in page
    assert '"highlight": 2' in page  # third bar of the chart


def test_a_unit_sees_only_its_own_row_until_publication(rp):
    client = client_for(rp.leaders["STP"])
    response = client.get(ranking_url(rp))
    assert response.status_code == 200
    assert units_listed(response) == ["STP"]
    assert "Sở Y tế" not in html(response)
    assert "sau khi kỳ đánh giá được công bố" in html(response)
    rp.publish()
    response = client.get(ranking_url(rp))
    assert units_listed(response) == ["SYT", "STP", "SXD"]


def test_a_unit_does_not_get_the_report_download_before_publication(rp):
    page = html(client_for(rp.leaders["STP"]).get(ranking_url(rp)))
    assert "report.docx" not in page
    assert "ranking.csv" in page


@pytest.mark.parametrize("who", ["appraiser", "viewer", "admin"])
def test_the_council_viewers_above_and_admins_see_every_unit(rp, who):
    response = client_for(getattr(rp, who)).get(ranking_url(rp))
    assert units_listed(response) == ["SYT", "STP", "SXD"]


def test_outsiders_get_404_and_anonymous_users_the_login_page(rp):
    outsider = client_for(rp.outsider)
    urls = [
        ranking_url(rp),
        reverse("results_ledger", args=[rp.cycle.pk]),
        reverse("results_unit", args=[rp.parts["STP"].pk]),
    ]
    for url in urls:
        assert outsider.get(url).status_code == 404, url
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]
    assert client_for(rp.manager).get(reverse("results_ranking", args=[99999])).status_code == 404


def test_stages_are_shown_only_once_visible(rp):
    rp.set_state(State.APPRAISAL)
    unit = client_for(rp.leaders["STP"]).get(ranking_url(rp, stage="r1"))
    assert unit.status_code == 200
    assert re.search(r'<option value="self" selected>', html(unit))
    assert 'value="r1"' not in html(unit)  # round 1 is shown to units from the explanation on
    staff = client_for(rp.manager).get(ranking_url(rp, stage="r1"))
    assert re.search(r'<option value="r1" selected>', html(staff))
    assert 'value="final"' not in html(staff)


def test_the_index_lists_the_cycles_a_user_may_read(rp):
    page = html(client_for(rp.leaders["STP"]).get(reverse("results_index")))
    assert rp.cycle.name in page
    assert reverse("results_unit", args=[rp.parts["STP"].pk]) in page
    assert reverse("results_unit", args=[rp.parts["SYT"].pk]) not in page
    assert rp.cycle.name not in html(client_for(rp.outsider).get(reverse("results_index")))


# --- unit profile ------------------------------------------------------------------------------


def test_the_unit_profile_shows_losses_stages_and_charts(rp):
    url = reverse("results_unit", args=[rp.parts["STP"].pk])
    response = client_for(rp.leaders["STP"]).get(url)
    assert response.status_code == 200
    page = html(response)
    assert "83,13" in page and "2 / 3" in page.replace('<span class="muted rs-slash">', "")
    assert "Thiếu tài liệu kiểm chứng" in page
    assert "Thiếu kế hoạch kiểm chứng số 12." in page
    assert 'id="rs-data-profile"' in page
    # self 7,15 (before the cut) vs final 6,65
    assert "7,15 / 8,00" in page and "6,65 / 8,00" in page
    # before publication the peers are not named
    assert "Sở Y tế" not in page


def test_the_organiser_sees_the_peers_around_the_unit(rp):
    url = reverse("results_unit", args=[rp.parts["STP"].pk])
    page = html(client_for(rp.manager).get(url))
    assert "Sở Y tế" in page and "Sở Xây dựng" in page
    assert '<tr class="rs-you"><td class="num">2</td><td>Sở Tư pháp</td>' in page


def test_another_units_profile_is_404_even_after_publication(rp):
    rp.publish()
    client = client_for(rp.leaders["SYT"])
    assert client.get(reverse("results_unit", args=[rp.parts["STP"].pk])).status_code == 404
    assert client.get(reverse("results_unit", args=[rp.parts["SYT"].pk])).status_code == 200


def test_a_lead_agency_reads_the_profile_of_the_unit_it_works_for(rp):
    client = client_for(rp.lead_agency)
    assert client.get(reverse("results_unit", args=[rp.parts["STP"].pk])).status_code == 200
    assert client.get(reverse("results_unit", args=[rp.parts["SXD"].pk])).status_code == 404


def test_the_profile_trend_includes_the_previous_finished_cycle(rp):
    previous = make_cycle(
        organiser=rp.snv,
        units=[rp.units["STP"]],
        methodology=rp.mv,
        name="Chỉ số CCHC năm 2024",
        year=2024,
    )
    p = Participation.objects.select_related("cycle", "unit").get(cycle=previous)
    services.entry_save_self(participation=p, code="1.1.1", value="đúng hạn", user=rp.officer)
    Cycle.objects.filter(pk=previous.pk).update(state=State.APPRAISAL_2)
    previous.refresh_from_db()
    rp.move(previous, State.FINAL)
    page = html(client_for(rp.officer).get(reverse("results_unit", args=[rp.parts["STP"].pk])))
    assert 'id="rs-data-trend"' in page
    assert '"years": ["2024", "2025"]' in page


# --- ledger ------------------------------------------------------------------------------------


def ledger(client: Client, w: World, query: str = "") -> str:
    response = client.get(reverse("results_ledger", args=[w.cycle.pk]) + query)
    assert response.status_code == 200
    return html(response)


def ledger_rows(page: str) -> list[tuple[str, str]]:
    """(unit name, code) of the ledger rows."""
    body = page.split('<table class="rs-ledger">', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r'<tr>\s*<td>(?:<a href="[^"]*">)?([^<]+)(?:</a>)?<div[^>]*>[^<]*</div></td>\s*'
        r'<td class="nowrap">([^<]+)</td>',
        body,
    )


def test_the_ledger_lists_every_unit_for_the_organiser(rp):
    rows = ledger_rows(ledger(client_for(rp.manager), rp))
    assert ("Sở Tư pháp", "1.1.2") in rows
    assert ("Sở Xây dựng", "2.1.1") in rows
    assert {name for name, _code in rows} == {"Sở Tư pháp", "Sở Xây dựng", "Xã Bảo Thắng"}


def test_ledger_filters(rp):
    client = client_for(rp.manager)
    assert set(ledger_rows(ledger(client, rp, "?unit=STP&field=1.1"))) == {("Sở Tư pháp", "1.1.2")}
    reason = ledger_rows(ledger(client, rp, "?reason=not_met"))
    assert reason == [("Sở Xây dựng", "2.1.1")]
    recoverable = ledger_rows(ledger(client, rp, "?recoverable=0&unit=SXD"))
    assert ("Sở Xây dựng", "2.1.1") not in recoverable  # 1,6 -> 1: self-assessment shortfall
    assert ("Sở Xây dựng", "2.2.1") in recoverable  # survey: structural
    by_agency = ledger_rows(ledger(client, rp, "?lead_agency=SKH"))
    assert by_agency and {name for name, _c in by_agency} == {"Sở Tư pháp"}
    assert all(code.startswith("1.1.") for _n, code in by_agency)
    page = ledger(client, rp, "?unit=STP&field=1.1")
    assert "Thiếu kế hoạch kiểm chứng số 12." in page
    assert "Sở Kế hoạch và Đầu tư" in page  # the lead agency of 1.1 for STP


def test_the_ledger_sorts_and_pages(rp, monkeypatch):
    monkeypatch.setattr(ledger_views, "LEDGER_PAGE_SIZE", 2)
    client = client_for(rp.manager)
    first = ledger(client, rp, "?sort=code&order=asc")
    codes = [c for _n, c in ledger_rows(first)]
    assert codes == sorted(codes, key=lambda c: tuple(int(x) for x in c.split(".")))[:2]
    assert "Trang 1/" in first and "page=2" in first and "sort=code" in first
    second = ledger_rows(ledger(client, rp, "?sort=code&order=asc&page=2"))
    assert len(second) == 2 and set(second).isdisjoint(ledger_rows(first))


def test_a_unit_reads_only_its_own_ledger_also_after_publication(rp):
    rp.publish()
    client = client_for(rp.leaders["SXD"])
    rows = ledger_rows(ledger(client, rp))
    assert rows and {name for name, _c in rows} == {"Sở Xây dựng"}
    # asking for another unit does not show it
    assert {n for n, _c in ledger_rows(ledger(client, rp, "?unit=STP"))} == {"Sở Xây dựng"}
    page = ledger(client, rp)
    assert "unit=SXD" in page.split("ledger.csv", 1)[1][:80]  # the export is limited too


def test_the_ledger_waits_for_the_final_results_for_units(rp):
    rp.set_state(State.APPRAISAL_2)
    page = ledger(client_for(rp.leaders["STP"]), rp)
    assert "khi kỳ đánh giá đã chốt kết quả" in page
    assert '<table class="rs-ledger">' not in page
    assert ledger_rows(ledger(client_for(rp.manager), rp))


def test_the_export_links_of_the_pages_download(rp):
    client = client_for(rp.manager)
    page = html(client.get(ranking_url(rp)))
    href = re.search(r'href="([^"]*ranking\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    response = client.get(href)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    page = ledger(client, rp, "?unit=STP")
    href = re.search(r'href="([^"]*ledger\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    body = client.get(href).content.decode("utf-8-sig")
    assert "STP" in body and "SXD" not in body


# --- national results ---------------------------------------------------------------------------


NATIONAL_CSV = (
    "year,province,rank,total,source\n"
    "2024,Lào Cai,20,85.5,test\n"
    "2024,Yên Bái,12,87.42,test\n"
    "2024,Hải Phòng,1,96.17,test\n"
    "2025,Lào Cai,5,89.1,test\n"
)


def test_the_national_table_shows_former_provinces_under_the_34(rp):
    national_results_import_file(data=NATIONAL_CSV.encode(), user=rp.ministry)
    response = client_for(rp.officer).get(reverse("results_national") + "?year=2024&order=list")
    assert response.status_code == 200
    page = html(response)
    lao_cai = page.split("<strong>Lào Cai</strong>", 1)[1].split("rs-group-start", 1)[0]
    assert "Yên Bái" in lao_cai and "trước sắp xếp" in lao_cai
    assert "87,42" in lao_cai and "85,50" in lao_cai
    assert "63 tỉnh, thành phố" in page
    # the tile of Lào Cai is coloured by its own 2024 result (85,5: 85-90 bin)
    assert re.search(r'class="rs-tile rs-r1 rs-c3 rs-bin-4"[^>]*title="Lào Cai: 85,50', page)
    assert 'class="rs-tile rs-r3 rs-c5 rs-bin-5"' in page  # Hải Phòng 96,17
    latest = html(client_for(rp.officer).get(reverse("results_national")))
    assert '<option value="2025" selected>' in latest


def test_the_national_table_is_ordered_by_published_rank(rp):
    national_results_import_file(data=NATIONAL_CSV.encode(), user=rp.ministry)
    page = html(client_for(rp.manager).get(reverse("results_national") + "?year=2024"))
    assert page.index("<strong>Hải Phòng</strong>") < page.index("<strong>Lào Cai</strong>")
    assert page.index("<strong>Lào Cai</strong>") < page.index("<strong>Hà Nội</strong>")


def upload(client: Client, text: str, name: str = "ket-qua.csv"):
    f = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("results_national_import"), {"file": f, "source": "Bộ Nội vụ"})


def test_the_national_import_saves_a_good_file(rp):
    client = client_for(rp.ministry)
    assert client.get(reverse("results_national_import")).status_code == 200
    response = upload(client, NATIONAL_CSV)
    assert response.status_code == 302
    assert response["Location"].endswith("?year=2025")
    assert NationalResult.objects.count() == 4
    yen_bai = NationalResult.objects.get(year=2024, province="Yên Bái")
    assert yen_bai.province_2025 == "Lào Cai" and yen_bai.total == Decimal("87.42")
    page = html(client.get(response["Location"]))
    assert "Đã nhập 4 dòng mới" in page


def test_the_national_import_refuses_a_bad_file_with_row_numbers_and_saves_nothing(rp):
    national_results_import_file(data=NATIONAL_CSV.encode(), user=rp.ministry)
    before = list(NationalResult.objects.order_by("pk").values_list("province", "total"))
    bad = (
        "year,province,rank,total\n"
        "2024,Lào Cai,3,99\n"  # valid, would update: must not be saved
        "2024,Không Có Tỉnh,1,90\n"
        "2025,Lào Cai,2,abc\n"
    )
    response = upload(client_for(rp.ministry), bad)
    assert response.status_code == 400
    page = html(response)
    assert "Không dòng nào được lưu" in page
    # every message names the file, the row and the column
    assert "Tệp “ket-qua.csv”, dòng 3, cột “province”" in page
    assert "Tệp “ket-qua.csv”, dòng 4, cột “total”" in page
    assert list(NationalResult.objects.order_by("pk").values_list("province", "total")) == before


def test_only_the_ministry_and_admins_may_import(rp):
    assert client_for(rp.officer).get(reverse("results_national_import")).status_code == 403
    # A province's organiser does not overwrite the results everyone reads.
    assert client_for(rp.manager).get(reverse("results_national_import")).status_code == 403
    assert upload(client_for(rp.manager), NATIONAL_CSV).status_code == 403
    assert upload(client_for(rp.viewer), NATIONAL_CSV).status_code == 403
    assert not NationalResult.objects.exists()
    assert client_for(rp.admin).get(reverse("results_national_import")).status_code == 200
    page = html(client_for(rp.officer).get(reverse("results_national")))
    assert reverse("results_national_import") not in page


# --- public pages -------------------------------------------------------------------------------


def test_public_pages_show_published_cycles_only(rp):
    client = Client()
    assert rp.cycle.name not in html(client.get(reverse("public_results")))
    for name, args in [
        ("public_cycle", [rp.cycle.pk]),
        ("public_cycle_download", [rp.cycle.pk, "csv"]),
        ("public_cycle_download", [rp.cycle.pk, "json"]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 404, name
    rp.publish()
    listing = html(client.get(reverse("public_results")))
    assert rp.cycle.name in listing
    page = client.get(reverse("public_cycle", args=[rp.cycle.pk]))
    assert page.status_code == 200
    assert units_listed(page) == ["SYT", "STP", "SXD"]
    assert "LV 1" in html(page) and "83,13" in html(page)
    assert "Thiếu kế hoạch kiểm chứng" not in html(page)  # no appraisal comments in public
    csv_body = client.get(reverse("public_cycle_download", args=[rp.cycle.pk, "csv"]))
    assert csv_body.status_code == 200
    text = csv_body.content.decode("utf-8-sig")
    assert "STP" in text and "XA1" in text and "field_1_index" in text
    data = client.get(reverse("public_cycle_download", args=[rp.cycle.pk, "json"])).json()
    assert {r["unit"]["code"] for r in data["results"]} == set(VALUES)
    assert client.get(reverse("public_cycle_download", args=[rp.cycle.pk, "xlsx"])).status_code == (
        404
    )


def test_the_public_page_never_shows_an_unpublished_cycle_among_others(rp):
    rp.publish()
    other = make_cycle(
        organiser=rp.snv,
        units=[rp.units["STP"]],
        methodology=rp.mv,
        name="Kỳ chưa công bố 2026",
        year=2026,
        state=State.FINAL,
    )
    listing = html(Client().get(reverse("public_results")))
    assert "Kỳ chưa công bố 2026" not in listing
    assert Client().get(reverse("public_cycle", args=[other.pk])).status_code == 404


def test_the_public_page_does_not_compare_with_an_unpublished_year(rp):
    """The change against the year before would reveal a finalised, unpublished cycle."""
    previous = make_cycle(
        organiser=rp.snv,
        units=[rp.units["STP"]],
        methodology=rp.mv,
        name="Chỉ số CCHC năm 2024 (chưa công bố)",
        year=2024,
        state=State.FINAL,
    )
    assert previous.state == State.FINAL
    rp.publish()
    page = html(Client().get(reverse("public_cycle", args=[rp.cycle.pk])))
    assert "2024 (chưa công bố)" not in page and "so với:" not in page
    inside = html(client_for(rp.manager).get(ranking_url(rp)))
    assert "so với: Chỉ số CCHC năm 2024 (chưa công bố)" in inside


# --- CSP ---------------------------------------------------------------------------------------


def test_pages_carry_no_inline_script_or_style(rp):
    national_results_import_file(data=NATIONAL_CSV.encode(), user=rp.ministry)
    rp.publish()
    client = client_for(rp.manager)
    pages = [
        client.get(reverse("results_index")),
        client.get(ranking_url(rp)),
        client.get(reverse("results_unit", args=[rp.parts["STP"].pk])),
        client.get(reverse("results_ledger", args=[rp.cycle.pk])),
        client.get(reverse("results_national") + "?year=2024"),
        client_for(rp.ministry).get(reverse("results_national_import")),
        Client().get(reverse("public_results")),
        Client().get(reverse("public_cycle", args=[rp.cycle.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        page = html(response)
        assert not re.search(r"\sstyle=", page), response.request["PATH_INFO"]
        assert not re.search(r"\son[a-z]+=", page), response.request["PATH_INFO"]
        for tag in re.findall(r"<script[^>]*>", page):
            assert 'type="application/json"' in tag or "nonce=" in tag, tag


def test_a_ranking_of_provinces_shows_the_tile_grid(rp):
    bnv = make_unit("BNV", "Bộ Nội vụ", OrgUnit.Type.MINISTRY)
    lao_cai = make_unit("P-LC", "Tỉnh Lào Cai", OrgUnit.Type.PROVINCE)
    hai_phong = make_unit("P-HP", "Thành phố Hải Phòng", OrgUnit.Type.PROVINCE)
    cycle = make_cycle(organiser=bnv, units=[lao_cai, hai_phong], methodology=rp.mv)
    page = html(
        client_for(rp.admin).get(reverse("results_ranking", args=[cycle.pk]) + "?unit=P-LC")
    )
    assert page.count('class="rs-tile ') == 34
    # nothing entered yet: both at 0 (lowest bin), Lào Cai selected, the rest without data
    assert 'class="rs-tile rs-r1 rs-c3 rs-bin-1 rs-tile-selected"' in page
    assert 'class="rs-tile rs-r3 rs-c5 rs-bin-1"' in page
    assert 'class="rs-tile rs-r1 rs-c2 rs-bin-none"' in page  # Lai Châu


def test_the_english_ranking_keeps_the_word_report_and_translates_bands(rp):
    c = client_for(rp.manager)
    c.cookies["django_language"] = "en"
    page = html(c.get(ranking_url(rp), HTTP_ACCEPT_LANGUAGE="en"))
    assert "report.docx" in page and "Word report" in page
