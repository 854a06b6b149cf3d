"""Benchmark: case summary rebuild and read-model query latency on PostgreSQL.

Run by hand, not in the test suite:

    uv run python -m bench.projection_rebuild --events 1000000

It loads synthetic cases (valid command histories, see
``tests/case_generator.py``) into a scratch database through the
application's recorder, then measures in the same run:

- the raw rate of reading the event table sequentially (server-side cursor);
- the batched rebuild rate, and its ratio to the raw read rate;
- the library's default of one transaction per event (``ApplicationSubscription``
  and a ``PostgresTrackingRecorder``), over a prefix of the events;
- p95 latency of case search and of the retention report, next to the p95 of
  a primary-key lookup of one case row.

The scratch database is dropped and recreated unless ``--reuse`` is given.

The loader seals personal fields as the application does: every field
under the dentist's data key, with its own nonce and AES-GCM ciphertext. The
generated cases share one dentist (one CPF), so they share one key, created
in the store's key table before loading. The rebuild unwraps it from there.
"""

import argparse
import multiprocessing
import random
import statistics
import time
from datetime import date
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import ApplicationSubscription

from adapters.case_search import CaseFilter, search_cases
from adapters.projections import case_summary
from adapters.projections.lag import events_table
from adapters.personal_data_mapper import PersonalDataMapper
from adapters.projections.rebuild import rebuild
from adapters.retention_report import retention_report
from adapters.settings import Settings
from adapters.store import Store, migrate, open_store
from adapters.transcoding import DomainTranscoder
from domain.catalog import ActionCode, CaseStatus, TerminationReason
from tests import case_generator

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "retencao_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events to load (at least)")
    parser.add_argument("--batch-size", type=int, default=5000, help="events per rebuild transaction")
    parser.add_argument("--baseline-events", type=int, default=50_000, help="events for the one-per-transaction run")
    parser.add_argument("--queries", type=int, default=300, help="search queries to time")
    parser.add_argument("--reports", type=int, default=40, help="reports to time")
    parser.add_argument("--reuse", action="store_true", help="keep the scratch database and its events if present")
    args = parser.parse_args()

    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    if not args.reuse:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    settings = Settings(database_url=url)
    migrate(settings)
    store = open_store(settings)
    try:
        events = load_events(store, args.events)
        raw_rate = measure_raw_read(url, events_table(store.app, store.read_models))
        rebuild_rate = measure_rebuild(store, events, args.batch_size)
        baseline_rate = measure_one_per_transaction(store, min(args.baseline_events, events))
        print(f"rebuild / raw read:           {rebuild_rate / raw_rate:.2f}  (target >= 0.50)")
        print(f"rebuild / one per transaction: {rebuild_rate / baseline_rate:.1f}x")
        measure_queries(store, args.queries, args.reports)
    finally:
        store.close()


def load_events(store: Store, target: int) -> int:
    """Generate cases in two processes and COPY their stored events into the events table."""
    recorded = store.app.recorder.max_notification_id() or 0
    if recorded >= target:
        print(f"events already loaded: {recorded:,}")
        return recorded
    started = time.monotonic()
    table = events_table(store.app, store.read_models)
    cpf = case_generator.open_case(random.Random(0), "X", 0).header.provider.cpf
    key = store.app.key_store.active_key(store.app.key_store.pseudonym(cpf))
    chunks = [(seed, seed * CHUNK_CASES, key) for seed in range(target // (CHUNK_CASES * 6) + 1)]
    with multiprocessing.Pool(2) as pool, psycopg.connect(store.app.settings.database_url) as conn:
        for rows in pool.imap(stored_event_rows, chunks):
            with conn.cursor() as cursor, cursor.copy(
                f"COPY {table} (originator_id, originator_version, topic, state) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            recorded += len(rows)
            if recorded >= target:
                pool.terminate()
                break
    recorded = store.app.recorder.max_notification_id() or 0
    seconds = time.monotonic() - started
    print(f"loaded {recorded:,} events in {seconds:.0f} s ({recorded / seconds:,.0f} events/s)")
    return recorded


CHUNK_CASES = 1000


class OneDentistMapper(PersonalDataMapper):
    """The application's mapper, sealing under one given dentist key instead of looking it up."""

    def __init__(self, key: tuple[str, bytes]) -> None:
        super().__init__(DomainTranscoder())
        self.key = key

    def _key_for(self, domain_event: Any, case_id: str) -> tuple[str, bytes]:
        return self.key


def stored_event_rows(chunk: tuple[int, int, tuple[str, bytes]]) -> list[tuple[Any, ...]]:
    """Generate ``CHUNK_CASES`` cases and encode their events as the application's mapper does."""
    seed, first_number, key = chunk
    rng = random.Random(seed)
    mapper = OneDentistMapper(key)
    operator = rng.choice(("ODONTOLIFE", "SORRIR", "DENTAL+"))
    rows = []
    for case in case_generator.generate(rng, operator, CHUNK_CASES, 8, first_number):
        for event in case.collect_events():
            stored = mapper.to_stored_event(event)
            rows.append((stored.originator_id, stored.originator_version, stored.topic, stored.state))
    return rows


def measure_raw_read(url: str, table: str) -> float:
    started = time.monotonic()
    count = 0
    with psycopg.connect(url) as conn, conn.cursor(name="raw_read") as cursor:
        cursor.itersize = 5000
        cursor.execute(f"SELECT * FROM {table} ORDER BY notification_id")
        for _ in cursor:
            count += 1
    rate = count / (time.monotonic() - started)
    print(f"raw sequential read:          {rate:>10,.0f} events/s ({count:,} events)")
    return rate


def measure_rebuild(store: Store, events: int, batch_size: int) -> float:
    started = time.monotonic()
    rebuild(store.app, store.read_models, case_summary.NAME, batch_size=batch_size)
    rate = events / (time.monotonic() - started)
    print(f"batched rebuild (batch {batch_size}):  {rate:>10,.0f} events/s")
    return rate


class OnePerTransactionView(PostgresTrackingRecorder):
    """The library's default shape: each event and its tracking record in its own transaction."""

    table = "case_summary_baseline"

    def process(self, event: Any, tracking: Tracking, read_models: Any) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            case_id = str(event.originator_id)
            cursor.execute(f"SELECT * FROM {self.table} WHERE case_id = %s", (case_id,))
            row = case_summary.apply_event(cursor.fetchone(), event)
            read_models.write_rows(cursor, self.table, [row])
            self._insert_tracking(cursor, tracking)


def measure_one_per_transaction(store: Store, events: int) -> float:
    view = store.app.factory.tracking_recorder(OnePerTransactionView)
    with store.read_models.transaction(write=True) as cursor:
        # eventsourcing 9.5.6 renames an existing tracking table to bkup1_<name> on create_table(), so start clean.
        cursor.execute(f"DROP TABLE IF EXISTS {view.tracking_table_name}, bkup1_{view.tracking_table_name}")
        cursor.execute(f"DROP TABLE IF EXISTS {OnePerTransactionView.table}")
        cursor.execute(case_summary.create_table_sql(OnePerTransactionView.table))
    view.create_table()
    started = time.monotonic()
    done = 0
    with ApplicationSubscription(app=store.app, gt=0) as subscription:
        for event, tracking in subscription:
            view.process(event, tracking, store.read_models)
            done += 1
            if done >= events:
                break
    rate = done / (time.monotonic() - started)
    print(f"one transaction per event:    {rate:>10,.0f} events/s ({done:,} events)")
    return rate


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18] * 1000


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure_queries(store: Store, queries: int, reports: int) -> None:
    db = store.read_models
    with db.transaction() as cursor:
        cursor.execute(f"SELECT case_id FROM {case_summary.NAME}")
        case_ids = [row["case_id"] for row in cursor.fetchall()]
    rng = random.Random(5)

    def lookup() -> None:
        with db.transaction() as cursor:
            cursor.execute(f"SELECT * FROM {case_summary.NAME} WHERE case_id = %s", (rng.choice(case_ids),))
            cursor.fetchone()

    baseline = [timed(lookup) for _ in range(queries)]
    filters = [
        CaseFilter(),
        CaseFilter(status=CaseStatus.NEGOTIATING.value),
        CaseFilter(uf="SP", outcome="terminated"),
        CaseFilter(operator="SORRIR", opened_from=date(2024, 3, 1), opened_to=date(2024, 6, 30)),
        CaseFilter(reason=TerminationReason.PRICES.value),
        CaseFilter(action=ActionCode.TRAINING.value, city="RECIFE"),
        CaseFilter(text="conceicao"),
        CaseFilter(text="SAD0000001"),
    ]
    sorts = ("-opened_at", "started_on", "-concluded_on", "protocol_number")
    search = []
    for index in range(queries):
        case_filter, sort = filters[index % len(filters)], sorts[index % len(sorts)]
        first = search_cases(db, case_filter, sort=sort, limit=50)
        search.append(timed(lambda: search_cases(db, case_filter, sort=sort, limit=50, cursor=first.next_cursor)))
    groupings = [[], ["uf"], ["operator", "month"], ["city", "collaborator"]]
    report = [
        timed(lambda: retention_report(db, CaseFilter(), groupings[index % 4], date(2025, 6, 30)))
        for index in range(reports)
    ]
    cases = len(case_ids)
    base = p95(baseline)
    print(f"cases in the read model:      {cases:,}")
    print(f"p95 primary-key lookup:       {base:8.1f} ms (baseline)")
    print(f"p95 case search (2nd page):   {p95(search):8.1f} ms  ({p95(search) / base:.0f}x baseline)")
    print(f"p95 retention report:         {p95(report):8.1f} ms  ({p95(report) / base:.0f}x baseline)")


if __name__ == "__main__":
    main()
