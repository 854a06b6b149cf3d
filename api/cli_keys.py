"""``retencao keys``: create, list, rotate and revoke API keys in the keys file."""

import re
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from adapters.settings import Settings
from api.api_keys import KeyNotFound, create_key, read_entries, revoke_key, rotate_key
from domain.actor import Actor
from domain.catalog import Role

keys_cli = typer.Typer(help="Chaves de API (só o hash SHA-256 fica salvo).", no_args_is_help=True)
console = Console()

# Key ids are "<actor id>-<n>", so an actor id starting with a letter or digit keeps
# them from starting with "-", which Click would parse as an option of `keys revoke`.
ACTOR_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def check_actor_id(actor_id: str) -> None:
    """Exit with status 2 (usage error) when ``actor_id`` does not match ``ACTOR_ID_PATTERN``."""
    if not ACTOR_ID_PATTERN.fullmatch(actor_id):
        console.print(
            f"[red]--actor-id inválido: '{escape(actor_id[:80])}'. Use de 1 a 64 caracteres entre letras minúsculas, "
            "dígitos, '.', '_' e '-', começando por letra ou dígito.[/red]",
            highlight=False,
        )
        raise typer.Exit(code=2)


@keys_cli.command("create")
def create(
    actor_id: Annotated[
        str,
        typer.Option(
            help="Identificador do ator (usuário ou sistema): letras minúsculas, dígitos, '.', '_' e '-'.",
        ),
    ],
    role: Annotated[list[Role], typer.Option(help="Papel concedido; repita para mais de um.")],
    name: Annotated[str, typer.Option(help="Nome exibido do ator.")] = "",
) -> None:
    """Cria uma chave para um ator e a mostra uma única vez."""
    check_actor_id(actor_id)
    settings = Settings()
    entry, key = create_key(settings.api_keys_file, Actor(actor_id=actor_id, roles=frozenset(role), name=name))
    console.print(f"Chave [bold]{entry.key_id}[/bold] criada para {actor_id} ({', '.join(sorted(role))}).")
    console.print(f"Guarde-a agora, ela não será mostrada de novo: {key}", soft_wrap=True)


@keys_cli.command("list")
def list_keys() -> None:
    """Lista as chaves: identificador, ator, papéis, criação e revogação (nunca a chave)."""
    settings = Settings()
    table = Table(title=f"Chaves em {settings.api_keys_file}")
    for column in ("id", "ator", "nome", "papéis", "criada em", "revogada em"):
        table.add_column(column)
    for entry in read_entries(settings.api_keys_file):
        roles = ", ".join(sorted(role.value for role in entry.actor.roles))
        table.add_row(entry.key_id, entry.actor.actor_id, entry.actor.name, roles, entry.created_at, entry.revoked_at or "-")
    console.print(table)


@keys_cli.command("rotate")
def rotate(key_id: Annotated[str, typer.Argument(help="Identificador da chave a substituir.")]) -> None:
    """Revoga a chave e cria outra para o mesmo ator e papéis."""
    settings = Settings()
    try:
        entry, key = rotate_key(settings.api_keys_file, key_id)
    except KeyNotFound as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=1) from None
    console.print(f"Chave {key_id} revogada; nova chave [bold]{entry.key_id}[/bold]: {key}", soft_wrap=True)


@keys_cli.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="Identificador da chave a revogar.")]) -> None:
    """Revoga a chave; a API em execução deixa de aceitá-la na requisição seguinte."""
    settings = Settings()
    try:
        entry = revoke_key(settings.api_keys_file, key_id)
    except KeyNotFound as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=1) from None
    console.print(f"Chave {entry.key_id} revogada em {entry.revoked_at}.")
