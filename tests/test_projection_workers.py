"""Projection workers: exactly-once across SIGKILL, standby locking, rebuild with table swap."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.projections.case_summary import PERSONAL_COLUMNS
from adapters.projections.rebuild import rebuild
from adapters.projections.runner import ProjectionWorker
from adapters.settings import Settings
from adapters.store import Store, migrate, open_store
from tests import case_generator

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def _fill(store: Store, cases: int, seed: int = 7, first_number: int = 0) -> int:
    """Record ``cases`` generated cases; return the store's last notification id."""
    rng = random.Random(seed)
    generated = case_generator.generate(rng, "ODONTOLIFE", cases, steps_per_case=8, first_number=first_number)
    for start in range(0, len(generated), 100):
        store.app.save(*generated[start : start + 100])
    return store.app.recorder.max_notification_id() or 0


def _rows(store: Store) -> list[dict[str, Any]]:
    with store.read_models.transaction() as cursor:
        cursor.execute("SELECT * FROM case_summary ORDER BY case_id")
        return cursor.fetchall()


def _events_applied(store: Store) -> int:
    row = store.read_models.tracking_row("case_summary")
    return 0 if row is None else int(row["events_applied"])


@pytest.fixture
def idle_store(settings: Settings) -> Iterator[Store]:
    """A store whose projections are not started."""
    migrate(settings)
    opened = open_store(settings)
    try:
        yield opened
    finally:
        opened.close()


def _start_worker_process(settings: Settings, batch_size: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RETENCAO_DATABASE_URL": settings.database_url,
        "RETENCAO_MASTER_KEY_FILE": str(settings.master_key_file),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "project", "--batch-size", str(batch_size)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_worker_killed_during_catch_up_resumes_exactly_once(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=postgres_url, api_keys_file=tmp_path / "keys.json", master_key_file=tmp_path / "master-keys.json"
    )
    migrate(settings)
    store = open_store(settings)
    try:
        head = _fill(store, cases=700)
        total_events = head  # one application writes the store, so ids have no gaps here

        worker = _start_worker_process(settings, batch_size=10)
        try:
            assert wait_until(lambda: store.read_models.position("case_summary") > 0, timeout=30)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        killed_at = store.read_models.position("case_summary")
        assert 0 < killed_at < head, "the worker was not killed during catch-up"

        resumed = _start_worker_process(settings, batch_size=10)
        try:
            assert wait_until(lambda: store.read_models.position("case_summary") == head, timeout=120)
        finally:
            resumed.send_signal(signal.SIGTERM)
            resumed.wait(timeout=20)
        assert _events_applied(store) == total_events
        after_crash = _rows(store)

        rebuild(store.app, store.read_models, "case_summary", batch_size=1000)
        assert _rows(store) == after_crash
        assert len(after_crash) == 700
    finally:
        store.close()


def test_second_worker_waits_as_standby(idle_store: Store) -> None:
    store = idle_store
    _fill(store, cases=20)
    first = ProjectionWorker(store.app, store.read_models, batch_size=50, poll_seconds=0.05, standby_seconds=0.1)
    second = ProjectionWorker(store.app, store.read_models, batch_size=50, poll_seconds=0.05, standby_seconds=0.1)
    stop_first, stop_second = threading.Event(), threading.Event()
    threads = [
        threading.Thread(target=first.run, args=(stop_first,), daemon=True),
        threading.Thread(target=second.run, args=(stop_second,), daemon=True),
    ]
    threads[0].start()
    assert first.active.wait(10)
    threads[1].start()
    try:
        head = store.app.recorder.max_notification_id()
        assert wait_until(lambda: store.read_models.position("case_summary") == head, timeout=20)
        time.sleep(0.3)
        assert not second.active.is_set()

        stop_first.set()
        threads[0].join(10)
        assert second.active.wait(10)
        head = _fill(store, cases=5, seed=8, first_number=100)
        assert wait_until(lambda: store.read_models.position("case_summary") == head, timeout=20)
        assert _events_applied(store) == head
    finally:
        stop_first.set()
        stop_second.set()
        for thread in threads:
            thread.join(10)


def test_rebuild_swaps_table_while_worker_runs(store: Store) -> None:
    _fill(store, cases=150)
    assert store.projection is not None
    assert store.projection.wait_for(store.app.recorder.max_notification_id(), timeout=30)
    before = _rows(store)

    # Damage the live table: the rebuild must restore it from the events.
    with store.read_models.transaction(write=True) as cursor:
        cursor.execute("UPDATE case_summary SET attempt_count = attempt_count + 100")

    errors: list[BaseException] = []

    def write_more() -> None:
        try:
            _fill(store, cases=30, seed=9, first_number=500)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    writer = threading.Thread(target=write_more)
    writer.start()
    position = rebuild(store.app, store.read_models, "case_summary", batch_size=100)
    writer.join(30)
    assert errors == []
    head = store.app.recorder.max_notification_id()
    assert position <= head
    assert store.projection.wait_for(head, timeout=30)

    after = {row["case_id"]: row for row in _rows(store)}
    assert len(after) == 180
    assert [after[row["case_id"]] for row in before] == before
    assert _events_applied(store) == head


def test_erasure_clears_personal_columns(store: Store) -> None:
    _fill(store, cases=2)
    assert store.projection is not None
    assert store.projection.wait_for(store.app.recorder.max_notification_id(), timeout=10)
    first, second = _rows(store)

    store.read_models.erase_personal_data(first["case_id"])

    erased, kept = _rows(store)
    for column in PERSONAL_COLUMNS:
        assert erased[column] is None, column
        assert kept[column] == second[column], column
    assert erased["protocol_number"] == first["protocol_number"]


def test_caught_up_worker_batches_new_events(idle_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    store = idle_store
    worker = ProjectionWorker(store.app, store.read_models, batch_size=500, poll_seconds=0.05, settle_seconds=0.5)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    head = _fill(store, cases=1)
    thread.start()
    try:
        assert wait_until(lambda: store.read_models.position("case_summary") == head, timeout=20)
        caplog.clear()
        # Five transactions written while the worker settles after the first batch.
        for number in range(5):
            head = _fill(store, cases=1, seed=20 + number, first_number=20 + number)
        assert wait_until(lambda: store.read_models.position("case_summary") == head, timeout=20)

        batches = [record for record in caplog.records if record.getMessage().startswith("projection batch")]
        assert len(batches) < 5
        assert _events_applied(store) == head
    finally:
        stop.set()
        thread.join(10)
