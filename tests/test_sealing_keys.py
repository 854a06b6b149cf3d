"""Cached sealing keys are checked in the events' transaction. A command's access row commits with its events."""

import re
from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.access_log import AccessFilter, AccessRecord
from adapters.application import RetentionCases
from adapters.store import Store
from domain.actor import CommandContext
from domain.commands import parse_command
from tests.conftest import ACTORS, Api, auth
from tests.helpers import command, open_reference_case

CPF = "52814730690"
OTHER_CPF = "11144477735"
ERASURE = {"cpf": "528.147.306-90", "legal_basis": "LGPD art. 18, VI", "requester": "protocolo SAD-2024-0001"}


def last_event_key_ids(api: Api, case_id: str) -> set[str]:
    rows = list(api.store.app.recorder.select_events(UUID(case_id)))
    return set(re.findall(r'"_sealed_":"([0-9a-f]{32})\.', rows[-1].state.decode()))


def event_count(api: Api, case_id: str) -> int:
    return len(list(api.store.app.recorder.select_events(UUID(case_id))))


def erased_key_ids(store: Store, cpf: str) -> set[str]:
    keys = store.app.key_store.keys_of(store.app.key_store.pseudonym(cpf))
    return {key["key_id"] for key in keys if key["erased_at"] is not None}


def add_note(api: Api, case_id: str, text: str) -> None:
    response = command(api, case_id, "add_note", {"text": text})
    assert response.status_code == 200, response.text


def test_local_erasure_stops_sealing_at_once(api: Api) -> None:
    case = open_reference_case(api)
    add_note(api, case["id"], "Primeira nota.")
    used_before = last_event_key_ids(api, case["id"])

    assert api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo")).status_code == 200
    add_note(api, case["id"], "Nota depois da eliminação.")

    used_after = last_event_key_ids(api, case["id"])
    assert used_before <= erased_key_ids(api.store, CPF)
    assert used_after and not used_after & erased_key_ids(api.store, CPF)


def test_key_erased_elsewhere_never_seals(api: Api, other_process: RetentionCases) -> None:
    case = open_reference_case(api)
    add_note(api, case["id"], "Primeira nota.")  # this process now caches the dentist's key

    other_process.key_store.erase(other_process.key_store.pseudonym(CPF))
    add_note(api, case["id"], "Nota depois da eliminação em outro processo.")

    used = last_event_key_ids(api, case["id"])
    assert used and not used & erased_key_ids(api.store, CPF)
    assert event_count(api, case["id"]) == 3, "an insert sealed with the erased key was committed"
    fresh = other_process.get_case(UUID(case["id"]))
    assert fresh.notes[-1].text == "Nota depois da eliminação em outro processo."


def test_relinked_case_seals_under_new_dentist(api: Api, other_process: RetentionCases) -> None:
    case = open_reference_case(api)
    add_note(api, case["id"], "Primeira nota.")
    keys = other_process.key_store
    other_pseudonym = keys.pseudonym(OTHER_CPF)
    keys.link_case(case["id"], other_pseudonym)

    add_note(api, case["id"], "Nota depois da troca de dentista.")

    other_key_ids = {key["key_id"] for key in keys.keys_of(other_pseudonym)}
    assert last_event_key_ids(api, case["id"]) <= other_key_ids != set()
    assert event_count(api, case["id"]) == 3, "an insert sealed under the former dentist was committed"


def access_rows(api: Api, case_id: str) -> list[dict]:
    assert api.store.access_log is not None
    rows, _ = api.store.access_log.entries(AccessFilter(case_id=case_id), limit=100, offset=0)
    return rows


def test_response_read_logged_with_command(api: Api) -> None:
    case = open_reference_case(api)
    response = command(api, case["id"], "add_note", {"text": "Nota."}, **{"X-Request-ID": "req-nota-1"})
    rejected = command(api, case["id"], "add_note", {"text": "Nota velha."},
                       **{"If-Match": '"1"', "X-Request-ID": "req-nota-2"})  # fmt: skip

    assert response.status_code == 200
    assert rejected.status_code == 412
    correlations = [row["correlation_id"] for row in access_rows(api, case["id"]) if row["purpose"] == "command_response"]
    assert response.headers["X-Request-ID"] in correlations
    assert rejected.headers["X-Request-ID"] not in correlations
    assert len(correlations) == 2  # the opening and the note


def test_access_row_rolls_back_on_conflict(api: Api) -> None:
    case = open_reference_case(api)
    app = api.store.app
    first, second = app.get_case(UUID(case["id"])), app.get_case(UUID(case["id"]))
    context = CommandContext(ACTORS["agent"], correlation_id="corr-1", now=datetime.now(UTC))
    for copy in (first, second):
        copy.execute(parse_command("add_note", {"text": "Nota concorrente."}), context)
    access = AccessRecord("marina", ("agent",), (case["id"],), "command_response", "corr-winner")
    app.save(first, access=access)
    with pytest.raises(IntegrityError):
        app.save(second, access=AccessRecord("marina", ("agent",), (case["id"],), "command_response", "corr-loser"))

    correlations = {row["correlation_id"] for row in access_rows(api, case["id"])}
    assert "corr-winner" in correlations
    assert "corr-loser" not in correlations
