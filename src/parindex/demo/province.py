"""The demo's finished provincial cycle: Lào Cai's PAR INDEX of last year under QĐ 876,
organised by the Ministry (Bộ Nội vụ), run to its final results through the services with
the person who would act (the Sở Nội vụ and the lead agencies enter and submit, the
Ministry's council appraises with reasons and comments, the Sở Nội vụ explains, the Ministry
enters the survey results and finalises). It is the cycle the Lào Cai organiser drafts next
year's plan from and asks "what does the top 10 take?".

Synthetic demo data, labelled in the cycle's name. Which figure is which:

- The national table (results.NationalResult: the published rows, and the labelled
  synthetic table 2023-2025 around them) gives Lào Cai's index of that year and its four
  blocks (appraisal, SIPAS, leaders' survey, socio-economic impact). When it has the year,
  the cycle's FINAL points are built to reproduce them: appraisal parts 1.1-7.1 summing to the
  appraisal block, 8.1 the SIPAS %, the leaders' survey parts 1.2-7.2 at the block's share,
  8.2 the impact block; so the cycle's final index equals the table's (to 0,01) and the target
  planner, which takes the unit's own index from the finished cycle and its competitors from
  the table (targets.reference), compares like with like.
- The self-assessed points are higher where the council cut (and equal elsewhere); the cuts,
  their reasons and comments are invented for the demo (not the Ministry's).
- Without a table row for the year, the blocks are those of an index of 85 (demo only).

The cycle ends in FINAL (results finalised), not PUBLISHED: no invented Ministry decision."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.core import q4
from parindex.core.model import SURVEY

from .org import BNV, account, give_role

if TYPE_CHECKING:
    from .builder import _Builder

State = Cycle.State
TWO = Decimal("0.01")
# The Ministry's council member who appraises the province (not a demo login).
APPRAISER = "td.bonoivu"
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


def finished_province_cycle(
    b: _Builder, cycle: Cycle, year: int, now: datetime, users: dict[str, User]
) -> Cycle:
    """Run `cycle` (Lào Cai alone, organised by the Ministry) to FINAL (module docstring)."""
    rng = b.rng
    admin, home_affairs = users["admin"], users["sonoivu"]
    council = account(APPRAISER, "Vũ Đức Thịnh", password=None)
    give_role(council, Role.APPRAISER, unit=OrgUnit.objects.get(code=BNV))
    cycle = svc.cycle_transition(**MOVE, cycle=cycle, to_state=State.OPEN, user=admin)
    p = b._participations(cycle)[0]
    tree = cycle.methodology.tree
    blocks = _blocks(year)
    own = [n for n in tree.leaves if n.method != SURVEY and n.code != "8.2"]
    # The appraisal block's lost points, mostly where the council cut (CUTS).
    cut_fields = {f for f, _r, _c in CUTS}
    lost = _split(
        rng,
        sum(n.max_points for n in own) - blocks["appraisal"],
        [n.max_points * (1 if n.code.split(".")[0] in cut_fields else Decimal("0.2")) for n in own],
    )
    final = {n.code: n.max_points - x for n, x in zip(own, lost, strict=True)}
    final["8.2"] = blocks["socio_economic"]
    cut: dict[str, Decimal] = {}
    for field, _reason, _comment in CUTS:
        code = f"{field}.1" if field != "8" else "8.2"
        room = tree.nodes[code].max_points - final[code]
        if room > 0:
            cut[code] = _two(room * Decimal(str(rng.uniform(0.5, 0.9))))
    # The self-assessment: the Sở Nội vụ and the lead agencies, each their fields.
    for code, points in final.items():
        node = tree.nodes[code]
        user = users[ENTERED_BY.get(code.split(".")[0], "sonoivu")]
        note = "Theo báo cáo CCHC năm của UBND tỉnh và các phụ lục kèm theo."
        svc.entry_save_self(
            participation=p, code=code, value=_num(points + cut.get(code, 0)), note=note, user=user
        )
        if code != "5.1":  # 5.1: the evidence the council found missing
            b._evidence(p, node, user, year)
    # The Ministry's survey results: SIPAS, and the leaders' survey at its block's share.
    surveys = [n for n in tree.leaves if n.method == SURVEY]
    leaders = [n for n in surveys if n.code != "8.1"]
    share = blocks["leader_survey"] / sum(n.max_points for n in leaders) * 100
    pcts = [_two(share + Decimal(str(rng.uniform(-2, 2)))) for _n in leaders]
    # Keep the block's points: the last part takes the rounding and the jitter.
    done = sum(q4(pct * n.max_points / 100) for pct, n in zip(pcts[:-1], leaders, strict=False))
    pcts[-1] = _two((blocks["leader_survey"] - done) * 100 / leaders[-1].max_points)
    for n, pct in zip(leaders, pcts, strict=True):
        svc.entry_set_external(participation=p, code=n.code, value=_num(pct), user=admin)
    svc.entry_set_external(participation=p, code="8.1", value=_num(blocks["sipas_pct"]), user=admin)
    svc.participation_submit(participation=p, user=home_affairs)
    for state in (State.SELF_CLOSED, State.APPRAISAL):
        cycle = svc.cycle_transition(**MOVE, cycle=cycle, to_state=state, user=admin)
    comments = {(f"{f}.1" if f != "8" else "8.2"): (r, c) for f, r, c in CUTS}
    cuts: list[Entry] = []
    for e in Participation.objects.get(pk=p.pk).entries.all():
        if tree.nodes[e.code].method == SURVEY:
            continue
        if e.code not in cut:
            svc.entry_appraise(entry=e, points=None, user=council)
            continue
        reason, comment = comments[e.code]
        cuts.append(
            svc.entry_appraise(
                entry=e,
                points=final[e.code],
                reason=reason,
                comment=comment.format(year=year),
                user=council,
            )
        )
    cycle = svc.cycle_transition(**MOVE, cycle=cycle, to_state=State.EXPLANATION, user=admin)
    for e in cuts:
        text = EXPLAINED.get(e.code.split(".")[0])
        if text:
            svc.entry_explain(entry=e, text=text.format(year=year), user=home_affairs)
    for state in (State.APPRAISAL_2, State.FINAL):
        cycle = svc.cycle_transition(
            **MOVE, cycle=Cycle.objects.get(pk=cycle.pk), to_state=state, user=admin
        )
    _backdate(cycle, year, now)
    return cycle


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
