"""``retencao lgpd``: erase a dentist's personal data and report what is held about one."""

import getpass
import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from adapters.lgpd import erase_subject, subject_accesses, subject_cases
from adapters.settings import Settings
from adapters.store import open_store
from api.cli_schema import require_schema
from api.subject_report import build_report, report_pdf
from domain.actor import Actor, CommandContext
from domain.catalog import AccessPurpose, Role
from domain.errors import DomainError
from domain.identifiers import parse_cpf

lgpd_cli = typer.Typer(help="Pedidos do titular de dados (LGPD).", no_args_is_help=True)
console = Console()

# Without --cpf the CPF is asked for without echo, so it stays out of the shell history.
CpfOption = Annotated[str, typer.Option(prompt="CPF do titular", hide_input=True, help="CPF do dentista titular.")]


@lgpd_cli.command("erase")
def erase(
    cpf: CpfOption,
    legal_basis: Annotated[str, typer.Option(help="Base legal da eliminação, ex.: 'LGPD art. 18, VI'.")],
    requester: Annotated[str, typer.Option(help="Quem pediu, ex.: protocolo do titular (sem dados pessoais).")],
) -> None:
    """Destrói a chave do titular e registra a eliminação em cada caso dele."""
    settings = Settings()
    require_schema(console, settings)
    context = _context()
    store = open_store(settings)
    try:
        result = erase_subject(store.app, parse_cpf(cpf), legal_basis, requester, context)
    except DomainError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        store.close()
    console.print(f"Dados pessoais eliminados: {result.keys_destroyed} chave(s) destruída(s), "
                  f"{len(result.case_ids)} caso(s) com o evento PersonalDataErased.")  # fmt: skip


@lgpd_cli.command("report")
def report(
    cpf: CpfOption,
    pdf: Annotated[Path | None, typer.Option(help="Grava o relatório em PDF neste arquivo em vez de mostrar o JSON.")] = None,
    show_json: Annotated[bool, typer.Option("--json", help="Com --pdf, mostra também o JSON na saída padrão.")] = False,
) -> None:
    """Mostra em JSON tudo o que o sistema guarda sobre o titular (ou grava o PDF com --pdf)."""
    if pdf is not None:
        _check_writable(pdf)
    settings = Settings()
    require_schema(console, settings)
    context = _context()
    store = open_store(settings)
    try:
        digits = parse_cpf(cpf)
        cases, keys = subject_cases(store.app, digits)
        case_ids = [str(case.id) for case in cases]
        assert store.access_log is not None
        store.access_log.record(context.actor.actor_id, [Role.DPO.value], case_ids,
                                AccessPurpose.SUBJECT_REPORT.value, context.correlation_id)  # fmt: skip
        document = build_report(digits, cases, keys, subject_accesses(store.access_log, case_ids), context.now)
    except DomainError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(code=1) from None
    finally:
        store.close()
    if pdf is None or show_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    if pdf is not None:
        try:
            pdf.write_bytes(report_pdf(document))
        except OSError as error:
            console.print(f"[red]Não foi possível gravar o PDF em {pdf}: {error.strerror}.[/red]", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None
        typer.echo(f"PDF gravado em {pdf}.", err=True)


def _check_writable(path: Path) -> None:
    """Exit with status 1 before any work when ``path`` cannot be created or overwritten."""
    folder = path.parent
    if path.is_dir():
        problem = "o caminho é uma pasta"
    elif not folder.is_dir():
        problem = f"a pasta {folder} não existe"
    elif not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        problem = "sem permissão de escrita"
    else:
        return
    console.print(f"[red]Não é possível gravar o PDF em {path}: {problem}. Escolha outro caminho em --pdf.[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def _context() -> CommandContext:
    actor = Actor(actor_id=f"cli:{getpass.getuser()}", roles=frozenset({Role.DPO}), name="linha de comando")
    return CommandContext(actor=actor, correlation_id=str(uuid.uuid4()), now=datetime.now(timezone.utc))
