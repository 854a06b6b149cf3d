"""Personal fields sealed per dentist, erasure by key destruction, the subject report and the access log."""

import copy
import json
import re
from uuid import UUID

from api import reference_case
from domain.personal_data import ERASED
from tests.conftest import Api, auth
from tests.helpers import command, drive_reference_case, open_reference_case

CPF = "52814730690"
OTHER_CPF = "11144477735"
ERASURE = {"cpf": "528.147.306-90", "legal_basis": "LGPD art. 18, VI", "requester": "protocolo SAD-2024-0001"}


def stored_rows(api: Api, case_id: str) -> list[tuple[int, str, bytes]]:
    recorder = api.store.app.recorder
    return [(row.originator_version, row.topic, row.state) for row in recorder.select_events(UUID(case_id))]


def stored_snapshots(api: Api, case_id: str) -> list[bytes]:
    snapshots = api.store.app.snapshots
    assert snapshots is not None
    return [row.state for row in snapshots.recorder.select_events(UUID(case_id))]


def open_other_dentist_case(api: Api) -> dict:
    body = copy.deepcopy(reference_case.OPEN_CASE)
    body["provider"] = {**body["provider"], "cpf": OTHER_CPF, "dentist_name": "HELENA CASTRO DIAS"}
    response = api.client.post("/v1/cases", json=body, headers=auth("agent"))
    assert response.status_code == 201, response.text
    return response.json()


def test_stored_events_hold_no_personal_data(api: Api) -> None:
    case = drive_reference_case(api)

    rows = stored_rows(api, case["id"])
    states = b"".join(state for _, _, state in rows) + b"".join(stored_snapshots(api, case["id"]))

    assert stored_snapshots(api, case["id"]), "the test expects snapshots to exist"
    for secret in (CPF, "RAFAEL TEIXEIRA", "98000-1111", "990001234", "9000-1234", "TENTATIVA DE CONTATO"):
        assert secret.encode() not in states, secret
    assert b"_sealed_" in states
    assert b"no_answer" in states
    assert b"2023-10-03" in states
    assert b"ODONTOLIFE" in states
    assert b"SAD10482736519" in states


def test_case_reads_back_decrypted(api: Api) -> None:
    case = drive_reference_case(api)

    body = api.client.get(f"/v1/cases/{case['id']}", headers=auth("supervisor")).json()

    assert body["header"]["provider"]["cpf"] == CPF
    assert body["header"]["provider"]["dentist_name"] == "RAFAEL TEIXEIRA MONTEIRO"
    assert body["attempts"][0]["contact"] == "(92) 98000-1111"
    assert body["attempts"][0]["notes"].startswith("1ª TENTATIVA")
    assert body["personal_data_erased_at"] is None


def test_erasure_keeps_stored_rows_and_erases_fields(api: Api) -> None:
    case = drive_reference_case(api)
    other = open_other_dentist_case(api)
    before = stored_rows(api, case["id"])

    response = api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo"))

    assert response.status_code == 200, response.text
    assert response.json() == {"case_ids": [case["id"]], "keys_destroyed": 1}
    after = stored_rows(api, case["id"])
    assert after[: len(before)] == before
    assert [topic.rsplit(".", 1)[-1] for _, topic, _ in after[len(before):]] == ["PersonalDataErased"]

    body = api.client.get(f"/v1/cases/{case['id']}", headers=auth("supervisor")).json()
    assert body["header"]["provider"]["cpf"] == ERASED
    assert body["header"]["provider"]["dentist_name"] == ERASED
    assert all(attempt["contact"] == ERASED for attempt in body["attempts"])
    assert all(attempt["notes"] == ERASED for attempt in body["attempts"])
    assert body["header"]["operator"] == "ODONTOLIFE"
    assert body["status"] == "terminated"
    assert body["duration_days"] == 113
    assert body["personal_data_erased_at"] is not None

    other_body = api.client.get(f"/v1/cases/{other['id']}", headers=auth("supervisor")).json()
    assert other_body["header"]["provider"]["cpf"] == OTHER_CPF


def test_erasure_reaches_history_replays_and_case_list(api: Api) -> None:
    case = drive_reference_case(api)

    assert api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo")).status_code == 200

    history = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("auditor")).json()["events"]
    assert history[0]["data"]["header"]["provider"]["cpf"] == ERASED
    assert history[1]["data"]["attempt"]["notes"] == ERASED
    erased = history[-1]
    assert erased["type"] == "PersonalDataErased"
    assert erased["data"] == {"legal_basis": "LGPD art. 18, VI", "requester": "protocolo SAD-2024-0001"}
    assert erased["actor_id"] == "encarregado"
    assert erased["actor_role"] == "dpo"
    text = json.dumps(history, ensure_ascii=False)
    assert CPF not in text
    assert "RAFAEL" not in text

    past = api.store.app.get_case(UUID(case["id"]), version=3)
    assert past.header.provider.cpf == ERASED
    assert past.attempts[0].notes == ERASED

    api.wait_for_projection()
    rows = api.client.get("/v1/cases", headers=auth("supervisor")).json()["items"]
    assert [row["dentist_name"] for row in rows] == [None]


def test_new_case_after_erasure_gets_new_key(api: Api) -> None:
    drive_reference_case(api)
    assert api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo")).status_code == 200

    case = open_reference_case(api)
    response = command(api, case["id"], "add_note", {"text": "Dentista voltou a procurar a operadora."})

    assert response.status_code == 200, response.text
    body = api.client.get(f"/v1/cases/{case['id']}", headers=auth("agent")).json()
    assert body["header"]["provider"]["cpf"] == CPF
    assert body["notes"][0]["text"] == "Dentista voltou a procurar a operadora."


def test_erasure_twice_destroys_nothing_more(api: Api) -> None:
    case = drive_reference_case(api)
    assert api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo")).status_code == 200

    response = api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo"))

    assert response.json() == {"case_ids": [case["id"]], "keys_destroyed": 0}
    events = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("auditor")).json()["events"]
    assert [e["type"] for e in events].count("PersonalDataErased") == 1


def test_erasure_rejects_unknown_and_invalid_cpf(api: Api) -> None:
    open_reference_case(api)

    unknown = api.client.post("/v1/lgpd/erasures", json={**ERASURE, "cpf": OTHER_CPF}, headers=auth("dpo"))
    invalid = api.client.post("/v1/lgpd/erasures", json={**ERASURE, "cpf": "123.456.789-00"}, headers=auth("dpo"))
    blank = api.client.post("/v1/lgpd/erasures", json={**ERASURE, "legal_basis": " "}, headers=auth("dpo"))

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "subject_not_found"
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "cpf"
    assert blank.status_code == 422
    assert blank.json()["field"] == "legal_basis"
    assert api.store.app.key_store.keys_of(api.store.app.key_store.pseudonym(CPF))[0]["erased_at"] is None


def test_subject_report_lists_what_is_held(api: Api) -> None:
    case = drive_reference_case(api)
    open_other_dentist_case(api)
    api.client.get(f"/v1/cases/{case['id']}", headers=auth("auditor"))

    response = api.client.post("/v1/lgpd/reports", json={"cpf": "528.147.306-90"}, headers=auth("dpo"))

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["cpf"] == CPF
    assert [item["case_id"] for item in report["cases"]] == [case["id"]]
    section = report["cases"][0]
    assert section["provider"]["dentist_name"] == "RAFAEL TEIXEIRA MONTEIRO"
    assert len(section["attempts"]) == 7
    assert section["status_label"] == "Desligamento"
    assert len(report["keys"]) == 1
    readers = {(access["actor_id"], access["purpose"]) for access in report["accesses"]}
    assert ("auditoria", "case_read") in readers
    assert ("encarregado", "subject_report") in readers


def test_subject_report_as_pdf(api: Api) -> None:
    drive_reference_case(api)

    response = api.client.post("/v1/lgpd/reports", params={"format": "pdf"}, json={"cpf": CPF}, headers=auth("dpo"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 1500


def test_subject_report_after_erasure_shows_erased(api: Api) -> None:
    drive_reference_case(api)
    api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo"))

    report = api.client.post("/v1/lgpd/reports", json={"cpf": CPF}, headers=auth("dpo")).json()

    assert report["cases"][0]["provider"]["cpf"] == ERASED
    assert report["cases"][0]["personal_data_erased_at"] is not None
    assert report["keys"][0]["erased_at"] is not None


def test_access_log_records_each_read(api: Api) -> None:
    case = open_reference_case(api)
    api.client.get(f"/v1/cases/{case['id']}", headers=auth("auditor"))
    api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("supervisor"))

    response = api.client.get("/v1/lgpd/access-log", params={"case_id": case["id"]}, headers=auth("dpo"))

    assert response.status_code == 200
    items = response.json()["items"]
    seen = [(item["actor_id"], item["purpose"]) for item in items]
    assert ("marina", "command_response") in seen
    assert ("auditoria", "case_read") in seen
    assert ("paula", "history_read") in seen
    assert all(item["correlation_id"] for item in items)
    assert items[0]["purpose_label"]
    by_actor = api.client.get("/v1/lgpd/access-log", params={"actor_id": "auditoria"}, headers=auth("auditor"))
    assert [item["purpose"] for item in by_actor.json()["items"]] == ["case_read"]


def test_service_sees_masked_cpf_and_phones(api: Api) -> None:
    case = drive_reference_case(api)

    body = api.client.get(f"/v1/cases/{case['id']}", headers=auth("service")).json()
    history = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("service")).json()

    assert body["header"]["provider"]["cpf"] == "***.147.306-**"
    assert body["attempts"][0]["contact"].endswith("11")
    assert "98000" not in json.dumps(body)
    assert "990001234" not in json.dumps(body)
    assert history["events"][0]["data"]["header"]["provider"]["cpf"] == "***.147.306-**"
    assert "98000" not in json.dumps(history)


def test_idempotency_records_hold_no_personal_data(api: Api) -> None:
    headers = auth("agent", **{"Idempotency-Key": "abertura-1"})
    opened = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers).json()
    command(api, opened["id"], "attempt_contact", {"channel": "phone", "outcome": "no_answer",
            "contact": "(92) 98000-1111", "notes": "Sem retorno."}, **{"Idempotency-Key": "tentativa-1"})  # fmt: skip

    recorder = api.store.app.recorder
    with recorder.datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT * FROM idempotency_keys")
        stored = json.dumps([dict(row) for row in cursor.fetchall()], default=str)

    assert opened["id"] in stored
    assert CPF not in stored
    assert "RAFAEL" not in stored
    assert "98000" not in stored
    assert "Sem retorno" not in stored


def test_replayed_opening_keeps_subject_report_and_erasure_working(api: Api) -> None:
    headers = auth("agent", **{"Idempotency-Key": "abertura-1"})
    first = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)
    retry = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)
    assert retry.headers["Idempotent-Replayed"] == "true"

    report = api.client.post("/v1/lgpd/reports", json={"cpf": ERASURE["cpf"]}, headers=auth("dpo"))
    erasure = api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo"))

    assert report.status_code == 200, report.text
    assert [case["case_id"] for case in report.json()["cases"]] == [first.json()["id"]]
    assert erasure.status_code == 200, erasure.text


def test_retry_after_erasure_is_replayed_with_fields_erased(api: Api) -> None:
    headers = auth("agent", **{"Idempotency-Key": "abertura-1"})
    first = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)
    assert api.client.post("/v1/lgpd/erasures", json=ERASURE, headers=auth("dpo")).status_code == 200
    count = api.event_count()

    retry = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=headers)

    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["header"]["provider"]["cpf"] == ERASED
    assert api.event_count() == count


def test_subject_report_pdf_shows_brasilia_time(api: Api) -> None:
    from io import BytesIO

    from pypdf import PdfReader

    drive_reference_case(api)

    response = api.client.post("/v1/lgpd/reports", params={"format": "pdf"}, json={"cpf": CPF}, headers=auth("dpo"))
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)

    assert "Aberto em " in text
    assert re.search(r"Gerado em: \d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", text)
