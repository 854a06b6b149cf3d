"""Bad requests get a pt-BR problem naming the field, and record nothing."""

import copy
import json
import uuid
from typing import Any

import pytest

from api import reference_case
from tests.conftest import Api, auth
from tests.helpers import command, open_reference_case


def opening(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(reference_case.OPEN_CASE)
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for parent in parents:
            target = target[parent]
        if value is ...:
            del target[leaf]
        else:
            target[leaf] = value
    return body


# (name, body for POST /v1/cases, expected status, expected field, expected word in the detail)
OPEN_CASES = [
    ("cpf check digits", opening(provider__cpf="528.147.306-91"), 422, "provider.cpf", "CPF inválido"),
    ("cpf repeated digits", opening(provider__cpf="111.111.111-11"), 422, "provider.cpf", "CPF inválido"),
    ("cpf too short", opening(provider__cpf="5281473069"), 422, "provider.cpf", "11 dígitos"),
    ("cnpj check digits", opening(provider__cnpj="12.ABC.345/01DE-36"), 422, "provider.cnpj", "CNPJ inválido"),
    ("cnpj missing for J", opening(provider__cnpj=None), 422, "provider.cnpj", "pessoa jurídica"),
    ("cnpj given for F", opening(provider__person_type="F"), 422, "provider.cnpj", "só se aplica a pessoa jurídica"),
    ("unknown uf", opening(uf="XX"), 422, "uf", "UF inválida"),
    ("unknown cro uf", opening(provider__cro__uf="ZZ"), 422, "provider.cro.uf", "UF inválida"),
    ("cro with letters", opening(provider__cro__number="48A1"), 422, "provider.cro.number", "CRO"),
    ("unknown person type", opening(provider__person_type="X"), 422, "provider.person_type", "Códigos aceitos"),
    ("code as a number", opening(demanded_by=5), 422, "demanded_by", "código em texto"),
    ("code as a boolean", opening(demanded_by=True), 422, "demanded_by", "e veio true"),
    ("count as null", opening(cro_count=None), 422, "cro_count", "cro_count"),
    ("unknown demanded_by", opening(demanded_by="dentist"), 422, "demanded_by", "Códigos aceitos"),
    ("impossible date", opening(protocol_opened_on="31/02/2023"), 422, "protocol_opened_on", "Data inválida"),
    ("us value with 5 decimals", opening(us_value="0,30001"), 422, "us_value", "casas decimais"),
    ("negative production value", opening(last_production_value="-10"), 422, "last_production_value", "positivo"),
    ("cro_count zero", opening(cro_count=0), 422, "cro_count", "de 1 a 1000000000"),
    ("missing operator", opening(operator=...), 422, "operator", "obrigatório"),
    ("blank collaborator", opening(collaborator="   "), 422, "collaborator", "obrigatório"),
    ("unknown field", opening(favorite_color="azul"), 422, "favorite_color", "Campo desconhecido"),
    ("oversized name", opening(provider__dentist_name="R" * 500), 422, "provider.dentist_name", "máximo"),
    ("wrong type", opening(serves_other_plans="talvez"), 422, "serves_other_plans", "true ou false"),
]


@pytest.mark.parametrize(("name", "body", "status", "field", "word"), OPEN_CASES, ids=[c[0] for c in OPEN_CASES])
def test_bad_opening_is_rejected(api: Api, name: str, body: dict[str, Any], status: int, field: str, word: str) -> None:
    response = api.client.post("/v1/cases", json=body, headers=auth("agent"))

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field
    assert word in problem["detail"]
    assert problem["status"] == status
    assert api.event_count() == 0


# (name, trigger, body, expected status, expected code, expected field)
COMMAND_CASES = [
    ("unknown channel", "attempt_contact", {"channel": "pombo", "outcome": "reached"}, 422, "invalid_value", "channel"),
    ("unknown contact outcome", "attempt_contact", {"channel": "phone", "outcome": "maybe"}, 422, "invalid_value", "outcome"),
    ("bad occurred_at", "attempt_contact", {"channel": "phone", "outcome": "reached", "occurred_at": "ontem"}, 422, "invalid_value", "occurred_at"),
    ("oversized notes", "attempt_contact", {"channel": "phone", "outcome": "reached", "notes": "x" * 20_001}, 422, "invalid_value", "notes"),
    ("other without justification", "offer_action", {"code": "other"}, 422, "missing_value", "justification"),
    ("unknown action", "offer_action", {"code": "discount"}, 422, "invalid_value", "code"),
    ("unknown reason", "propose_conclusion", {"outcome": "terminated", "ended_on": "2024-01-26", "reasons": ["boredom"]}, 422, "invalid_value", "reasons[0]"),
    ("terminated without reason", "propose_conclusion", {"outcome": "terminated", "ended_on": "2024-01-26"}, 422, "missing_value", "reasons"),
    ("end before start", "propose_conclusion", {"outcome": "terminated", "ended_on": "2023-01-01", "reasons": ["prices"]}, 422, "invalid_value", "ended_on"),
    ("not_retention without justification", "propose_conclusion", {"outcome": "not_retention", "ended_on": "2024-01-26"}, 422, "missing_value", "justification"),
    ("retained without acceptance", "propose_conclusion", {"outcome": "retained", "ended_on": "2024-01-26"}, 422, "rule_violation", "outcome"),
    ("illegal transition", "record_decline", {}, 409, "transition_not_allowed", "trigger"),
    ("agent approves", "approve_conclusion", {}, 409, "transition_not_allowed", "trigger"),
    ("agent corrects details", "correct_details", {"changes": {"city": "X"}, "reason": "r"}, 403, "permission_denied", "role"),
    ("acceptance of unknown action", "record_acceptance", {"action_number": 7}, 409, "transition_not_allowed", "trigger"),
]


@pytest.mark.parametrize(("name", "trigger", "body", "status", "code", "field"), COMMAND_CASES, ids=[c[0] for c in COMMAND_CASES])
def test_bad_command_is_rejected(api: Api, name: str, trigger: str, body: dict[str, Any], status: int, code: str, field: str) -> None:
    case = open_reference_case(api)
    count = api.event_count()

    response = command(api, case["id"], trigger, body)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == code
    assert problem["field"] == field
    assert api.event_count() == count


def test_illegal_transition_names_state_and_allowed_commands(api: Api) -> None:
    case = open_reference_case(api)

    problem = command(api, case["id"], "record_decline").json()

    assert problem["current_state"] == "open"
    assert problem["allowed_commands"] == ["attempt_contact", "offer_action", "propose_conclusion", "add_note"]
    assert "Aberto" in problem["detail"]


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post(
        "/v1/cases", content=b'{"operator": "ODONTOLIFE",', headers=auth("agent", **{"Content-Type": "application/json"})
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
    assert "JSON" in response.json()["detail"]
    assert api.event_count() == 0


def test_json_that_is_not_an_object_is_rejected(api: Api) -> None:
    response = api.client.post("/v1/cases", json=[1, 2], headers=auth("agent"))
    assert response.status_code == 422
    assert api.event_count() == 0


def test_body_over_the_limit_is_413(api: Api) -> None:
    body = opening(other_plans="x" * 300_000)
    response = api.client.post("/v1/cases", json=body, headers=auth("agent"))
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert api.event_count() == 0


def test_form_encoded_body_is_415(api: Api) -> None:
    response = api.client.post("/v1/cases", data={"operator": "x"}, headers=auth("agent"))
    assert response.status_code == 415
    assert api.event_count() == 0


def test_missing_key_is_401(api: Api) -> None:
    response = api.client.post("/v1/cases", json=reference_case.OPEN_CASE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["field"] == "Authorization"
    assert api.event_count() == 0


def test_wrong_key_is_401(api: Api) -> None:
    response = api.client.get("/v1/cases", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


@pytest.mark.parametrize("actor", ["auditor", "service"])
def test_read_only_roles_cannot_open_cases(api: Api, actor: str) -> None:
    response = api.client.post("/v1/cases", json=reference_case.OPEN_CASE, headers=auth(actor))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert api.event_count() == 0


def test_service_with_agent_role_may_advance_the_workflow(api: Api) -> None:
    case = open_reference_case(api, actor="service_agent")
    assert case["allowed_commands"] == ["attempt_contact", "offer_action", "propose_conclusion", "add_note"]


def test_unknown_case_is_404(api: Api) -> None:
    response = command(api, str(uuid.uuid4()), "add_note", {"text": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"


def test_non_uuid_case_id_is_422(api: Api) -> None:
    response = api.client.get("/v1/cases/123", headers=auth("agent"))
    assert response.status_code == 422
    assert response.json()["field"] == "case_id"


@pytest.mark.parametrize("value", ["version-1", "1", '"1', '1"', '"1", "2"', '"-1"'])
def test_invalid_if_match_is_400(api: Api, value: str) -> None:
    case = open_reference_case(api)
    response = command(api, case["id"], "add_note", {"text": "x"}, **{"If-Match": value})
    assert response.status_code == 400
    assert response.json()["field"] == "If-Match"
    assert api.event_count() == 1


def test_if_match_with_leading_zero_is_412(api: Api) -> None:
    case = open_reference_case(api)
    response = command(api, case["id"], "add_note", {"text": "x"}, **{"If-Match": '"01"'})
    assert response.status_code == 412
    assert response.json()["field"] == "If-Match"
    assert api.event_count() == 1


def test_weak_if_match_is_412(api: Api) -> None:
    case = open_reference_case(api)
    response = command(api, case["id"], "add_note", {"text": "x"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 412
    assert response.json()["field"] == "If-Match"
    assert "etag fraca" in response.json()["detail"]
    assert api.event_count() == 1


def test_unknown_command_route_is_404(api: Api) -> None:
    case = open_reference_case(api)
    response = command(api, case["id"], "delete_everything", {})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["field"] == "trigger"
    assert "add_note" in response.json()["detail"]


def test_list_filter_with_bad_uf_is_422(api: Api) -> None:
    response = api.client.get("/v1/cases", params={"uf": "XX"}, headers=auth("agent"))
    assert response.status_code == 422
    assert response.json()["field"] == "uf"


@pytest.mark.parametrize(
    ("body", "name"),
    [
        (b'{"text": "a", "text": "b"}', "text"),
        (b'{"channel": "phone", "outcome": "no_answer", "outcome": "reached"}', "outcome"),
    ],
)
def test_repeated_json_member_is_422(api: Api, body: bytes, name: str) -> None:
    case = open_reference_case(api)
    trigger = "add_note" if name == "text" else "attempt_contact"

    response = api.client.post(
        f"/v1/cases/{case['id']}/commands/{trigger}",
        content=body,
        headers=auth("agent", **{"Content-Type": "application/json"}),
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] == name
    assert "Campo repetido" in response.json()["detail"]
    assert api.event_count() == 1


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_is_400(api: Api, constant: str) -> None:
    body = json.dumps(reference_case.OPEN_CASE).replace('"cro_count": 2,', f'"cro_count": {constant},')

    response = api.client.post(
        "/v1/cases", content=body.encode(), headers=auth("agent", **{"Content-Type": "application/json"})
    )

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_json"
    assert api.event_count() == 0
