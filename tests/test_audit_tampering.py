"""Direct SQL changes to the stored events on PostgreSQL, each caught at the exact event."""

from collections.abc import Iterator
from uuid import UUID

import psycopg
import pytest

from adapters.audit_chain import event_digest, next_link
from adapters.audit_signing import CheckpointSigner
from adapters.audit_verification import VerificationReport, verify_chain
from adapters.settings import Settings
from adapters.snapshot_verification import verify_store
from adapters.store import Store
from domain.catalog import ChainBreakKind
from tests.conftest import Api
from tests.helpers import drive_reference_case


@pytest.fixture
def database_url(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A checkpoint after every write, so a rewritten chain is pinned to its first event.
    return settings.model_copy(update={"audit_checkpoint_interval": 1})


@pytest.fixture
def cases(api: Api) -> Iterator[tuple[UUID, UUID]]:
    first = UUID(drive_reference_case(api)["id"])
    second = UUID(drive_reference_case(api)["id"])
    yield first, second


def verify(store: Store, settings: Settings, case_id: UUID | None = None) -> VerificationReport:
    signer = CheckpointSigner.from_file(settings.audit_signing_key_file)
    return verify_chain(store.app.recorder.audit_ledger, signer, case_id)  # type: ignore[attr-defined]


def execute(settings: Settings, sql: str, *params: object) -> None:
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(sql, params)  # type: ignore[arg-type]


def assert_break(report: VerificationReport, kind: ChainBreakKind, case_id: UUID, version: int) -> None:
    assert not report.ok
    assert report.chain_break is not None
    assert report.chain_break.kind == kind, report.chain_break
    assert report.chain_break.case_id == case_id
    assert report.chain_break.version == version


def test_untouched_chain_verifies(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    report = verify(api.store, settings)

    assert report.ok, report.chain_break
    assert report.event_count == 28
    assert report.head_position == 28
    assert report.checkpoint is not None
    assert report.checkpoint.position == 28


def test_edited_payload_byte_is_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    _, second = cases
    execute(
        settings,
        "UPDATE retentioncases_events SET state = overlay(state placing '\\x20'::bytea from 30 for 1) "
        "WHERE originator_id = %s AND originator_version = 5",
        second,
    )

    assert_break(verify(api.store, settings), ChainBreakKind.EVENT_ALTERED, second, 5)


def test_deleted_event_is_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    first, _ = cases
    execute(settings, "DELETE FROM retentioncases_events WHERE originator_id = %s AND originator_version = 7", first)

    assert_break(verify(api.store, settings), ChainBreakKind.EVENT_DELETED, first, 7)


def test_swapped_versions_are_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    first, _ = cases
    for old, new in ((3, -1), (4, 3), (-1, 4)):
        execute(
            settings,
            "UPDATE retentioncases_events SET originator_version = %s WHERE originator_id = %s AND originator_version = %s",
            new,
            first,
            old,
        )

    report = verify(api.store, settings)

    assert_break(report, ChainBreakKind.EVENT_MOVED, first, 3)
    assert report.chain_break is not None
    assert "versão 4" in report.chain_break.detail


def test_forged_event_is_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    first, _ = cases
    execute(
        settings,
        "INSERT INTO retentioncases_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, 15, topic, state FROM retentioncases_events WHERE originator_id = %s AND originator_version = 13",
        first,
    )

    assert_break(verify(api.store, settings), ChainBreakKind.EVENT_NOT_IN_CHAIN, first, 15)


def test_edited_link_is_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    first, _ = cases
    execute(
        settings,
        "UPDATE audit_chain SET digest = sha256(digest) WHERE originator_id = %s AND originator_version = 9",
        first,
    )

    assert_break(verify(api.store, settings), ChainBreakKind.LINK_BROKEN, first, 9)


def test_rewritten_chain_is_caught_against_checkpoint(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    first, second = cases
    execute(
        settings,
        "UPDATE retentioncases_events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'prices', 'death'), 'UTF8') "
        "WHERE originator_id = %s AND originator_version = 13",
        first,
    )
    _recompute_chain(settings, from_position=13)

    report = verify(api.store, settings)

    assert_break(report, ChainBreakKind.CHAIN_REWRITTEN, first, 13)
    assert report.chain_break is not None
    assert report.chain_break.position == 13


def test_truncated_chain_is_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    _, second = cases
    execute(settings, "DELETE FROM retentioncases_events WHERE originator_id = %s AND originator_version = 14", second)
    execute(settings, "DELETE FROM audit_chain WHERE position = 28")

    report = verify(api.store, settings)

    assert not report.ok
    assert report.chain_break is not None
    assert report.chain_break.kind == ChainBreakKind.CHAIN_TRUNCATED
    assert report.chain_break.position == 28


def test_case_verification_ignores_other_cases(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    first, second = cases
    execute(
        settings,
        "UPDATE retentioncases_events SET state = overlay(state placing '\\x20'::bytea from 30 for 1) "
        "WHERE originator_id = %s AND originator_version = 2",
        second,
    )

    first_report = verify(api.store, settings, first)
    second_report = verify(api.store, settings, second)

    assert first_report.ok, first_report.chain_break
    assert first_report.event_count == 14
    assert_break(second_report, ChainBreakKind.EVENT_ALTERED, second, 2)


def test_edited_snapshot_is_caught(api: Api, settings: Settings, cases: tuple[UUID, UUID]) -> None:
    _, second = cases
    execute(
        settings,
        "UPDATE retentioncases_snapshots SET state = convert_to(replace(convert_from(state, 'UTF8'), 'MANAUS', 'MANAUX'), 'UTF8') "
        "WHERE originator_id = %s AND originator_version = 10",
        second,
    )

    chain_only = verify(api.store, settings)
    report = verify_store(api.store.app)

    assert chain_only.ok
    assert_break(report, ChainBreakKind.SNAPSHOT_ALTERED, second, 10)


def _recompute_chain(settings: Settings, from_position: int) -> None:
    """Recompute digests and links from a position on, as someone with write access and this code could."""
    with psycopg.connect(settings.database_url, autocommit=False) as conn:
        rows = conn.execute(
            "SELECT c.position, c.originator_id, c.originator_version, c.recorded_at, c.link, e.topic, e.state "
            "FROM audit_chain c JOIN retentioncases_events e USING (originator_id, originator_version) ORDER BY c.position"
        ).fetchall()
        link = bytes(rows[from_position - 2][4])
        for position, case_id, version, recorded_at, _, topic, state in rows[from_position - 1 :]:
            digest = event_digest(case_id, version, topic, bytes(state), recorded_at)
            link = next_link(link, digest)
            conn.execute(
                "UPDATE audit_chain SET digest = %s, link = %s WHERE position = %s", (digest, link, position)
            )
        conn.commit()


def test_failed_chain_append_stores_no_event(postgres_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    import psycopg
    from eventsourcing.persistence import PersistenceError

    from adapters.settings import Settings
    from adapters.store import migrate, open_store
    from api.reference_case import OPEN_CASE
    from domain.actor import Actor, CommandContext
    from domain.catalog import Role
    from domain.commands import OpenCase, parse_header

    settings = Settings(
        database_url=postgres_url,
        master_key_file=tmp_path / "master.key",
        audit_signing_key_file=tmp_path / "audit.pem",
    )
    migrate(settings)
    # A trigger makes the chain insert fail after the events' insert succeeded.
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION fail_link() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'simulated fault in the chain append'; END $$"
        )
        conn.execute("CREATE TRIGGER fail_link BEFORE INSERT ON audit_chain FOR EACH ROW EXECUTE FUNCTION fail_link()")
    store = open_store(settings)
    try:
        context = CommandContext(Actor("marina", frozenset({Role.AGENT})), "req", datetime.now(timezone.utc))
        with pytest.raises(PersistenceError):
            store.app.open_case(OpenCase(header=parse_header(OPEN_CASE)), context, lambda case: (201, {}, {}))

        assert store.app.recorder.max_notification_id() in (None, 0)
        with psycopg.connect(postgres_url) as conn:
            assert conn.execute("SELECT count(*) FROM idempotency_keys").fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM audit_chain").fetchone() == (0,)
    finally:
        store.close()
