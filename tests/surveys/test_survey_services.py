"""Survey services: questionnaires against the methodology, sample plan and fill rate, the
online form, double entry, and survey points written into the unit's results."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from survey_helpers import HDND_QUESTIONS, csv_bytes, leader, sipas

from parindex.assessment.models import Entry
from parindex.assessment.services import unit_result
from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError
from parindex.surveys import selectors as sel
from parindex.surveys import services as svc
from parindex.surveys.definitions import forms_from_yaml
from parindex.surveys.models import (
    Discrepancy,
    EntryBatch,
    ImportJob,
    RespondentToken,
    Response,
    SampleTarget,
    SurveyScore,
)


def import_rows(w, rows, mode=ImportJob.Mode.ALL) -> ImportJob:
    path = w.tmp / "phieu.csv"
    path.write_bytes(csv_bytes(rows))
    return svc.responses_import_path(cycle=w.cycle, path=path, user=w.manager, mode=mode)


@pytest.fixture
def w(world, tmp_path):
    world.tmp = tmp_path
    return world


# --- questionnaires ------------------------------------------


def test_demo_seed_installs_the_forms_a_window_and_a_plan(w):
    assert set(w.forms) == {"nguoi_dan", "hdnd", "lanh_dao_so", "lanh_dao_xa"}
    config = svc.survey_config(w.cycle)
    assert config.opens_at < timezone.now() < config.closes_at
    assert (
        SampleTarget.objects.get(unit__code="LC-X-YTY", questionnaire=w.forms["nguoi_dan"]).target
        == 45
    )


def test_a_question_must_feed_a_survey_leaf_of_the_methodology(w):
    form = svc.questionnaire_to_def(w.forms["hdnd"])
    form.questions[0].leaf = "1.1.1"  # a self-assessed leaf
    form.questions[1].leaf = "9.9"  # no such leaf
    with pytest.raises(svc.SurveyFileRefused) as exc:
        svc.questionnaire_install(cycle=w.cycle, form=form, user=w.manager)
    text = "\n".join(exc.value.problems)
    assert "“1.1.1” không phải tiêu chí chấm bằng điều tra" in text
    assert "“9.9” không phải tiêu chí chấm bằng điều tra" in text


def test_a_form_with_answers_takes_only_a_compatible_definition(w):
    import_rows(w, [leader("L1")])
    form = svc.questionnaire_to_def(w.forms["lanh_dao_so"])
    form.choices["abcd"][1].score = Decimal(70)  # B: 60 -> 70 %
    form.questions[0].weight = Decimal(3)
    svc.questionnaire_install(cycle=w.cycle, form=form, user=w.manager)
    assert w.forms["lanh_dao_so"].choices.get(name="B").score == Decimal(70)
    form.questions = form.questions[1:]
    with pytest.raises(ServiceError, match="đã có dữ liệu trả lời"):
        svc.questionnaire_install(cycle=w.cycle, form=form, user=w.manager)
    with pytest.raises(ServiceError, match="đã có dữ liệu"):
        svc.questionnaire_delete(questionnaire=w.forms["lanh_dao_so"], user=w.manager)


def test_questionnaires_import_reads_xlsform_and_yaml(w):
    data = svc.questionnaire_xlsform(w.forms["hdnd"])
    [q] = svc.questionnaires_import(cycle=w.cycle, data=data, name="hdnd.xlsx", user=w.manager)
    assert q.pk == w.forms["hdnd"].pk and q.questions.count() == len(HDND_QUESTIONS)
    text = svc.questionnaires_yaml([w.forms["nguoi_dan"]]).replace("nguoi_dan", "doanh_nghiep")
    text = text.replace("sipas_nguoi_dan", "sipas_doanh_nghiep")
    [q2] = svc.questionnaires_import(
        cycle=w.cycle, data=text.encode(), name="dn.yaml", user=w.manager
    )
    assert q2.group_code == "doanh_nghiep" and q2.kind == "sipas"
    assert forms_from_yaml(svc.questionnaires_yaml([q2]))[0].group_code == "doanh_nghiep"


def test_a_broken_questionnaire_file_installs_nothing(w):
    with pytest.raises(svc.SurveyFileRefused):
        svc.questionnaires_import(cycle=w.cycle, data=b"\x00\x01", name="x.yaml", user=w.manager)


# --- sample plan and fill rate ------------------------------------------


def test_the_fill_rate_counts_responses_against_the_plan(w):
    stp = w.units["LC-STP"]
    svc.sample_target_set(
        cycle=w.cycle, unit=stp, questionnaire=w.forms["lanh_dao_so"], target=4, user=w.manager
    )
    import_rows(w, [leader("L1"), leader("L2"), leader("L3", unit="LC-SYT"), sipas("S1")])
    table = sel.fill_table(w.cycle)
    row = next(r for r in table.rows if r.participation.unit == stp)
    cell = next(c for c in row.cells if c.questionnaire.group_code == "lanh_dao_so")
    assert (cell.filled, cell.target, cell.percent, cell.level) == (2, 4, 50, "bad")
    sipas_total = next(c for c in table.totals if c.questionnaire.group_code == "nguoi_dan")
    assert sipas_total.filled == 1 and sipas_total.target == 30 + 30 + 45 + 45
    assert table.filled == 4


def test_the_plan_is_set_per_unit_type(w):
    n = svc.sample_plan_fill(
        cycle=w.cycle,
        questionnaire=w.forms["hdnd"],
        target=7,
        unit_type="commune",
        user=w.manager,
    )
    assert n == 2
    targets = dict(
        SampleTarget.objects.filter(questionnaire=w.forms["hdnd"]).values_list(
            "unit__code", "target"
        )
    )
    assert targets == {"LC-STP": 4, "LC-SYT": 4, "LC-X-BATXAT": 7, "LC-X-YTY": 7}
    with pytest.raises(ServiceError):
        svc.sample_plan_fill(
            cycle=w.cycle, questionnaire=w.forms["hdnd"], target=-1, user=w.manager
        )


# --- online form ------------------------------------------


def test_tokens_are_generated_up_to_the_plan_and_not_twice(w):
    n = svc.tokens_generate(cycle=w.cycle, user=w.manager)
    planned = sum(SampleTarget.objects.filter(cycle=w.cycle).values_list("target", flat=True))
    assert n == planned == RespondentToken.objects.count()
    assert svc.tokens_generate(cycle=w.cycle, user=w.manager) == 0
    assert len({t.token for t in RespondentToken.objects.all()}) == n


def test_no_link_is_made_for_forms_entered_on_paper(w):
    """The plan counts the forms already entered from paper (double entry, import)."""
    q = w.forms["hdnd"]
    target = SampleTarget.objects.filter(questionnaire=q).first()
    for i in range(3):
        Response.objects.create(
            cycle=w.cycle,
            questionnaire=q,
            unit=target.unit,
            respondent=f"giay-{i}",
            answers="0000000",
            source=Response.Source.BATCH,
        )
    svc.tokens_generate(cycle=w.cycle, user=w.manager, questionnaire=q)
    made = RespondentToken.objects.filter(questionnaire=q, unit=target.unit).count()
    assert made == max(0, target.target - 3)


def test_a_respondent_submits_once(w):
    svc.tokens_generate(cycle=w.cycle, user=w.manager, questionnaire=w.forms["hdnd"])
    t = RespondentToken.objects.filter(questionnaire=w.forms["hdnd"]).first()
    with pytest.raises(svc.FormInvalid) as exc:
        svc.web_response_submit(token=t.token, answers={"ld_cd1": "Z"})
    assert exc.value.errors["ld_cd1"] == "Phương án không hợp lệ."
    assert exc.value.errors["ld_vb1"] == "Vui lòng chọn một phương án."
    answers = dict.fromkeys(HDND_QUESTIONS, "A")
    r = svc.web_response_submit(token=t.token, answers=answers)
    assert (r.respondent, r.answers, r.source) == (f"web-{t.pk}", "0000000", "web")
    with pytest.raises(svc.AlreadySubmitted):
        svc.web_response_submit(token=t.token, answers=answers)
    assert Response.objects.filter(cycle=w.cycle).count() == 1


def test_the_database_refuses_a_second_response_for_a_token(w):
    """Even if the check is bypassed, the unique constraint holds."""
    from django.db import IntegrityError, transaction

    svc.tokens_generate(cycle=w.cycle, user=w.manager, questionnaire=w.forms["hdnd"])
    t = RespondentToken.objects.filter(questionnaire=w.forms["hdnd"]).first()
    svc.web_response_submit(token=t.token, answers=dict.fromkeys(HDND_QUESTIONS, "A"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            cycle=w.cycle,
            questionnaire=w.forms["hdnd"],
            unit=t.unit,
            respondent=t.respondent,
            answers="1111111",
            source="web",
        )


def test_the_form_closes_with_the_survey_window(w):
    svc.tokens_generate(cycle=w.cycle, user=w.manager, questionnaire=w.forms["hdnd"])
    t = RespondentToken.objects.filter(questionnaire=w.forms["hdnd"]).first()
    svc.survey_config_update(
        cycle=w.cycle,
        user=w.manager,
        closes_at=timezone.now() - timedelta(minutes=1),
        opens_at=timezone.now() - timedelta(days=2),
    )
    assert svc.form_window(w.cycle)[0] is False
    with pytest.raises(ServiceError, match="đã kết thúc"):
        svc.web_response_submit(token=t.token, answers=dict.fromkeys(HDND_QUESTIONS, "A"))


# --- double entry ------------------------------------------


def test_double_entry_reports_differences_and_counts_once_resolved(w):
    batch = svc.batch_create(cycle=w.cycle, code="LO-01", user=w.manager)
    clerk1 = [leader("P1", answer="A"), leader("P2", answer="B"), leader("P3")]
    clerk2 = [leader("P1", answer="A", ld_vb2="C"), leader("P2", answer="B"), leader("P4")]
    svc.batch_upload(batch=batch, clerk=1, data=csv_bytes(clerk1), name="a.csv", user=w.manager)
    assert Discrepancy.objects.count() == 0  # not compared before both clerks typed
    svc.batch_upload(batch=batch, clerk=2, data=csv_bytes(clerk2), name="b.csv", user=w.manager)
    batch.refresh_from_db()
    assert batch.status == EntryBatch.Status.COMPARED
    found = {(d.respondent, d.field, d.value1, d.value2) for d in batch.discrepancies.all()}
    assert found == {
        ("P1", "ld_vb2", "A", "C"),
        ("P3", Discrepancy.ROW, "LC-STP · lanh_dao_so", ""),
        ("P4", Discrepancy.ROW, "", "LC-STP · lanh_dao_so"),
    }
    with pytest.raises(ServiceError, match="chưa xử lý"):
        svc.batch_commit(batch=batch, user=w.manager)
    assert Response.objects.count() == 0  # the batch does not count yet
    choose = {"ld_vb2": "2", Discrepancy.ROW: "1"}
    for d in batch.discrepancies.all():
        svc.discrepancy_resolve(discrepancy=d, chosen=choose[d.field], user=w.manager)
    n = svc.batch_commit(batch=batch, user=w.manager)
    assert n == 3  # P1, P2, P3 kept; P4 dropped (clerk 1 had no such form)
    stored = dict(Response.objects.values_list("respondent", "answers"))
    assert set(stored) == {"P1", "P2", "P3"}
    assert stored["P1"][3] == "2"  # ld_vb2: clerk 2's "C" (code 2)
    assert LogEntry.objects.filter(action="survey.discrepancy_resolved").count() == 3


def test_a_clerk_file_with_a_wrong_row_is_refused_whole(w):
    batch = svc.batch_create(cycle=w.cycle, code="LO-02", user=w.manager)
    with pytest.raises(svc.SurveyFileRefused) as exc:
        svc.batch_upload(
            batch=batch,
            clerk=1,
            data=csv_bytes([leader("Q1"), leader("Q2", ld_cd1="Z")]),
            name="a.csv",
            user=w.manager,
        )
    assert "Dòng 3, cột “ld_cd1”" in exc.value.problems[0]
    assert batch.rows.count() == 0


# --- scoring into the unit's results ------------------------------------------


def test_survey_points_enter_the_units_results(w):
    # Sở Tư pháp: 2 leaders answer A (100 %) and 2 answer C (20 %) on everything: 60 %.
    rows = [leader(f"L{i}", answer="A" if i < 2 else "C") for i in range(4)]
    # 3 citizens: two satisfied ("4") with everything, one not ("2"), on access (8.1.1).
    rows += [sipas("S1"), sipas("S2"), sipas("S3", tc1="2", tc2="2", tc3="2", tc4="2")]
    import_rows(w, rows)
    p = w.part("LC-STP")
    score = SurveyScore.objects.get(participation=p, kind="leaf", code="8.2.1")
    assert (score.n, score.mean, score.points, score.flagged) == (
        4,
        Decimal(60),
        Decimal("1.2"),
        True,
    )
    assert score.ci_low < score.mean < score.ci_high and score.ci_method == "normal"
    access = SurveyScore.objects.get(participation=p, kind="leaf", code="8.1.1")
    assert access.mean == Decimal("66.6667") and access.ci_method == "wilson"
    assert access.points == Decimal("1.6667")  # 66.6667 % x 2.5 / 100
    overall = SurveyScore.objects.get(participation=p, kind="overall")
    assert overall.n == 3
    assert Entry.objects.get(participation=p, code="8.2.1").value == "60"
    result = unit_result(p)
    assert result.nodes["8.2.1"].points == Decimal("1.2000")
    assert result.nodes["8.1.1"].points == Decimal("1.6667")
    assert "60" in result.nodes["8.2.1"].explanation
    assert LogEntry.objects.filter(action="entry.external_set", code="8.2.1").count() == 1


def test_recomputing_without_changes_writes_nothing_new(w):
    import_rows(w, [leader("L1")])
    before = LogEntry.objects.filter(action="entry.external_set").count()
    summary = svc.survey_points_write(cycle=w.cycle, user=w.manager)
    assert summary.written == 0 and summary.unchanged > 0
    assert LogEntry.objects.filter(action="entry.external_set").count() == before


def test_units_without_respondents_get_no_survey_value(w):
    import_rows(w, [leader("L1")])
    assert not Entry.objects.filter(participation=w.part("LC-SYT"), code="8.2.1").exists()
    assert SurveyScore.objects.filter(participation=w.part("LC-SYT")).count() == 0


def test_only_the_manager_scores_and_never_after_the_cycle_is_final(w):
    with pytest.raises(ServiceError):
        svc.survey_points_write(cycle=w.cycle, user=w.officer)
    w.cycle.state = "final"
    w.cycle.save()
    with pytest.raises(ServiceError, match="đã chốt"):
        svc.survey_points_write(cycle=w.cycle, user=w.manager)


def test_the_sipas_formula_is_configurable(w):
    rows = [sipas("S1"), sipas("S2", tc1="5", tc2="5", tc3="5", tc4="5")]
    import_rows(w, rows)
    p = w.part("LC-STP")
    share = SurveyScore.objects.get(participation=p, code="8.1.1")
    assert share.mean == Decimal(100)  # every answer "4" or "5" is satisfied
    svc.survey_config_update(cycle=w.cycle, user=w.manager, sipas_method="score_mean")
    svc.survey_points_write(cycle=w.cycle, user=w.manager)
    mean = SurveyScore.objects.get(participation=p, code="8.1.1")
    assert mean.mean == Decimal("87.5") and mean.ci_method == "normal"  # (75 + 100) / 2
