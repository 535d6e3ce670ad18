"""The declared survey design end to end: group weights, SIPAS sub-indices and the design
effect from cluster ids, from the response file to SurveyScore and the unit's points."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from survey_helpers import HDND_QUESTIONS, csv_bytes, leader, sipas

from parindex.assessment.models import Entry
from parindex.audit.models import LogEntry
from parindex.surveys import services as svc
from parindex.surveys.models import ImportJob, SurveyConfig, SurveyScore
from parindex.surveys.services.demo import SAMPLE_YAML

GROUPS = {"groups": {"weights": {"hdnd": "0.3", "lanh_dao_so": "0.5", "lanh_dao_xa": "0.2"}}}


def import_rows(w, rows, header=None):
    path = w.tmp / "phieu.csv"
    path.write_bytes(csv_bytes(rows, header))
    return svc.responses_import_path(
        cycle=w.cycle, path=path, user=w.manager, mode=ImportJob.Mode.ALL
    )


def hdnd(respondent, answer="A"):
    row = {"respondent": respondent, "unit": "LC-STP", "group": "hdnd"}
    row.update(dict.fromkeys(HDND_QUESTIONS, answer))
    return row


@pytest.fixture
def w(world, tmp_path):
    world.tmp = tmp_path
    return world


def leaf(w, code="8.2.1", unit="LC-STP"):
    return SurveyScore.objects.get(participation=w.part(unit), kind="leaf", code=code)


def test_without_a_declared_weighting_the_groups_are_pooled_and_it_says_so(w):
    import_rows(w, [leader("L0", answer="A"), leader("L1", answer="C"), hdnd("H0"), hdnd("H1")])
    score = leaf(w)
    assert score.mean == D(80)  # (100 + 20 + 100 + 100) / 4
    assert score.details["weighting"] == "pooled"
    assert (score.deff, score.deff_source) == (D(1), "")


def test_groups_weighted_as_declared(w):
    svc.survey_design_set(cycle=w.cycle, user=w.manager, design=GROUPS)
    import_rows(w, [leader("L0", answer="A"), leader("L1", answer="C"), hdnd("H0"), hdnd("H1")])
    score = leaf(w)
    # every group is asked about 8.2.1; lanh_dao_xa has nobody: 0,3·100 + 0,5·60 = 60
    # (pooled: 80), its 0,2 scores nothing
    assert score.mean == D(60) and score.points == D("1.2")
    assert score.details["weights"] == {"hdnd": "0.3000", "lanh_dao_so": "0.5000"}
    assert score.details["missing"] == ["lanh_dao_xa"]
    assert Entry.objects.get(participation=w.part("LC-STP"), code="8.2.1").value == "60"
    assert LogEntry.objects.filter(action="survey.design_set").count() == 1


@pytest.mark.parametrize("redistribute, mean", [(False, D(30)), (True, D(60))])
def test_a_group_without_respondents_is_reported_its_weight_moved_only_if_declared(
    w, redistribute, mean
):
    design = {"groups": {**GROUPS["groups"], "redistribute": redistribute}}
    svc.survey_design_set(cycle=w.cycle, user=w.manager, design=design)
    import_rows(w, [leader("L0", answer="A"), leader("L1", answer="C")])
    score = leaf(w)
    assert score.mean == mean  # 0,5·60 / 1, or 0,5·60 / 0,5
    assert score.details["missing"] == ["hdnd", "lanh_dao_xa"]


def test_sipas_sub_indices_weighted_as_declared(w):
    design = {
        "sipas": {
            "sub_indices": [
                {"code": "services", "name": "Dịch vụ", "weight": 0.5},
                {"code": "policies", "name": "Chính sách", "weight": 0.5, "aspects": ["gop_y"]},
            ]
        }
    }
    svc.survey_design_set(cycle=w.cycle, user=w.manager, design=design)
    import_rows(w, [sipas("S1"), sipas("S2", gy1="2", gy2="2", gy3="2")])
    p = w.part("LC-STP")
    subs = {s.code: s.mean for s in SurveyScore.objects.filter(participation=p, kind="subindex")}
    assert subs == {"services": D(100), "policies": D(50)}
    overall = SurveyScore.objects.get(participation=p, kind="overall")
    assert overall.mean == D(75)  # 0,5·100 + 0,5·50 (the plain mean of aspects would be 90)
    assert overall.details["weights"] == {"services": "0.5000", "policies": "0.5000"}


def test_the_design_effect_comes_from_the_clusters_of_the_response_file(w):
    rows = [leader(f"L{i}", answer="AB"[i // 2]) for i in range(4)]
    for i, r in enumerate(rows):
        r["cluster"] = f"c{i // 2}"  # c0: A, A (100) ; c1: B, B (60): rho = 1, deff = 2
    import_rows(w, rows)
    score = leaf(w)
    assert (score.mean, score.deff, score.deff_source) == (D(80), D(2), "data")
    # s² = 4·400/3 ; half = 1,96·√(s²/4·2) = 1,96·16,3299 = 32,0067
    assert (score.ci_low, score.ci_high) == (D("47.9933"), D(100))


def test_without_cluster_ids_the_declared_design_effect_is_used(w):
    svc.survey_design_set(cycle=w.cycle, user=w.manager, design={"design_effect": "1.5"})
    import_rows(w, [leader(f"L{i}", answer="AB"[i // 2]) for i in range(4)])
    score = leaf(w)
    assert (score.deff, score.deff_source) == (D("1.5"), "declared")
    # half = 1,96·√(533,33/4·1,5) = 1,96·14,1421 = 27,7186
    assert score.ci_low == D("52.2814")


def test_a_questionnaire_file_declares_the_design_all_or_nothing(w):
    text = SAMPLE_YAML.read_text(encoding="utf-8")
    good = text + "\ndesign:\n  groups:\n    weights: {hdnd: 1, lanh_dao_so: 2}\n"
    svc.questionnaires_import(cycle=w.cycle, data=good.encode(), name="p.yaml", user=w.manager)
    config = SurveyConfig.objects.get(cycle=w.cycle)
    assert config.design["groups"]["weights"] == {"hdnd": "1", "lanh_dao_so": "2"}
    bad = text + "\ndesign:\n  groups:\n    weights: {hdnd: -1}\n  design_effect: 0.5\n"
    with pytest.raises(svc.SurveyFileRefused) as exc:
        svc.questionnaires_import(cycle=w.cycle, data=bad.encode(), name="p.yaml", user=w.manager)
    assert len(exc.value.problems) == 2
    config.refresh_from_db()
    assert config.design["groups"]["weights"] == {"hdnd": "1", "lanh_dao_so": "2"}


def test_the_unit_page_shows_the_weighting_deff_and_effective_sample(w):
    from django.test import Client
    from django.urls import reverse

    design = {
        **GROUPS,
        "sipas": {"sub_indices": [{"code": "dv", "name": "Hài lòng về dịch vụ", "weight": 1}]},
    }
    svc.survey_design_set(cycle=w.cycle, user=w.manager, design=design)
    rows = [leader(f"L{i}", answer="AB"[i // 2]) for i in range(4)] + [sipas("S1")]
    for i, r in enumerate(rows):
        r["cluster"] = f"c{i // 2}"
    import_rows(w, rows)
    c = Client()
    c.force_login(w.manager)
    page = c.get(reverse("surveys:unit", args=[w.part("LC-STP").pk])).content.decode()
    assert "deff 2,00" in page and "n<sub>hd</sub> 2,00" in page  # 4 respondents / 2
    assert "lanh_dao_so 0,5000" in page and "trọng số không được phân bổ lại" in page
    assert "Chỉ số thành phần: Hài lòng về dịch vụ" in page


def test_a_cluster_id_too_long_refuses_the_file_naming_row_and_column(w):
    row = leader("L0")
    row["cluster"] = "x" * 65
    job = import_rows(w, [row, leader("L1")])
    assert job.status != ImportJob.Status.DONE and job.rows_imported == 0
    assert any("cluster" in e[1] and e[0] == 2 for e in job.errors)


def test_the_cycle_export_carries_the_design_and_installs_it_again(w):
    svc.survey_design_set(cycle=w.cycle, user=w.manager, design={**GROUPS, "design_effect": 1.5})
    text = svc.cycle_questionnaires_yaml(w.cycle)
    assert "design:" in text
    other = w.cast.cycle(units=list(w.units.values()), methodology="example-province-internal")
    svc.questionnaires_import(cycle=other, data=text.encode(), name="p.yaml", user=w.manager)
    assert (
        SurveyConfig.objects.get(cycle=other).design
        == SurveyConfig.objects.get(cycle=w.cycle).design
    )
