"""``retencao lgpd report`` and ``retencao lgpd erase`` against the same store the API writes to."""

import json
from pathlib import Path

from typer.testing import CliRunner

from adapters.settings import Settings
from api.cli import cli
from domain.personal_data import ERASED
from tests.conftest import Api
from tests.helpers import drive_reference_case


def invoke(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "RETENCAO_DATABASE_URL": settings.database_url,
        "RETENCAO_MASTER_KEY_FILE": str(settings.master_key_file),
        "LOGNAME": "ana",
        "USER": "ana",
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_cli_report_then_erase(api: Api, settings: Settings, tmp_path: Path) -> None:
    case = drive_reference_case(api)
    pdf = tmp_path / "titular.pdf"

    code, output = invoke(settings, "lgpd", "report", "--cpf", "528.147.306-90", "--pdf", str(pdf), "--json")

    assert code == 0, output
    report = json.loads(output[: output.rindex("}") + 1])
    assert report["cases"][0]["case_id"] == case["id"]
    assert report["cases"][0]["provider"]["dentist_name"] == "RAFAEL TEIXEIRA MONTEIRO"
    assert pdf.read_bytes().startswith(b"%PDF-")

    code, output = invoke(settings, "lgpd", "erase", "--cpf", "52814730690", "--legal-basis", "LGPD art. 18, VI",
                          "--requester", "protocolo 77")  # fmt: skip

    assert code == 0, output
    assert "1 chave(s) destruída(s), 1 caso(s)" in output
    code, output = invoke(settings, "lgpd", "report", "--cpf", "52814730690")
    report = json.loads(output)
    assert report["cases"][0]["provider"]["cpf"] == ERASED
    assert any(access["actor_id"] == "cli:ana" for access in report["accesses"])


def test_cli_erase_unknown_cpf_fails(api: Api, settings: Settings) -> None:
    drive_reference_case(api)

    code, output = invoke(settings, "lgpd", "erase", "--cpf", "111.444.777-35", "--legal-basis", "x", "--requester", "y")

    assert code == 1
    assert "Nenhum caso registrado" in output


def test_cli_report_pdf_keeps_stdout_clean(api: Api, settings: Settings, tmp_path: Path) -> None:
    drive_reference_case(api)
    pdf = tmp_path / "titular.pdf"

    code, output = invoke(settings, "lgpd", "report", "--cpf", "528.147.306-90", "--pdf", str(pdf))

    assert code == 0, output
    assert '"cases"' not in output
    assert f"PDF gravado em {pdf}" in output
    assert pdf.read_bytes().startswith(b"%PDF-")
