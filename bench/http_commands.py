"""Measure workflow commands over HTTP next to the bare library and raw inserts, on PostgreSQL.

Run from the repository root::

    uv run python -m bench.http_commands

It creates a scratch database on the server named by
``RETENCAO_BENCH_POSTGRES_URL`` (default: the local server, user postgres),
drops it at the end, and prints commands per second with p50/p99 latency
for three targets at each concurrency:

- ``http``: ``retencao serve`` in a subprocess, commands over loopback HTTP,
  with the case list projection in a ``retencao project`` process;
- ``library``: a minimal ``eventsourcing`` application in this process,
  saving events of the same stored size, no HTTP;
- ``raw``: one-row INSERT and COMMIT with psycopg.

The targets take turns in several rounds, so a burst of load from other
programs on the machine hits all of them alike. Each round writes to new
cases, so cases stay as short as real ones. The goal is HTTP throughput
of at least half the bare library's at the same concurrency.

By default the server gets one CPU and this process the others (Linux), as
in a deployment with one API process per core. Neither Python process then
has its threads moved between cores. ``--no-pin`` leaves the placement to
the kernel. A Python process uses about one core because of its GIL. Without
pinning, the one-client figure varied by a tenth between runs on the
development machine, with where the kernel put the server's threads.
"""

import argparse
import logging
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg

from adapters.audit_signing import generate_key_file
from adapters.settings import Settings
from adapters.store import migrate
from bench.baselines import (
    LibraryClient,
    RawInsertClient,
    create_raw_table,
    note_of_size,
    open_bare_library,
    open_dossiers,
    stored_note_size,
)
from bench.http_target import ApiServer, HttpCommandClient, open_cases
from bench.measure import Client, Measurement, run_clients

logger = logging.getLogger(__name__)

ADMIN_URL = os.environ.get("RETENCAO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET_RATIO = 0.5
TARGETS = ("http", "library", "raw")
PROJECTION_WAIT_SECONDS = 60.0
RATE_LIMIT_PER_MINUTE = 10_000_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.http_commands", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,8", help="comma-separated concurrency levels (default: 1,8)")
    parser.add_argument("--rounds", type=int, default=5, help="times each target runs at each level (default: 5)")
    parser.add_argument("--operations", type=int, default=300,
                        help="measured operations per target, level and round (default: 300)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured operations per client before each phase")
    parser.add_argument("--cases-per-client", type=int, default=8, help="cases each client writes to in turn")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time limit of one measured phase, in seconds")
    parser.add_argument("--minimal", action="store_true",
                        help="send Prefer: return=minimal, so the server responds to each command with 204 and no case")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="let the kernel place every process; by default the API server gets the last CPU and "
                             "this process (library, raw and the HTTP clients) the others")  # fmt: skip
    parser.add_argument("--profile-server", type=Path, metavar="FILE",
                        help="sample the API server with py-spy into FILE (.svg flame graph, .json speedscope, "
                             "else collapsed stacks)")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        args.levels = [int(level) for level in args.clients.split(",")]
    except ValueError:
        parser.error(f"--clients needs comma-separated integers, got {args.clients!r}")
    if any(level < 1 for level in args.levels) or args.rounds < 1 or args.operations < 1:
        parser.error("--clients, --rounds and --operations need positive values")
    # Pinning needs a core for the server and one for this process.
    args.pin = args.pin and (os.cpu_count() or 1) >= 2
    return args


def main(argv: Sequence[str] | None = None) -> dict[tuple[str, int], list[Measurement]]:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with scratch_database() as database_url, tempfile.TemporaryDirectory(prefix="retencao-bench-") as workdir:
        rounds, sizes, lags, projection_cpu = run_all(args, database_url, Path(workdir))
    print(report(rounds, sizes, lags, projection_cpu))
    print("CPU pinning: " + ("server on the last CPU, benchmark process on the others" if args.pin else "none"))
    print("HTTP responses: " + ("Prefer: return=minimal, no body" if args.minimal else "the whole case"))
    return rounds


def run_all(
    args: argparse.Namespace, database_url: str, workdir: Path
) -> tuple[dict[tuple[str, int], list[Measurement]], dict[str, int], list[float], list[float]]:
    """Run every round; return measurements by (target, clients), event sizes, projection lags and CPU per event."""
    settings = Settings(
        database_url=database_url,
        api_keys_file=workdir / "api-keys.json",
        master_key_file=workdir / "master-keys.json",
        audit_signing_key_file=workdir / "audit-signing-key.pem",
        # One credential sends every request here, so the per-credential limit must not throttle it.
        rate_limit_per_minute=RATE_LIMIT_PER_MINUTE,
        rate_limit_burst=RATE_LIMIT_PER_MINUTE,
    )
    # Commands sign an audit checkpoint every tenth event, as they do in production.
    generate_key_file(settings.audit_signing_key_file)
    migrate(settings)
    create_raw_table(database_url)
    case_count = max(args.levels) * args.cases_per_client
    rounds: dict[tuple[str, int], list[Measurement]] = {}
    projection_lags: list[float] = []
    projection_cpu: list[float] = []

    def phase(
        target: str, clients: int, make_client: Callable[[int], Client], cpu_clock: Callable[[], float] = time.process_time
    ) -> None:
        checkpoint(database_url)
        print(f"measuring {target} with {clients} client(s)...", file=sys.stderr, flush=True)
        per_client = math.ceil(args.operations / clients)
        result = run_clients(target, make_client, clients, per_client, args.warmup, args.max_seconds, cpu_clock)
        rounds.setdefault((target, clients), []).append(result)

    server_cpu = None
    own_cpus = os.sched_getaffinity(0)
    if args.pin:
        server_cpu = (os.cpu_count() or 1) - 1
        os.sched_setaffinity(0, set(range(server_cpu)))
    app = open_bare_library(database_url, pool_size=max(args.levels))
    try:
        with ApiServer(settings, workdir, profile_path=args.profile_server, server_cpu=server_cpu) as server:
            # One command on each of a first set of cases gives the stored size the baselines copy.
            sizing = open_cases(server, case_count)
            sizing_client = HttpCommandClient(server, sizing, list(sizing))
            for _ in sizing:
                sizing_client.run_once()
            sizing_client.close()
            http_event_bytes = average_command_event_size(database_url)
            text = note_of_size(app, http_event_bytes)
            payload = b"x" * http_event_bytes

            for _ in range(args.rounds):
                versions = open_cases(server, case_count)
                case_ids = list(versions)
                dossiers = open_dossiers(app, case_count)
                for clients in args.levels:
                    projection_cpu_before = server.projection_cpu_seconds()
                    position_before = last_position(database_url)
                    phase(
                        "http",
                        clients,
                        lambda i, n=clients: HttpCommandClient(server, versions, case_ids[i::n], args.minimal),
                        server.cpu_seconds,
                    )
                    projection_lags.append(wait_for_projection(database_url))
                    events = last_position(database_url) - position_before
                    projection_cpu.append((server.projection_cpu_seconds() - projection_cpu_before) / events)
                    phase("library", clients, lambda i, n=clients: LibraryClient(app, dossiers[i::n], text))
                    phase("raw", clients, lambda i: RawInsertClient(database_url, payload))
        library_event_bytes = stored_note_size(app, text)
    finally:
        app.close()
        os.sched_setaffinity(0, own_cpus)

    sizes = {"http": http_event_bytes, "library": library_event_bytes, "raw": len(payload)}
    return rounds, sizes, projection_lags, projection_cpu


def average_command_event_size(database_url: str) -> int:
    """Return the mean stored size, in bytes, of the events the API's commands appended."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT avg(octet_length(state)) FROM retentioncases_events WHERE topic NOT LIKE %s",
            ("%CaseOpened",),
        ).fetchone()
    if row is None or row[0] is None:
        raise RuntimeError("no command events were recorded")
    return round(row[0])


def last_position(database_url: str) -> int:
    """Return the notification id of the last stored event."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT coalesce(max(notification_id), 0) FROM retentioncases_events").fetchone()
    assert row is not None
    return int(row[0])


def wait_for_projection(database_url: str) -> float:
    """Wait until the case list projection has applied every event; return how long that took, in seconds."""
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as conn:
        while time.perf_counter() - started < PROJECTION_WAIT_SECONDS:
            row = conn.execute(
                "SELECT (SELECT max(notification_id) FROM retentioncases_events), "
                "(SELECT position FROM projection_tracking WHERE name = 'case_summary')"
            ).fetchone()
            if row is not None and row[0] == row[1]:
                return time.perf_counter() - started
            time.sleep(0.01)
    raise TimeoutError(f"the case list projection did not catch up in {PROJECTION_WAIT_SECONDS:.0f} s")


def checkpoint(database_url: str) -> None:
    """Flush dirty pages now, so a checkpoint caused by earlier phases does not land in the next one."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def combined(results: list[Measurement]) -> Measurement:
    """Pool the rounds of one target and level: all operations over all measured time."""
    return Measurement(
        target=results[0].target,
        clients=results[0].clients,
        operations=sum(result.operations for result in results),
        seconds=sum(result.seconds for result in results),
        latencies_ms=tuple(sample for result in results for sample in result.latencies_ms),
        cpu_seconds=sum(result.cpu_seconds for result in results),
    )


def report(
    rounds: dict[tuple[str, int], list[Measurement]], sizes: dict[str, int], lags: list[float], projection_cpu: list[float]
) -> str:
    levels = sorted({clients for _, clients in rounds})
    lines = [f"{'target':<8} {'clients':>7} {'ops':>6} {'ops/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
             f"{'cpu ms/op':>9} {'event bytes':>11}  ops/s per round"]  # fmt: skip
    for clients in levels:
        for target in TARGETS:
            total = combined(rounds[(target, clients)])
            per_round = " ".join(f"{result.per_second:.0f}" for result in rounds[(target, clients)])
            lines.append(
                f"{target:<8} {clients:>7} {total.operations:>6} {total.per_second:>7.0f} {total.p50_ms:>7.2f} "
                f"{total.p99_ms:>7.2f} {total.cpu_ms_per_operation:>9.2f} {sizes[target]:>11}  {per_round}"
            )
    lines.append("")
    for clients in levels:
        library = _round_ratios(rounds, clients, "library")
        raw = _round_ratios(rounds, clients, "raw")
        median = statistics.median(library)
        verdict = "met" if median >= TARGET_RATIO else "MISSED"
        lines.append(
            f"{clients} client(s): http/library {median:.2f} (rounds {_listed(library)}; "
            f"goal >= {TARGET_RATIO:.2f}: {verdict}), http/raw {statistics.median(raw):.2f} (rounds {_listed(raw)})"
        )
    lines.append(
        f"case list projection (its own process) caught up {max(lags):.2f} s or less after each HTTP phase, "
        f"using {statistics.median(projection_cpu) * 1000:.2f} ms CPU per event (median of phases)"
    )
    lines.append("cpu ms/op: CPU time of the server process for http, of this process for library and raw; "
                 "PostgreSQL's is not counted")  # fmt: skip
    return "\n".join(lines)


def _round_ratios(rounds: dict[tuple[str, int], list[Measurement]], clients: int, baseline: str) -> list[float]:
    """Return HTTP throughput over the baseline's, round by round, so each ratio compares neighbouring phases."""
    pairs = zip(rounds[("http", clients)], rounds[(baseline, clients)], strict=True)
    return [http.per_second / base.per_second for http, base in pairs]


def _listed(ratios: list[float]) -> str:
    return " ".join(f"{ratio:.2f}" for ratio in ratios)


@contextmanager
def scratch_database() -> Iterator[str]:
    """Create a database for one run and drop it afterwards, even on failure."""
    name = f"retencao_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
