"""Who may open what: every URL of the project, every role, one explicit expected outcome.

The world, from the test cast (tests/cast.py): the province's Sở Nội vụ (organiser) running
an open cycle on tests/data/small.yaml for two departments, A (Sở Tư pháp) and B (Sở Y tế),
driven through the services. Every URL that
names an object points at unit A's: its participation, its entry codes, its evidence and
evidence link, the cycle, survey objects of the cycle.

Roles (columns of the matrix, in this order):
    admin        superuser
    manager      manager of the organiser
    officer_a    officer of A           leader_a     leader of A
    lead_agency  lead agency filling criterion 1.2 of A (limited codes)
    appraiser    council member of the organiser (all items)
    viewer       viewer of the province
    officer_b    officer of B, another unit in the same cycle
    anon         not logged in

Outcomes:
    200 / 403 / 404 / 405   the status code
    302          a redirect that is not the login page
    login        302 to the login page
    done         (POST) 200 or 302, and the change it asks for happened
    noop         (POST) 200 or 302 (a message says why), and nothing changed
    ok           (POST) any status below 400 (survey actions: their own tests check effects)

The world is built once for the module; each case runs in a savepoint rolled back after it
and reads the world's objects again, and each POST in a savepoint of its own rolled back
afterwards, so every case and every role starts from the same state. Whatever officer B
gets must not mention unit A. A URL added to the project without a row here fails
test_every_url_is_in_the_matrix ("add this URL to the matrix").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cast import Cast
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from factories import DATA, built_once, make_user

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import (
    Cycle,
    Entry,
    Evidence,
    EvidenceLink,
    MethodologyVersion,
    Participation,
)

ROLES = (
    "admin",
    "manager",
    "officer_a",
    "leader_a",
    "lead_agency",
    "appraiser",
    "viewer",
    "officer_b",
    "anon",
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


# --- the world --------------------------------------------------------------------------------


@dataclass
class World:
    cycle: Cycle
    unit_a: OrgUnit
    unit_b: OrgUnit
    p: Participation  # unit A's participation
    p_b: Participation
    entry: Entry  # A, item 1.1.1 (self-assessed "đúng hạn")
    evidence: Evidence  # A's document, linked to 1.1.1
    link: EvidenceLink
    users: dict[str, Any]
    objs: dict[str, Any] = field(default_factory=dict)  # survey objects, methodology

    def a_entry(self, code: str) -> Entry | None:
        return Entry.objects.filter(participation=self.p, code=code).first()


def build_world(cast: Any) -> World:
    """The cast's open cycle for units A and B; its lead agency fills criterion 1.2 of A.
    Unit A's name is made one no page shows by chance (the shipped methodologies name "Sở
    Tư pháp"), for the leak check."""
    province, unit_a, unit_b = cast.province, cast.a, cast.b
    unit_a.name = "Sở Tư pháp tỉnh Lào Cai"
    unit_a.save(update_fields=["name"])
    cycle = cast.cycle(units=(unit_a, unit_b))
    methodology = cycle.methodology
    cast.reassign("lead_agency", codes=["1.2"])
    names = {"officer_a": "officer", "leader_a": "leader", "officer_b": "officer_b"}
    users = {role: cast.users[names.get(role, role)] for role in ROLES if role != "anon"}
    p = Participation.objects.get(cycle=cycle, unit=unit_a)
    p_b = Participation.objects.get(cycle=cycle, unit=unit_b)
    entry = services.entry_save_self(
        participation=p, code="1.1.1", value="đúng hạn", note="", user=users["officer_a"]
    )
    evidence = services.evidence_upload(
        participation=p,
        file=SimpleUploadedFile("ke-hoach.pdf", PDF, "application/pdf"),
        user=users["officer_a"],
        title="Kế hoạch CCHC của Sở Tư pháp",
        link_code="1.1.1",
    )
    w = World(
        cycle=cycle,
        unit_a=unit_a,
        unit_b=unit_b,
        p=p,
        p_b=p_b,
        entry=entry,
        evidence=evidence,
        link=EvidenceLink.objects.get(evidence=evidence, entry__code="1.1.1"),
        users=users,
    )
    w.objs["methodology"] = methodology
    w.objs["province"] = province
    _survey_objects(w)
    _plan_objects(w)
    return w


def _survey_objects(w: World) -> None:
    """Survey objects of the cycle (questionnaire, import job, double-entry batch and one of
    its discrepancies), made directly: only their URLs are under test here."""
    from parindex.surveys.models import Discrepancy, EntryBatch, ImportJob, Questionnaire

    w.objs["questionnaire"] = Questionnaire.objects.create(
        cycle=w.cycle,
        form_id="MT-NGUOIDAN",
        title="Phiếu người dân",
        kind=Questionnaire.Kind.STANDARD,
        group_code="ND",
        group_name="Người dân",
    )
    job = ImportJob(
        cycle=w.cycle, original_name="phieu.csv", size=10, created_by=w.users["manager"]
    )
    job.file.save("phieu.csv", ContentFile(b"ma_phieu\n"), save=False)
    job.rejected_file.save("bi-loai.csv", ContentFile(b"ma_phieu\n"), save=False)
    job.save()
    w.objs["job"] = job
    batch = EntryBatch.objects.create(cycle=w.cycle, code="LO-1")
    w.objs["batch"] = batch
    w.objs["discrepancy"] = Discrepancy.objects.create(
        batch=batch, respondent="P1", field="q1", value1="1", value2="2"
    )


def _plan_objects(w: Any) -> None:
    """Unit A's improvement plan for the year after the cycle, made directly (only its URLs
    are under test here: tests/plans/ checks the drafting): one task of item 1.1.1 led by
    the lead agency's department, with a progress report and its file."""
    from parindex.plans.models import Attachment, Plan, ProgressReport, Task

    lead_unit = Membership.objects.filter(user=w.users["lead_agency"]).first().unit
    plan = Plan.objects.create(unit=w.unit_a, year=w.cycle.year + 1, source_cycle=w.cycle)
    task = Task.objects.create(
        plan=plan, kind="recover", code="1.1.1", name="Ban hành kế hoạch", field_code="1",
        lead_agency=lead_unit, lost=Decimal(1), recoverable=Decimal(1),
    )  # fmt: skip
    report = ProgressReport.objects.create(task=task, note="Đang làm", status="in_progress")
    att = Attachment(report=report, original_name="tien-do.pdf", size=10, sha256="0" * 64,
                     content_type="application/pdf")  # fmt: skip
    att.file.save("tien-do.pdf", ContentFile(PDF), save=False)
    att.save()
    w.objs.update({"plan": plan, "task": task, "attachment": att})


def plan_kw(w: Any) -> dict[str, Any]:
    return {"pk": w.objs["plan"].pk}


def task_kw(w: Any) -> dict[str, Any]:
    return {"pk": w.objs["task"].pk}


def task_field(field_: str) -> Callable[[World], Any]:
    from parindex.plans.models import Task

    return lambda w: getattr(Task.objects.get(pk=w.objs["task"].pk), field_)


# --- preparations (the state an action needs) and effects (did it happen?) -----------------


def state(s: str, submitted: bool = False) -> Callable[[World], None]:
    def prepare(w: World) -> None:
        Cycle.objects.filter(pk=w.cycle.pk).update(state=s)
        if submitted:
            Participation.objects.filter(pk=w.p.pk).update(
                status=Participation.Status.SUBMITTED, submitted_at=timezone.now()
            )

    return prepare


def handed_over(w: World) -> None:
    """The officer handed unit A's form over to its leader."""
    Participation.objects.filter(pk=w.p.pk).update(status=Participation.Status.HANDED_OVER)


def disputed(w: World) -> None:
    """Explanation stage, with 1.1.1 cut in round 1."""
    state(Cycle.State.EXPLANATION, submitted=True)(w)
    Entry.objects.filter(pk=w.entry.pk).update(r1_points=Decimal(0), r1_reason="not_met")


def reporting_final(w: World) -> None:
    """The cycle reports to the Ministry and is finalised: its results are entered back."""
    Cycle.objects.filter(pk=w.cycle.pk).update(state=Cycle.State.FINAL, reports_to="Bộ Nội vụ")


def outside_final(code: str) -> Callable[[World], bool]:
    return lambda w: getattr(w.a_entry(code), "ministry_final_points", None) == Decimal(0)


def value_of(code: str, value: str) -> Callable[[World], bool]:
    return lambda w: getattr(w.a_entry(code), "value", None) == value


def linked(code: str) -> Callable[[World], bool]:
    return lambda w: EvidenceLink.objects.filter(
        entry__participation=w.p, entry__code=code
    ).exists()


def cycle_state(s: str) -> Callable[[World], bool]:
    return lambda w: Cycle.objects.get(pk=w.cycle.pk).state == s


def status(s: str) -> Callable[[World], bool]:
    return lambda w: Participation.objects.get(pk=w.p.pk).status == s


# --- the matrix ---------------------------------------------------------------------------------


@dataclass
class Case:
    name: str  # URL name
    kwargs: Callable[[World], dict[str, Any]]
    get: str  # one outcome per role, in ROLES order
    post: str = ""  # same, for POST ("" = not posted)
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    effect: Callable[[World], bool] | None = None  # for done / noop
    prepare: Callable[[World], None] | None = None
    variant: str = ""
    query: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name


def none(w: World) -> dict[str, Any]:
    return {}


def cycle(w: World) -> dict[str, Any]:
    return {"pk": w.cycle.pk}


def part(w: World) -> dict[str, Any]:
    return {"pk": w.p.pk}


def item(code: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": w.p.pk, "code": code}


def obj(key: str, **more: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": w.cycle.pk, key[0] + "pk": w.objs[key].pk, **more}


NEW_YAML = (DATA / "small.yaml").read_bytes().replace(b'version: "2025"', b'version: "2099"')


def setup_workbook(province: str) -> bytes:
    from parindex.setup.workbook import UNITS, workbook_bytes

    return workbook_bytes({UNITS: [("MT-TEP", "Đơn vị từ tệp", "other", province, "")]})


SOON = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
EXTERNAL_CSV = b"unit,code,value\nSTP,2.2.1,80\n"

# Rows: the URL, then its outcome per role. Keep the columns aligned:
#                   admin   manager officer_a leader_a lead_ag appraiser viewer officer_b anon
CASES = [
    # -- shell, login, methodology browser (public) --
    Case("home", none,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("login", none,
         get="      302     302     302       302      302     302       302    302       200"),
    Case("logout", none,
         get="      405     405     405       405      405     405       405    405       405",
         post="     login   login   login     login    login   login     login  login     login"),
    Case("my_account", none,
         get="      200     200     200       200      200     200       200    200       login",
         post="     ok      ok      ok        ok       ok      ok        ok     ok        login",
         data=lambda w: {"notify_by_email": "on"}),
    Case("healthz", none,
         get="      200     200     200       200      200     200       200    200       200"),
    Case("methodology_list", none,
         get="      200     200     200       200      200     200       200    200       200"),
    Case("methodology_detail", lambda w: {"pk": w.objs["methodology"].pk},
         get="      200     200     200       200      200     200       200    200       200"),
    Case("methodology_shipped", lambda w: {"name": "example-province-internal"},
         get="      200     200     200       200      200     200       200    200       200"),
    Case("cycle_list", none,
         get="      200     200     200       200      200     200       200    200       login"),
    # -- the cycle (B takes part in it too, so officer B sees the cycle, not A) --
    Case("cycle_detail", cycle,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("cycle_transition", cycle,
         get="      405     405     405       405      405     405       405    405       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"to_state": "self_closed", "reason": "Hết hạn"},
         effect=cycle_state("self_closed")),
    Case("cycle_late_grant", cycle,
         get="      405     405     405       405      405     405       405    405       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"participation": w.p.pk, "until": SOON, "reason": "Mất điện"},
         effect=lambda w: Participation.objects.get(pk=w.p.pk).late_until is not None),
    Case("cycle_schedule", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"self_start": "2025-01-02T08:00", "self_end": "2031-01-31T17:00"},
         effect=lambda w: Cycle.objects.get(pk=w.cycle.pk).self_end.year == 2031),
    Case("cycle_external_import", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"file": SimpleUploadedFile("so-lieu.csv", EXTERNAL_CSV, "text/csv")},
         effect=value_of("2.2.1", "80")),
    # -- the Ministry's results entered back (a cycle reporting to it, once final) --
    Case("outside_results", part,
         get="      200     200     403       403      403     403       403    404       login",
         post="     noop    noop    403       403      403     403       403    404       login",
         data=lambda w: {"code": "1.1.1", "final_points": "0"}, effect=outside_final("1.1.1")),
    Case("outside_results", part, variant="final", prepare=reporting_final,
         get="      200     200     403       403      403     403       403    404       login",
         post="     done    done    403       403      403     403       403    404       login",
         data=lambda w: {"code": "1.1.1", "final_points": "0"}, effect=outside_final("1.1.1")),
    Case("cycle_outside_import", cycle, variant="final", prepare=reporting_final,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"file": SimpleUploadedFile(
             "bo.csv", b"unit,code,final\nSTP,1.1.1,0\n", "text/csv")},
         effect=outside_final("1.1.1")),
    Case("cycle_absent_blocks", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"block": "2.2", "participation": w.p.pk, "action": "declare",
                         "reason": "Không tổ chức khảo sát SIPAS tại đơn vị"},
         effect=value_of("2.2", "không phát sinh")),
    Case("participation_external", part,
         get="      200     200     403       403      403     403       403    404       login",
         post="     done    done    403       403      403     403       403    404       login",
         data=lambda w: {"v-2.2.1": "75", "ver-2.2.1": "0"}, effect=value_of("2.2.1", "75")),
    # -- unit A's self-assessment --
    Case("self_assessment", part,
         get="      200     200     200       200      200     200       200    404       login"),
    Case("self_entry_save", item("1.1.1"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     noop    noop      noop   404       login",
         data=lambda w: {"value": "chậm", "version": w.entry.version},
         effect=value_of("1.1.1", "chậm")),
    Case("self_entry_save", item("1.2.1"), variant="lead agency's item",
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     done    noop      noop   404       login",
         data=lambda w: {"value": "có"}, effect=value_of("1.2.1", "có")),
    Case("self_entry_evidence", item("1.1.1"),
         get="      200     200     200       200      200     200       200    404       login"),
    Case("self_evidence_link", item("1.2.2"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     done    noop      noop   404       login",
         data=lambda w: {"evidence": w.evidence.pk}, effect=linked("1.2.2")),
    Case("self_evidence_unlink", lambda w: {"pk": w.p.pk, "link_pk": w.link.pk},
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     noop    noop      noop   404       login",
         effect=lambda w: not EvidenceLink.objects.filter(pk=w.link.pk).exists()),
    # The unit's report and evidence bundle: its own staff and the organiser's managers.
    Case("self_report_download", part,
         get="      200     200     200       200      403     403       403    404       login"),
    Case("evidence_bundle_download", part,
         get="      200     200     200       200      403     403       403    404       login"),
    Case("self_report_save", part,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     noop    noop      noop   404       login",
         data=lambda w: {"difficulties": "Thiếu biên chế", "recommendations": ""},
         effect=lambda w: Participation.objects.get(pk=w.p.pk).difficulties == "Thiếu biên chế"),
    Case("participation_submit", part,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    noop      done     noop    noop      noop   404       login",
         effect=status("submitted")),
    Case("participation_hand_over", part,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     done    noop      noop   404       login",
         effect=status("handed_over")),
    Case("participation_return", part, prepare=handed_over,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    noop      done     noop    noop      noop   404       login",
         data=lambda w: {"comment": "Bổ sung tài liệu"}, effect=status("draft")),
    Case("participation_withdraw", part, prepare=state("open", submitted=True),
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    noop      done     noop    noop      noop   404       login",
         effect=status("draft")),
    Case("evidence_library", part,
         get="      200     200     200       200      200     200       200    404       login"),
    Case("evidence_upload", part,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     done    noop      noop   404       login",
         # another file than the world's (the same one would reuse its document)
         data=lambda w: {"file": SimpleUploadedFile("bo-sung.pdf", PDF + b"%2\n")},
         effect=lambda w: Evidence.objects.filter(unit=w.unit_a).count() == 2),
    Case("library_link", lambda w: {"pk": w.p.pk, "ev_pk": w.evidence.pk},
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     done    noop      noop   404       login",
         data=lambda w: {"code": "1.2.2"}, effect=linked("1.2.2")),
    Case("evidence_download", lambda w: {"pk": w.evidence.pk},
         get="      200     200     200       200      200     200       200    404       login"),
    Case("explanation", part,
         get="      200     200     200       200      200     200       200    404       login"),
    Case("explanation_save", item("1.1.1"), prepare=disputed,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    done      done     noop    noop      noop   404       login",
         data=lambda w: {"text": "Đã có kế hoạch."},
         effect=lambda w: w.a_entry("1.1.1").explanation == "Đã có kế hoạch."),
    Case("unit_results", part,
         get="      200     200     200       200      200     200       200    404       login"),
    # -- appraisal and audit --
    Case("appraisal_list", none,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("appraisal_detail", part,
         get="      200     200     403       403      403     200       403    404       login"),
    Case("appraisal_entry", item("1.1.1"), prepare=state("appraisal", submitted=True),
         get="      302     302     302       302      302     302       302    302       login",
         post="     403     403     403       403      403     done      403    404       login",
         data=lambda w: {"action": "accept", "version": w.a_entry("1.1.1").version},
         effect=lambda w: w.a_entry("1.1.1").r1_points is not None),
    Case("appraisal_bulk", part, prepare=state("appraisal", submitted=True),
         get="      405     405     405       405      405     405       405    405       login",
         post="     403     403     403       403      403     done      403    404       login",
         effect=lambda w: w.a_entry("1.1.1").r1_points is not None),
    Case("audit_participation", part,
         get="      200     200     200       200      200     200       200    404       login"),
    Case("audit_item", item("1.1.1"),
         get="      200     200     200       200      200     200       200    404       login"),
    # -- results downloads (officer B gets its own unit only: see the leak check) --
    Case("results_export", lambda w: {"pk": w.cycle.pk, "what": "ranking", "fmt": "csv"},
         get="      200     200     200       200      200     200       200    200       login"),
    Case("results_export", lambda w: {"pk": w.cycle.pk, "what": "report", "fmt": "xlsx"},
         variant="report",
         get="      200     200     403       403      403     200       200    403       login"),
    Case("results_national_sample", none,
         get="      200     200     200       200      200     200       200    200       login"),
    # -- results pages (before publication a unit reads its own rows only: leak check) --
    Case("results_index", none,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("results_ranking", cycle,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("results_ledger", cycle,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("results_unit", part,
         get="      200     200     200       200      200     200       200    404       login"),
    Case("results_national", none,
         get="      200     200     200       200      200     200       200    200       login"),
    # Only administrators and the Ministry's managers: not the province's organiser.
    Case("results_national_import", none,
         get="      200     403     403       403      403     403       403    403       login",
         post="     ok      403     403       403      403     403       403    403       login"),
    # -- surveys: the organiser's pages; one unit's scores --
    Case("surveys:home", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:config", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:questionnaires", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:questionnaires_export", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:questionnaire", obj("questionnaire"),
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:questionnaire_export", obj("questionnaire", fmt="yaml"),
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:questionnaire_delete", obj("questionnaire"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:plan", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:plan_table", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:plan_row", lambda w: {"pk": w.cycle.pk, "ppk": w.p.pk},
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:tokens", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:tokens_csv", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:imports", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:sample_file", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:job", obj("job"),
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:job_start", obj("job"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:job_restart", obj("job"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:job_rejected", obj("job"),
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:batches", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:batch", obj("batch"),
         get="      200     200     403       403      403     403       403    403       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:discrepancy", lambda w: {
             "pk": w.cycle.pk, "bpk": w.objs["batch"].pk, "dpk": w.objs["discrepancy"].pk},
         get="      405     405     405       405      405     405       405    405       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:batch_commit", obj("batch"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:results", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("surveys:recompute", cycle,
         get="      405     405     405       405      405     405       405    405       login",
         post="     ok      ok      403       403      403     403       403    403       login"),
    Case("surveys:unit", lambda w: {"ppk": w.p.pk},
         get="      200     200     200       200      200     200       200    404       login"),
    # -- set-up (parindex.setup): the organiser's managers and administrators only --
    Case("setup_home", none,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("setup_unit_new", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"code": "MT-MOI", "name": "Sở mới", "type": "department",
                         "parent": w.objs["province"].pk},
         effect=lambda w: OrgUnit.objects.filter(code="MT-MOI").exists()),
    Case("setup_unit_edit", lambda w: {"pk": w.unit_a.pk},
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"code": "MT-STP", "name": "Sở Tư pháp (sửa)", "type": "department",
                         "parent": w.objs["province"].pk},
         effect=lambda w: OrgUnit.objects.get(pk=w.unit_a.pk).name == "Sở Tư pháp (sửa)"),
    Case("setup_account_new", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"username": "moi.tao", "full_name": "Nguyễn Văn Mới",
                         "email": "moi@example.vn"},
         effect=lambda w: User.objects.filter(username="moi.tao").exists()),
    Case("setup_account", lambda w: {"pk": w.users["officer_a"].pk},
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"role": "viewer", "unit": w.unit_a.pk},
         effect=lambda w: Membership.objects.filter(
             user=w.users["officer_a"], role=Role.VIEWER).exists()),
    Case("setup_account_deactivate", lambda w: {"pk": w.users["officer_a"].pk},
         get="      405     405     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         effect=lambda w: not User.objects.get(pk=w.users["officer_a"].pk).is_active),
    Case("setup_role_remove", lambda w: {
             "pk": Membership.objects.get(user=w.users["officer_a"]).pk},
         get="      405     405     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         effect=lambda w: not Membership.objects.filter(user=w.users["officer_a"]).exists()),
    Case("setup_appraiser_new", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"account": w.users["officer_b"].pk, "organiser": w.cycle.organiser_id,
                         "target": w.unit_a.pk, "codes": "1"},
         effect=lambda w: Membership.objects.filter(
             user=w.users["officer_b"], role=Role.APPRAISER, target=w.unit_a).exists()),
    Case("setup_lead_new", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"account": w.users["officer_b"].pk, "agency": w.unit_b.pk,
                         "target": w.unit_a.pk, "codes": "1.1"},
         effect=lambda w: Membership.objects.filter(
             user=w.users["officer_b"], role=Role.LEAD_AGENCY, target=w.unit_a).exists()),
    Case("setup_methodology_upload", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"file": SimpleUploadedFile("moi.yaml", NEW_YAML, "application/yaml")},
         effect=lambda w: MethodologyVersion.objects.filter(version="2099").exists()),
    Case("setup_methodology_retire", lambda w: {"pk": w.objs["methodology"].pk},
         get="      405     405     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         effect=lambda w: MethodologyVersion.objects.get(
             pk=w.objs["methodology"].pk).status == "retired"),
    Case("setup_cycle_new", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"name": "Kỳ mới", "year": "2026", "methodology": w.objs["methodology"].pk,
                         "organiser": w.cycle.organiser_id, "units": [w.unit_a.pk]},
         effect=lambda w: Cycle.objects.filter(name="Kỳ mới").exists()),
    Case("setup_cycle_copy", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         effect=lambda w: Cycle.objects.filter(year=w.cycle.year + 1).exists()),
    Case("setup_workbook", none,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {
             "file": SimpleUploadedFile("thiet-lap.xlsx", setup_workbook(w.objs["province"].code))
         },
         effect=lambda w: OrgUnit.objects.filter(code="MT-TEP").exists()),
    Case("setup_workbook_download", none,
         get="      200     200     403       403      403     403       403    403       login"),
    # -- improvement plans (parindex.plans): unit A's plan; the lead agency leads its task --
    Case("plans_index", none,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("plans_cycle", cycle,
         get="      200     200     403       403      403     403       403    403       login"),
    Case("plans_cycle", cycle, variant="finished", prepare=state("final"),
         get="      200     200     200       200      403     403       403    200       login"),
    Case("plans_draft", cycle, prepare=state("final"),
         get="      405     405     405       405      405     405       405    405       login",
         post="     done    done    done      done     noop    noop      noop   noop      login",
         data=lambda w: {"unit": w.unit_a.pk, "refresh": "on"},
         effect=lambda w: w.objs["plan"].tasks.count() > 1),
    Case("plans_recoverability", cycle,
         get="      200     200     403       403      403     403       403    403       login",
         post="     done    done    403       403      403     403       403    403       login",
         data=lambda w: {"survey": "on"},
         effect=lambda w: w.cycle.recoverability.exists()),
    Case("plan_detail", plan_kw,
         get="      200     200     200       200      200     404       200    404       login"),
    Case("plan_edit", plan_kw,
         get="      200     200     200       200      403     404       403    404       login",
         post="     done    done    done      done     403     404       403    404       login",
         data=lambda w: {"version": 0, "number": "12/KH-STP"},
         effect=lambda w: w.objs["plan"].__class__.objects.get(
             pk=w.objs["plan"].pk).number == "12/KH-STP"),
    Case("plan_download", lambda w: {"pk": w.objs["plan"].pk, "fmt": "docx"},
         get="      200     200     200       200      403     404       200    404       login"),
    Case("plan_task", task_kw,
         get="      200     200     200       200      200     404       200    404       login",
         post="     done    done    done      done     403     404       403    404       login",
         data=lambda w: {"version": 0, "description": "Ban hành đúng hạn",
                         "lead_agency": w.objs["task"].lead_agency_id, "status": "not_started",
                         "progress": "0"},
         effect=lambda w: task_field("description")(w) == "Ban hành đúng hạn"),
    Case("plan_task_report", task_kw,
         get="      405     405     405       405      405     405       405    405       login",
         post="     done    done    done      done     done    404       403    404       login",
         data=lambda w: {"version": 0, "note": "Đã xong dự thảo", "status": "in_progress",
                         "progress": "50"},
         effect=lambda w: task_field("progress")(w) == 50),
    Case("plan_task_link", task_kw,
         get="      405     405     405       405      405     405       405    405       login",
         post="     noop    noop    noop      noop     noop    404       403    404       login",
         effect=lambda w: w.objs["attachment"].__class__.objects.filter(
             evidence__isnull=False).exists()),
    Case("plan_attachment", lambda w: {"pk": w.objs["attachment"].pk},
         get="      200     200     200       200      200     404       200    404       login"),
    # -- the target planner (parindex.targets): unit A's page and its what-if (reads) --
    Case("targets_index", none,
         get="      200     200     200       200      200     200       200    200       login"),
    Case("target_page", part,
         get="      200     200     200       200      404     404       200    404       login"),
    Case("target_whatif", part, query="?p-1.1.1=0",
         get="      200     200     200       200      404     404       200    404       login"),
    Case("target_robustness", cycle,
         get="      404     404     404       404      404     404       404    404       login"),
    Case("target_robustness", cycle, variant="finished", prepare=state("final"),
         get="      200     200     404       404      404     200       200    404       login"),
    # -- passwords: "Quên mật khẩu?" and the one-time links (public) --
    Case("password_reset", none,
         get="      200     200     200       200      200     200       200    200       200"),
    Case("password_reset_done", none,
         get="      200     200     200       200      200     200       200    200       200"),
    Case("password_reset_confirm", lambda w: {"uidb64": "MQ", "token": "sai-ma"},
         get="      200     200     200       200      200     200       200    200       200"),
    Case("password_reset_complete", none,
         get="      200     200     200       200      200     200       200    200       200"),
]  # fmt: skip


# --- URL enumeration ------------------------------------------------------------------------------


def url_names() -> dict[str, str]:
    """Every named URL pattern of the project -> its route; without /i18n/, static files,
    the API (/api/, its own tests), the read-only admin (/quan-tri/: tests/security/test_admin.py)
    and public_* pages (the survey form: its own tests)."""
    out: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, ns: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(("i18n/", "api/", "static/", "media/", "quan-tri/")):
                continue
            if isinstance(p, URLResolver):
                inner = ":".join(x for x in (ns, p.namespace or "") if x)
                walk(p.url_patterns, route, inner)
            elif isinstance(p, URLPattern):
                if p.name is None:
                    out[f"<unnamed {route}>"] = route
                elif not p.name.startswith("public_"):
                    out[f"{ns}:{p.name}" if ns else p.name] = route

    walk(get_resolver().url_patterns, "", "")
    return out


def test_every_url_is_in_the_matrix():
    routes = url_names()
    covered = {c.name for c in CASES}
    missing = sorted(set(routes) - covered)
    stale = sorted(covered - set(routes))
    assert not missing, (
        "add this URL to the matrix (tests/security/test_permission_matrix.py): "
        + (", ".join(f"{n} (/{routes[n]})" for n in missing))
    )
    assert not stale, f"remove these names from the matrix (no such URL): {stale}"


def test_matrix_rows_are_well_formed():
    allowed = {"200", "302", "403", "404", "405", "login", "done", "noop", "ok"}
    for c in CASES:
        for column in filter(None, (c.get, c.post)):
            cells = column.split()
            assert len(cells) == len(ROLES), f"{c.id}: {len(cells)} columns"
            assert set(cells) <= allowed, f"{c.id}: {set(cells) - allowed}"
        if c.post and {"done", "noop"} & set(c.post.split()):
            assert c.effect is not None, f"{c.id}: done/noop needs an effect"
        # Anonymous visitors never reach anything but the public pages.
        public = {
            "login",
            "healthz",
            "methodology_list",
            "methodology_detail",
            "methodology_shipped",
        }
        public |= {
            "password_reset",
            "password_reset_done",
            "password_reset_confirm",
            "password_reset_complete",
        }
        if c.name not in public:
            assert c.get.split()[-1] in ("login", "405"), f"{c.id}: anonymous GET must go to login"
        if c.post:
            assert c.post.split()[-1] == "login", f"{c.id}: anonymous POST must go to login"


# --- the check ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, media_root: Path) -> Iterator[World]:
    """The world, built once for the module (factories.built_once): each test runs in a
    savepoint rolled back after it, so every case starts from the world as built."""
    yield from built_once(django_db_blocker, media_root, lambda: build_world(Cast()))


def _read_again(w: World) -> World:
    """The built world's objects read again from the database, so that what a test does to
    them in memory (a deleted user loses its pk) stays in that test."""

    def again(obj: Any) -> Any:
        return type(obj).objects.get(pk=obj.pk)

    return World(
        cycle=again(w.cycle),
        unit_a=again(w.unit_a),
        unit_b=again(w.unit_b),
        p=again(w.p),
        p_b=again(w.p_b),
        entry=again(w.entry),
        evidence=again(w.evidence),
        link=again(w.link),
        users={role: again(user) for role, user in w.users.items()},
        objs={key: again(obj) for key, obj in w.objs.items()},
    )


@pytest.fixture
def world(built_world: World, db, settings) -> World:
    settings.AXES_ENABLED = False
    return _read_again(built_world)


def _check(outcome: str, response: Any, effect: bool | None, login_url: str) -> str | None:
    """None when the response matches the expected outcome, else what was seen."""
    code = response.status_code
    location = response.headers.get("Location", "")
    to_login = code == 302 and location.startswith(login_url)
    seen = f"{code}{' -> ' + location if location else ''}"
    if effect is not None:
        seen += f", change {'made' if effect else 'not made'}"
    ok = {
        "login": to_login,
        "302": code == 302 and not to_login,
        "done": code in (200, 302) and not to_login and effect is True,
        "noop": code in (200, 302) and not to_login and effect is False,
        "ok": code < 400 and not to_login,
    }.get(outcome, str(code) == outcome)
    if outcome in ("403", "404", "405", "login") and effect:
        ok = False  # refused, yet the change was made
    return None if ok else seen


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _leaks(w: World, text: str) -> list[str]:
    """What of unit A shows in a response to officer B."""
    marks = [
        w.unit_a.name,
        reverse("self_assessment", args=[w.p.pk]),
        reverse("evidence_download", args=[w.evidence.pk]),
        w.evidence.title,
    ]
    return [m for m in marks if m in text]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_permission_matrix(case: Case, world: World):
    if case.prepare:
        case.prepare(world)
    world.entry.refresh_from_db()
    url = reverse(case.name, kwargs=case.kwargs(world)) + case.query
    login_url = reverse("login")
    clients: dict[str, Client] = {}
    for role in ROLES:
        clients[role] = Client()
        if role != "anon":
            clients[role].force_login(world.users[role])

    problems = []
    for method, column in (("GET", case.get), ("POST", case.post)):
        if not column:
            continue
        for role, outcome in zip(ROLES, column.split(), strict=True):
            with transaction.atomic():
                if method == "GET":
                    response = clients[role].get(url)
                else:
                    response = clients[role].post(url, case.data(world))
                effect = case.effect(world) if case.effect and method == "POST" else None
                body = _body(response) if response.status_code == 200 else ""
                transaction.set_rollback(True)
            seen = _check(outcome, response, effect, login_url)
            if seen:
                problems.append(f"{method} {role}: expected {outcome}, got {seen}")
            if role == "officer_b" and (leaks := _leaks(world, body)):
                problems.append(f"{method} officer_b sees unit A: {leaks}")
    assert not problems, f"{case.id} ({url}):\n  " + "\n  ".join(problems)


# --- pages keep working when the person behind a record has left ---------------------------------
# (accounts are deleted when people leave; the records keep SET_NULL references)


def test_self_form_after_the_submitting_leader_is_deleted(world: World):
    """Regression: self/_progress.html used `default:p.submitted_by.username`, which raises
    (500) when submitted_by is None."""
    leader = world.users["leader_a"]
    Participation.objects.filter(pk=world.p.pk).update(
        status=Participation.Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=leader
    )
    leader.delete()
    client = Client()
    client.force_login(world.users["officer_a"])
    response = client.get(reverse("self_assessment", args=[world.p.pk]))
    assert response.status_code == 200
    assert "Đã gửi lúc" in response.content.decode()


def test_survey_imports_page_after_the_uploader_is_deleted(world: World):
    uploader = make_user(Role.MANAGER, world.cycle.organiser)
    job = world.objs["job"]
    job.created_by = uploader
    job.save(update_fields=["created_by"])
    uploader.delete()
    client = Client(raise_request_exception=False)
    client.force_login(world.users["manager"])
    response = client.get(reverse("surveys:imports", args=[world.cycle.pk]))
    assert response.status_code == 200
