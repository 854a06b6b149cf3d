"""Helpers for the event feed tests: fast writers through the application, a live server and an SSE reader."""

import copy
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import uvicorn

from adapters.application import RetentionCases
from adapters.settings import Settings
from adapters.store import Store
from api import reference_case
from api.app import create_app
from domain.actor import CommandContext
from domain.commands import OpenCase, parse_command, parse_header
from domain.retention_case import RetentionCase
from tests.conftest import ACTORS, TEST_KEYS

ATTEMPT = dict(reference_case.STEPS[0][1])


def context(actor: str = "agent") -> CommandContext:
    return CommandContext(actor=ACTORS[actor], correlation_id=str(uuid.uuid4()), now=datetime.now(UTC))


def _render(case: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    return 200, {}, {}


def open_case(app: RetentionCases) -> UUID:
    """Open a case of the reference form through the application and return its id."""
    opened: list[UUID] = []

    def render(case: RetentionCase) -> tuple[int, dict[str, Any], dict[str, str]]:
        opened.append(case.id)
        return 201, {}, {}

    header = parse_header(copy.deepcopy(reference_case.OPEN_CASE))
    app.open_case(OpenCase(header=header), context(), render)
    return opened[0]


def record_contacts(app: RetentionCases, case_id: UUID, count: int) -> None:
    """Append ``count`` events to a case with one command each: contact attempts and notes, alternately."""
    for index in range(count):
        trigger, payload = ("attempt_contact", ATTEMPT) if index % 2 == 0 else ("add_note", {"text": f"nota {index}"})
        app.execute(case_id, parse_command(trigger, payload), context(), _render)


def write_case_in_batches(app: RetentionCases, events: int, per_save: int) -> UUID:
    """Open a case and append events to it, ``per_save`` events per transaction; return the case id.

    Saving several events of one case in one call keeps the 10 000-event tests fast. Every tenth
    event is a contact attempt, whose phone number is sealed personal data. The others are offers
    of support, which contain none and so cost no sealing.
    """
    header = parse_header(copy.deepcopy(reference_case.OPEN_CASE))
    writer = context()
    case = RetentionCase.open(OpenCase(header=header), writer)
    contact = parse_command("attempt_contact", ATTEMPT)
    offer = parse_command("offer_action", {"code": "support"})
    pending = 1
    for index in range(1, events):
        case.execute(contact if index % 10 == 1 else offer, writer)
        pending += 1
        if pending == per_save:
            app.save(case)
            pending = 0
    if pending:
        app.save(case)
    return case.id


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(settings: Settings, store: Store) -> Iterator[str]:
    """Serve the API on a free local port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, store=store, keys=TEST_KEYS), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class SseMessage:
    id: str | None
    event: str | None
    data: dict[str, Any] | None


@dataclass
class SseReader:
    """Reads SSE messages from a streaming response; counts heartbeat comments apart."""

    messages: list[SseMessage] = field(default_factory=list)
    heartbeats: int = 0
    _lines: Iterator[str] | None = None
    _response: httpx.Response | None = None

    def read(self, response: httpx.Response, count: int, timeout: float) -> None:
        """Read until ``count`` events arrived in all or ``timeout`` seconds passed."""
        if response is not self._response:
            self._response = response
            self._lines = response.iter_lines()
        assert self._lines is not None
        deadline = time.monotonic() + timeout
        fields: dict[str, str] = {}
        for line in self._lines:
            if line.startswith(":"):
                self.heartbeats += 1
            elif line == "":
                if "data" in fields:
                    self.messages.append(SseMessage(fields.get("id"), fields.get("event"), json.loads(fields["data"])))
                fields = {}
                if len(self.messages) >= count:
                    return
            else:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            if time.monotonic() > deadline:
                return


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``condition`` every 20 ms; return whether it became true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
