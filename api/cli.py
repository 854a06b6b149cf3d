"""Command line: ``retencao serve | migrate | demo | keys | lgpd | replay | audit | project | projections``."""

import getpass
import logging
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console

from adapters.settings import Settings
from adapters.store import migrate as migrate_schema
from adapters.store import open_store
from api.cli_args import parse_case_id
from api.cli_keys import keys_cli
from api.cli_language import use_portuguese
from api.cli_lgpd import lgpd_cli
from api.cli_schema import database_label, require_schema
from domain.catalog import AccessPurpose, Role

use_portuguese()

# Shell completion is left out because the help of its options is English text that gettext does not reach.
cli = typer.Typer(help="retencao: casos de retenção da rede credenciada.", no_args_is_help=True, add_completion=False)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(lgpd_cli, name="lgpd")
audit_cli = typer.Typer(help="Cadeia de auditoria: verificação e checkpoints assinados.", no_args_is_help=True)
cli.add_typer(audit_cli, name="audit")
projections_cli = typer.Typer(help="Projeções (modelos de leitura).", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")
console = Console()


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


@cli.command()
def migrate() -> None:
    """Cria as tabelas que faltam no banco configurado (pode ser repetido)."""
    _configure_logging()
    settings = Settings()
    _ensure_signing_key(settings)
    migrate_schema(settings)
    console.print(f"Esquema pronto em [bold]{database_label(settings)}[/bold].")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Endereço de escuta.")] = None,
    port: Annotated[int | None, typer.Option(help="Porta TCP.")] = None,
) -> None:
    """Sobe a API HTTP. No SQLite cria o esquema; no PostgreSQL rode `retencao migrate` antes."""
    import uvicorn

    from api.app import create_app

    _configure_logging()
    settings = Settings()
    _ensure_signing_key(settings)
    if settings.is_postgres:
        require_schema(console, settings)
    else:
        migrate_schema(settings)
    if not settings.api_keys_file.exists():
        _print_first_run_keys(settings.api_keys_file)
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, log_config=None, access_log=False)


@keys_cli.command("init")
def keys_init(force: Annotated[bool, typer.Option(help="Substitui o arquivo de chaves existente.")] = False) -> None:
    """Cria uma chave por papel para começar e mostra as chaves uma única vez."""
    settings = Settings()
    if settings.api_keys_file.exists() and not force:
        console.print(f"O arquivo {settings.api_keys_file} já existe; use --force para recriá-lo.")
        raise typer.Exit(code=1)
    settings.api_keys_file.unlink(missing_ok=True)
    _print_first_run_keys(settings.api_keys_file)


@cli.command()
def demo(
    url: Annotated[str | None, typer.Option(help="URL de uma API em execução; sem ela, a demonstração roda em processo.")] = None,
    agent_key: Annotated[str | None, typer.Option(help="Chave de um colaborador (papel agent), com --url.")] = None,
    supervisor_key: Annotated[str | None, typer.Option(help="Chave de um supervisor, com --url.")] = None,
) -> None:
    """Conduz o caso do formulário de referência pela API, da abertura ao desligamento."""
    from api.demo import run_demo

    if url and not (agent_key and supervisor_key):
        console.print("[red]Com --url informe também --agent-key e --supervisor-key.[/red]")
        raise typer.Exit(code=2)
    try:
        ok = run_demo(console, Settings(), url=url, agent_key=agent_key, supervisor_key=supervisor_key)
    except httpx.TransportError as error:
        console.print(f"[red]Não foi possível falar com a API em {url}: {type(error).__name__}. "
                      "Confira a URL e se o servidor está no ar (retencao serve).[/red]", highlight=False)  # fmt: skip
        raise typer.Exit(code=1) from None
    raise typer.Exit(code=0 if ok else 1)


@cli.command()
def replay(
    case_id: Annotated[str, typer.Argument(help="Identificador (UUID) do caso.")],
    until: Annotated[
        str | None, typer.Option(help="Versão (número) ou instante ISO 8601 até onde reproduzir, inclusive.")
    ] = None,
) -> None:
    """Reproduz o caso evento a evento: quem, quando ocorreu, quando foi registrado e o que mudou."""
    from adapters.time_travel import parse_point
    from api.replay import replay_case, replay_table
    from domain.errors import DomainError

    case_uuid = parse_case_id(console, case_id, name="Identificador do caso")
    settings = Settings()
    require_schema(console, settings)
    store = open_store(settings)
    try:
        steps = replay_case(store.app, case_uuid, parse_point(until, field="until"))
        # The table shows the dentist's personal data, so the read is logged like an API read.
        if store.access_log is not None:
            store.access_log.record(f"cli:{getpass.getuser()}", [Role.AUDITOR.value], [str(case_uuid)],
                                    AccessPurpose.REPLAY.value, str(uuid.uuid4()))  # fmt: skip
    except DomainError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        store.close()
    console.print(replay_table(case_uuid, steps))
    console.print(f"{len(steps)} evento(s) reproduzido(s).")


@audit_cli.command("verify")
def audit_verify(
    case: Annotated[str | None, typer.Option("--case", help="UUID do caso: verificar só os eventos dele.")] = None,
) -> None:
    """Confere cada evento gravado contra a cadeia de hashes, os checkpoints assinados e os snapshots."""
    from adapters.snapshot_verification import verify_store
    from api.audit_console import verification_table

    case_id = parse_case_id(console, case, name="--case") if case is not None else None
    settings = Settings()
    require_schema(console, settings)
    store = open_store(settings)
    try:
        report = verify_store(store.app, case_id)
    finally:
        store.close()
    if case_id is not None and report.ok and report.event_count == 0:
        console.print(f"[red]Caso '{case_id}' não encontrado.[/red]")
        raise typer.Exit(code=1)
    console.print(verification_table(report))
    raise typer.Exit(code=0 if report.ok else 1)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Assina agora o elo mais recente da cadeia, fora do intervalo automático."""
    settings = Settings()
    require_schema(console, settings)
    if not settings.audit_signing_key_file.exists():
        console.print(f"[red]Chave de assinatura não encontrada em {settings.audit_signing_key_file}.[/red]")
        raise typer.Exit(code=1)
    store = open_store(settings)
    try:
        ledger = store.app.recorder.audit_ledger  # type: ignore[attr-defined]
        checkpoint = ledger.checkpoint_head(ledger.signer)
    finally:
        store.close()
    if checkpoint is None:
        console.print("A cadeia está vazia: nada a assinar.")
        return
    console.print(f"Checkpoint assinado na posição {checkpoint.position}: {checkpoint.link.hex()}.")


def _ensure_signing_key(settings: Settings) -> None:
    from adapters.audit_signing import generate_key_file

    path = settings.audit_signing_key_file
    if path.exists():
        return
    signer = generate_key_file(path)
    console.print(
        f"[yellow]Chave de assinatura da auditoria criada em {path} (id {signer.key_id}). "
        "Em produção, guarde-a fora do servidor do banco: quem tem a chave pode assinar checkpoints.[/yellow]"
    )


@cli.command()
def project(
    batch_size: Annotated[int | None, typer.Option(help="Eventos aplicados por transação.", min=1, max=50_000)] = None,
) -> None:
    """Roda os workers de projeção até receber SIGINT ou SIGTERM; um segundo worker fica de reserva."""
    from api.projection_commands import run_workers

    _configure_logging()
    settings = Settings()
    require_schema(console, settings)
    run_workers(console, settings, batch_size)


@projections_cli.command("rebuild")
def projections_rebuild(
    name: Annotated[str, typer.Argument(help="Nome da projeção, por exemplo case_summary.")],
    batch_size: Annotated[int, typer.Option(help="Eventos por transação.", min=1, max=50_000)] = 5000,
) -> None:
    """Reconstrói um modelo de leitura desde o primeiro evento e troca a tabela ao alcançar o fim."""
    from api.projection_commands import rebuild_with_progress

    settings = Settings()
    require_schema(console, settings)
    ok = rebuild_with_progress(console, settings, name, batch_size)
    raise typer.Exit(code=0 if ok else 1)


@projections_cli.command("status")
def projections_status() -> None:
    """Mostra a posição e o atraso de cada projeção."""
    from api.projection_commands import print_status

    settings = Settings()
    require_schema(console, settings)
    print_status(console, settings)


@cli.command()
def relay(
    nats_url: Annotated[str | None, typer.Option(help="URL do servidor NATS (padrão: RETENCAO_RELAY_NATS_URL).")] = None,
    stream: Annotated[str | None, typer.Option(help="Nome do stream JetStream (padrão: RETENCAO_RELAY_STREAM).")] = None,
) -> None:
    """Publica cada evento, em ordem, num stream NATS JetStream e grava a posição após a confirmação."""
    from api.relay_command import read_relay_settings, run_relay_command

    _configure_logging()
    settings = Settings()
    try:
        relay_settings = read_relay_settings(nats_url=nats_url, stream=stream)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, item['loc']))}: {_setting_message(item)}" for item in error.errors())
        console.print(f"[red]Configuração do relay inválida (variáveis RETENCAO_RELAY_*): {problems}[/red]")
        raise typer.Exit(code=2) from None
    # The schema check comes before the relay creates its positions table or connects to NATS.
    require_schema(console, settings)
    run_relay_command(settings, relay_settings)


def _setting_message(item: Any) -> str:
    """Return a validator's own message without pydantic's English "Value error, " prefix."""
    if item["type"] == "value_error":
        return str(item["ctx"]["error"])
    return str(item["msg"])


def _print_first_run_keys(path: Path) -> None:
    from api.auth import create_first_run_keys

    created = create_first_run_keys(path)
    console.print("[bold]Chaves de API criadas.[/bold] Guarde-as agora: o arquivo só guarda o hash de cada uma.")
    rows = [(actor_id, ", ".join(role.value for role in roles), key, name) for actor_id, name, roles, key in created]
    id_width = max(len(row[0]) for row in rows)
    roles_width = max(len(row[1]) for row in rows)
    for actor_id, roles_text, key, name in rows:
        # Plain print keeps each key on one line, whatever the terminal width, so it can be copied.
        print(f"  {actor_id:<{id_width}} {roles_text:<{roles_width}} {key}   ({name})")
    console.print(f"Hashes gravados em {path}.")


def main() -> None:
    cli()


if __name__ == "__main__":
    sys.exit(main())

