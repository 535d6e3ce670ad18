"""Every list is paginated the same way: items, count, page, page_size, pages, next, previous."""

from __future__ import annotations

from api_helpers import BASE
from factories import make_cycle


def test_pages_link_to_each_other(api_world):
    for year in range(2018, 2024):
        make_cycle(
            organiser=api_world.organiser,
            units=[],
            methodology=api_world.methodology,
            year=year,
            name=f"Kỳ {year}",
        )
    client = api_world.client("admin")
    first = client.get("/cycles", {"page_size": 3}).json()
    assert (first["count"], first["page"], first["page_size"], first["pages"]) == (7, 1, 3, 3)
    assert [c["year"] for c in first["items"]] == [2025, 2023, 2022]
    assert first["previous"] is None and "page=2" in first["next"]
    second = client.client.get(
        first["next"], headers={"Authorization": f"Bearer {api_world.keys['admin']}"}
    ).json()
    assert [c["year"] for c in second["items"]] == [2021, 2020, 2019]
    assert "page=1" in second["previous"] and "page=3" in second["next"]
    last = client.get("/cycles", {"page_size": 3, "page": 3}).json()
    assert [c["year"] for c in last["items"]] == [2018] and last["next"] is None
    beyond = client.get("/cycles", {"page_size": 3, "page": 9}).json()
    assert beyond["items"] == [] and beyond["count"] == 7 and beyond["next"] is None
    assert "page=3" in beyond["previous"]


def test_filters_are_kept_in_page_links(api_world):
    make_cycle(organiser=api_world.organiser, units=[], methodology=api_world.methodology)
    page = api_world.client("admin").get("/cycles", {"page_size": 1, "year": 2025}).json()
    assert page["count"] == 2
    assert page["next"].startswith(BASE + "/cycles?") and "year=2025" in page["next"]


def test_every_list_has_the_same_shape(api_world):
    client = api_world.client("admin")
    cid = api_world.cycle.pk
    keys = {"items", "count", "page", "page_size", "pages", "next", "previous"}
    for path in (
        "/methodologies",
        "/cycles",
        f"/cycles/{cid}/units",
        f"/cycles/{cid}/units/STP/scores",
        f"/cycles/{cid}/results?stage=self",
        f"/cycles/{cid}/ledger",
    ):
        body = client.get(path).json()
        assert set(body) == keys, path
