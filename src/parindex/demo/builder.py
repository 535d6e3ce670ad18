"""Building the demo's cycles: one service call per action, made by the person who would make
it (officers enter, leaders submit, the Sở Nội vụ manages, appraisers appraise)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parindex.accounts.models import OrgUnit
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry, Evidence, MethodologyVersion, Participation
from parindex.core import Node
from parindex.core.model import EXTERNAL, SURVEY
from parindex.setup import services as setup

from . import generate as gen
from .org import (
    DEMO_COMMUNE,
    DEPT_OF_JUSTICE,
    MARKER_UNIT,
    PROVINCE,
    build_accounts,
    build_staff,
    build_units,
    issuer_name,
    slug,
    unit_symbols,
)
from .pdf import ascii_fold, make_pdf
from .province import finished_province_cycle

State = Cycle.State


# Demo cycles move on with open points (a reason) and publish under a decision.
DEMO_MOVE: dict[str, Any] = {
    "reason": "Dữ liệu minh họa",
    "decision_number": "123/QĐ-UBND",
    "decision_date": date(2026, 1, 20),
}


# --- building ------------------------------------------------------------------------------


def _years(now: datetime) -> tuple[int, int]:
    today = timezone.localtime(now).date()
    year = today.year if today.month >= 9 else today.year - 1
    return year, year - 1


def _at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.localtime(now).date() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _on_workday(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """Like _at, moved forward to Monday when it falls on a weekend (schedule dates)."""
    at = _at(now, days, hour, minute)
    return at + timedelta(days=(7 - at.weekday()) % 7 if at.weekday() >= 5 else 0)


def install_methodology(name: str) -> MethodologyVersion:
    """A shipped methodology, uploaded through the set-up service (command line)."""
    data = (resources.files("parindex.methodologies") / f"{name}.yaml").read_bytes()
    return setup.methodology_upload(user=None, filename=f"{name}.yaml", data=data)


MINISTRY = "Bộ Nội vụ"  # where the province's self-assessment goes (Cycle.reports_to)


def install_appendix() -> MethodologyVersion:
    """The demo's appendix table (demo/appendix.py), uploaded as a .docx through the set-up
    service exactly as a Sở Nội vụ uploads the appendix of the official decision."""
    from .appendix import appendix_docx

    return setup.methodology_upload(
        user=None, filename="phu-luc-minh-hoa.docx", data=appendix_docx()
    )


def build_demo(now: datetime, rng: random.Random) -> None:
    y_open, y_prev = _years(now)
    units = build_units()
    internal = install_methodology("example-province-internal")
    install_methodology("vn-province-876")  # the published blocks (national results)
    appendix = install_appendix()  # the province's self-assessment for the Ministry
    users = build_accounts(units, None)
    admin, manager = users["admin"], users["sonoivu"]
    lao_cai = units[PROVINCE]
    departments = [u for u in units.values() if u.type == OrgUnit.Type.DEPARTMENT]
    communes = [u for u in units.values() if u.type == OrgUnit.Type.COMMUNE]
    staff = build_staff(rng, departments + communes, users)
    quality = {u.code: rng.uniform(0.35, 1.0) for u in departments + communes}
    quality[DEPT_OF_JUSTICE] = 0.8
    quality[DEMO_COMMUNE] = 0.6
    builder = _Builder(rng, units, staff, quality, users, timezone.localtime(now).date())

    previous = setup.setup_cycle_create(
        name=f"Chỉ số CCHC năm {y_prev} của các sở, ngành và xã, phường tỉnh Lào Cai",
        year=y_prev,
        methodology=internal,
        organiser=units[MARKER_UNIT],
        units=_previous_units(units),
        user=manager,
        self_start=_on_workday(now, -75, 7, 30),
        self_end=_on_workday(now, 1, 17),  # moved into the past once the data is in
        appraisal_start=_on_workday(now, -47, 8),
        appraisal_end=_on_workday(now, -12, 17),
        explanation_start=_on_workday(now, -4, 8),
        explanation_end=_on_workday(now, 6, 17),
        publication_date=(now + timedelta(days=30)).date(),
    )
    builder.previous_cycle(previous, y_prev, now)

    # Two years back: the departments' index, finished and published (public results page).
    published = setup.setup_cycle_create(
        name=f"Chỉ số CCHC năm {y_prev - 1} của các sở, ban, ngành tỉnh Lào Cai",
        year=y_prev - 1,
        methodology=internal,
        organiser=units[MARKER_UNIT],
        units=departments,
        user=manager,
        self_start=_on_workday(now, -75, 7, 30),
        self_end=_on_workday(now, 1, 17),
        appraisal_start=_on_workday(now, -47, 8),
        appraisal_end=_on_workday(now, -12, 17),
        explanation_start=_on_workday(now, -4, 8),
        explanation_end=_on_workday(now, 6, 17),
        publication_date=(now - timedelta(days=240)).date(),
    )
    builder.published_cycle(published, y_prev - 1, now)

    # Three years back: the departments' index too, so that a department's target page has
    # two consecutive finished years (year-on-year changes for the probability).
    earlier = setup.setup_cycle_create(
        name=f"Chỉ số CCHC năm {y_prev - 2} của các sở, ban, ngành tỉnh Lào Cai",
        year=y_prev - 2,
        methodology=internal,
        organiser=units[MARKER_UNIT],
        units=departments,
        user=manager,
        self_start=_on_workday(now, -75, 7, 30),
        self_end=_on_workday(now, 1, 17),
        appraisal_start=_on_workday(now, -47, 8),
        appraisal_end=_on_workday(now, -12, 17),
        explanation_start=_on_workday(now, -4, 8),
        explanation_end=_on_workday(now, 6, 17),
        publication_date=(now - timedelta(days=240 + 365)).date(),
    )
    builder.published_cycle(earlier, y_prev - 2, now, back=365)

    current = setup.setup_cycle_create(
        name=f"Chỉ số CCHC năm {y_open} của các sở, ngành và xã, phường tỉnh Lào Cai",
        year=y_open,
        methodology=internal,
        organiser=units[MARKER_UNIT],
        units=departments + communes,
        user=manager,
        self_start=_on_workday(now, -12, 7, 30),
        self_end=_on_workday(now, 18, 17),
        appraisal_start=_on_workday(now, 21, 8),
        appraisal_end=_on_workday(now, 42, 17),
        explanation_start=_on_workday(now, 44, 8),
        explanation_end=_on_workday(now, 51, 17),
        publication_date=(now + timedelta(days=75)).date(),
    )
    builder.open_cycle(current, y_open, now)
    # Survey questionnaires and the sample plan; the manager imports the shipped sample
    # responses file from the survey pages (Điều tra xã hội học → Nhập phiếu).
    from parindex.surveys.services import demo_seed

    demo_seed(current, manager)

    # Lào Cai's self-assessment for the Ministry: last year's, pre-appraised by the province's
    # council, the Ministry's results imported back (demo/province.py), what the organiser
    # drafts next year's plan from; this year's, open.
    def provincial(year: int, name: str) -> Cycle:
        return setup.setup_cycle_create(
            name=name,
            year=year,
            methodology=appendix,
            organiser=units[MARKER_UNIT],
            units=[lao_cai],
            user=admin,
            reports_to=MINISTRY,
            self_start=_on_workday(now, -10, 7, 30),
            self_end=_on_workday(now, 25, 17),
            appraisal_start=_on_workday(now, 30, 8),
            appraisal_end=_on_workday(now, 60, 17),
            publication_date=(now + timedelta(days=120)).date(),
        )

    title = "Tự đánh giá Chỉ số CCHC cấp tỉnh năm {} của tỉnh Lào Cai"
    finished = provincial(y_prev, title.format(y_prev) + " — dữ liệu minh họa")
    users.update(build_accounts(units, finished))
    finished_province_cycle(builder, finished, y_prev, now, users)

    province = provincial(y_open, title.format(y_open))
    users.update(build_accounts(units, province))
    builder.province_cycle(province, y_open)
    from parindex.plans.demo import demo_plans  # the Sở Tư pháp's improvement plan

    demo_plans(now)


def _previous_units(units: dict[str, OrgUnit]) -> list[OrgUnit]:
    codes = [
        DEPT_OF_JUSTICE,
        "LC-STC",
        "LC-SYT",
        "LC-SXD",
        "LC-SCT",
        "LC-SGDDT",
        DEMO_COMMUNE,
        "LC-P-SAPA",
        "LC-P-YENBAI",
        "LC-X-BATXAT",
        "LC-X-MUCANGCHAI",
        "LC-X-LUCYEN",
    ]
    return [units[c] for c in codes]


_REASON_COMMENTS: dict[str, str] = {
    Entry.Reason.EVIDENCE_MISSING: "Không có tài liệu kiểm chứng cho nội dung tự chấm.",
    Entry.Reason.EVIDENCE_INVALID: (
        "Tài liệu kiểm chứng là bản chụp không rõ số, ký hiệu, ngày ban hành; chưa đủ căn cứ "
        "công nhận mức tự chấm."
    ),
    Entry.Reason.OUTSIDE_PERIOD: (
        "Văn bản ban hành ngoài thời gian đánh giá (sau ngày 31/12/{year}); không được tính."
    ),
    Entry.Reason.OTHER: (
        "Nội dung báo cáo chưa phản ánh đúng yêu cầu của tiêu chí; đề nghị đơn vị làm rõ."
    ),
}
_NOT_MET_COMMENTS: dict[str, str] = {
    "timeliness": "Đối chiếu ngày ban hành với thời hạn quy định: văn bản ban hành chậm.",
    "thresholds": (
        "Tỷ lệ xác định lại theo số liệu trên hệ thống thấp hơn số liệu đơn vị tự đánh giá; "
        "chấm theo mức tương ứng."
    ),
    "yes_no": "Tài liệu kiểm chứng không chứng minh được nội dung đã thực hiện.",
}
_EXPLANATIONS: dict[str, str] = {
    Entry.Reason.EVIDENCE_MISSING: (
        "Đơn vị bổ sung tài liệu kiểm chứng “{title}” (đính kèm). Đề nghị Hội đồng thẩm định "
        "xem xét giữ nguyên điểm tự đánh giá."
    ),
    Entry.Reason.EVIDENCE_INVALID: (
        "Đơn vị đã bổ sung bản scan có đầy đủ chữ ký, đóng dấu, số và ngày ban hành "
        "(“{title}”, đính kèm)."
    ),
    Entry.Reason.OUTSIDE_PERIOD: (
        "Văn bản được ký ngày 29/12/{year}, phát hành trên hệ thống ngày 02/01/{next}; đề nghị "
        "Hội đồng căn cứ ngày ký để chấm điểm."
    ),
    Entry.Reason.NOT_MET: (
        "Số liệu tự đánh giá tổng hợp đến ngày 31/12/{year}; chênh lệch do một số hồ sơ tiếp "
        "nhận cuối năm chưa được cập nhật trên hệ thống. Đơn vị gửi kèm danh mục đối chiếu."
    ),
    Entry.Reason.OTHER: (
        "Đơn vị đã bổ sung thuyết minh chi tiết kết quả thực hiện theo từng nội dung của tiêu "
        "chí; đề nghị Hội đồng xem xét lại."
    ),
}


class _Builder:
    """Fills the cycles, one service call per action, with the right person for each."""

    def __init__(
        self,
        rng: random.Random,
        units: dict[str, OrgUnit],
        staff: dict[str, tuple[User, User]],
        quality: dict[str, float],
        users: dict[str, User],
        today: date,
    ) -> None:
        self.rng = rng
        self.today = today
        self.units = units
        self.staff = staff
        self.quality = quality
        self.users = users
        self.symbols = unit_symbols()

    # -- helpers --

    def _participations(self, cycle: Cycle) -> list[Participation]:
        ps = list(
            Participation.objects.filter(cycle=cycle).select_related("unit").order_by("unit__code")
        )
        for p in ps:
            p.cycle = cycle  # one cycle object: the methodology tree is parsed once
        return ps

    def _own_leaves(self, cycle: Cycle, unit: OrgUnit) -> list[Node]:
        tree = cycle.methodology.tree
        return [
            n for n in tree.leaves if n.applies(unit.type) and n.method not in (SURVEY, EXTERNAL)
        ]

    def _symbol(self, unit: OrgUnit) -> str:
        return self.symbols.get(unit.code, "UBND")

    def _doc(self, p: Participation, node: Node, year: int, title: str = "") -> gen.Doc:
        return gen.make_doc(
            self.rng,
            p.cycle.methodology.tree,
            node,
            year=year,
            symbol=self._symbol(p.unit),
            latest=self.today - timedelta(days=1),
            title=title,
        )

    def _evidence(
        self, p: Participation, node: Node, user: User, year: int, doc: gen.Doc | None = None
    ) -> Evidence:
        """Upload a small PDF for `doc` (a new document if None) and link it to the leaf."""
        doc = doc or self._doc(p, node, year)
        title, number, issued = doc.title, doc.number, doc.issued
        issuer = issuer_name(p.unit)
        content = make_pdf(
            title,
            [
                issuer.upper(),
                f"Số: {number}        Lào Cai, ngày {issued:%d/%m/%Y}",
                "",
                f"Tài liệu kiểm chứng cho tiêu chí {node.code}: {node.name}.",
                "",
                "Tài liệu mẫu do parindex tạo để trình diễn; không phải văn bản thật.",
            ],
        )
        name = f"{ascii_fold(number).replace('/', '-')}_{slug(title)[:32].lower()}.pdf"
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        return svc.evidence_upload(
            participation=p,
            file=upload,
            user=user,
            title=title,
            doc_number=number,
            doc_date=issued,
            issuer=issuer,
            link_code=node.code,
        )

    def _office_hours(self, now: datetime, days: int) -> datetime:
        """A moment of a working day `days` from today (for submission times)."""
        at = _at(now, days, self.rng.randint(8, 16), self.rng.randint(0, 59))
        while at.weekday() >= 5:
            at -= timedelta(days=1)
        return at

    def _self_assess(
        self, p: Participation, share: float, year: int, evidence_share: float
    ) -> list[str]:
        """The officer enters `share` of the unit's own items; returns the codes entered."""
        rng = self.rng
        officer = self.staff[p.unit.code][0]
        tree = p.cycle.methodology.tree
        leaves = self._own_leaves(p.cycle, p.unit)
        count = round(len(leaves) * share)
        # Officers work roughly field by field: mostly the first fields, a few later ones.
        chosen = sorted(
            rng.sample(leaves[: min(len(leaves), count + 8)], count) if count else [],
            key=lambda n: leaves.index(n),
        )
        q = self.quality[p.unit.code]
        unit = svc.unit_of(p.unit)
        for node in chosen:
            doc = self._doc(p, node, year)
            timeliness = node.rule is not None and node.rule.kind == "timeliness"
            cited = doc if timeliness and rng.random() < 0.6 else None
            inp = gen.self_input(rng, tree, node, unit, q, doc=cited)
            gen.check(tree, node, unit, inp.value)
            svc.entry_save_self(
                participation=p, code=node.code, value=inp.value, note=inp.note, user=officer
            )
            attach = rng.random() < (0.9 if cited else evidence_share)
            if inp.value != gen.NOT_ARISING and attach:
                self._evidence(p, node, officer, year, doc)
        return [n.code for n in chosen]

    def _external(self, p: Participation, *, adjustments: bool) -> None:
        """The organiser enters survey results, figures from provincial systems, bonus and
        deduction items."""
        rng = self.rng
        manager = self.users["sonoivu"]
        tree = p.cycle.methodology.tree
        unit = svc.unit_of(p.unit)
        q = self.quality[p.unit.code]
        for node in tree.leaves:
            if node.applies(unit.type) and node.method in (SURVEY, EXTERNAL):
                value = gen.external_input(rng, tree, node, unit, q)
                svc.entry_set_external(participation=p, code=node.code, value=value, user=manager)
        if not adjustments:
            return
        plan = []
        if rng.random() < 0.15 + 0.35 * q:
            plan.append(("T1", str(rng.choice([1, 1, 2]))))
        if rng.random() < 0.25 * q:
            plan.append(("T2", "1"))
        if rng.random() < 0.1:
            plan.append(("T3", "0,5"))
        if rng.random() < 0.5 * (1 - q) + 0.1:
            plan.append(("TR1", str(rng.choice([1, 1, 2, 3]))))
        if rng.random() < 0.08:
            plan.append(("TR2", "1"))
        codes = set(tree.nodes)
        for code, value in plan:
            if code in codes:
                svc.entry_set_external(participation=p, code=code, value=value, user=manager)

    # -- the cycle in self-assessment --

    def open_cycle(self, cycle: Cycle, year: int, now: datetime) -> None:
        rng = self.rng
        cycle = svc.cycle_transition(
            **DEMO_MOVE, cycle=cycle, to_state=State.OPEN, user=self.users["sonoivu"]
        )
        ps = self._participations(cycle)
        others = [p for p in ps if p.unit.code not in (DEPT_OF_JUSTICE, DEMO_COMMUNE)]
        rng.shuffle(others)
        n_submitted = round(len(ps) * 0.3)
        n_empty = round(len(ps) * 0.2)
        plan = {p.unit.code: "submitted" for p in others[:n_submitted]}
        plan.update({p.unit.code: "empty" for p in others[n_submitted : n_submitted + n_empty]})
        plan[DEPT_OF_JUSTICE] = "progress"
        plan[DEMO_COMMUNE] = "progress"
        submitted_at: dict[int, datetime] = {}
        for p in ps:
            kind = plan.get(p.unit.code, "progress")
            q = self.quality[p.unit.code]
            if kind == "submitted":
                self._self_assess(p, 1.0, year, 0.35 + 0.5 * q)
            elif kind == "progress":
                share = 0.55 if p.unit.code in (DEPT_OF_JUSTICE, DEMO_COMMUNE) else None
                self._self_assess(p, share or rng.uniform(0.3, 0.8), year, 0.25 + 0.4 * q)
            if kind != "empty" or rng.random() < 0.5:
                self._external(p, adjustments=kind == "submitted" or rng.random() < 0.5)
            if kind == "submitted":
                leader = self.staff[p.unit.code][1]
                svc.participation_submit(participation=p, user=leader)
                submitted_at[p.pk] = self._office_hours(now, -rng.randint(1, 9))
        # The services stamp "now"; spread the submissions over the days since the opening.
        for pk, at in submitted_at.items():
            Participation.objects.filter(pk=pk).update(submitted_at=at)

    # -- last year's cycle, now in explanation --

    def previous_cycle(self, cycle: Cycle, year: int, now: datetime) -> None:
        rng = self.rng
        manager = self.users["sonoivu"]
        cycle = svc.cycle_transition(**DEMO_MOVE, cycle=cycle, to_state=State.OPEN, user=manager)
        for p in self._participations(cycle):
            q = self.quality[p.unit.code]
            self._self_assess(p, 1.0, year, 0.45 + 0.45 * q)
            self._external(p, adjustments=True)
            svc.participation_submit(participation=p, user=self.staff[p.unit.code][1])
        cycle = svc.cycle_transition(
            **DEMO_MOVE, cycle=cycle, to_state=State.SELF_CLOSED, user=manager
        )
        cycle = svc.cycle_transition(
            **DEMO_MOVE, cycle=cycle, to_state=State.APPRAISAL, user=manager
        )
        ps = self._participations(cycle)
        cuts: dict[int, list[tuple[Entry, str]]] = {}
        for p in ps:
            cuts[p.pk] = self._appraise(p, year)
        # The council found one unit's evidence untruthful: a deduction the organiser enters.
        caught = rng.choice([p for p in ps if p.unit.code not in (DEMO_COMMUNE, DEPT_OF_JUSTICE)])
        svc.entry_set_external(participation=caught, code="TR3", value="1", user=manager)
        cycle = svc.cycle_transition(
            **DEMO_MOVE, cycle=cycle, to_state=State.EXPLANATION, user=manager
        )
        for p in self._participations(cycle):
            self._explain(p, cuts[p.pk], year)
        self._backdate(cycle, now)

    def published_cycle(self, cycle: Cycle, year: int, now: datetime, back: int = 0) -> None:
        """A cycle run to its end: round 2, final, published (then moved into the past,
        `back` more days for an older one)."""
        self.previous_cycle(cycle, year, now)
        manager = self.users["sonoivu"]
        for state in (State.APPRAISAL_2, State.FINAL, State.PUBLISHED):
            cycle = svc.cycle_transition(
                **DEMO_MOVE, cycle=Cycle.objects.get(pk=cycle.pk), to_state=state, user=manager
            )
        Cycle.objects.filter(pk=cycle.pk).update(
            self_start=_on_workday(now, -420 - back, 7, 30),
            self_end=_on_workday(now, -395 - back, 17),
            appraisal_start=_on_workday(now, -390 - back, 8),
            appraisal_end=_on_workday(now, -300 - back, 17),
            explanation_start=_on_workday(now, -295 - back, 8),
            explanation_end=_on_workday(now, -290 - back, 17),
        )
        for p in Participation.objects.filter(cycle=cycle):
            at = self._office_hours(now, -396 - back - self.rng.randint(0, 10))
            Participation.objects.filter(pk=p.pk).update(submitted_at=at)

    def _appraise(self, p: Participation, year: int) -> list[tuple[Entry, str]]:
        """Round 1: accept most items, cut a few with a reason; returns the cut entries."""
        rng = self.rng
        tree = p.cycle.methodology.tree
        adjustments = {a.code for a in tree.adjustments}
        entries = list(p.entries.prefetch_related("links"))
        own = [
            e
            for e in entries
            if tree.nodes[e.code].method not in (SURVEY, EXTERNAL) and e.code not in adjustments
        ]
        eligible = [
            e
            for e in own
            if e.self_points
            and e.value != gen.NOT_ARISING
            and gen.lower_points(tree.nodes[e.code], e.self_points) < e.self_points
        ]
        q = self.quality[p.unit.code]
        n_cut = max(3, round(len(eligible) * (0.05 + 0.12 * (1 - q))))
        bare = [e for e in eligible if not e.links.all()]
        chosen = rng.sample(bare, min(len(bare), n_cut // 2 + 1))
        rest = [e for e in eligible if e not in chosen]
        chosen += rng.sample(rest, max(0, min(len(rest), n_cut - len(chosen))))
        chosen_ids = {e.pk for e in chosen}
        cut: list[tuple[Entry, str]] = []
        for e in own:
            appraiser = self.users["thamdinh.lv3" if e.code.startswith("3.") else "thamdinh"]
            if e.pk not in chosen_ids:
                svc.entry_appraise(entry=e, points=None, user=appraiser)
                continue
            node = tree.nodes[e.code]
            assert e.self_points is not None
            if not e.links.all():
                reason = Entry.Reason.EVIDENCE_MISSING
            else:
                reason = rng.choices(
                    [
                        Entry.Reason.NOT_MET,
                        Entry.Reason.EVIDENCE_INVALID,
                        Entry.Reason.OUTSIDE_PERIOD,
                        Entry.Reason.OTHER,
                    ],
                    weights=[45, 30, 15, 10],
                )[0]
            if reason == Entry.Reason.NOT_MET:
                comment = _NOT_MET_COMMENTS.get(
                    node.rule.kind if node.rule else "",
                    "Kết quả thực hiện chưa đầy đủ so với yêu cầu; chấm lại theo mức độ "
                    "hoàn thành.",
                )
            else:
                comment = _REASON_COMMENTS[reason].format(year=year)
            updated = svc.entry_appraise(
                entry=e,
                points=gen.lower_points(node, e.self_points),
                reason=reason,
                comment=comment,
                user=appraiser,
            )
            cut.append((updated, reason))
        return cut

    def _explain(self, p: Participation, cut: list[tuple[Entry, str]], year: int) -> None:
        """Some units have replied to some cuts; the demo accounts' units leave work to do."""
        rng = self.rng
        officer = self.staff[p.unit.code][0]
        if p.unit.code == DEPT_OF_JUSTICE:
            return
        if p.unit.code == DEMO_COMMUNE:
            todo = cut[:1]
        elif rng.random() < 0.5:
            todo = [c for c in cut if rng.random() < 0.6]
        else:
            return
        tree = p.cycle.methodology.tree
        for entry, reason in todo:
            node = tree.nodes[entry.code]
            title = ""
            if reason in (Entry.Reason.EVIDENCE_MISSING, Entry.Reason.EVIDENCE_INVALID):
                title = gen.evidence_title(tree, node, year)
                self._evidence(
                    p, node, officer, year, self._doc(p, node, year, f"{title} (bổ sung)")
                )
            text = _EXPLANATIONS[reason].format(title=title, year=year, next=year + 1)
            svc.entry_explain(entry=entry, text=text, user=officer)

    def _backdate(self, cycle: Cycle, now: datetime) -> None:
        """Move the finished phases of last year's cycle into the past (services stamp now)."""
        rng = self.rng
        self_end = _on_workday(now, -50, 17)
        Cycle.objects.filter(pk=cycle.pk).update(self_end=self_end)
        for p in Participation.objects.filter(cycle=cycle):
            at = self._office_hours(now, -50 - rng.randint(0, 10))
            Participation.objects.filter(pk=p.pk).update(submitted_at=at)

    # -- the province's own self-assessment (QĐ 876) --

    def province_cycle(self, cycle: Cycle, year: int) -> None:
        cycle = svc.cycle_transition(
            **DEMO_MOVE, cycle=cycle, to_state=State.OPEN, user=self.users["admin"]
        )
        p = self._participations(cycle)[0]
        home_affairs = self.users["sonoivu"]
        office = self.users["chutri.vanphong"]
        tree = cycle.methodology.tree
        entries = [
            (home_affairs, "1.1.1", "0,5", "Kế hoạch CCHC năm ban hành ngày 05/01."),
            (home_affairs, "1.1.2", "1,35", "Theo báo cáo CCHC năm của UBND tỉnh và các phụ lục."),
            (
                home_affairs,
                "4.1.1",
                "1,5",
                "Đã hoàn thành sắp xếp các cơ quan chuyên môn từ 01/07.",
            ),
            (home_affairs, "5.1.1", "1", ""),
            (office, "3.4.1", "1,86", "Số liệu từ Hệ thống thông tin giải quyết TTHC của tỉnh."),
        ]
        for user, code, value, note in entries:
            if code not in tree.nodes:
                continue
            svc.entry_save_self(participation=p, code=code, value=value, note=note, user=user)
        for user, code in ((office, "3.4.1"), (home_affairs, "1.1.1")):
            if code in tree.nodes:
                self._evidence(p, tree.nodes[code], user, year)
