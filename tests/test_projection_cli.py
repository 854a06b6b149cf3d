"""The projection commands of the command line, on the embedded store."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.settings import Settings
from adapters.store import migrate, open_store
from api.cli import cli
from tests.test_projection_workers import _fill


def test_rebuild_command_reports_position(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RETENCAO_MASTER_KEY_FILE", str(tmp_path / "master-keys.json"))
    settings = Settings()
    migrate(settings)
    store = open_store(settings)
    try:
        head = _fill(store, cases=30)
    finally:
        store.close()

    result = CliRunner().invoke(cli, ["projections", "rebuild", "case_summary", "--batch-size", "50"])
    assert result.exit_code == 0, result.output
    assert f"reconstruída até o evento {head}" in result.output

    status = CliRunner().invoke(cli, ["projections", "status"])
    assert status.exit_code == 0, status.output
    assert "case_summary" in status.output


def test_rebuild_command_rejects_unknown_name(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("RETENCAO_MASTER_KEY_FILE", str(tmp_path / "master-keys.json"))
    migrate(Settings())

    result = CliRunner().invoke(cli, ["projections", "rebuild", "cases"])
    assert result.exit_code == 1
    assert "Projeção desconhecida: 'cases'" in result.output
