"""Delivery latency of events from commit to an SSE client and to a JetStream consumer, and relay throughput.

Run with PostgreSQL and NATS JetStream on 127.0.0.1 (``scripts/services``):

    uv run python -m bench.event_delivery [--seconds 20] [--rate 100] [--throughput-events 5000]

Commands are executed through the application service at a steady rate,
one event each. The SSE client and the JetStream consumer record when each
event arrives. The relay runs as a separate ``retencao relay`` process, as
in production. Baselines measured in the same run: JetStream publish to
consumer latency for the same payloads at the same rate, and raw pipelined
JetStream publish throughput.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import nats
import psycopg

from adapters.event_feed import read_feed
from adapters.jetstream import JetStreamPublisher
from adapters.relay_positions import PostgresRelayPositions
from adapters.relay_settings import RelaySettings
from adapters.settings import Settings
from adapters.store import Store, migrate, open_store
from api import reference_case
from api.relay import outgoing_messages, relay_actor, run_relay
from domain.commands import parse_command
from tests.conftest import auth
from tests.event_helpers import context, live_server, open_case, write_case_in_batches

ADMIN_URL = os.environ.get("RETENCAO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NATS_URL = "nats://127.0.0.1:4222"
ROOT = Path(__file__).resolve().parent.parent
TARGET_P99_MS = 100.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(latencies_ms: list[float]) -> str:
    return f"p50 {percentile(latencies_ms, 0.5):7.1f} ms  p99 {percentile(latencies_ms, 0.99):7.1f} ms  n={len(latencies_ms)}"


@contextmanager
def scratch_database() -> Iterator[str]:
    name = f"retencao_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def delete_stream(stream: str) -> None:
    client = await nats.connect(NATS_URL)
    try:
        await client.jetstream().delete_stream(stream)
    except nats.js.errors.NotFoundError:
        pass
    finally:
        await client.close()


def unique_relay_settings(label: str) -> RelaySettings:
    token = uuid.uuid4().hex[:8]
    return RelaySettings(
        nats_url=NATS_URL, name=f"bench-{label}-{token}", stream=f"RETENCAO_BENCH_{label.upper()}_{token}",
        subject_prefix=f"retencao-bench.{label}.{token}",
    )  # fmt: skip


class Arrivals:
    """Arrival times (``time.time()``) keyed by (case id, case version)."""

    def __init__(self) -> None:
        self.times: dict[tuple[str, int], float] = {}
        self.lock = threading.Lock()

    def record(self, case_id: str, version: int) -> None:
        now = time.time()
        with self.lock:
            self.times.setdefault((case_id, version), now)


def sse_client(base: str, arrivals: Arrivals, stop: threading.Event) -> None:
    with httpx.Client(base_url=base, timeout=httpx.Timeout(30.0)) as client:
        with client.stream("GET", "/v1/events/stream", params={"heartbeat": 1}, headers=auth("service")) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    event = json.loads(line[6:])
                    arrivals.record(event["subject"], event["caseversion"])
                if stop.is_set():
                    return


def jetstream_consumer(subject: str, stream: str, arrivals: Arrivals, ready: threading.Event, stop: threading.Event) -> None:
    async def consume() -> None:
        client = await nats.connect(NATS_URL)
        jetstream = client.jetstream()
        while True:
            try:
                subscription = await jetstream.subscribe(subject, stream=stream, ordered_consumer=True)
                break
            except nats.js.errors.NotFoundError:
                await asyncio.sleep(0.05)  # the relay has not created the stream yet
        ready.set()
        while not stop.is_set():
            try:
                message = await subscription.next_msg(timeout=0.5)
            except nats.errors.TimeoutError:
                continue
            event = json.loads(message.data)
            arrivals.record(event["subject"], event["caseversion"])
        await client.close()

    asyncio.run(consume())


def start_relay_process(settings: Settings, relay: RelaySettings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RETENCAO_DATABASE_URL": settings.database_url,
        "RETENCAO_MASTER_KEY_FILE": str(settings.master_key_file),
        "RETENCAO_RELAY_NAME": relay.name,
        "RETENCAO_RELAY_STREAM": relay.stream,
        "RETENCAO_RELAY_SUBJECT_PREFIX": relay.subject_prefix,
    }
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, "-m", "api.cli", "relay"], cwd=ROOT, env=env, stdout=output, stderr=output)


def steady_writer(store: Store, seconds: float, rate: float) -> dict[tuple[str, int], float]:
    """Execute ``rate`` commands per second for ``seconds``; return commit times keyed by (case id, version)."""
    cases = [open_case(store.app) for _ in range(20)]
    commands = (parse_command("attempt_contact", dict(reference_case.STEPS[0][1])), parse_command("add_note", {"text": "nota"}))
    committed: dict[tuple[str, int], float] = {}

    def render(case: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
        return 200, {"version": case.version}, {}

    time.sleep(1.0)  # let the subscribers catch up with the opened cases
    started = time.monotonic()
    count = int(seconds * rate)
    for index in range(count):
        due = started + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        case_id = cases[index % len(cases)]
        result = store.app.execute(case_id, commands[index % 2], context(), render)
        committed[(str(case_id), result.body["version"])] = time.time()
    return committed


def latencies(committed: dict[tuple[str, int], float], arrivals: Arrivals) -> tuple[list[float], int]:
    values = [(arrivals.times[key] - at) * 1000 for key, at in committed.items() if key in arrivals.times]
    return values, len(committed) - len(values)


def measure_latency(settings: Settings, store: Store, seconds: float, rate: float, log: Path) -> None:
    relay = unique_relay_settings("latency")
    sse_arrivals, jetstream_arrivals = Arrivals(), Arrivals()
    stop, consumer_ready = threading.Event(), threading.Event()
    process = start_relay_process(settings, relay, log)
    try:
        with live_server(settings, store) as base:
            threads = [
                threading.Thread(target=sse_client, args=(base, sse_arrivals, stop), daemon=True),
                threading.Thread(
                    target=jetstream_consumer,
                    args=(f"{relay.subject_prefix}.>", relay.stream, jetstream_arrivals, consumer_ready, stop),
                    daemon=True,
                ),
            ]
            for thread in threads:
                thread.start()
            open_case(store.app)  # makes the relay create the stream
            consumer_ready.wait(timeout=30)
            committed = steady_writer(store, seconds, rate)
            time.sleep(1.0)
            stop.set()
            open_case(store.app)  # one more event makes the SSE client check the stop flag
            for thread in threads:
                thread.join(timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        asyncio.run(delete_stream(relay.stream))

    sse, sse_missing = latencies(committed, sse_arrivals)
    jetstream, jetstream_missing = latencies(committed, jetstream_arrivals)
    baseline = asyncio.run(raw_jetstream_latency(seconds, rate))
    print(f"commit -> SSE client        {summary(sse)}  missing={sse_missing}")
    print(f"commit -> JetStream (relay) {summary(jetstream)}  missing={jetstream_missing}")
    print(f"baseline: publish -> JetStream consumer {summary(baseline)}")
    for label, values in (("SSE", sse), ("JetStream", jetstream)):
        p99 = percentile(values, 0.99)
        ratio = p99 / percentile(baseline, 0.99)
        verdict = "meets" if p99 < TARGET_P99_MS else "MISSES"
        print(f"{label}: p99 {p99:.1f} ms = {ratio:.1f}x baseline p99; {verdict} the {TARGET_P99_MS:.0f} ms target")


async def raw_jetstream_latency(seconds: float, rate: float) -> list[float]:
    """Publish CloudEvent-sized payloads at ``rate`` per second straight to JetStream; return consumer latencies."""
    relay = unique_relay_settings("baseline")
    publisher = JetStreamPublisher(relay)
    await publisher.connect()
    await publisher.ensure_stream()
    sent: dict[int, float] = {}
    received: dict[int, float] = {}
    subscription = await publisher.jetstream.subscribe(f"{relay.subject_prefix}.>", stream=relay.stream, ordered_consumer=True)
    payload = b"x" * 2500
    count = int(seconds * rate)

    async def consume() -> None:
        while len(received) < count:
            message = await subscription.next_msg(timeout=10)
            received[int(message.headers["Seq"])] = time.time()

    consumer = asyncio.create_task(consume())
    started = time.monotonic()
    try:
        for index in range(count):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent[index] = time.time()
            await publisher.jetstream.publish(f"{relay.subject_prefix}.Raw", payload, headers={"Seq": str(index)})
        await asyncio.wait_for(consumer, timeout=30)
    finally:
        await publisher.close()
        await delete_stream(relay.stream)
    return [(received[index] - sent[index]) * 1000 for index in sent if index in received]


def measure_throughput(settings: Settings, store: Store, events: int) -> None:
    for _ in range(events // 100):
        write_case_in_batches(store.app, 100, 100)
    head = store.app.recorder.max_notification_id()

    relay = unique_relay_settings("throughput")
    positions = PostgresRelayPositions(settings.database_url)
    stop = asyncio.Event()

    async def run_until_caught_up() -> float:
        task = asyncio.create_task(run_relay(settings, relay, stop))
        started = time.monotonic()
        while positions.load(relay.name) < head:
            await asyncio.sleep(0.01)
        elapsed = time.monotonic() - started
        stop.set()
        await task
        return elapsed

    positions.create_table()
    relay_seconds = asyncio.run(run_until_caught_up())
    positions.close()
    asyncio.run(delete_stream(relay.stream))

    raw_seconds = asyncio.run(raw_publish_seconds(settings, store, relay.batch_size, head))
    relay_rate = head / relay_seconds
    raw_rate = head / raw_seconds
    print(f"relay throughput   {relay_rate:8.0f} events/s  ({head} events in {relay_seconds:.2f} s, incl. connect)")
    print(f"baseline: raw JetStream publish {raw_rate:8.0f} msgs/s  ({head} messages, pipelined in batches of {relay.batch_size})")
    print(f"relay / raw = {relay_rate / raw_rate:.2f}")


async def raw_publish_seconds(settings: Settings, store: Store, batch_size: int, count: int) -> float:
    """Publish the same CloudEvents, already encoded, with the relay's publisher; return the seconds taken."""
    relay = unique_relay_settings("raw")
    items = read_feed(store.app, 0, count).items
    messages = outgoing_messages(items, relay_actor(relay), relay.subject_prefix)
    publisher = JetStreamPublisher(relay)
    await publisher.connect()
    await publisher.ensure_stream()
    try:
        started = time.monotonic()
        for offset in range(0, len(messages), batch_size):
            await publisher.publish_batch(messages[offset : offset + batch_size])
        return time.monotonic() - started
    finally:
        await publisher.close()
        await delete_stream(relay.stream)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="duration of the steady load, in seconds")
    parser.add_argument("--rate", type=float, default=100, help="commands per second")
    parser.add_argument("--throughput-events", type=int, default=5000, help="events relayed in the throughput run")
    args = parser.parse_args()

    with scratch_database() as database_url:
        settings = Settings(
            database_url=database_url,
            api_keys_file=ROOT / "var" / "bench-keys.json",
            master_key_file=ROOT / "var" / "bench-master-keys.json",
        )
        migrate(settings)
        store = open_store(settings)
        log = ROOT / "var" / "bench-relay.log"
        log.parent.mkdir(exist_ok=True)
        try:
            print(f"steady load: {args.rate:.0f} commands/s for {args.seconds:.0f} s on PostgreSQL")
            measure_latency(settings, store, args.seconds, args.rate, log)
            measure_throughput(settings, store, args.throughput_events)
        finally:
            store.close()


if __name__ == "__main__":
    main()
