"""Case search over HTTP: filters, free text, sort orders, cursor pages and masking."""

import copy
from typing import Any

from adapters.projections.rebuild import rebuild
from api import reference_case
from tests.conftest import Api, auth
from tests.helpers import command, drive_reference_case, open_reference_case


def _open(api: Api, **changes: Any) -> dict[str, Any]:
    provider = {**copy.deepcopy(reference_case.OPEN_CASE["provider"]), **changes.pop("provider", {})}
    return open_reference_case(api, provider=provider, **changes)


def _search(api: Api, actor: str = "agent", **params: Any) -> dict[str, Any]:
    response = api.client.get("/v1/cases", params=params, headers=auth(actor))
    assert response.status_code == 200, response.text
    return response.json()


def _ids(body: dict[str, Any]) -> set[str]:
    return {item["id"] if "id" in item else item["case_id"] for item in body["items"]}


def test_search_filters_each_criterion(api: Api) -> None:
    concluded = drive_reference_case(api)
    belem = _open(api, uf="PA", city="BELÉM", protocol_number="SAD200", collaborator="LUCAS PRADO",
                  demanded_by="provider", provider={"dentist_name": "José Conceição", "cro": {"number": "7777", "uf": "PA"}})  # fmt: skip
    offered = _open(api, protocol_number="SAD300", started_on="01/02/2024")
    assert command(api, offered["id"], "offer_action", {"code": "training"}).status_code == 200
    api.wait_for_projection()

    assert _ids(_search(api, status="terminated")) == {concluded["id"]}
    assert _ids(_search(api, outcome="terminated")) == {concluded["id"]}
    assert _ids(_search(api, uf="pa")) == {belem["id"]}
    assert _ids(_search(api, city="BELÉM")) == {belem["id"]}
    assert _ids(_search(api, collaborator="LUCAS PRADO")) == {belem["id"]}
    assert _ids(_search(api, demanded_by="provider")) == {belem["id"]}
    assert _ids(_search(api, reason="prices")) == {concluded["id"]}
    assert _ids(_search(api, action="training")) == {offered["id"]}
    assert _ids(_search(api, action="support")) == {concluded["id"]}
    assert _ids(_search(api, operator="ODONTOLIFE")) == {concluded["id"], belem["id"], offered["id"]}
    assert _ids(_search(api, concluded_from="2024-01-26", concluded_to="26/01/2024")) == {concluded["id"]}
    assert _ids(_search(api, concluded_from="2024-01-27")) == set()
    assert len(_ids(_search(api, opened_from="2000-01-01"))) == 3
    assert _ids(_search(api, opened_to="2000-01-01")) == set()


def test_search_free_text_matches_name_cro_protocol(api: Api) -> None:
    jose = _open(api, protocol_number="ABC-123", provider={"dentist_name": "José Conceição", "cro": {"number": "98765", "uf": "AM"}})
    other = _open(api, protocol_number="XYZ-999")
    api.wait_for_projection()

    assert _ids(_search(api, q="jose conceicao")) == {jose["id"]}
    assert _ids(_search(api, q="CONCEIÇÃO")) == {jose["id"]}
    assert _ids(_search(api, q="8765")) == {jose["id"]}
    assert _ids(_search(api, q="abc-1")) == {jose["id"]}
    assert _ids(_search(api, q="xyz")) == {other["id"]}
    assert _ids(_search(api, q="%")) == set()


def test_search_hides_name_from_service_role(api: Api) -> None:
    _open(api, provider={"dentist_name": "José Conceição"})
    api.wait_for_projection()

    service = _search(api, actor="service")
    assert service["items"][0]["dentist_name"] is None
    assert "dentist_name_key" not in service["items"][0]
    assert _search(api, actor="service", q="conceicao")["items"] == []
    assert _search(api, actor="agent")["items"][0]["dentist_name"] == "José Conceição"


def test_search_cursor_pages_cover_all_cases(api: Api) -> None:
    opened = {_open(api, protocol_number=f"P{number:03d}")["id"] for number in range(7)}
    api.wait_for_projection()

    for sort in ("-opened_at", "protocol_number", "-concluded_on"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            body = _search(api, **params)
            assert body["total"] == 7
            seen += [item["case_id"] for item in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == 7, sort
        assert set(seen) == opened, sort

    ascending = [item["protocol_number"] for item in _search(api, sort="protocol_number", limit=10)["items"]]
    assert ascending == sorted(ascending)
    descending = [item["protocol_number"] for item in _search(api, sort="-protocol_number", limit=10)["items"]]
    assert descending == sorted(ascending, reverse=True)


def test_search_reports_position(api: Api) -> None:
    _open(api)
    api.wait_for_projection()

    assert _search(api)["position"] == api.event_count()


def test_search_rejects_bad_parameters(api: Api) -> None:
    _open(api, protocol_number="P1")
    _open(api, protocol_number="P2")
    api.wait_for_projection()
    first = _search(api, limit=1, sort="protocol_number")
    cases = [
        ({"sort": "dentist_name"}, "sort"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "lost"}, "status"),
        ({"uf": "XX"}, "uf"),
        ({"opened_from": "31/02/2024"}, "opened_from"),
        ({"opened_from": "2024-02-01", "opened_to": "2024-01-01"}, "opened_from"),
        ({"cursor": first["next_cursor"], "sort": "-opened_at"}, "cursor"),
    ]
    for params, field in cases:
        response = api.client.get("/v1/cases", params=params, headers=auth("agent"))
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.text, params


def test_erased_name_stays_erased_after_rebuild(api: Api) -> None:
    drive_reference_case(api)
    erasure = {"cpf": reference_case.OPEN_CASE["provider"]["cpf"], "legal_basis": "LGPD art. 18, VI", "requester": "protocolo 1"}
    assert api.client.post("/v1/lgpd/erasures", json=erasure, headers=auth("dpo")).status_code == 200
    api.wait_for_projection()

    rebuild(api.store.app, api.store.read_models, "case_summary", batch_size=4)
    api.wait_for_projection()

    (item,) = _search(api, actor="supervisor")["items"]
    assert item["dentist_name"] is None
    assert _search(api, actor="supervisor", q="rafael")["items"] == []
    assert _search(api, actor="supervisor", q="4821")["total"] == 1
