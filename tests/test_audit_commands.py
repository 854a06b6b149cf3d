"""The replay and verify commands and the verification endpoint, on SQLite and PostgreSQL."""

import re
import sqlite3

from uuid import UUID

import psycopg
import pytest
from typer.testing import CliRunner

from adapters.settings import Settings
from api.cli import cli
from tests.conftest import Api, auth
from tests.helpers import command, drive_reference_case, open_reference_case
from tests.test_concurrency_and_idempotency import parallel


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("RETENCAO_AUDIT_SIGNING_KEY_FILE", str(settings.audit_signing_key_file))
    monkeypatch.setenv("RETENCAO_MASTER_KEY_FILE", str(settings.master_key_file))
    monkeypatch.setenv("COLUMNS", "240")
    return CliRunner()


def corrupt_state(settings: Settings, case_id: str, version: int) -> None:
    """Flip one byte of a stored event's state, as someone with database access could."""
    if settings.is_postgres:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE retentioncases_events SET state = overlay(state placing '\\x21'::bytea from 20 for 1) "
                "WHERE originator_id = %s AND originator_version = %s",
                (case_id, version),
            )
        return
    with sqlite3.connect(settings.sqlite_path()) as conn:
        conn.execute(
            "UPDATE stored_events SET state = CAST(substr(state, 1, 19) || '!' || substr(state, 21) AS BLOB) "
            "WHERE originator_id = ? AND originator_version = ?",
            (case_id.replace("-", ""), version),
        )


def test_replay_prints_each_event(api: Api, runner: CliRunner) -> None:
    case = drive_reference_case(api)

    result = runner.invoke(cli, ["replay", case["id"]])

    assert result.exit_code == 0, result.output
    assert "14 evento(s) reproduzido(s)." in result.output
    assert "Caso aberto" in result.output
    assert "Conclusão aprovada" in result.output
    assert "paula (Supervisor)" in result.output
    assert "03/10/2023 09:35:00" in result.output  # 08:35 in Manaus is 09:35 in São Paulo
    assert "status: declined" in result.output


def test_replay_until_version(api: Api, runner: CliRunner) -> None:
    case = drive_reference_case(api)

    result = runner.invoke(cli, ["replay", case["id"], "--until", "3"])

    assert result.exit_code == 0, result.output
    assert "3 evento(s) reproduzido(s)." in result.output
    assert "Conclusão aprovada" not in result.output


def test_replay_before_case_existed_fails(api: Api, runner: CliRunner) -> None:
    case = drive_reference_case(api)

    result = runner.invoke(cli, ["replay", case["id"], "--until", "2001-01-01T00:00:00Z"])

    assert result.exit_code == 1
    assert "ainda não existia" in result.output


def test_verify_reports_success_then_break(api: Api, runner: CliRunner, settings: Settings) -> None:
    case = drive_reference_case(api)
    drive_reference_case(api)

    clean = runner.invoke(cli, ["audit", "verify"])
    corrupt_state(settings, case["id"], 6)
    broken = runner.invoke(cli, ["audit", "verify", "--case", case["id"]])

    assert clean.exit_code == 0, clean.output
    assert "Cadeia íntegra" in clean.output
    assert re.search(r"Eventos conferidos\s*│\s*28 ", clean.output)
    assert broken.exit_code == 1, broken.output
    assert "Evento alterado depois de gravado" in broken.output
    assert case["id"] in broken.output
    assert re.search(r"Versão\s*│\s*6 ", broken.output)


def test_checkpoint_command_signs_head(api: Api, runner: CliRunner) -> None:
    drive_reference_case(api)

    result = runner.invoke(cli, ["audit", "checkpoint"])

    assert result.exit_code == 0, result.output
    assert "posição 14" in result.output


def test_verification_endpoint(api: Api, settings: Settings) -> None:
    case = drive_reference_case(api)

    clean = api.client.get("/v1/audit/verification", headers=auth("auditor")).json()
    corrupt_state(settings, case["id"], 2)
    broken = api.client.get("/v1/audit/verification", params={"case_id": case["id"]}, headers=auth("auditor")).json()

    assert clean["ok"] is True
    assert clean["event_count"] == 14
    assert clean["head"]["position"] == 14
    assert clean["checkpoint"]["position"] == 12
    assert broken["ok"] is False
    assert broken["break"]["kind"] == "event_altered"
    assert broken["break"]["case_id"] == case["id"]
    assert broken["break"]["version"] == 2


def test_concurrent_writers_keep_chain_whole(api: Api) -> None:
    cases = [open_reference_case(api)["id"] for _ in range(4)]

    def write(index: int) -> None:
        for number in range(4):
            response = command(api, cases[index], "add_note", {"text": f"nota {index}-{number}"})
            assert response.status_code == 200, response.text

    parallel(4, write)
    report = api.client.get("/v1/audit/verification", headers=auth("auditor")).json()

    assert report["ok"] is True, report["break"]
    assert report["event_count"] == 4 + 4 * 4
    assert report["head"]["position"] == 4 + 4 * 4


def test_edited_snapshot_fails_verification(api: Api, settings: Settings) -> None:
    case = drive_reference_case(api)
    table = "retentioncases_snapshots" if settings.is_postgres else "stored_snapshots"
    if settings.is_postgres:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(
                f"UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'), 'MANAUS', 'RECIFE'), "
                "'UTF8') WHERE originator_version = 5"
            )
    else:
        with sqlite3.connect(settings.sqlite_path()) as conn:
            conn.execute(
                f"UPDATE {table} SET state = CAST(replace(CAST(state AS TEXT), 'MANAUS', 'RECIFE') AS BLOB) "
                "WHERE originator_version = 5"
            )

    report = api.client.get("/v1/audit/verification", params={"case_id": case["id"]}, headers=auth("auditor")).json()

    assert report["ok"] is False
    assert report["break"]["kind"] == "snapshot_altered"
    assert report["break"]["version"] == 5


def test_verification_needs_auditor_or_supervisor(api: Api) -> None:
    response = api.client.get("/v1/audit/verification", headers=auth("agent"))

    assert response.status_code == 403


def test_verification_of_unknown_case_is_not_found(api: Api) -> None:
    response = api.client.get(
        "/v1/audit/verification",
        params={"case_id": "00000000-0000-4000-8000-000000000000"},
        headers=auth("auditor"),
    )

    assert response.status_code == 404


def test_erasure_keeps_chain_and_snapshots_verified(api: Api) -> None:
    case = drive_reference_case(api)
    erasure = {"cpf": "52814730690", "legal_basis": "LGPD art. 18, VI", "requester": "protocolo 1"}

    erased = api.client.post("/v1/lgpd/erasures", json=erasure, headers=auth("dpo"))
    report = api.client.get("/v1/audit/verification", params={"case_id": case["id"]}, headers=auth("auditor")).json()
    dossier = api.client.get(f"/v1/cases/{case['id']}/dossier", headers=auth("auditor"))

    assert erased.status_code == 200, erased.text
    assert report["ok"] is True, report["break"]
    assert report["event_count"] == api.store.app.case_events(UUID(case["id"]))[-1].originator_version
    assert dossier.status_code == 200
    assert "RAFAEL TEIXEIRA MONTEIRO" not in dossier.text
    assert dossier.json()["verification"]["ok"] is True


def test_every_event_type_has_label() -> None:
    from domain.catalog import EventType
    from domain.retention_case import RetentionCase

    event_classes = {
        name
        for name, value in vars(RetentionCase).items()
        if isinstance(value, type) and issubclass(value, RetentionCase.Event) and name not in ("Event", "Created")
    }

    assert event_classes == {member.value for member in EventType}


def test_replay_command_is_recorded_in_access_log(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    from typer.testing import CliRunner

    from adapters.settings import Settings
    from adapters.store import migrate, open_store
    from api.cli import cli
    from api.reference_case import OPEN_CASE
    from domain.actor import Actor, CommandContext
    from domain.catalog import Role
    from domain.commands import OpenCase, parse_header

    monkeypatch.setenv("RETENCAO_DATABASE_URL", f"sqlite:///{tmp_path}/replay.db")
    monkeypatch.setenv("RETENCAO_MASTER_KEY_FILE", str(tmp_path / "master.key"))
    monkeypatch.setenv("RETENCAO_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit.pem"))
    settings = Settings()
    migrate(settings)
    store = open_store(settings)
    context = CommandContext(Actor("marina", frozenset({Role.AGENT})), "req", datetime.now(timezone.utc))
    store.app.open_case(OpenCase(header=parse_header(OPEN_CASE)), context, lambda case: (201, {}, {}))
    [notification] = store.app.notification_log.select(start=1, limit=1)
    store.close()

    result = CliRunner().invoke(cli, ["replay", str(notification.originator_id)])

    assert result.exit_code == 0, result.output
    store = open_store(settings)
    try:
        assert store.access_log is not None
        from adapters.access_log import AccessFilter

        rows, total = store.access_log.entries(AccessFilter(), 10, 0)
    finally:
        store.close()
    assert total == 1
    assert rows[0]["purpose"] == "replay"
    assert rows[0]["actor_id"].startswith("cli:")
