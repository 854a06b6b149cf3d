"""The case dossier as JSON, HTML and PDF, on SQLite and PostgreSQL."""

import io
import re

from pypdf import PdfReader

from tests.conftest import Api, auth
from tests.helpers import drive_reference_case


def dossier(api: Api, case_id: str, **kwargs: object):  # type: ignore[no-untyped-def]
    return api.client.get(f"/v1/cases/{case_id}/dossier", headers=auth("auditor", **kwargs.pop("headers", {})), **kwargs)  # type: ignore[arg-type]


def test_dossier_json_has_form_timeline_and_verification(api: Api) -> None:
    case = drive_reference_case(api)

    response = dossier(api, case["id"])

    assert response.status_code == 200
    body = response.json()
    sections = {section["title"]: section for section in body["sections"]}
    form = {item["label"]: item["value"] for item in sections["Formulário - Processo de Retenção"]["fields"]}
    assert form["Nome dentista"] == "RAFAEL TEIXEIRA MONTEIRO"
    assert form["nº de vidas"] == "4.886"
    assert form["Moeda"] == "0,30"
    assert form["Última produç."] == "sem guias"
    assert form["Valor última prod."] == "R$ -"
    assert form["Tempo finalização"] == "113 dia(s)"
    assert form["Status retenção"] == "Desligamento"
    timeline = sections["Linha do tempo (horários de Brasília)"]["table"]["rows"]
    assert len(timeline) == 14
    assert timeline[1][1] == "Tentativa de contato"
    assert timeline[1][3] == "03/10/2023 09:35:00"
    assert timeline[-1][2] == "paula (Supervisor)"
    sign_off = {item["label"]: item["value"] for item in sections["Aprovação dos revisores"]["fields"]}
    assert sign_off["Revisores"] == "Paula R. Lima, Jorge D'Ávila"
    assert sign_off["Aprovado em"] == "26/01/2024 16:00:00"
    assert body["verification"]["ok"] is True
    assert body["verification"]["event_count"] == 14
    assert re.fullmatch("[0-9a-f]{64}", body["verification"]["head"]["link"])


def test_dossier_html_by_accept_header(api: Api) -> None:
    case = drive_reference_case(api)

    response = dossier(api, case["id"], headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Dossiê do caso de retenção</h1>" in response.text
    assert "D&#x27;Ávila" in response.text
    assert "Cadeia íntegra" in response.text
    assert "style-src 'sha256-" in response.headers["content-security-policy"]


def test_dossier_pdf_text(api: Api) -> None:
    case = drive_reference_case(api)

    response = dossier(api, case["id"], params={"format": "pdf"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert 2 <= len(reader.pages) <= 6
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Dossiê do caso de retenção" in flat
    assert "RAFAEL TEIXEIRA MONTEIRO" in flat
    assert "Desligamento" in flat
    assert "Valores" in flat
    assert "Ofertado Divulgação" in flat
    assert "Paula R. Lima, Jorge D'Ávila" in flat
    assert "03/10/2023 09:35:00" in flat
    assert "Cadeia íntegra" in flat
    head = dossier(api, case["id"]).json()["verification"]["head"]["link"]
    assert head[:16] in flat.replace(" ", "")


def test_dossier_rejects_unknown_format(api: Api) -> None:
    case = drive_reference_case(api)

    response = dossier(api, case["id"], params={"format": "docx"})

    assert response.status_code == 422
    assert response.json()["field"] == "format"


def test_dossier_is_not_for_service_role(api: Api) -> None:
    case = drive_reference_case(api)

    response = api.client.get(f"/v1/cases/{case['id']}/dossier", headers=auth("service"))

    assert response.status_code == 403
