"""Rank robustness of a finished cycle (conftest.py's 2024 ranking: B 75, C 71,875, A 62,5,
D 50): without the surveys' confidence intervals the page says so and invents nothing; with
them each unit's rank gets its 90 % interval; the fields' weights optionally."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from parindex.surveys.models import SurveyScore
from parindex.targets import robustness

D = Decimal


def survey(w, widths: dict[str, tuple[str, str]]) -> None:
    for code, (low, high) in widths.items():
        SurveyScore.objects.create(
            participation=w.cast.part(w.c2024, code), code="2.2.1", n=300, mean=low,
            ci_low=D(low), ci_high=D(high), ci_method="normal", points=0, max_points=2,
        )  # fmt: skip


def run(w, **kw):
    kw.setdefault("seed", 2025)
    kw.setdefault("spread", None)
    return robustness.robustness_of(w.cast.manager, w.c2024.pk, "department", **kw)


def test_without_standard_errors_nothing_is_invented(target_world):
    v = run(target_world)
    assert v.robustness is None and v.with_error == 0 and v.without_error == 4
    url = reverse("target_robustness", args=[target_world.c2024.pk])
    body = target_world.cast.client("manager").get(url).content.decode()
    assert 'id="rb-none"' in body and 'id="rb-no-se"' in body and 'id="rb-table"' not in body


def test_no_sampling_error_keeps_every_rank(target_world):
    survey(target_world, dict.fromkeys(("STP", "SYT", "SKH", "SXD"), ("0", "0")))
    v = run(target_world)
    assert v.with_error == 4 and v.without_error == 0
    assert {(u.name, u.rank, u.low, u.high) for u in v.robustness.units} == {
        ("Sở Y tế", 1, 1, 1),
        ("Sở Kế hoạch và Đầu tư", 2, 2, 2),
        ("Sở Tư pháp", 3, 3, 3),
        ("Sở Xây dựng", 4, 4, 4),
    }


def test_a_wide_interval_widens_the_rank_interval(target_world):
    # A's SIPAS known to ±50 %: se = 100 / 3,92 % of 2 points = 0,51 points; A passes C
    # (+0,75 point) in about 7 % of the draws, B (+1) in about 2,5 %
    survey(target_world, {"STP": ("0", "100"), "SYT": ("0", "0"), "SKH": ("0", "0")})
    v = run(target_world)
    a = next(u for u in v.robustness.units if u.name == "Sở Tư pháp")
    assert (a.rank, a.low, a.high) == (3, 2, 3) and a.text == "hạng 3, khoảng 90 %: 2–3"
    page = target_world.cast.client("manager").get(
        reverse("target_robustness", args=[target_world.c2024.pk])
    )
    assert 'data-unit="STP"' in page.content.decode() and "2–3" in page.content.decode()


def test_field_weights_optionally(target_world):
    v = run(target_world, spread=D("0.5"))
    assert v.robustness is not None and v.robustness.weight_spread == D("0.5")
    assert [s.field for s in v.sensitivity] == ["1", "2"]
    url = reverse("target_robustness", args=[target_world.c2024.pk])
    body = target_world.cast.client("manager").get(url, {"weights": "on"}).content.decode()
    assert 'id="rb-weights"' in body and 'id="rb-table"' in body


def test_the_ranking_links_to_it_and_units_do_not_see_it(target_world):
    url = reverse("target_robustness", args=[target_world.c2024.pk])
    ranking = reverse("results_ranking", args=[target_world.c2024.pk])
    assert url in target_world.cast.client("manager").get(ranking).content.decode()
    assert target_world.cast.client("officer").get(url).status_code == 404
