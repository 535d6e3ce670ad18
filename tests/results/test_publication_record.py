"""Publication records the real date and the approving decision; the public pages and the
Word report show them instead of the planned publication date."""

from __future__ import annotations

import io
from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from parindex.assessment import services
from parindex.assessment.models import Cycle
from parindex.results.report import report_docx, report_params_for
from parindex.results.selectors import cycle_results, lost_points_ledger


def _publish(rs_world) -> Cycle:
    cycle = rs_world["cycle"]
    Cycle.objects.filter(pk=cycle.pk).update(publication_date=date(2030, 1, 1))
    return services.cycle_transition(
        cycle=cycle,
        to_state=Cycle.State.PUBLISHED,
        user=rs_world["manager"],
        decision_number="15/QĐ-UBND",
        decision_date=date(2026, 2, 1),
    )


def test_the_public_page_shows_the_publication_and_the_decision(rs_world):
    cycle = _publish(rs_world)
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = Client().get(reverse("public_cycle", args=[cycle.pk])).content.decode()
    assert "Quyết định số 15/QĐ-UBND ngày 01/02/2026" in page
    assert today in page and "01/01/2030" not in page
    listing = Client().get(reverse("public_results")).content.decode()
    assert "15/QĐ-UBND" in listing and today in listing


def test_the_word_report_is_dated_by_the_publication_and_cites_the_decision(rs_world):
    cycle = _publish(rs_world)
    params = report_params_for(Cycle.objects.get(pk=cycle.pk))
    assert params.date == timezone.localdate()
    assert params.decision == "Quyết định số 15/QĐ-UBND ngày 01/02/2026"
    results = cycle_results(cycle)
    ledger = lost_points_ledger(cycle, results=results)
    doc = Document(io.BytesIO(report_docx(results, ledger, params)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "căn cứ Quyết định số 15/QĐ-UBND ngày 01/02/2026 phê duyệt kết quả" in text
