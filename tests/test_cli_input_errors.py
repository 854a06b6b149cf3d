"""Bad command-line input ends with a pt-BR message and an exit status, never a traceback."""

import json
import uuid
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
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("actor_id", ["", "bad id!", "-ana", "Ana", "a" * 65])
def test_keys_create_rejects_bad_actor_id(env: Path, actor_id: str) -> None:
    result = run("keys", "create", "--actor-id", actor_id, "--role", "agent")

    assert result.exit_code == 2, result.output
    assert "--actor-id inválido" in result.output
    assert not (env / "keys.json").exists() or actor_id not in (env / "keys.json").read_text()


def test_created_key_revokes_as_printed(env: Path) -> None:
    created = run("keys", "create", "--actor-id", "0ana.b_c-d", "--role", "agent")
    assert created.exit_code == 0, created.output
    key_id = json.loads((env / "keys.json").read_text())["keys"][-1]["key_id"]

    revoked = run("keys", "revoke", key_id)

    assert not key_id.startswith("-")
    assert revoked.exit_code == 0, revoked.output
    assert "revogada" in revoked.output


def test_audit_verify_unknown_case_fails(env: Path) -> None:
    assert run("migrate").exit_code == 0
    case_id = uuid.uuid4()

    result = run("audit", "verify", "--case", str(case_id))

    assert result.exit_code == 1, result.output
    assert f"Caso '{case_id}' não encontrado" in result.output
    assert "íntegra" not in result.output


@pytest.mark.parametrize("args", [["audit", "verify", "--case", "nao-e-uuid"], ["replay", "nao-e-uuid"]])
def test_invalid_case_uuid_message_in_portuguese(env: Path, args: list[str]) -> None:
    result = run(*args)

    assert result.exit_code == 2, result.output
    assert "inválido: 'nao-e-uuid'" in result.output
    assert "UUID do caso" in result.output
    assert "not a valid" not in result.output


def test_lgpd_report_checks_pdf_folder_first(env: Path) -> None:
    assert run("migrate").exit_code == 0
    missing = env / "nao-existe" / "x.pdf"

    result = run("lgpd", "report", "--cpf", "528.147.306-90", "--pdf", str(missing))

    assert result.exit_code == 1, result.output
    assert "Não é possível gravar o PDF" in result.output
    assert "não existe" in result.output
    assert "Traceback" not in result.output
    assert '"cases"' not in result.output
    assert not missing.exists()


def test_demo_unreachable_api_message(env: Path) -> None:
    result = run("demo", "--url", "http://127.0.0.1:1", "--agent-key", "a", "--supervisor-key", "s")

    assert result.exit_code == 1, result.output
    assert "Não foi possível falar com a API em http://127.0.0.1:1" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("url", ["notaurl", "http://127.0.0.1:4222", "nats://"])
def test_relay_rejects_bad_nats_url(env: Path, url: str) -> None:
    result = run("relay", "--nats-url", url)

    assert result.exit_code == 2, result.output
    assert "URL do NATS inválida" in result.output
    assert "Value error" not in result.output
