"""Security headers, closed CORS, rate limits, body limits and injection attempts."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from adapters.settings import Settings
from adapters.store import Store
from api.app import create_app
from tests.conftest import TEST_KEYS, Api, auth
from tests.helpers import command, open_reference_case

SQL_INJECTIONS = ["' OR '1'='1", "x'; DROP TABLE case_summary; --", "\" OR 1=1 --", "%' UNION SELECT * FROM subject_keys --"]


def test_responses_carry_security_headers(api: Api) -> None:
    response = api.client.get("/v1/cases", headers=auth("agent"))

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["cache-control"] == "no-store"
    problem = api.client.get("/v1/cases")
    assert problem.headers["x-content-type-options"] == "nosniff"


def test_cors_is_closed_by_default(api: Api) -> None:
    preflight = api.client.options(
        "/v1/cases",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    simple = api.client.get("/v1/cases", headers={**auth("agent"), "Origin": "https://evil.example"})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_configured_origins(settings: Settings, store: Store) -> None:
    configured = settings.model_copy(update={"cors_allow_origins": ["https://painel.operadora.example"]})
    with TestClient(create_app(configured, store=store, keys=TEST_KEYS)) as client:
        allowed = client.options("/v1/cases", headers={"Origin": "https://painel.operadora.example",
                                                        "Access-Control-Request-Method": "GET"})  # fmt: skip
        other = client.options("/v1/cases", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "GET"})  # fmt: skip

    assert allowed.headers["access-control-allow-origin"] == "https://painel.operadora.example"
    assert "access-control-allow-origin" not in other.headers


def test_rate_limit_per_key(settings: Settings, store: Store) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 60, "rate_limit_burst": 3})
    with TestClient(create_app(limited, store=store, keys=TEST_KEYS), raise_server_exceptions=False) as client:
        statuses = [client.get("/v1/cases", headers=auth("agent")).status_code for _ in range(4)]
        other_key = client.get("/v1/cases", headers=auth("supervisor"))
        rejected = client.get("/v1/cases", headers=auth("agent"))

    assert statuses == [200, 200, 200, 429]
    assert other_key.status_code == 200
    assert rejected.json()["code"] == "rate_limited"
    assert int(rejected.headers["retry-after"]) >= 1


def test_rate_limit_on_failed_authentication(settings: Settings, store: Store) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 60, "rate_limit_burst": 2})
    with TestClient(create_app(limited, store=store, keys=TEST_KEYS), raise_server_exceptions=False) as client:
        statuses = [client.get("/v1/cases", headers={"Authorization": f"Bearer guess-{n}"}).status_code for n in range(3)]

    assert statuses == [401, 401, 429]


def test_oversized_body_is_rejected(api: Api) -> None:
    before = api.event_count()

    response = api.client.post("/v1/cases", content=b"{" + b" " * 300_000 + b"}",
                               headers={**auth("agent"), "Content-Type": "application/json"})  # fmt: skip

    assert response.status_code == 413
    assert api.event_count() == before


@pytest.mark.parametrize("attack", SQL_INJECTIONS)
def test_sql_injection_in_filters_is_inert(api: Api, attack: str) -> None:
    case = open_reference_case(api)
    api.wait_for_projection()

    for params in ({"operator": attack}, {"collaborator": attack}, {"uf": attack[:2]}):
        response = api.client.get("/v1/cases", params=params, headers=auth("supervisor"))
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert response.json()["items"] == []
    access = api.client.get("/v1/lgpd/access-log", params={"actor_id": attack}, headers=auth("dpo"))
    assert access.status_code == 200
    assert access.json()["items"] == []
    assert api.client.get(f"/v1/cases/{case['id']}", headers=auth("agent")).status_code == 200
    assert api.client.get("/v1/cases", headers=auth("supervisor")).json()["total"] == 1


@pytest.mark.parametrize("attack", SQL_INJECTIONS)
def test_sql_injection_in_text_is_stored(api: Api, attack: str) -> None:
    case = open_reference_case(api, operator=attack, collaborator=attack)

    response = command(api, case["id"], "add_note", {"text": attack})

    assert response.status_code == 200
    assert response.json()["notes"][0]["text"] == attack
    assert response.json()["header"]["operator"] == attack
    api.wait_for_projection()
    listed = api.client.get("/v1/cases", params={"operator": attack}, headers=auth("supervisor")).json()
    assert [item["case_id"] for item in listed["items"]] == [case["id"]]


def test_header_injection_is_not_reflected(api: Api) -> None:
    response = api.client.get("/v1/cases", headers={**auth("agent"), "X-Request-ID": "abc\tdef: evil"})
    bad_key = command(api, "00000000-0000-0000-0000-000000000000", "add_note", {"text": "x"},
                      **{"Idempotency-Key": "k\tX-Injected: 1"})  # fmt: skip

    assert response.headers["x-request-id"] != "abc\tdef: evil"
    assert "x-injected" not in response.headers
    assert bad_key.status_code == 400
    assert "x-injected" not in bad_key.headers


def test_csv_export_neutralizes_formulas(api: Api, settings: Settings, store: Store) -> None:
    case = open_reference_case(api)
    assert store.access_log is not None
    store.access_log.record("=HYPERLINK(\"http://evil.example\")", ["agent"], [case["id"]], "case_read", "+cmd|' /C calc'!A0")

    response = api.client.get("/v1/lgpd/access-log", params={"format": "csv"}, headers=auth("auditor"))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:2] == ["accessed_at", "actor_id"]
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\")" in cells
    assert "'+cmd|' /C calc'!A0" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
