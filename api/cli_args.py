"""Parse command-line values that Click would otherwise reject with an English message."""

from uuid import UUID

import typer
from rich.console import Console
from rich.markup import escape


def parse_case_id(console: Console, raw: str, *, name: str) -> UUID:
    """Return ``raw`` as a UUID; print a pt-BR error and exit with status 2 when it is not one."""
    try:
        return UUID(raw.strip())
    except ValueError:
        console.print(
            f"[red]{name} inválido: '{escape(raw[:80])}'. Use o UUID do caso, como "
            "3f2b8c1e-5d4a-4e7b-9c1d-2a6f8e0b7c35.[/red]",
            highlight=False,
        )
        raise typer.Exit(code=2) from None
