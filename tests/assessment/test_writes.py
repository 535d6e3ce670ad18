"""One way to write an entry: every writer goes through write_entries, which checks the
version, saves, bumps the entry's and the results' versions and writes one audit row per
changed entry (old -> new); the bulk writers share it (one transaction, bulk audit rows,
one results_changed)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from factories import MOVE

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry
from parindex.surveys.services.scores import entries_set_survey

State = Cycle.State


@pytest.fixture
def bumps(monkeypatch):
    """The results_changed calls: (cycle id, participation ids)."""
    calls: list[tuple[int, set[int] | None]] = []
    real = services.results_changed

    def spy(cycle_id, participation_ids=None):
        calls.append((cycle_id, None if participation_ids is None else set(participation_ids)))
        return real(cycle_id, participation_ids)

    # The package re-exports it; its modules call their own imported name.
    from parindex.assessment.services import stages, writes

    for module in (services, writes, stages):
        monkeypatch.setattr(module, "results_changed", spy)
    return calls


def _results_version(world, p=None):
    cycle = Cycle.objects.get(pk=world.cycle.pk).results_version
    if p is None:
        return cycle
    return cycle, Participation.objects.get(pk=p.pk).results_version


def _rows(action, **filters):
    return list(LogEntry.objects.filter(action=action, **filters).order_by("id"))


def _fill(world):
    p = world.p_department
    for code, value in {
        "1.1.1": "đúng hạn",
        "1.1.2": "100",
        "1.2.1": "có",
        "1.2.2": "0,75",
        "2.1.1": "90",
    }.items():
        services.entry_save_self(
            participation=p, code=code, value=value, user=world.users["officer"]
        )
    return p


def _to(world, *states):
    for state in states:
        services.cycle_transition(
            **MOVE, cycle=world.cycle, to_state=state, user=world.users["manager"]
        )
        world.cycle.refresh_from_db()


def _appraisal_world(world):
    p = _fill(world)
    services.participation_submit(participation=p, user=world.users["leader"])
    _to(world, State.SELF_CLOSED, State.APPRAISAL)
    return p


# --- each writer: one audit row per changed entry, versions bumped ---------------------------


def test_the_self_assessment_is_written_versioned_and_audited(small_cycle, bumps):
    p = small_cycle.p_department
    before = _results_version(small_cycle)
    entry = services.entry_save_self(
        participation=p, code="2.1.1", value="80", note="Báo cáo", user=small_cycle.users["officer"]
    )
    assert entry.version == 1 and Entry.objects.get(pk=entry.pk).version == 1
    [row] = _rows("entry.self_saved")
    assert (row.code, row.target_id, row.unit_id, row.cycle_id) == (
        "2.1.1",
        entry.pk,
        p.unit_id,
        p.cycle_id,
    )
    assert row.data == {
        "old": {"value": "", "points": None, "note": ""},
        "new": {"value": "80", "points": "1.6000", "note": "Báo cáo"},
    }
    assert row.actor == small_cycle.users["officer"]
    assert bumps == [(p.cycle_id, {p.pk})]
    cycle_version, unit_version = _results_version(small_cycle, p)
    assert cycle_version == before + 1 and unit_version == cycle_version

    # The same input again changes nothing: no row, no version.
    services.entry_save_self(
        participation=p, code="2.1.1", value="80", user=small_cycle.users["officer"]
    )
    assert len(_rows("entry.self_saved")) == 1
    assert Entry.objects.get(pk=entry.pk).version == 1
    assert len(bumps) == 1


def test_the_organisers_value_is_written_versioned_and_audited(small_cycle, bumps):
    p = small_cycle.p_department
    before = _results_version(small_cycle)
    entry = services.entry_set_external(
        participation=p, code="2.2.1", value="80", user=small_cycle.users["manager"]
    )
    assert entry.version == 1
    [row] = _rows("entry.external_set")
    assert row.data == {
        "old": {"value": "", "points": None},
        "new": {"value": "80", "points": "1.6000"},
    }
    assert bumps == [(p.cycle_id, {p.pk})]
    assert _results_version(small_cycle) == before + 1
    services.entry_set_external(
        participation=p, code="2.2.1", value="60", version=1, user=small_cycle.users["manager"]
    )
    assert Entry.objects.get(pk=entry.pk).version == 2
    assert _rows("entry.external_set")[-1].data["old"] == {"value": "80", "points": "1.6000"}


def test_the_survey_writer_writes_in_bulk(small_cycle, bumps):
    dept, commune = small_cycle.p_department, small_cycle.p_commune
    before = _results_version(small_cycle)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        written, cleared = entries_set_survey(
            cycle=small_cycle.cycle,
            values={(dept, "2.2.1"): "70", (commune, "2.2.1"): "90"},
            user=small_cycle.users["manager"],
        )
    assert (written, cleared) == (2, 0)
    inserts = [q for q in queries.captured_queries if 'INSERT INTO "audit_logentry"' in q["sql"]]
    assert len(inserts) == 1
    rows = _rows("entry.external_set")
    assert {(r.unit_id, r.data["new"]["value"]) for r in rows} == {
        (dept.unit_id, "70"),
        (commune.unit_id, "90"),
    }
    assert all(r.data["old"] == {"value": "", "points": None} for r in rows)
    assert bumps == [(small_cycle.cycle.pk, {dept.pk, commune.pk})]
    assert _results_version(small_cycle) == before + 1
    assert set(Entry.objects.filter(code="2.2.1").values_list("version", flat=True)) == {1}
    # Clearing one, leaving the other as it is.
    with transaction.atomic():
        written, cleared = entries_set_survey(
            cycle=small_cycle.cycle,
            values={(dept, "2.2.1"): "", (commune, "2.2.1"): "90"},
            user=small_cycle.users["manager"],
        )
    assert (written, cleared) == (0, 1)
    assert len(_rows("entry.external_set")) == 3
    assert bumps[-1] == (small_cycle.cycle.pk, {dept.pk})


def test_the_csv_import_writes_in_bulk(small_cycle, bumps):
    dept, commune = small_cycle.p_department, small_cycle.p_commune
    rows = [
        (2, {"unit": dept.unit.code, "code": "2.2.1", "value": "80"}),
        (3, {"unit": commune.unit.code, "code": "2.2.1", "value": "60"}),
        (4, {"unit": commune.unit.code, "code": "T1", "value": "1"}),
    ]
    with CaptureQueriesContext(connection) as queries:
        n = services.external_values_import(
            cycle=small_cycle.cycle, rows=rows, user=small_cycle.users["manager"]
        )
    assert n == 3
    inserts = [q for q in queries.captured_queries if 'INSERT INTO "audit_logentry"' in q["sql"]]
    assert len(inserts) == 2  # the entries' rows at once, then the import's own row
    logged = _rows("entry.external_set")
    assert [(r.unit_id, r.code, r.data["new"]["value"]) for r in logged] == [
        (dept.unit_id, "2.2.1", "80"),
        (commune.unit_id, "2.2.1", "60"),
        (commune.unit_id, "T1", "1"),
    ]
    assert bumps == [(small_cycle.cycle.pk, {dept.pk, commune.pk})]
    assert _rows("cycle.external_imported")[0].data["rows"] == 3


def test_the_bulk_self_assessment_writes_every_item_at_once(small_cycle, bumps):
    p = small_cycle.p_department
    entries = services.entries_save_self(
        participation=p,
        items=[
            services.EntryInput("1.1.1", "đúng hạn", note="Kế hoạch"),
            services.EntryInput("2.1.1", "90"),
        ],
        user=small_cycle.users["officer"],
    )
    assert [(e.code, e.version) for e in entries] == [("1.1.1", 1), ("2.1.1", 1)]
    assert [r.code for r in _rows("entry.self_saved")] == ["1.1.1", "2.1.1"]
    assert bumps == [(p.cycle_id, {p.pk})]


def test_appraisal_explanation_and_finalisation_are_written_and_audited(small_cycle, bumps):
    p = _appraisal_world(small_cycle)
    appraiser = small_cycle.users["appraiser"]
    entry = Entry.objects.get(participation=p, code="1.1.2")
    version = entry.version
    before = _results_version(small_cycle)
    bumps.clear()
    appraised = services.entry_appraise(
        entry=entry,
        points=Decimal("0"),
        reason="evidence_missing",
        comment=" Thiếu báo cáo ",
        version=version,
        user=appraiser,
    )
    assert appraised.version == version + 1 and appraised.r1_by == appraiser
    [row] = _rows("entry.appraised_r1")
    assert row.data == {
        "old": {"points": None, "reason": "", "comment": ""},
        "new": {"points": "0.0000", "reason": "evidence_missing", "comment": "Thiếu báo cáo"},
    }
    assert bumps == [(p.cycle_id, {p.pk})]
    assert _results_version(small_cycle) == before + 1

    accepted = services.entry_appraise_code(
        participation=p, code="1.2.1", points=None, user=appraiser
    )
    assert _rows("entry.appraised_r1")[-1].code == "1.2.1" and accepted.r1_points == 1

    _to(small_cycle, State.EXPLANATION)
    explained = services.entry_explain(
        entry=appraised,
        text="Đã bổ sung.",
        version=appraised.version,
        user=small_cycle.users["officer"],
    )
    assert explained.version == appraised.version + 1
    [row] = _rows("entry.explained")
    assert (row.data["old"], row.data["new"]) == ("", "Đã bổ sung.")

    _to(small_cycle, State.APPRAISAL_2)
    services.entry_appraise(entry=explained, points=Decimal("1"), user=appraiser)
    [row] = _rows("entry.appraised_r2")
    assert row.data["new"]["points"] == "1.0000" and row.data["old"]["points"] is None


def test_the_finalisation_writes_one_audit_row_per_entry_in_bulk(small_cycle, bumps):
    p = _appraisal_world(small_cycle)
    entry = Entry.objects.get(participation=p, code="1.1.2")
    services.entry_appraise(
        entry=entry, points=Decimal("0.5"), reason="not_met", user=small_cycle.users["appraiser"]
    )
    _to(small_cycle, State.EXPLANATION, State.APPRAISAL_2)
    versions = dict(Entry.objects.filter(participation=p).values_list("code", "version"))
    bumps.clear()
    with CaptureQueriesContext(connection) as queries:
        _to(small_cycle, State.FINAL)
    inserts = [q for q in queries.captured_queries if 'INSERT INTO "audit_logentry"' in q["sql"]]
    assert len(inserts) == 2  # the entries' rows at once, then the state change
    rows = {r.code: r for r in _rows("entry.finalised")}
    finals = dict(Entry.objects.filter(participation=p).values_list("code", "final_points"))
    assert set(rows) == {c for c, v in finals.items() if v is not None} == set(versions)
    assert rows["1.1.2"].data == {"old": {"points": None}, "new": {"points": "0.5000"}}
    assert rows["2.1.1"].data["new"] == {"points": "1.8000"}
    assert all(r.actor == small_cycle.users["manager"] for r in rows.values())
    after = dict(Entry.objects.filter(participation=p).values_list("code", "version"))
    assert all(after[c] == versions[c] + 1 for c in rows)
    assert (p.cycle_id, {p.pk}) in bumps  # the entries' units, then the whole cycle
    assert bumps[-1] == (p.cycle_id, None)


# --- a stale version: Conflict, nothing saved ------------------------------------------------


def _nothing_changed(world, p, snapshot):
    assert LogEntry.objects.count() == snapshot["logs"]
    assert _results_version(world, p) == snapshot["results"]
    assert list(Entry.objects.order_by("pk").values()) == snapshot["entries"]


def _snapshot(world, p):
    return {
        "logs": LogEntry.objects.count(),
        "results": _results_version(world, p),
        "entries": list(Entry.objects.order_by("pk").values()),
    }


def test_a_stale_self_assessment_is_a_conflict_and_saves_nothing(small_cycle):
    p = small_cycle.p_department
    services.entry_save_self(
        participation=p, code="2.1.1", value="80", user=small_cycle.users["officer"]
    )
    snapshot = _snapshot(small_cycle, p)
    with pytest.raises(services.Conflict) as caught:
        services.entry_save_self(
            participation=p, code="2.1.1", value="90", version=0, user=small_cycle.users["leader"]
        )
    assert caught.value.entry.value == "80" and caught.value.entry.version == 1
    _nothing_changed(small_cycle, p, snapshot)


def test_a_stale_organisers_value_is_a_conflict_and_saves_nothing(small_cycle):
    p = small_cycle.p_department
    manager = small_cycle.users["manager"]
    services.entry_set_external(participation=p, code="T1", value="1", user=manager)
    snapshot = _snapshot(small_cycle, p)
    with pytest.raises(services.Conflict):
        services.entry_set_external(participation=p, code="T1", value="2", version=0, user=manager)
    _nothing_changed(small_cycle, p, snapshot)


def test_a_stale_item_refuses_the_whole_batch(small_cycle):
    p = small_cycle.p_department
    services.entry_save_self(
        participation=p, code="2.1.1", value="80", user=small_cycle.users["officer"]
    )
    snapshot = _snapshot(small_cycle, p)
    with pytest.raises(services.EntriesRefused) as caught:
        services.entries_save_self(
            participation=p,
            items=[
                services.EntryInput("1.2.1", "có"),
                services.EntryInput("2.1.1", "50", version=0),
                services.EntryInput("1.1.2", "nhiều"),
            ],
            user=small_cycle.users["officer"],
        )
    errors = caught.value.errors
    assert [i for i, _e in errors] == [1, 2]
    assert isinstance(errors[0][1], services.Conflict) and errors[0][1].entry.value == "80"
    assert not isinstance(errors[1][1], services.Conflict)
    _nothing_changed(small_cycle, p, snapshot)


def test_a_stale_appraisal_or_explanation_is_a_conflict_and_saves_nothing(small_cycle):
    p = _appraisal_world(small_cycle)
    appraiser = small_cycle.users["appraiser"]
    entry = Entry.objects.get(participation=p, code="1.1.2")
    stale = entry.version
    services.entry_appraise(
        entry=entry, points=Decimal("0"), reason="other", version=stale, user=appraiser
    )
    snapshot = _snapshot(small_cycle, p)
    with pytest.raises(services.Conflict):
        services.entry_appraise(
            entry=entry, points=Decimal("0.5"), reason="other", version=stale, user=appraiser
        )
    _nothing_changed(small_cycle, p, snapshot)
    _to(small_cycle, State.EXPLANATION)
    snapshot = _snapshot(small_cycle, p)
    with pytest.raises(services.Conflict):
        services.entry_explain(
            entry=entry, text="Giải trình", version=stale, user=small_cycle.users["officer"]
        )
    _nothing_changed(small_cycle, p, snapshot)


def test_write_entries_checks_every_version_before_writing_anything(small_cycle):
    p = small_cycle.p_department
    officer = small_cycle.users["officer"]
    for code in ("1.1.1", "2.1.1"):
        services.entry_save_self(participation=p, code=code, value="", note="x", user=officer)
    locked = services.lock_entries([(p, "1.1.1"), (p, "2.1.1")])
    snapshot = _snapshot(small_cycle, p)
    changes = [
        services.EntryChange(
            participation=p,
            entry=locked[(p.pk, code)],
            action="entry.self_saved",
            values={"note": "y"},
            old={"note": "x"},
            new={"note": "y"},
            version=version,
        )
        for code, version in (("1.1.1", 1), ("2.1.1", 7))
    ]
    with pytest.raises(services.Conflict) as caught:
        services.write_entries(changes, user=officer)
    assert [i for i, _c in caught.value.conflicts] == [1]
    _nothing_changed(small_cycle, p, snapshot)


def test_an_out_of_date_cycle_saved_later_keeps_the_results_version(small_cycle):
    """Only results_changed moves the version: saving a stale Cycle or Participation
    object must not turn it back (cached results would be served as current)."""
    stale = Cycle.objects.get(pk=small_cycle.cycle.pk)
    stale_part = Participation.objects.filter(cycle=stale).first()
    version = services.results_changed(stale.pk)
    stale.name = "Tên mới"
    stale.save()
    stale_part.report = "Báo cáo"
    stale_part.save()
    fresh = Cycle.objects.get(pk=stale.pk)
    assert fresh.results_version == version and fresh.name == "Tên mới"
    assert Participation.objects.get(pk=stale_part.pk).results_version == version
