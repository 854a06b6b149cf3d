"""The ``retencao project`` and ``retencao projections`` commands, with pt-BR output."""

import logging
import signal
import threading
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from adapters.projections import PROJECTION_NAMES
from adapters.projections.lag import projection_lag
from adapters.projections.rebuild import UnknownProjection, rebuild
from adapters.settings import Settings
from adapters.store import open_store

logger = logging.getLogger(__name__)


def run_workers(console: Console, settings: Settings, batch_size: int | None) -> None:
    """Run every projection's worker in this process until SIGINT or SIGTERM."""
    if batch_size is not None:
        settings = replace_settings(settings, projection_batch_size=batch_size)
    store = open_store(settings)
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        logger.info("stop requested signal=%s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    console.print(f"Workers de projeção iniciados (lote de {settings.projection_batch_size} eventos). Ctrl+C para parar.")
    try:
        store.projection_worker().run(stop)
    finally:
        store.close()
    console.print("Workers de projeção parados.")


def replace_settings(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update=changes)


class RateColumn(ProgressColumn):
    """Events per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- eventos/s" if speed is None else f"{speed:,.0f} eventos/s".replace(",", "."))


def rebuild_with_progress(console: Console, settings: Settings, name: str, batch_size: int) -> bool:
    """Rebuild ``name`` showing events done, rate and time left; return False for an unknown name."""
    if name not in PROJECTION_NAMES:
        console.print(f"[red]Projeção desconhecida: '{name}'. Projeções existentes: {', '.join(PROJECTION_NAMES)}.[/red]")
        return False
    store = open_store(settings)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("restante"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f"Reconstruindo {name}", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            position = rebuild(store.app, store.read_models, name, batch_size=batch_size, progress=report)
    except UnknownProjection:
        return False
    finally:
        store.close()
    console.print(f"Projeção [bold]{name}[/bold] reconstruída até o evento {position}; a tabela nova já está em uso.")
    return True


def print_status(console: Console, settings: Settings) -> None:
    store = open_store(settings)
    try:
        table = Table(title="Projeções")
        table.add_column("nome", no_wrap=True, min_width=max(len(name) for name in PROJECTION_NAMES))
        for column in ("posição", "último evento", "atraso (eventos)", "atraso (s)", "worker ativo"):
            table.add_column(column)
        for name in PROJECTION_NAMES:
            lag = projection_lag(store.app, store.read_models, name)
            table.add_row(
                lag.name, str(lag.position), str(lag.head), str(lag.events_behind),
                f"{lag.seconds_behind:.1f}".replace(".", ","), "sim" if lag.worker_active else "não",
            )  # fmt: skip
        console.print(table)
    finally:
        store.close()
