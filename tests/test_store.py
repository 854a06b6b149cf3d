"""Event store behaviour, run on SQLite and on PostgreSQL."""

from datetime import datetime, timezone

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError

from adapters.case_search import CaseFilter, search_cases
from adapters.settings import Settings
from adapters.store import Store, open_store
from api import reference_case
from domain.actor import Actor, CommandContext
from domain.catalog import Role
from domain.commands import OpenCase, parse_command, parse_header
from domain.retention_case import RetentionCase

AGENT = CommandContext(Actor("marina", frozenset({Role.AGENT})), "req", datetime.now(timezone.utc))


def render(case: RetentionCase):  # type: ignore[no-untyped-def]
    return 200, {"version": case.version}, {}


def open_case(store: Store) -> RetentionCase:
    result = store.app.open_case(OpenCase(header=parse_header(reference_case.OPEN_CASE)), AGENT, render)
    assert result.status_code == 200
    [notification] = store.app.notification_log.select(start=1, limit=1)
    return store.app.get_case(notification.originator_id)


def add_notes(store: Store, case: RetentionCase, count: int) -> None:
    for number in range(count):
        store.app.execute(case.id, parse_command("add_note", {"text": f"nota {number}"}), AGENT, render)


def test_events_round_trip_exactly(store: Store) -> None:
    case = open_case(store)
    for trigger, body in reference_case.STEPS:
        store.app.execute(case.id, parse_command(trigger, body), AGENT, render)

    stored = store.app.get_case(case.id)
    rebuilt = None
    for event in store.app.case_events(case.id):
        rebuilt = event.mutate(rebuilt)

    assert rebuilt == stored
    assert stored.header.us_value is not None
    assert str(stored.header.us_value) == "0.30"
    assert stored.attempts[0].occurred_at.isoformat() == "2023-10-03T08:35:00-04:00"


def test_snapshot_gives_the_same_case_as_full_replay(store: Store) -> None:
    case = open_case(store)
    add_notes(store, case, 12)

    snapshots = list(store.app.snapshots.get(case.id)) if store.app.snapshots else []
    from_events = None
    for event in store.app.case_events(case.id):
        from_events = event.mutate(from_events)

    assert [snapshot.originator_version for snapshot in snapshots] == [5, 10]
    assert store.app.get_case(case.id) == from_events
    assert store.app.get_case(case.id, version=7).version == 7


def test_projection_applies_each_event_once_across_restarts(store: Store, settings: Settings) -> None:
    case = open_case(store)
    store.app.execute(case.id, parse_command("attempt_contact", {"channel": "phone", "outcome": "no_answer"}), AGENT, render)
    assert store.projection is not None
    assert store.projection.wait_for(store.app.recorder.max_notification_id(), timeout=10)
    store.projection.stop()

    store.app.execute(case.id, parse_command("attempt_contact", {"channel": "phone", "outcome": "no_answer"}), AGENT, render)
    restarted = open_store(settings)
    restarted.start_projections()
    try:
        assert restarted.projection is not None
        assert restarted.projection.wait_for(restarted.app.recorder.max_notification_id(), timeout=10)
        page = search_cases(restarted.read_models, CaseFilter(), limit=10)
        rows, total = page.rows, page.total
    finally:
        restarted.close()

    assert total == 1
    assert rows[0]["attempt_count"] == 2
    assert rows[0]["version"] == 3


def test_api_workers_do_not_create_tables(postgres_url: str) -> None:
    store = open_store(Settings(database_url=postgres_url))
    try:
        with pytest.raises(PersistenceError):
            store.app.recorder.max_notification_id()
    finally:
        store.close()

    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()
    assert tables == (0,)
