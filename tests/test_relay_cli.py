"""The ``retencao relay`` command's handling of invalid configuration."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import cli


def test_relay_rejects_invalid_stream_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", f"sqlite:///{tmp_path}/relay.db")
    monkeypatch.setenv("RETENCAO_RELAY_STREAM", "nome com espaço")

    result = CliRunner().invoke(cli, ["relay"])

    assert result.exit_code == 2
    assert "Configuração do relay inválida" in result.output
    assert "stream" in result.output


def test_relay_rejects_unknown_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", f"sqlite:///{tmp_path}/relay.db")
    monkeypatch.setenv("RETENCAO_RELAY_ROLES", "service,gerente")

    result = CliRunner().invoke(cli, ["relay"])

    assert result.exit_code == 2
    assert "roles" in result.output
    assert "gerente" in result.output
