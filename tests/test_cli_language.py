"""The words Typer adds around the command line's texts come out in pt-BR."""

from typer.testing import CliRunner

from api.cli import cli


def test_help_panels_in_portuguese() -> None:
    result = CliRunner().invoke(cli, ["audit", "verify", "--help"], env={"COLUMNS": "120"})

    assert result.exit_code == 0
    assert "Opções" in result.output
    assert "Options" not in result.output


def test_group_help_lists_commands_in_portuguese() -> None:
    result = CliRunner().invoke(cli, ["--help"], env={"COLUMNS": "120"})

    assert "Comandos" in result.output
    assert "Commands" not in result.output
    assert "--install-completion" not in result.output


def test_usage_error_panel_in_portuguese() -> None:
    result = CliRunner().invoke(cli, ["audit", "verify", "--sem-isso"], env={"COLUMNS": "120"})

    assert result.exit_code == 2
    assert "Erro" in result.output
    assert "para ver a ajuda" in result.output
