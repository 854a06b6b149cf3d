"""Concurrent retries with one Idempotency-Key: one command is recorded and both get its response."""

import threading
import uuid
from datetime import datetime, timezone

from adapters.application import CommandResult, IdempotentRequest
from adapters.store import Store
from api import reference_case
from domain.actor import CommandContext
from domain.commands import AddNote, OpenCase, parse_header
from domain.retention_case import RetentionCase
from tests.conftest import ACTORS


def _context() -> CommandContext:
    return CommandContext(actor=ACTORS["agent"], correlation_id=str(uuid.uuid4()), now=datetime.now(timezone.utc))


def _render(case: RetentionCase) -> tuple[int, dict[str, object], dict[str, str]]:
    return 200, {"id": str(case.id), "version": case.version}, {"ETag": f'"{case.version}"'}


def test_concurrent_retries_record_once(store: Store) -> None:
    app = store.app
    opened = app.open_case(OpenCase(header=parse_header(reference_case.OPEN_CASE)), _context(), _render)
    case_id = uuid.UUID(opened.body["id"])
    payload = {"text": "Retorno combinado."}
    request = IdempotentRequest.of("concorrente-1", "POST", f"/v1/cases/{case_id}/commands/add_note", payload)
    start = threading.Barrier(2)
    results: list[CommandResult] = []

    def send() -> None:
        start.wait()
        results.append(app.execute(case_id, AddNote(text=payload["text"]), _context(), _render, idempotent=request))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 2
    assert [result.body for result in results] == [{"id": str(case_id), "version": 2}] * 2
    assert sorted(result.replayed for result in results) == [False, True]
    assert app.get_case(case_id).version == 2
