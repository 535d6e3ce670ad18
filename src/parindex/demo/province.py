"""The demo's finished provincial cycle: Lào Cai's self-assessment for the Ministry's PAR
INDEX of last year, organised by the Sở Nội vụ and reporting to the Bộ Nội vụ
(Cycle.reports_to), run through the services with the person who would act: the Sở Nội vụ
and the lead agencies enter with evidence, the leader approves, the province's own council
pre-appraises, the cycle is finalised (what went to the Ministry); then the Ministry's
spreadsheet of results (its appraisal with reasons and comments, the province's
explanations, the survey points, the final points) is imported back, so the ledger compares
self, provincial pre-appraisal, Ministry appraisal and final. It is the cycle the Lào Cai
organiser drafts next year's plan from and asks "what does the top 10 take?".

Synthetic demo data, labelled in the cycle's name. Which figure is which:

- The methodology is the demo's appendix table (demo/appendix.py: 8 fields, 37 criteria, 88
  sub-criteria in the published structure of QĐ 876, names and points invented), imported
  from its .docx as a Sở Nội vụ uploads the official appendix.
- The national table (results.NationalResult: the published rows, and the labelled
  synthetic table 2023-2025 around them) gives Lào Cai's index of that year and its four
  blocks (appraisal, SIPAS, leaders' survey, socio-economic impact). When it has the year,
  the cycle's FINAL points are built to reproduce them: the appraised sub-criteria of fields
  1-7 summing to the appraisal block, those of field 8 to the impact block, the survey
  sub-criteria of fields 1-7 to the leaders' survey block and those of field 8 to SIPAS; so
  the cycle's final index equals the table's (to 0,01) and the target planner, which takes
  the unit's own index from the finished cycle and its competitors from the table
  (targets.reference), compares like with like.
- The self-assessed points are higher where the Ministry cut (and equal elsewhere); the
  province's council lowered two claims half-way; the cuts, their reasons and comments, the
  explanations and what they recovered are invented for the demo (not the Ministry's).
- Without a table row for the year, the blocks are those of an index of 85 (demo only).

The cycle ends in FINAL (results finalised), not PUBLISHED: no invented UBND decision."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User

from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.core import q4
from parindex.core.model import SURVEY, Node

if TYPE_CHECKING:
    from .builder import _Builder

State = Cycle.State
TWO = Decimal("0.01")
ZERO = Decimal(0)
# The fields whose claims the province's own council lowered before sending.
PRE_APPRAISED = ("2", "7")
PRE_APPRAISAL_COMMENT = (
    "Hội đồng thẩm định của tỉnh: tài liệu kiểm chứng chưa đủ cho toàn bộ điểm tự đánh giá; "
    "điều chỉnh trước khi gửi Bộ Nội vụ."
)
# The Ministry moves the cycle with open points (a reason); no decision: it stays in FINAL.
MOVE: dict[str, Any] = {"reason": "Dữ liệu minh họa"}
# Which lead agency enters which field (the demo's lead agencies), else the Sở Nội vụ.
ENTERED_BY = {"3": "chutri.vanphong", "6": "chutri.sotaichinh"}
# Cuts of the council: (field, reason, comment)
CUTS: tuple[tuple[str, str, str], ...] = (
    (
        "2",
        Entry.Reason.EVIDENCE_INVALID,
        "Một số văn bản QPPL trong danh mục kiểm chứng là bản chụp, không rõ số, ngày ban hành; "
        "chưa đủ căn cứ công nhận toàn bộ điểm tự đánh giá.",
    ),
    (
        "3",
        Entry.Reason.NOT_MET,
        "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn theo Cổng Dịch vụ công quốc gia thấp hơn số liệu "
        "tỉnh tự đánh giá; chấm theo số liệu trên hệ thống.",
    ),
    (
        "5",
        Entry.Reason.EVIDENCE_MISSING,
        "Không có tài liệu kiểm chứng kết quả thực hiện vị trí việc làm tại các cơ quan "
        "chuyên môn.",
    ),
    (
        "7",
        Entry.Reason.OUTSIDE_PERIOD,
        "Kế hoạch chuyển đổi số ban hành sau ngày 31/12/{year}; không được tính.",
    ),
    (
        "8",
        Entry.Reason.OTHER,
        "Báo cáo tác động KT-XH chưa lượng hóa đóng góp của CCHC theo yêu cầu của tiêu chí; "
        "đề nghị tỉnh làm rõ.",
    ),
)
EXPLAINED = {
    "3": "Số liệu tự đánh giá tổng hợp từ Hệ thống thông tin giải quyết TTHC của tỉnh đến ngày "
    "31/12/{year}; tỉnh gửi kèm danh mục hồ sơ đối chiếu.",
    "5": "Tỉnh bổ sung Quyết định phê duyệt vị trí việc làm của các sở (đính kèm).",
}


def _two(x: Decimal) -> Decimal:
    return x.quantize(TWO, rounding=ROUND_HALF_UP)


def _blocks(year: int) -> dict[str, Decimal]:
    """Lào Cai's blocks of `year` from the national table (module docstring)."""
    from parindex.results.models import NationalResult

    row = (
        NationalResult.objects.filter(year=year, province_2025="Lào Cai", total__isnull=False)
        .exclude(appraisal__isnull=True)
        .order_by("-pk")
        .first()
    )
    if row is not None and row.province_canonical == "Lào Cai":
        return {
            "total": row.total,
            "appraisal": row.appraisal,
            "sipas_pct": row.sipas * 10 if row.sipas is not None else row.sipas_pct,
            "leader_survey": row.leader_survey,
            "socio_economic": row.socio_economic,
        }
    return {
        "total": Decimal(85),
        "appraisal": Decimal("53.1"),
        "sipas_pct": Decimal("84.5"),
        "leader_survey": Decimal("18.3"),
        "socio_economic": Decimal("5.15"),
    }


def _split(rng: random.Random, total: Decimal, caps: list[Decimal]) -> list[Decimal]:
    """`total` shared among slots of capacities `caps` at random weights, 2 decimals, none
    above its cap; the parts add up to `total` exactly (when the caps allow it)."""
    weights = [c * Decimal(str(rng.uniform(0.6, 1.4))) for c in caps]
    parts = [min(c, _two(total * w / sum(weights))) for c, w in zip(caps, weights, strict=True)]
    rest = total - sum(parts)
    for i in sorted(range(len(caps)), key=lambda i: caps[i] - parts[i], reverse=True):
        add = max(min(rest, caps[i] - parts[i]), -parts[i])
        parts[i] += add
        rest -= add
    return parts


def _num(x: Decimal) -> str:
    return format(q4(x).normalize(), "f").replace(".", ",")


def _field(node: Node) -> str:
    return node.code.split(".")[0]


def _fill(
    rng: random.Random, total: Decimal, leaves: list[Node], weight: Any
) -> dict[str, Decimal]:
    """Points for `leaves` adding up to `total` exactly, each within [0, max] and on its
    rule's step (manual rules of the imported table: 0,25 or 0,01): the lost points
    (max - total) shared at random weights (`weight(node)`), rounded down to each leaf's step,
    the rest taken by the leaves on 0,01."""
    lost = _split(rng, sum(n.max_points for n in leaves) - total, [weight(n) for n in leaves])
    lost = [min(x, n.max_points) for n, x in zip(leaves, lost, strict=True)]
    steps = [getattr(n.rule, "step", TWO) or TWO for n in leaves]
    coarse = [(x // st) * st if st > TWO else x for x, st in zip(lost, steps, strict=True)]
    rest = sum(lost, ZERO) - sum(coarse, ZERO)
    fine = [i for i, st in enumerate(steps) if st <= TWO]
    extra = _split(rng, rest, [leaves[i].max_points - coarse[i] for i in fine])
    for i, x in zip(fine, extra, strict=True):
        coarse[i] += x
    return {n.code: n.max_points - x for n, x in zip(leaves, coarse, strict=True)}


def _cut(rng: random.Random, node: Node, final: Decimal) -> Decimal:
    """What the self-assessment claimed above the council's `final` (on the leaf's step)."""
    room = node.max_points - final
    step = getattr(node.rule, "step", TWO) or TWO
    cut = (room * Decimal(str(rng.uniform(0.5, 0.9))) // step) * step
    return cut if cut > 0 else room


def _ministry_table(rows: list[tuple[str, Any, str, str, str, Decimal]]) -> bytes:
    """The Ministry's spreadsheet of results as it comes back to the province (.xlsx)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Mã", "Điểm thẩm định", "Lý do", "Nhận xét", "Giải trình", "Điểm sau giải trình"])
    for code, points, reason, comment, explanation, final in rows:
        ws.append([code, points, reason, comment, explanation, float(final)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def finished_province_cycle(
    b: _Builder, cycle: Cycle, year: int, now: datetime, users: dict[str, User]
) -> Cycle:
    """Run `cycle` (Lào Cai's self-assessment for the Ministry, organised by the Sở Nội vụ)
    to FINAL, then enter the Ministry's results back (module docstring)."""
    rng = b.rng
    home_affairs, council = users["sonoivu"], users["thamdinh"]
    move = {**MOVE, "user": home_affairs}
    cycle = svc.cycle_transition(**move, cycle=cycle, to_state=State.OPEN)
    p = b._participations(cycle)[0]
    tree = cycle.methodology.tree
    blocks = _blocks(year)
    impact = tree.fields[-1].code  # the last field: SIPAS and the socio-economic impact
    own = [n for n in tree.leaves if n.method != SURVEY]
    surveys = [n for n in tree.leaves if n.method == SURVEY]
    cut_fields = {f for f, _r, _c in CUTS}

    def weight(n: Node) -> Decimal:  # the lost points mostly where the Ministry cut
        return n.max_points * (1 if _field(n) in cut_fields else Decimal("0.2"))

    final = _fill(rng, blocks["appraisal"], [n for n in own if _field(n) != impact], weight)
    final |= _fill(rng, blocks["socio_economic"], [n for n in own if _field(n) == impact], weight)
    # The Ministry's cuts: in each field of CUTS, the leaf that lost the most.
    cut: dict[str, Decimal] = {}
    comments: dict[str, tuple[str, str]] = {}
    for field, reason, comment in CUTS:
        lost = [n for n in own if _field(n) == field and final[n.code] < n.max_points]
        if lost:
            node = max(lost, key=lambda n: (n.max_points - final[n.code], n.code))
            cut[node.code] = _cut(rng, node, final[node.code])
            comments[node.code] = (reason, comment)
    missing = {c for c, (r, _c) in comments.items() if r == Entry.Reason.EVIDENCE_MISSING}
    # The self-assessment: the Sở Nội vụ and the lead agencies, each their fields.
    for node in own:
        user = users[ENTERED_BY.get(_field(node), "sonoivu")]
        svc.entry_save_self(
            participation=p,
            code=node.code,
            value=_num(final[node.code] + cut.get(node.code, 0)),
            note="Theo báo cáo CCHC năm của UBND tỉnh và các phụ lục kèm theo.",
            user=user,
        )
        if node.code not in missing:  # the evidence the Ministry found missing
            b._evidence(p, node, user, year)
    svc.participation_submit(participation=p, user=home_affairs)  # the leader approves
    for state in (State.SELF_CLOSED, State.APPRAISAL):
        cycle = svc.cycle_transition(**move, cycle=cycle, to_state=state)
    # The province's own council pre-appraises: it lowers two of the claims half-way.
    tree_cut = {c: x for c, x in cut.items() if _field(tree.nodes[c]) in PRE_APPRAISED}
    for e in Participation.objects.get(pk=p.pk).entries.all():
        if e.code not in tree_cut:
            svc.entry_appraise(entry=e, points=None, user=council)
            continue
        node = tree.nodes[e.code]
        step = getattr(node.rule, "step", TWO) or TWO
        half = ((tree_cut[e.code] / 2) // step) * step
        svc.entry_appraise(
            entry=e,
            points=final[e.code] + tree_cut[e.code] - half,
            reason=Entry.Reason.NOT_MET,
            comment=PRE_APPRAISAL_COMMENT,
            user=council,
        )
    for state in (State.EXPLANATION, State.APPRAISAL_2, State.FINAL):
        cycle = svc.cycle_transition(**move, cycle=Cycle.objects.get(pk=cycle.pk), to_state=state)
    # The Ministry's results come back in its spreadsheet: its appraisal (explained items
    # lower, recovered by the explanation), the survey points, the final points.
    rows: list[tuple[str, Any, str, str, str, Decimal]] = []
    for node in own:
        code, points = node.code, final[node.code]
        reason, comment, explanation = "", "", ""
        if code in comments:
            reason, comment = comments[code][0], comments[code][1].format(year=year)
            text = EXPLAINED.get(_field(node))
            step = getattr(node.rule, "step", TWO) or TWO
            recovered = ((points * Decimal("0.3")) // step) * step
            if text and recovered > 0:
                points, explanation = points - recovered, text.format(year=year)
        rows.append((code, float(points), reason, comment, explanation, final[node.code]))
    survey_points = _fill(
        rng, blocks["sipas_pct"] / 10, [n for n in surveys if _field(n) == impact], _max
    )
    survey_points |= _fill(
        rng, blocks["leader_survey"], [n for n in surveys if _field(n) != impact], _max
    )
    rows += [(code, None, "", "", "", pts) for code, pts in survey_points.items()]
    table = svc.outside_read_file(f"ket-qua-tham-dinh-bo-noi-vu-{year}.xlsx", _ministry_table(rows))
    svc.outside_import(cycle=Cycle.objects.get(pk=cycle.pk), table=table, user=home_affairs)
    _backdate(cycle, year, now)
    return Cycle.objects.get(pk=cycle.pk)


def _max(n: Node) -> Decimal:
    return n.max_points


def _backdate(cycle: Cycle, year: int, now: datetime) -> None:
    """Move the finished cycle's schedule into its year (the services stamp now)."""
    from django.utils import timezone

    def at(d: date, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(d, datetime.min.time()).replace(hour=hour))

    start = date(year + 1, 1, 5)
    Cycle.objects.filter(pk=cycle.pk).update(
        self_start=at(start, 8),
        self_end=at(start + timedelta(days=30), 17),
        appraisal_start=at(start + timedelta(days=35), 8),
        appraisal_end=at(start + timedelta(days=75), 17),
        explanation_start=at(start + timedelta(days=78), 8),
        explanation_end=at(start + timedelta(days=85), 17),
        publication_date=min(start + timedelta(days=120), timezone.localdate(now)),
    )
    submitted = at(start + timedelta(days=29), 16)
    Participation.objects.filter(cycle=cycle).update(submitted_at=submitted)
