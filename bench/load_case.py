"""Time to load a case of 10 000 events against one of 10, current and at a middle version.

Run: ``uv run python -m bench.load_case [--postgres URL] [--growing]``.
Without ``--postgres`` it uses a fresh SQLite file; with it, a fresh
database on that server, dropped afterwards. Cases are written in saves of
10 events, as commands arrive, so snapshots are taken every
``snapshot_interval`` events (50 by default). Each figure is the median of
repeated loads; the ratio is against the 10-event case in the same run.

The main case is made of reassignments, so its state keeps one size and
only its history grows. ``--growing`` adds a case of notes, whose state
grows with every event and costs more to decode from each snapshot.
"""

import argparse
import copy
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg

from adapters.audit_signing import generate_key_file
from adapters.settings import Settings
from adapters.store import Store, migrate, open_store
from adapters.time_travel import PointInTime, resolve_version
from api.reference_case import OPEN_CASE
from domain.actor import Actor, CommandContext
from domain.catalog import Role
from domain.commands import Command, OpenCase, parse_command, parse_header
from domain.retention_case import RetentionCase

ACTOR = Actor("bench", frozenset({Role.AGENT, Role.SUPERVISOR}), "Bench")
EVENTS_PER_SAVE = 10
MAX_RATIO = 2.0


def context() -> CommandContext:
    return CommandContext(actor=ACTOR, correlation_id="bench", now=datetime.now(UTC))


def write_case(store: Store, event_count: int, kind: str) -> UUID:
    """Write a case of ``event_count`` events: reassignments (state of constant size) or notes (growing)."""
    app = store.app
    case = RetentionCase.open(OpenCase(header=parse_header(copy.deepcopy(OPEN_CASE))), context())
    while case.version < event_count:
        for _ in range(min(EVENTS_PER_SAVE - len(case.pending_events), event_count - case.version)):
            case.execute(next_command(case, kind), context())
        app.save(case)
    return case.id


def next_command(case: RetentionCase, kind: str) -> Command:
    if kind == "notes":
        return parse_command("add_note", {"text": "Observação de carga para medir o tempo de leitura."})
    assignee = "marina" if case.assignee_id != "marina" else "lucas"
    return parse_command("reassign", {"assignee_id": assignee, "reason": "Rodízio de carga da equipe."})


def median_seconds(load: Callable[[], object], repeats: int) -> float:
    load()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        load()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


@contextmanager
def database(postgres_admin_url: str | None) -> Iterator[str]:
    if postgres_admin_url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"retencao_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{postgres_admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(database_url: str, large: int, repeats: int, kinds: tuple[str, ...]) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "key.pem"
        generate_key_file(key)
        settings = Settings(
            database_url=database_url,
            audit_signing_key_file=key,
            api_keys_file=Path(folder) / "k.json",
            master_key_file=Path(folder) / "master-keys.json",
        )
        migrate(settings)
        store = open_store(settings)
        try:
            return measure(store, large, repeats, kinds)
        finally:
            store.close()


def measure(store: Store, large: int, repeats: int, kinds: tuple[str, ...]) -> bool:
    within = True
    for kind in kinds:
        small_id = write_case(store, 10, kind)
        started = time.perf_counter()
        large_id = write_case(store, large, kind)
        print(f"\n{kind}: wrote {large} events in {time.perf_counter() - started:.1f} s")
        met = measure_case(store, small_id, large_id, large, repeats)
        # The goal concerns history length, which the constant-size case isolates. A case whose
        # state grows with its history also pays for decoding that state in the snapshot.
        within = within and (met or kind == "notes")
    return within


def measure_case(store: Store, small_id: UUID, large_id: UUID, large: int, repeats: int) -> bool:
    app = store.app

    def middle_instant(case_id: UUID, version: int) -> datetime:
        return next(iter(app.events.get(case_id, gt=version - 1, lte=version))).timestamp

    small_middle = middle_instant(small_id, 5)
    large_middle = middle_instant(large_id, large // 2)
    loads = {
        "current": (lambda: app.get_case(small_id), lambda: app.get_case(large_id)),
        "middle version": (
            lambda: app.get_case(small_id, version=5),
            lambda: app.get_case(large_id, version=large // 2),
        ),
        "middle as_of": (
            lambda: app.get_case(small_id, resolve_version(app, small_id, PointInTime(instant=small_middle), field="as_of")),
            lambda: app.get_case(large_id, resolve_version(app, large_id, PointInTime(instant=large_middle), field="as_of")),
        ),
    }  # fmt: skip
    within = True
    print(f"{'load':<16}{'10 events (ms)':>16}{f'{large} events (ms)':>20}{'ratio':>8}")
    for name, (small_load, large_load) in loads.items():
        baseline = median_seconds(small_load, repeats)
        figure = median_seconds(large_load, repeats)
        ratio = figure / baseline
        within = within and ratio <= MAX_RATIO
        print(f"{name:<16}{baseline * 1000:>16.2f}{figure * 1000:>20.2f}{ratio:>8.2f}")
    print(f"goal: ratio <= {MAX_RATIO} -> {'met' if within else 'NOT met'}")
    return within


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="admin URL of a PostgreSQL server to create a database on")
    parser.add_argument("--events", type=int, default=10_000, help="events in the large case")
    parser.add_argument("--repeats", type=int, default=200, help="loads per figure")
    parser.add_argument(
        "--growing", action="store_true", help="also measure a case of notes, whose state grows with its history"
    )
    args = parser.parse_args()
    kinds = ("reassignments", "notes") if args.growing else ("reassignments",)
    with database(args.postgres) as url:
        print(f"database: {'postgresql' if args.postgres else 'sqlite'}")
        return 0 if run(url, args.events, args.repeats, kinds) else 1


if __name__ == "__main__":
    sys.exit(main())
