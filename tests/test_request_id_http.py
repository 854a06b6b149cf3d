"""X-Request-ID: echoed when the client sends a usable one, generated otherwise, on every API response."""

import uuid

from tests.conftest import Api, auth
from tests.helpers import open_reference_case


def test_request_id_echoed_on_success(api: Api) -> None:
    response = api.client.get("/v1/catalog", headers={"X-Request-ID": "pedido-123"})

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "pedido-123"


def test_request_id_recorded_in_event(api: Api) -> None:
    case = open_reference_case(api)

    response = api.client.post(
        f"/v1/cases/{case['id']}/commands/add_note",
        json={"text": "Retorno combinado."},
        headers=auth("agent", **{"X-Request-ID": "nota-42"}),
    )
    history = api.client.get(f"/v1/cases/{case['id']}/history", headers=auth("auditor")).json()

    assert response.headers["X-Request-ID"] == "nota-42"
    assert history["events"][-1]["correlation_id"] == "nota-42"


def test_request_id_generated_when_missing_or_invalid(api: Api) -> None:
    missing = api.client.get("/v1/catalog")
    invalid = api.client.get("/v1/catalog", headers={"X-Request-ID": "com espaco"})

    assert uuid.UUID(missing.headers["X-Request-ID"])
    assert uuid.UUID(invalid.headers["X-Request-ID"])


def test_request_id_on_problem_response(api: Api) -> None:
    response = api.client.get("/v1/cases", headers={"X-Request-ID": "sem-chave"})

    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "sem-chave"


def test_request_id_on_rejected_body(api: Api) -> None:
    wrong_type = api.client.post(
        "/v1/cases", content=b"texto", headers=auth("agent", **{"Content-Type": "text/plain", "X-Request-ID": "tipo-1"})
    )
    too_large = api.client.post(
        "/v1/cases",
        content=b"{" + b" " * 300_000 + b"}",
        headers=auth("agent", **{"Content-Type": "application/json", "X-Request-ID": "grande-1"}),
    )

    assert wrong_type.status_code == 415
    assert wrong_type.headers["X-Request-ID"] == "tipo-1"
    assert wrong_type.json()["field"] == "Content-Type"
    assert too_large.status_code == 413
    assert too_large.headers["X-Request-ID"] == "grande-1"
    assert too_large.json()["field"] == "body"
