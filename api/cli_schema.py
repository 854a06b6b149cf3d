"""The check that each command working on an existing database runs before it opens the store."""

import sqlite3

import psycopg
import typer
from rich.console import Console
from rich.markup import escape

from adapters.schema_check import missing_schema_objects, schema_objects
from adapters.settings import Settings


def require_schema(console: Console, settings: Settings) -> None:
    """Exit with status 1 and a pt-BR message unless the configured database has the current schema.

    The check changes nothing in the database (see ``adapters.schema_check``).
    """
    label = escape(database_label(settings))
    try:
        missing = missing_schema_objects(settings)
    except (psycopg.OperationalError, sqlite3.DatabaseError) as error:
        lines = str(error).strip().splitlines()
        reason = lines[0] if lines else type(error).__name__
        console.print(
            f"[red]Não foi possível ler o esquema do banco {label}: {escape(reason)}. "
            "Confira RETENCAO_DATABASE_URL e se o banco está acessível.[/red]",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from None
    if not missing:
        return
    if len(missing) == len(schema_objects(settings)):
        problem = "ainda não tem o esquema do retencao"
    else:
        problem = f"tem um esquema incompleto ou de uma versão anterior (falta: {escape(', '.join(missing))})"
    console.print(f"[red]O banco {label} {problem}. Rode `retencao migrate` antes.[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def database_label(settings: Settings) -> str:
    return "PostgreSQL" if settings.is_postgres else f"SQLite ({settings.sqlite_path()})"
