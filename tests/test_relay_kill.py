"""The relay killed with SIGKILL at random moments while 10 000 events are written on PostgreSQL.

Afterwards JetStream must hold each event exactly once, in feed order.
"""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from uuid import UUID

import pytest

from adapters.relay_positions import PostgresRelayPositions
from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from adapters.store import Store
from api.cloud_events import event_id
from tests.event_helpers import write_case_in_batches
from tests.nats_helpers import read_stream, relay_settings  # noqa: F401

WRITERS = 2
CASES_PER_WRITER = 50
EVENTS_PER_CASE = 100
EVENTS_PER_SAVE = 50
TOTAL_EVENTS = WRITERS * CASES_PER_WRITER * EVENTS_PER_CASE
EVENTS_PER_SECOND = 1500
MIN_KILLS = 5
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Snapshots every few events would make writing 10 000 events several times slower.
    return Settings(
        database_url=database_url,
        api_keys_file=tmp_path / "keys.json",
        master_key_file=tmp_path / "master-keys.json",
        snapshot_interval=1000,
    )


def paced_writer(store: Store, cases: list[UUID], enough_kills: threading.Event) -> None:
    """Write at a steady rate; before the last tenth, wait until the relay was killed often enough."""
    started = time.monotonic()
    written = 0
    for index in range(CASES_PER_WRITER):
        if index == CASES_PER_WRITER * 9 // 10:
            enough_kills.wait(timeout=120)
            started = time.monotonic() - written / (EVENTS_PER_SECOND / WRITERS)
        cases.append(write_case_in_batches(store.app, EVENTS_PER_CASE, EVENTS_PER_SAVE))
        written += EVENTS_PER_CASE
        ahead = written / (EVENTS_PER_SECOND / WRITERS) - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)


def start_relay(settings: Settings, relay: RelaySettings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RETENCAO_DATABASE_URL": settings.database_url,
        "RETENCAO_MASTER_KEY_FILE": str(settings.master_key_file),
        "RETENCAO_RELAY_NATS_URL": relay.nats_url,
        "RETENCAO_RELAY_NAME": relay.name,
        "RETENCAO_RELAY_STREAM": relay.stream,
        "RETENCAO_RELAY_SUBJECT_PREFIX": relay.subject_prefix,
        "RETENCAO_RELAY_BATCH_SIZE": "200",
        "RETENCAO_RELAY_MAX_BACKOFF_SECONDS": "1",
    }
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, "-m", "api.cli", "relay"], cwd=ROOT, env=env, stdout=output, stderr=output)


def wait_for_resume(log: Path, runs_before: int, timeout: float) -> None:
    """Wait until a relay started after ``runs_before`` earlier runs has logged where it resumes."""
    deadline = time.monotonic() + timeout
    while log.read_text().count("relay resumes") <= runs_before and time.monotonic() < deadline:
        time.sleep(0.02)


def wait_for_position(positions: PostgresRelayPositions, name: str, beyond: int, timeout: float) -> int:
    """Wait until the relay records a position past ``beyond``; return the recorded position."""
    deadline = time.monotonic() + timeout
    while (position := positions.load(name)) <= beyond and time.monotonic() < deadline:
        time.sleep(0.02)
    return position


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_relay_killed_repeatedly_publishes_each_event_once(
    settings: Settings, store: Store, relay_settings: RelaySettings, tmp_path: Path
) -> None:
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    log = tmp_path / "relay.log"
    cases: list[UUID] = []
    enough_kills = threading.Event()
    writers = [threading.Thread(target=paced_writer, args=(store, cases, enough_kills)) for _ in range(WRITERS)]
    for writer in writers:
        writer.start()

    # Start the relay, let it publish something, kill it at a random moment; repeat while writing.
    positions = PostgresRelayPositions(settings.database_url)
    positions.create_table()
    kills_while_writing = 0
    position_at_kill: list[int] = []
    while any(writer.is_alive() for writer in writers) or kills_while_writing < MIN_KILLS:
        before = positions.load(relay_settings.name)
        process = start_relay(settings, relay_settings, log)
        wait_for_position(positions, relay_settings.name, before, timeout=15)
        time.sleep(chance.uniform(0, 0.3))
        writing = any(writer.is_alive() for writer in writers)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        position_at_kill.append(positions.load(relay_settings.name))
        kills_while_writing += int(writing)
        if kills_while_writing >= MIN_KILLS:
            enough_kills.set()
        if not writing and len(position_at_kill) > 3 * MIN_KILLS:
            break
    for writer in writers:
        writer.join()

    # A last run catches up; SIGTERM stops it cleanly.
    committed = store.app.recorder.select_notifications(start=1, limit=TOTAL_EVENTS + 1)
    assert len(committed) == TOTAL_EVENTS
    runs_before = log.read_text().count("relay resumes")
    process = start_relay(settings, relay_settings, log)
    # The relay installs its SIGTERM handler after startup, and earlier runs may have caught up already.
    wait_for_resume(log, runs_before, timeout=30)
    final = wait_for_position(positions, relay_settings.name, committed[-1].id - 1, timeout=120)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0, log.read_text()[-3000:]
    positions.close()

    context = f"seed={seed} position_at_kill={position_at_kill}"
    assert final == committed[-1].id, context
    assert kills_while_writing >= MIN_KILLS, context
    messages = read_stream(relay_settings.stream)
    ids = [message.event["id"] for message in messages]
    assert len(ids) == TOTAL_EVENTS, context
    assert len(set(ids)) == TOTAL_EVENTS, context
    assert set(ids) == {event_id(n.originator_id, n.originator_version) for n in committed}, context
    assert [message.headers["Nats-Msg-Id"] for message in messages] == ids

    # The relay process decoded the sealed personal data with the same keys, then masked the CPF.
    assert messages[0].event["data"]["data"]["header"]["provider"]["cpf"] == "***.147.306-**"

    positions = [message.event["position"] for message in messages]
    assert positions == sorted(positions), context
    versions: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        versions[message.event["subject"]].append(message.event["caseversion"])
    assert len(versions) == WRITERS * CASES_PER_WRITER
    assert all(found == list(range(1, EVENTS_PER_CASE + 1)) for found in versions.values()), context
