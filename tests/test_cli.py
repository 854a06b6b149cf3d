"""The command line: migrate, keys and the reference-case demo."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("RETENCAO_API_KEYS_FILE", str(tmp_path / "keys.json"))
    monkeypatch.setenv("RETENCAO_MASTER_KEY_FILE", str(tmp_path / "master-keys.json"))
    monkeypatch.setenv("RETENCAO_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit-signing-key.pem"))
    return tmp_path


def test_migrate_creates_the_schema_twice_without_error(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    result = runner.invoke(cli, ["migrate"])
    assert result.exit_code == 0
    assert "Esquema pronto" in result.output
    assert (env / "cli.db").exists()


def test_migrate_creates_signing_key_once(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["migrate"], env={"COLUMNS": "200"})
    key = (env / "audit-signing-key.pem").read_bytes()
    second = runner.invoke(cli, ["migrate"], env={"COLUMNS": "200"})

    assert "Chave de assinatura da auditoria criada" in first.output
    assert key.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert "Chave de assinatura da auditoria criada" not in second.output
    assert (env / "audit-signing-key.pem").read_bytes() == key


def test_keys_init_stores_only_hashes(env: Path) -> None:
    result = CliRunner().invoke(cli, ["keys", "init"])

    assert result.exit_code == 0
    stored = json.loads((env / "keys.json").read_text())
    roles = {role for item in stored["keys"] for role in item["roles"]}
    assert roles == {"agent", "supervisor", "auditor", "service", "dpo"}
    for item in stored["keys"]:
        assert len(item["key_sha256"]) == 64
        assert item["key_sha256"] not in result.output
    assert "rtc_" in result.output
    assert "rtc_" not in (env / "keys.json").read_text()


def test_keys_init_refuses_to_overwrite(env: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["keys", "init"])
    result = runner.invoke(cli, ["keys", "init"])
    assert result.exit_code == 1
    assert "--force" in result.output


def test_demo_drives_the_reference_case(env: Path) -> None:
    result = CliRunner().invoke(cli, ["demo"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "Desligamento por Valores, em 113 dia(s)" in result.output
    assert "14 eventos no histórico" in result.output


def test_schema_check_requires_append_function(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    from adapters.schema_check import POSTGRES_APPEND_FUNCTION, missing_schema_objects, schema_objects
    from adapters.settings import Settings
    from adapters.store import migrate

    settings = Settings(database_url=postgres_url, master_key_file=tmp_path / "master-keys.json")
    assert missing_schema_objects(settings) == list(schema_objects(settings))

    migrate(settings)
    assert missing_schema_objects(settings) == []

    # A database migrated by an older version has the tables but not the append function.
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP FUNCTION retentioncases_events_append")
    assert missing_schema_objects(settings) == [POSTGRES_APPEND_FUNCTION]
