"""Closed-loop load: N client threads each run operations back to back, timed one by one.

Every client warms up first, then all start together at a barrier. The
phase ends when each client has run its share or the time limit has
passed, whichever comes first. Throughput is completed operations divided
by the wall time from the barrier to the last client's finish. An
operation that raises stops the phase and the error is re-raised, so a
failing target never reports a figure.
"""

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Client(Protocol):
    """One simulated client: runs one operation per call, owns its connection."""

    def run_once(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Measurement:
    target: str
    clients: int
    operations: int
    seconds: float
    latencies_ms: tuple[float, ...]
    cpu_seconds: float

    @property
    def cpu_ms_per_operation(self) -> float:
        return self.cpu_seconds * 1000 / self.operations

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies_ms, 99)


def percentile(values: tuple[float, ...], rank: int) -> float:
    """Return the ``rank``-th percentile, interpolated between the closest samples."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[rank - 1]


def run_clients(
    target: str,
    make_client: Callable[[int], Client],
    clients: int,
    operations_per_client: int,
    warmup_per_client: int,
    max_seconds: float,
    cpu_clock: Callable[[], float] = time.process_time,
) -> Measurement:
    """Run ``clients`` threads of ``make_client(index)`` and measure their operations.

    ``cpu_clock`` returns the CPU seconds used so far by the process doing
    the work: by default this one, for a server the server's.
    """
    workers: list[Client] = []
    try:
        for index in range(clients):
            workers.append(make_client(index))
    except BaseException:
        for client in workers:
            client.close()
        raise
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start_line = threading.Barrier(clients + 1)
    stop = threading.Event()

    def work(index: int) -> None:
        client = workers[index]
        try:
            for _ in range(warmup_per_client):
                client.run_once()
        except BaseException as error:
            errors.append(error)
            stop.set()
        try:
            start_line.wait()
        except threading.BrokenBarrierError:
            return
        samples = latencies[index]
        try:
            while len(samples) < operations_per_client and not stop.is_set():
                started = time.perf_counter()
                client.run_once()
                samples.append((time.perf_counter() - started) * 1000)
        except BaseException as error:
            errors.append(error)
            stop.set()

    threads = [threading.Thread(target=work, args=(index,), name=f"{target}-{index}") for index in range(clients)]
    for thread in threads:
        thread.start()
    # A timer stops the clients at the time limit; each finishes the operation in flight.
    deadline = threading.Timer(max_seconds, stop.set)
    try:
        start_line.wait()
        started = time.perf_counter()
        cpu_started = cpu_clock()
        deadline.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        cpu_used = cpu_clock() - cpu_started
    finally:
        deadline.cancel()
        stop.set()
        start_line.abort()
        for thread in threads:
            thread.join()
        for client in workers:
            client.close()

    if errors:
        raise errors[0]
    samples = tuple(sample for client_samples in latencies for sample in client_samples)
    if not samples:
        raise RuntimeError(f"no {target} operation finished within {max_seconds} s")
    return Measurement(
        target=target,
        clients=clients,
        operations=len(samples),
        seconds=elapsed,
        latencies_ms=samples,
        cpu_seconds=cpu_used,
    )
