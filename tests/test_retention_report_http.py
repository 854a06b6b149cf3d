"""Retention report over HTTP: figures of known cases, grouping, CSV variants and errors."""

import csv
import io
from typing import Any

from tests.conftest import Api, auth
from tests.helpers import command, drive_reference_case, open_reference_case


def _report(api: Api, **params: Any) -> Any:
    return api.client.get("/v1/reports/retention", params=params, headers=auth("supervisor"))


def _retained_case(api: Api, city: str) -> dict[str, Any]:
    case = open_reference_case(api, city=city, protocol_number=f"R-{city}", started_on="10/01/2024")
    for trigger, body in [
        ("attempt_contact", {"channel": "phone", "outcome": "reached"}),
        ("offer_action", {"code": "support"}),
        ("record_acceptance", {"action_number": 1}),
        ("propose_conclusion", {"outcome": "retained", "ended_on": "20/01/2024"}),
    ]:
        response = command(api, case["id"], trigger, body)
        assert response.status_code == 200, (trigger, response.text)
    response = command(api, case["id"], "approve_conclusion", {}, actor="supervisor")
    assert response.status_code == 200, response.text
    return case


def _seed(api: Api) -> None:
    drive_reference_case(api)  # MANAUS, terminated for "prices", 05/10/2023 to 26/01/2024: 113 days
    _retained_case(api, "=HYPERLINK(1)")  # retained in 10 days, after support
    open_reference_case(api, city="MANAUS", protocol_number="OPEN-1", started_on="01/06/2024")
    api.wait_for_projection()


def test_report_json_figures(api: Api) -> None:
    _seed(api)

    response = _report(api, as_of="2024-06-20")
    assert response.status_code == 200, response.text
    body = response.json()
    total = body["total"]
    assert body["position"] == api.event_count()
    assert response.headers["X-Event-Position"] == str(api.event_count())
    assert total["cases"] == 3
    assert total["open_cases"] == 1
    assert total["outcomes"] == {"retained": 1, "terminated": 1, "not_retention": 0}
    assert total["retention_rate"] == 0.5
    assert total["termination_reasons"]["prices"] == 1
    assert sum(total["termination_reasons"].values()) == 1
    assert total["actions_offered"]["support"] == 2
    assert total["actions_offered"]["promotion"] == 1
    assert total["days_to_finish"] == {"count": 2, "mean": 61.5, "median": 61.5, "p90": 102.7}
    assert total["open_by_age"]["16-30"] == 1
    assert sum(total["open_by_age"].values()) == 1
    assert total["contact_attempts"]["count"] == 3
    assert total["contact_attempts"]["median"] == 1
    assert total["retention_by_action"]["support"] == {"cases": 2, "retained": 1, "terminated": 1, "retention_rate": 0.5}
    assert total["retention_by_action"]["promotion"]["retention_rate"] == 0.0
    assert total["retention_by_action"]["training"]["retention_rate"] is None


def test_report_groups_by_city_and_month(api: Api) -> None:
    _seed(api)

    body = _report(api, group_by="city,month", as_of="2024-06-20").json()
    keys = [group["key"] for group in body["groups"]]
    assert {"city": "MANAUS", "month": "2023-10"} in keys
    assert {"city": "MANAUS", "month": "2024-06"} in keys
    assert {"city": "=HYPERLINK(1)", "month": "2024-01"} in keys
    manaus_2023 = next(g for g in body["groups"] if g["key"] == {"city": "MANAUS", "month": "2023-10"})
    assert manaus_2023["retention_rate"] == 0.0
    assert manaus_2023["days_to_finish"]["mean"] == 113


def test_report_filters_apply(api: Api) -> None:
    _seed(api)

    body = _report(api, outcome="retained").json()
    assert body["total"]["cases"] == 1
    assert body["total"]["retention_rate"] == 1.0


def test_report_plain_csv(api: Api) -> None:
    _seed(api)

    response = _report(api, group_by="city", format="csv", as_of="2024-06-20")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert not response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert [row["city"] for row in rows] == ["'=HYPERLINK(1)", "MANAUS", "total"]
    total = rows[-1]
    assert total["position"] == str(api.event_count())
    assert total["as_of"] == "2024-06-20"
    assert total["retention_rate"] == "0.5000"
    assert total["days_to_finish_mean"] == "61.50"
    assert total["reason_prices"] == "1"


def test_report_brazilian_csv(api: Api) -> None:
    _seed(api)

    response = _report(api, group_by="city,month", format="csv_br", as_of="2024-06-20")
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert "Motivo: Valores" in rows[0]
    assert "Taxa de retenção com Ofertado Suporte" in rows[0]
    injected = next(row for row in rows if row["Cidade"].startswith("'"))
    assert injected["Cidade"] == "'=HYPERLINK(1)"
    assert injected["Mês"] == "01/2024"
    total = rows[-1]
    assert total["Cidade"] == "Total"
    assert total["Data de referência"] == "20/06/2024"
    assert total["Taxa de retenção"] == "0,5000"
    assert total["Tempo para finalizar em dias (média)"] == "61,50"
    assert total["Posição do evento"] == str(api.event_count())


def test_report_rejects_bad_parameters(api: Api) -> None:
    for params, field in [
        ({"group_by": "city,planet"}, "group_by"),
        ({"format": "xlsx"}, "format"),
        ({"as_of": "ontem"}, "as_of"),
        ({"reason": "boredom"}, "reason"),
    ]:
        response = _report(api, **params)
        assert response.status_code == 422, (params, response.text)
        assert field in response.json()["detail"] or response.json().get("field") == field, params


def test_report_requires_manager_role(api: Api) -> None:
    response = api.client.get("/v1/reports/retention", headers=auth("agent"))
    assert response.status_code == 403


def test_projection_status_shows_lag(api: Api) -> None:
    drive_reference_case(api)
    api.wait_for_projection()

    response = api.client.get("/v1/projections", headers=auth("supervisor"))
    assert response.status_code == 200, response.text
    (status,) = response.json()["items"]
    assert status["name"] == "case_summary"
    assert status["position"] == api.event_count()
    assert status["events_behind"] == 0
    assert status["seconds_behind"] == 0
    assert status["worker_active"] is True
