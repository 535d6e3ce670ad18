"""XSS and template injection (issue 12, hostile input): a payload typed into every user text
field comes back as text, never as markup or a template, in the pages, the e-mails, the
Word and the Excel downloads.

The world is the permission matrix's (tests/security/test_permission_matrix.py: an open
cycle of the cast for units A and B, A's evidence, survey objects, A's plan), with a
payload of its own (`payload(tag)`, the tag naming the field) written into each text field
listed in FIELDS, and a methodology installed from a file whose names and guidance carry
payloads. The walk GETs every URL of the matrix (and the downloads' other formats) as the
administrator, the cycle open, in explanation and final (reporting to the Ministry):
- no HTML page holds a payload's markup raw (`<script>x…`, `<img src=x onerror=…`);
- each field's payload shows escaped (`&lt;script&gt;…`) on at least one page, with its
  `{{7*7}}` and `{% debug %}` kept as typed (never rendered);
- a Word file holds the payload as the text of its runs (escaped in its XML, no element
  from the payload); an Excel file holds it in string cells, and no cell is a formula
  (the formula-looking name of unit B included).
Bounded: about 3 × 130 requests on one world built once.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cast import Cast
from django.core import mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from factories import SMALL_YAML, built_once
from test_permission_matrix import CASES, build_world

from parindex.accounts.models import OrgUnit
from parindex.assessment import notify, services
from parindex.assessment.models import Cycle, Entry, Evidence, Participation

FORMULA = '=HYPERLINK("http://x","xformula")'


def payload(tag: str) -> str:
    """A payload naming its field: markup, an attribute break-out and template syntax."""
    return f'"><script>{tag}</script><img src=x onerror={tag}>{{{{7*7}}}}{{% debug %}}'


def short(tag: str) -> str:
    """For the fields of 60 characters or less."""
    return f"<script>{tag}</script>{{{{7*7}}}}"


RAW = re.compile(r"<script>x|<img src=x onerror", re.IGNORECASE)
WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the world ------------------------------------------------------------------------------


@dataclass
class XssWorld:
    cycle_pk: int
    p_pk: int
    plan_pk: int
    q_pk: int
    token: str
    matrix: Any  # test_permission_matrix.World
    fields: dict[str, str] = field(default_factory=dict)  # field -> the text typed into it


def _methodology_yaml(tmp: Path) -> Path:
    text = SMALL_YAML.read_text(encoding="utf-8")
    text = text.replace("name: Bộ tiêu chí nhỏ để kiểm thử", f"name: '{payload('xmname')}'")
    text = text.replace(
        '{code: "1.1.1", name: Ban hành kế hoạch, max: 1, rule: {kind: timeliness}}',
        '{code: "1.1.1", name: \'' + payload("xitemname") + "', max: 1, "
        "guidance: '" + payload("xguidance") + "', rule: {kind: timeliness}}",
    )
    path = tmp / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def build(tmp: Path) -> XssWorld:
    from parindex.plans.models import Plan, ProgressReport, Task
    from parindex.surveys.models import Choice, EntryBatch, Question, RespondentToken

    cast = Cast()
    # The cycle is made on the methodology from the hostile file.
    cast._methodologies[str(SMALL_YAML)] = cast.methodology(_methodology_yaml(tmp))
    m = build_world(cast)
    typed: dict[str, str] = {"methodology.name": payload("xmname")}
    typed["item.name"] = payload("xitemname")
    typed["item.guidance"] = payload("xguidance")

    def put(obj: Any, name: str, value: str) -> None:
        type(obj).objects.filter(pk=obj.pk).update(**{name: value})
        typed[f"{type(obj).__name__.lower()}.{name}"] = value

    put(m.unit_a, "name", payload("xunit"))
    OrgUnit.objects.filter(pk=m.unit_b.pk).update(name=FORMULA)
    officer = m.users["officer_a"]
    put(officer, "first_name", payload("xfirst"))
    put(officer, "last_name", short("xlast"))
    put(m.cycle, "name", payload("xcycle"))
    put(m.cycle, "reports_to", payload("xreports"))
    # Shown by no page (the API reads it): seeded all the same, must never come back raw.
    Cycle.objects.filter(pk=m.cycle.pk).update(decision_number=payload("xdecision"))
    put(m.p, "returned_comment", payload("xreturned"))
    put(m.p, "difficulties", payload("xdifficult"))
    put(m.p, "recommendations", payload("xrecommend"))
    put(m.entry, "note", payload("xnote"))
    put(m.entry, "explanation", payload("xexplain"))
    put(m.entry, "r1_comment", payload("xr1comment"))
    put(m.entry, "ministry_comment", payload("xministry"))
    Entry.objects.filter(pk=m.entry.pk).update(
        r1_points=Decimal(0), r1_reason="not_met", ministry_final_points=Decimal(0)
    )
    put(m.evidence, "title", payload("xevtitle"))
    put(m.evidence, "doc_number", payload("xevnumber"))
    put(m.evidence, "issuer", payload("xevissuer"))
    plan, task = m.objs["plan"], m.objs["task"]
    put(plan, "goal", payload("xgoal"))
    put(plan, "number", short("xplnum"))
    put(plan, "signer_name", payload("xsigner"))
    put(task, "name", payload("xtaskname"))
    put(task, "description", payload("xtaskdesc"))
    put(task, "comment", payload("xtaskcomm"))
    put(ProgressReport.objects.get(task=task), "note", payload("xprogress"))
    q = m.objs["questionnaire"]
    put(q, "title", payload("xqtitle"))
    put(q, "group_name", payload("xqgroup"))
    put(q, "description", payload("xqdesc"))
    question = Question.objects.create(
        questionnaire=q, position=1, type="select_one", name="q1", list_name="yn",
        label=payload("xqlabel"), hint=payload("xqhint"),
    )  # fmt: skip
    choice = Choice.objects.create(
        questionnaire=q, list_name="yn", name="1", label=payload("xclabel"), position=1
    )
    typed["question.label"], typed["question.hint"] = question.label, question.hint
    typed["choice.label"] = choice.label
    # The public survey form (anonymous) shows the questions' hints.
    token = RespondentToken.objects.create(cycle=m.cycle, unit=m.unit_a, questionnaire=q)
    put(EntryBatch.objects.get(pk=m.objs["batch"].pk), "note", payload("xbatchnote"))
    assert Plan.objects.filter(pk=plan.pk).exists() and Task.objects.filter(pk=task.pk).exists()
    return XssWorld(
        cycle_pk=m.cycle.pk,
        p_pk=m.p.pk,
        plan_pk=plan.pk,
        q_pk=q.pk,
        token=token.token,
        matrix=m,
        fields=typed,
    )


@pytest.fixture(scope="module")
def xss_world(django_db_setup, django_db_blocker, media_root, tmp_path_factory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("xss")
    yield from built_once(django_db_blocker, media_root, lambda: build(tmp))


@pytest.fixture
def world(xss_world: XssWorld, db, settings) -> XssWorld:
    settings.AXES_ENABLED = False
    return xss_world


# --- the checks of one response -----------------------------------------------------------------


def _urls(w: XssWorld) -> list[str]:
    urls = []
    for case in CASES:
        if not case.get:
            continue
        try:
            urls.append(reverse(case.name, kwargs=case.kwargs(w.matrix)) + case.query)
        except NoReverseMatch:  # pragma: no cover - the matrix test keeps them valid
            continue
    c = w.cycle_pk
    for what in ("ranking", "ledger", "report"):
        for fmt in ("csv", "xlsx", "docx"):
            urls.append(reverse("results_export", kwargs={"pk": c, "what": what, "fmt": fmt}))
    for fmt in ("docx", "xlsx"):
        urls.append(reverse("plan_download", kwargs={"pk": w.plan_pk, "fmt": fmt}))
    for fmt in ("yaml", "xlsx"):
        urls.append(
            reverse("surveys:questionnaire_export", kwargs={"pk": c, "qpk": w.q_pk, "fmt": fmt})
        )
    return list(dict.fromkeys(urls))


def _word_text(data: bytes, where: str, problems: list[str]) -> str:
    """The text of a Word file's runs; its XML parts must not hold payload elements."""
    from docx import Document

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                xml = z.read(name).decode("utf-8", "replace")
                if re.search(r"<(script|img)\b", xml, re.IGNORECASE):
                    problems.append(f"{where}: markup from a payload in {name}")
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def _excel_text(data: bytes, where: str, problems: list[str]) -> str:
    """The string cells of a workbook; no cell may be a formula, text must be typed as text."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(
                        f"{where}: formula {cell.value!r} in {ws.title}!{cell.coordinate}"
                    )
                if isinstance(cell.value, str):
                    if cell.data_type != "s":
                        problems.append(f"{where}: {ws.title}!{cell.coordinate} not text")
                    texts.append(cell.value)
    return "\n".join(texts)


def _body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def walk(client: Any, urls: list[str], state: str) -> tuple[str, dict[str, str], list[str]]:
    """GET every URL; returns (the HTML text, the text of the files by kind, problems)."""
    html: list[str] = []
    files: dict[str, str] = {"word": "", "excel": "", "text": ""}
    problems: list[str] = []
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        data = _body(response)
        where = f"{state} {url}"
        if kind.startswith("text/html"):
            text = data.decode("utf-8", "replace")
            if m := RAW.search(text):
                start = max(m.start() - 80, 0)
                problems.append(f"{where}: raw markup …{text[start : m.end() + 40]!r}")
            html.append(text)
        elif kind.startswith(WORD):
            files["word"] += "\n" + _word_text(data, where, problems)
        elif kind.startswith(EXCEL):
            files["excel"] += "\n" + _excel_text(data, where, problems)
        elif kind.startswith(("text/csv", "text/yaml", "text/plain")):
            files["text"] += "\n" + data.decode("utf-8-sig", "replace")
    return "\n".join(html), files, problems


STATES = {
    "open": {},
    "explanation": {"state": Cycle.State.EXPLANATION},
    "final": {"state": Cycle.State.FINAL},
}


def test_payloads_come_back_escaped_in_pages_and_as_text_in_files(world: XssWorld):
    urls = _urls(world)
    client = Cast.current().client("admin")
    html: list[str] = []
    files: dict[str, str] = {"word": "", "excel": "", "text": ""}
    problems: list[str] = []
    for state, update in STATES.items():
        with transaction.atomic():
            if update:
                Cycle.objects.filter(pk=world.cycle_pk).update(**update)
                Participation.objects.filter(pk=world.p_pk).update(
                    status=Participation.Status.SUBMITTED, submitted_at=timezone.now()
                )
            h, f, p = walk(client, urls, state)
            if state == "open":
                form = reverse("surveys:public_form", args=[world.token])
                h2, _f, p2 = walk(Cast.current().client(None), [form], "anonymous")
                h, p = h + h2, p + p2
            transaction.set_rollback(True)
        html.append(h)
        files = {k: files[k] + v for k, v in f.items()}
        problems.extend(p)
    pages = "\n".join(html)
    assert not problems, "\n".join(problems)
    not_shown = [name for name, text in world.fields.items() if escape(text) not in pages]
    assert not not_shown, f"never shown (escaped) on any page: {not_shown}"
    # Template syntax typed by users is shown as typed, never evaluated.
    assert "{{7*7}}" in pages and "{% debug %}" in pages
    # The files carry the typed text itself (the Word and Excel writers escape their XML):
    # the self-assessment report, the plan and the results report in Word; the results,
    # the plan and the questionnaire in Excel, where unit B's formula-like name is text.
    in_word = {
        "orgunit.name", "cycle.name", "participation.difficulties", "evidence.title",
        "plan.goal", "plan.signer_name", "task.description",
    }  # fmt: skip
    in_excel = {"orgunit.name", "task.name", "questionnaire.title", "question.label"}
    for kind, expected in (("word", in_word), ("excel", in_excel)):
        missing = [name for name in expected if world.fields[name] not in files[kind]]
        assert not missing, f"not in the {kind} files as typed: {missing}"
    assert FORMULA in files["excel"]


def test_a_methodology_whose_source_is_not_a_web_address_is_refused(world: XssWorld):
    """An uploaded methodology's sources are links on a public page (methodology_detail): a
    `javascript:` one is refused at the upload (the CSP would block it too; the page must
    not rely on that); a web address is linked."""
    from parindex.core.errors import ValidationFailed

    yaml_text = SMALL_YAML.read_text(encoding="utf-8").replace('version: "2025"', 'version: "2097"')
    with pytest.raises(ValidationFailed) as refused:
        services.methodology_install(
            source=yaml_text + _structure("javascript:alert(document.cookie)"), name="x.yaml"
        )
    message = str(refused.value)
    assert "javascript:alert" in message and "(sources)" in message and "lĩnh vực 1" in message
    mv = services.methodology_install(
        source=yaml_text + _structure("https://example.vn/qd-876"), name="ok.yaml"
    )
    page = Cast.current().client(None).get(reverse("methodology_detail", args=[mv.pk]))
    assert 'href="https://example.vn/qd-876"' in page.content.decode()


def _structure(source: str) -> str:
    return (
        "structure:\n"
        f"  sources: ['{source}']\n"
        f"  fields: [{{code: '1', name: Chỉ đạo, source: '{source}'}}]\n"
    )


# --- e-mails ------------------------------------------------------------------------------------


def test_plain_text_emails_carry_names_and_comments_as_typed(world: XssWorld, settings):
    """The e-mails are plain text (no HTML part): the payload comes back as typed (neither
    rendered as a template nor HTML-escaped into entities)."""
    from django.contrib.auth.models import User

    from parindex.setup.mail import send_password_link

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cast = Cast.current()
    officer = User.objects.get(pk=cast.officer.pk)
    User.objects.filter(pk__in=[cast.officer.pk, cast.leader.pk, cast.manager.pk]).update(
        email="x@example.vn"
    )
    Participation.objects.filter(pk=world.p_pk).update(handed_over_by=officer)
    p = Participation.objects.select_related("unit", "cycle", "handed_over_by").get(pk=world.p_pk)
    mail.outbox = []
    assert notify.handed_over(p) and notify.returned(p)
    send_password_link(User.objects.get(pk=officer.pk))
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert not getattr(message, "alternatives", None)  # no HTML part
        text = message.subject + "\n" + message.body
        assert "&lt;" not in text and "&#x27;" not in text and "&quot;" not in text, text
    handed, returned, account = mail.outbox
    assert payload("xunit") in handed.subject and payload("xcycle") in handed.body
    assert payload("xfirst") in handed.body  # the officer who handed over
    assert payload("xreturned") in returned.body
    assert payload("xfirst") in account.body
    assert "{{7*7}}" in handed.body and "49" not in handed.body.replace(str(p.pk), "")


def test_plan_reminder_email_carries_task_texts_as_typed(world: XssWorld, settings):
    from parindex.plans.models import Task
    from parindex.plans.notify import send_plan_reminders

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cast = Cast.current()
    type(cast.lead_agency).objects.filter(pk=cast.lead_agency.pk).update(email="c@example.vn")
    task = Task.objects.get(plan_id=world.plan_pk)
    Task.objects.filter(pk=task.pk).update(deadline=timezone.localdate() + timedelta(days=3))
    mail.outbox = []
    assert send_plan_reminders() == 1
    body = mail.outbox[0].body
    assert payload("xtaskname") in body and payload("xunit") in body
    assert "&lt;" not in body


def test_the_evidence_titles_show_escaped_in_the_library(world: XssWorld):
    """A representative page per evidence field, checked on its own."""
    page = Cast.current().client("officer").get(reverse("evidence_library", args=[world.p_pk]))
    text = page.content.decode()
    assert page.status_code == 200
    ev = Evidence.objects.get(pk=world.matrix.evidence.pk)
    for value in (ev.title, ev.doc_number, ev.issuer):
        assert escape(value) in text
    assert "&lt;script&gt;xevtitle&lt;/script&gt;" in text
    assert not RAW.search(text)
