"""Commands that work on an existing database stop with a pt-BR message when `retencao migrate` never ran."""

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner, Result

from adapters.schema_check import POSTGRES_APPEND_FUNCTION, missing_schema_objects, schema_objects
from adapters.settings import Settings
from adapters.store import migrate
from api.cli import cli
from tests.event_helpers import free_port

CPF = "528.147.306-90"

COMMANDS = {
    "project": ["project"],
    "audit verify": ["audit", "verify"],
    "audit checkpoint": ["audit", "checkpoint"],
    "projections status": ["projections", "status"],
    "projections rebuild": ["projections", "rebuild", "case_summary"],
    "replay": ["replay", str(uuid.uuid4())],
    "lgpd report": ["lgpd", "report", "--cpf", CPF],
    "lgpd erase": ["lgpd", "erase", "--cpf", CPF, "--legal-basis", "LGPD art. 18, VI", "--requester", "protocolo 1"],
    "relay": ["relay"],
}

# Functions the commands call once the schema check passes. Each runs until stopped, so without the
# check a test would hang. The `started` fixture replaces them with a recorder of the call.
LONG_RUNNING = ("uvicorn.run", "api.relay_command.run_relay_command", "api.projection_commands.run_workers")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    for target in LONG_RUNNING:
        monkeypatch.setattr(target, _recorder(calls, target))
    return calls


def _recorder(calls: list[str], target: str) -> Callable[..., None]:
    def record(*_args: Any, **_kwargs: Any) -> None:
        calls.append(target)

    return record


def use_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", database_url)
    monkeypatch.setenv("RETENCAO_API_KEYS_FILE", str(tmp_path / "keys.json"))
    monkeypatch.setenv("RETENCAO_MASTER_KEY_FILE", str(tmp_path / "master-keys.json"))
    monkeypatch.setenv("RETENCAO_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit-signing-key.pem"))
    # The relay must stop before it connects, and if it does not, a free local port leaves nothing to reach.
    monkeypatch.setenv("RETENCAO_RELAY_NATS_URL", f"nats://127.0.0.1:{free_port()}")


def postgres_tables(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return sorted(row[0] for row in rows)


def sqlite_tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        conn.close()
    return sorted(row[0] for row in rows)


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def assert_migrate_message(result: Result, label: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "Rode `retencao migrate` antes." in line]
    assert len(lines) == 1, result.output
    assert f"O banco {label} ainda não tem o esquema do retencao." in lines[0]


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_command_on_unmigrated_postgres_stops(
    args: list[str], postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    use_database(monkeypatch, tmp_path, postgres_url)
    files_before = files_under(tmp_path)

    result = CliRunner().invoke(cli, args)

    assert_migrate_message(result, "PostgreSQL")
    assert started == []
    assert postgres_tables(postgres_url) == []
    assert files_under(tmp_path) == files_before


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_command_on_new_sqlite_path_stops(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    path = tmp_path / "novo" / "retencao.db"
    use_database(monkeypatch, tmp_path, f"sqlite:///{path}")
    files_before = files_under(tmp_path)

    result = CliRunner().invoke(cli, args)

    assert_migrate_message(result, f"SQLite ({path})")
    assert started == []
    assert not path.parent.exists()
    assert files_under(tmp_path) == files_before


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_command_on_empty_sqlite_file_stops(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    path = tmp_path / "vazio.db"
    sqlite3.connect(path).close()
    use_database(monkeypatch, tmp_path, f"sqlite:///{path}")
    files_before = files_under(tmp_path)

    result = CliRunner().invoke(cli, args)

    assert_migrate_message(result, f"SQLite ({path})")
    assert started == []
    assert sqlite_tables(path) == []
    assert files_under(tmp_path) == files_before


def test_serve_on_unmigrated_postgres_stops(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    use_database(monkeypatch, tmp_path, postgres_url)

    result = CliRunner().invoke(cli, ["serve"])

    assert_migrate_message(result, "PostgreSQL")
    assert started == []
    assert postgres_tables(postgres_url) == []
    assert not (tmp_path / "keys.json").exists()


def test_serve_creates_sqlite_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]) -> None:
    path = tmp_path / "novo" / "retencao.db"
    use_database(monkeypatch, tmp_path, f"sqlite:///{path}")

    result = CliRunner().invoke(cli, ["serve"])

    assert result.exit_code == 0, result.output
    assert started == ["uvicorn.run"]
    assert missing_schema_objects(Settings()) == []


def test_older_sqlite_schema_names_missing_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]
) -> None:
    path = tmp_path / "retencao.db"
    use_database(monkeypatch, tmp_path, f"sqlite:///{path}")
    migrate(Settings())
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE projection_tracking")

    result = CliRunner().invoke(cli, ["projections", "status"])

    assert result.exit_code == 1, result.output
    assert "esquema incompleto ou de uma versão anterior (falta: projection_tracking)" in result.output
    assert "Rode `retencao migrate` antes." in result.output
    assert "projection_tracking" not in sqlite_tables(path)


def test_unreadable_sqlite_file_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "texto.db"
    path.write_text("isto não é um banco SQLite\n" * 200)
    use_database(monkeypatch, tmp_path, f"sqlite:///{path}")

    result = CliRunner().invoke(cli, ["audit", "verify"])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert f"Não foi possível ler o esquema do banco SQLite ({path})" in result.output
    assert "migrate" not in result.output


def test_unreachable_postgres_fails_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[str]) -> None:
    use_database(monkeypatch, tmp_path, f"postgresql://postgres@127.0.0.1:{free_port()}/retencao")

    result = CliRunner().invoke(cli, ["relay"])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Não foi possível ler o esquema do banco PostgreSQL" in result.output
    assert "Confira RETENCAO_DATABASE_URL" in result.output
    assert started == []


def test_check_lists_what_migrate_creates(settings: Settings) -> None:
    assert missing_schema_objects(settings) == list(schema_objects(settings))

    migrate(settings)

    assert missing_schema_objects(settings) == []
    if settings.is_postgres:
        tables = postgres_tables(settings.database_url)
    else:
        tables = sqlite_tables(settings.sqlite_path())
    expected = [name for name in schema_objects(settings) if name != POSTGRES_APPEND_FUNCTION]
    assert tables == sorted(expected)
