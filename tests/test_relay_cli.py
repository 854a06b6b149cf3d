"""The ``retencao relay`` command's handling of invalid configuration."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import cli


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [("RETENCAO_RELAY_STREAM", "nome com espaço", "stream"), ("RETENCAO_RELAY_ROLES", "service,gerente", "gerente")],
)
def test_relay_rejects_invalid_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv("RETENCAO_DATABASE_URL", f"sqlite:///{tmp_path}/relay.db")
    monkeypatch.setenv(variable, value)

    result = CliRunner().invoke(cli, ["relay"])

    assert result.exit_code == 2
    assert "Configuração do relay inválida" in result.output
    assert named in result.output
