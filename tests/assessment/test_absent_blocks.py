"""Blocks declared absent for a unit from the organiser's page (issue 11): the service
(rights, states, reason, audit, results recomputed), the page (form, listing) and the unit's
results saying which block was not run, why, and how the points were converted.

tests/data/small.yaml: criterion 2.2 (Hài lòng, max 2, the SIPAS survey 2.2.1) is a block;
not_arising_default exclude, so an absent block leaves the maximum: a department's 8
(2.1.2 is for communes) -> 6."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cast import FILL
from django.urls import reverse

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry
from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError

pytestmark = pytest.mark.django_db

REASON = "Năm 2025 không tổ chức khảo sát SIPAS tại đơn vị"
# FILL (tests/cast.py) gives a department 5 points; SIPAS 2.2.1 at 50 % gives 1 more.
VALUES = {"STP": {**FILL, "2.2.1": "50"}, "SYT": FILL}


@pytest.fixture
def cycle(cast):
    return cast.cycle(Cycle.State.APPRAISAL, values=VALUES)


def test_declaring_a_block_absent_excludes_it_audits_and_bumps_the_results(cast, cycle):
    p = cast.part(cycle, "a")
    before = services.unit_result(p, "self")
    assert (before.points, before.max_points) == (Decimal("6.0000"), Decimal("8.0000"))
    version = Cycle.objects.get(pk=cycle.pk).results_version
    n = services.block_set_absent(
        cycle=cycle, code="2.2", absent=True, reason=REASON, user=cast.manager,
        participations=[p],
    )  # fmt: skip
    assert n == 1
    assert Cycle.objects.get(pk=cycle.pk).results_version > version
    p.refresh_from_db()
    after = services.unit_result(p, "self")
    # 2.2 (max 2, 1 point) leaves the unit: 6 - 1 = 5 points of 8 - 2 = 6.
    assert (after.points, after.max_points) == (Decimal("5.0000"), Decimal("6.0000"))
    assert after.nodes["2.2"].status == "absent"
    assert services.unit_result(p, "r1").max_points == Decimal("6.0000")  # every stage
    b = services.unit_result(cast.part(cycle, "b"), "self")
    assert b.max_points == Decimal("8.0000")  # only unit A
    row = LogEntry.objects.get(action="block.absent_declared")
    assert row.code == "2.2" and REASON in str(row.data)
    texts = services.absent_block_texts(p)
    assert texts == [
        f"Khối 2.2 Hài lòng không thực hiện: {REASON}; điểm được quy đổi theo cách: loại "
        "2,00 điểm tối đa của khối khỏi điểm tối đa của đơn vị."
    ]
    # Withdrawn (with a reason, audited): the unit is scored on the block again.
    services.block_set_absent(
        cycle=cycle, code="2.2", absent=False, reason="Đã có kết quả khảo sát", user=cast.manager
    )
    assert services.unit_result(p, "self").max_points == Decimal("8.0000")
    assert LogEntry.objects.filter(action="block.absent_withdrawn").count() == 1
    assert services.absent_block_texts(p) == []


def test_for_every_unit_and_idempotent(cast, cycle):
    args = {"cycle": cycle, "code": "2.2", "absent": True, "reason": REASON, "user": cast.manager}
    assert services.block_set_absent(**args) == 2
    assert services.block_set_absent(**args) == 0  # nothing changes, nothing audited
    assert LogEntry.objects.filter(action="block.absent_declared").count() == 2


def test_rescale_policy_is_explained(cast):
    from factories import SMALL_YAML

    source = (
        SMALL_YAML.read_text(encoding="utf-8")
        .replace(
            "not_arising_default: exclude", "not_arising_default: exclude\nabsent_block: rescale"
        )
        .replace("code: small", "code: small-rescale")
    )
    methodology = services.methodology_install(source=source, name="small-rescale.yaml")
    cycle = cast.cycle(Cycle.State.APPRAISAL, values=VALUES, methodology=methodology)
    p = cast.part(cycle, "a")
    services.block_set_absent(
        cycle=cycle, code="2.2", absent=True, reason=REASON, user=cast.manager,
        participations=[p],
    )  # fmt: skip
    result = services.unit_result(p, "self")
    # Field 2 without 2.2: 2.1 gives 1,5 of 2 (2.1.2 is for communes), rescaled to the
    # field's 4: 1,5 x (2 + 2) / 2 = 3; total 3 + field 1's 3,5 = 6,5 of 8.
    assert result.nodes["2"].points == Decimal("3.0000")
    assert result.points == Decimal("6.5000")
    assert (
        "các mục còn lại của 2 Thủ tục hành chính được quy đổi lên đủ điểm tối đa"
        in (services.absent_block_texts(p)[0])
    )


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"code": "2.1"}, "không phải là một khối"),
        ({"code": "9"}, "không phải là một khối"),
        ({"reason": "  "}, "Cần ghi lý do"),
        ({"user": "officer"}, "không có quyền"),
        ({"user": "other_manager"}, "không có quyền"),
    ],
)
def test_refusals(cast, cycle, kw, message):
    args = {"cycle": cycle, "code": "2.2", "absent": True, "reason": REASON, "user": cast.manager}
    if "user" in kw:
        kw = {"user": cast.users[kw["user"]]}
    with pytest.raises(ServiceError, match=message):
        services.block_set_absent(**{**args, **kw})
    assert not Entry.objects.filter(code="2.2").exclude(value="").exists()


def test_refused_once_the_results_are_final(cast, cycle):
    cast.jump(cycle, Cycle.State.FINAL)
    with pytest.raises(ServiceError, match="đã chốt kết quả"):
        services.block_set_absent(
            cycle=cycle, code="2.2", absent=True, reason=REASON, user=cast.manager
        )


def test_a_unit_of_another_cycle_is_refused(cast, cycle):
    other = cast.cycle(Cycle.State.OPEN, units=("a",), name="Kỳ khác")
    with pytest.raises(ServiceError, match="không tham gia"):
        services.block_set_absent(
            cycle=cycle, code="2.2", absent=True, reason=REASON, user=cast.manager,
            participations=[cast.part(other, "a")],
        )  # fmt: skip


def test_the_page_declares_and_the_results_show_it(cast, cycle):
    client = cast.client("manager")
    url = reverse("cycle_absent_blocks", args=[cycle.pk])
    page = client.get(url).content.decode()
    assert "2.2 Hài lòng" in page and 'name="reason"' in page
    p = cast.part(cycle, "a")
    response = client.post(
        url, {"block": "2.2", "participation": p.pk, "action": "declare", "reason": REASON}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert f"Khối 2.2 Hài lòng không thực hiện: {REASON}" in page
    # The unit's results (its own page and the results page) say it too.
    results = cast.client("leader").get(reverse("unit_results", args=[p.pk])).content.decode()
    assert f"Khối 2.2 Hài lòng không thực hiện: {REASON}" in results
    profile = client.get(reverse("results_unit", args=[p.pk])).content.decode()
    assert "điểm được quy đổi theo cách" in profile
    # A declaration without a reason is refused with the form's message; nothing changes.
    page = client.post(
        url, {"block": "2.2", "participation": "", "action": "declare", "reason": ""}
    ).content.decode()
    assert "Cần ghi lý do." in page
    assert not Entry.objects.filter(participation=cast.part(cycle, "b"), code="2.2").exists()


def test_the_page_is_read_only_once_final(cast, cycle):
    cast.jump(cycle, Cycle.State.FINAL)
    page = cast.client("manager").get(reverse("cycle_absent_blocks", args=[cycle.pk]))
    html = page.content.decode()
    assert 'name="reason"' not in html
    assert "đã chốt kết quả" in html


def test_the_self_assessment_report_says_the_block_was_not_carried_out(cast, cycle):
    import io

    from docx import Document

    p = cast.part(cycle, "a")
    services.block_set_absent(
        cycle=cycle, code="2.2", absent=True, reason=REASON, user=cast.manager,
        participations=[p],
    )  # fmt: skip
    data = services.self_report_data(participation=p, user=cast.manager)
    rows = {r.code: r for r in data.rows}
    assert rows["2.2.1"].absent and not rows["2.2.1"].needs_explanation
    assert not rows["2.1.1"].absent
    assert data.absent_texts == tuple(services.absent_block_texts(p))
    _name, content = services.self_report_docx(participation=p, user=cast.manager)
    doc = Document(io.BytesIO(content))
    text = "\n".join(x.text for x in doc.paragraphs)
    assert f"Khối 2.2 Hài lòng không thực hiện: {REASON}" in text
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "Không thực hiện" in cells
