"""Edge cases of query parameters, bodies and conflicts: pt-BR problems, never a 500."""

import json
from collections.abc import Iterator
from typing import Annotated

import pytest

from api.problems import _version_conflict_detail, validation_detail
from api.query_guard import _is_sequence
from domain.errors import VersionConflict
from tests.conftest import Api, auth
from tests.helpers import command, open_reference_case



@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """These checks are about the HTTP layer, so SQLite (where the integer overflow showed) is enough."""
    return sqlite_url


TOO_BIG = str(2**63)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        (f"/v1/events?after={TOO_BIG}", "after"),
        (f"/v1/events?after={10**30}", "after"),
        (f"/v1/events/stream?after={TOO_BIG}", "after"),
        (f"/v1/events?limit={TOO_BIG}", "limit"),
    ],
)
def test_integer_query_above_int64_rejected(api: Api, path: str, parameter: str) -> None:
    response = api.client.get(path, headers=auth("service"))

    assert response.status_code == 422, response.text
    assert response.json()["field"] == parameter
    assert "Valor fora do intervalo" in response.json()["detail"]
    assert "máximo" in response.json()["detail"]


def test_largest_int64_position_accepted(api: Api) -> None:
    response = api.client.get(f"/v1/events?after={2**63 - 1}", headers=auth("service"))

    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def test_case_version_above_int64_rejected(api: Api) -> None:
    case = open_reference_case(api)

    by_version = api.client.get(f"/v1/cases/{case['id']}?version={TOO_BIG}", headers=auth("agent"))
    by_until = api.client.get(f"/v1/cases/{case['id']}/history?until={TOO_BIG}", headers=auth("agent"))

    assert by_version.status_code == 422, by_version.text
    assert by_version.json()["field"] == "version"
    assert by_until.status_code == 422, by_until.text
    assert by_until.json()["field"] == "until"


def _chunks(payload: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(payload), size):
        yield payload[start : start + size]


def test_chunked_body_over_limit_gets_413(api: Api) -> None:
    payload = json.dumps({"text": "x" * 300_000}).encode()

    response = api.client.post(
        "/v1/cases", content=_chunks(payload), headers={**auth("agent"), "Content-Type": "application/json"}
    )

    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload_too_large"
    assert api.event_count() == 0


def test_chunked_body_under_limit_reaches_route(api: Api) -> None:
    payload = json.dumps({"unexpected": 1}).encode()

    response = api.client.post(
        "/v1/cases", content=_chunks(payload, 5), headers={**auth("agent"), "Content-Type": "application/json"}
    )

    assert response.status_code == 422, response.text
    assert response.json()["field"] != "body"


@pytest.mark.parametrize(
    "payload",
    [b'{"text": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000],
    ids=["invalid utf-8", "deep nesting"],
)
def test_unparseable_body_is_malformed_json(api: Api, payload: bytes) -> None:
    response = api.client.post("/v1/cases", content=payload, headers={**auth("agent"), "Content-Type": "application/json"})

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_json"
    assert "There was an error" not in response.text
    assert "JSON válido" in response.json()["detail"]


def test_syntax_error_detail_has_no_english(api: Api) -> None:
    response = api.client.post("/v1/cases", content=b'{"a": }', headers={**auth("agent"), "Content-Type": "application/json"})

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_json"
    assert "Expecting" not in response.json()["detail"]
    assert "posição 6" in response.json()["detail"]


def test_body_without_content_type_gets_415(api: Api) -> None:
    headers = {key: value for key, value in auth("agent").items() if key.lower() != "content-type"}
    response = api.client.post("/v1/cases", content=b'{"uf": "SP"}', headers=headers)

    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_media_type"
    assert "Content-Type: application/json" in response.json()["detail"]


def test_empty_body_without_content_type_allowed(api: Api) -> None:
    case = open_reference_case(api)

    response = api.client.post(f"/v1/cases/{case['id']}/commands/add_note", headers=auth("agent"))

    assert response.status_code != 415, response.text


def test_enum_error_lists_codes_in_portuguese() -> None:
    error = {"type": "literal_error", "loc": ("body", "demanded_by"), "input": "x", "ctx": {"expected": "'operator' or 'provider'"}}

    code, field, detail = validation_detail(error)

    assert (code, field) == ("invalid_value", "demanded_by")
    assert "Códigos aceitos: operator, provider." in detail
    assert " or " not in detail


@pytest.mark.parametrize(
    ("kind", "ctx", "words"),
    [
        ("greater_than_equal", {"ge": 1}, "mínimo 1"),
        ("less_than_equal", {"le": 200}, "máximo 200"),
        ("greater_than", {"gt": 0}, "maior que 0"),
        ("less_than", {"lt": 5}, "menor que 5"),
    ],
)
def test_bound_error_worded_in_portuguese(kind: str, ctx: dict[str, int], words: str) -> None:
    _, _, detail = validation_detail({"type": kind, "loc": ("query", "limit"), "input": "999", "ctx": ctx})

    assert words in detail
    assert "=" not in detail


def test_limit_over_maximum_says_maximum(api: Api) -> None:
    response = api.client.get("/v1/cases?limit=999", headers=auth("agent"))

    assert response.status_code == 422, response.text
    assert "máximo 200" in response.json()["detail"]


def test_future_if_match_not_called_a_change(api: Api) -> None:
    case = open_reference_case(api)

    response = command(api, case["id"], "add_note", {"text": "nota"}, **{"If-Match": '"7"'})

    assert response.status_code == 412, response.text
    detail = response.json()["detail"]
    assert "foi alterado" not in detail
    assert "versão 7" in detail
    assert f"versão {case['version']}" in detail


def test_stale_if_match_says_case_changed(api: Api) -> None:
    case = open_reference_case(api)
    assert command(api, case["id"], "add_note", {"text": "primeira"}).status_code == 200

    response = command(api, case["id"], "add_note", {"text": "segunda"}, **{"If-Match": f'"{case["version"]}"'})

    assert response.status_code == 412, response.text
    assert "foi alterado" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "actor"),
    [
        ("/v1/cases?limt=5", "agent"),
        ("/v1/events?aftr=3", "service"),
        ("/v1/reports/retention?group_by=uf&fromat=csv", "supervisor"),
    ],
)
def test_unknown_query_parameter_rejected(api: Api, path: str, actor: str) -> None:
    unknown = path.split("&")[-1].split("?")[-1].split("=")[0]

    response = api.client.get(path, headers=auth(actor))

    assert response.status_code == 422, response.text
    assert response.json()["field"] == unknown
    assert "Parâmetro de consulta desconhecido" in response.json()["detail"]


def test_repeated_query_parameter_rejected(api: Api) -> None:
    response = api.client.get("/v1/cases?status=open&status=negotiating", headers=auth("agent"))

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "status"
    assert response.json()["value"] == ["open", "negotiating"]
    assert "repetido" in response.json()["detail"]


def test_sequence_annotations_take_repeats() -> None:
    assert _is_sequence(list[str] | None)
    assert _is_sequence(Annotated[list[int], "x"])
    assert not _is_sequence(str | None)
    assert not _is_sequence(int)


def test_declared_query_parameters_accepted(api: Api) -> None:
    response = api.client.get("/v1/reports/retention?group_by=uf&format=csv", headers=auth("supervisor"))

    assert response.status_code == 200, response.text


def test_lost_race_detail_has_no_if_match_advice() -> None:
    error = VersionConflict("domain text", expected=3, current=4)

    detail = _version_conflict_detail(error, has_if_match=False)

    assert "If-Match atualizado" not in detail
    assert "versão atual: 4" in detail
