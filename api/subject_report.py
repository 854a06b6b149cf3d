"""The report of everything held about one dentist (LGPD art. 18 access request), as JSON and PDF."""

from datetime import date, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from api.dossier import format_value
from api.dossier_pdf import BODY, HEADING, TITLE, register_fonts
from api.presenters import to_json
from domain.catalog import AccessPurpose, CaseStatus, label
from domain.retention_case import RetentionCase


def build_report(cpf: str, cases: list[RetentionCase], keys: list[dict[str, Any]],
                 accesses: list[dict[str, Any]], generated_at: datetime) -> dict[str, Any]:  # fmt: skip
    return {
        "cpf": cpf,
        "generated_at": generated_at.isoformat(),
        "keys": keys,
        "cases": [_case_section(case) for case in cases],
        "accesses": [
            {**access, "purpose_label": label(AccessPurpose(access["purpose"]))} for access in accesses
        ],
    }


def _case_section(case: RetentionCase) -> dict[str, Any]:
    return {
        "case_id": str(case.id),
        "status": case.status.value,
        "status_label": label(CaseStatus(case.status)),
        "opened_at": case.opened_at.isoformat(),
        "personal_data_erased_at": case.personal_data_erased_at.isoformat() if case.personal_data_erased_at else None,
        "provider": to_json(case.header.provider),
        "attempts": to_json(case.attempts),
        "replies": to_json(case.replies),
        "decisions": to_json(case.decisions),
        "notes": to_json(case.notes),
    }


def report_pdf(report: dict[str, Any]) -> bytes:
    """Render the report as A4 pages in the fonts the dossier uses, so every pt-BR character prints."""
    register_fonts()
    story: list[Flowable] = [
        Paragraph("Relatório de dados pessoais do titular (LGPD, art. 18)", TITLE),
        _line(f"CPF do titular: {report['cpf']}"),
        _line(f"Gerado em: {_shown(report['generated_at'])}"),
        _line(f"Casos encontrados: {len(report['cases'])}"),
    ]
    for key in report["keys"]:
        state = f"eliminada em {_shown(key['erased_at'])}" if key["erased_at"] else "ativa"
        story.append(_line(f"Chave de criptografia {key['key_id']}: criada em {_shown(key['created_at'])}, {state}"))
    for case in report["cases"]:
        story.extend(_case_lines(case))
    story.append(Paragraph("Acessos aos dados pessoais", HEADING))
    if not report["accesses"]:
        story.append(_line("Nenhum acesso registrado."))
    for access in report["accesses"]:
        story.append(_line(f"{_shown(access['accessed_at'])}: {access['actor_id']} ({', '.join(access['roles'])}), "
                           f"{access['purpose_label']}, caso {access['case_id']}"))  # fmt: skip

    buffer = BytesIO()
    margin = 15 * mm
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=margin,
        title="Relatório de dados pessoais do titular", author="retencao", lang="pt-BR",
    )  # fmt: skip
    document.build(story)
    return buffer.getvalue()


def _case_lines(case: dict[str, Any]) -> list[Flowable]:
    provider = case["provider"]
    lines: list[Flowable] = [
        Paragraph(escape(f"Caso {case['case_id']}"), HEADING),
        _line(f"Situação: {case['status_label']}. Aberto em {_shown(case['opened_at'])}."),
    ]
    if case["personal_data_erased_at"]:
        lines.append(_line(f"Dados pessoais eliminados em {_shown(case['personal_data_erased_at'])}."))
    lines.append(_line(f"Nome: {provider['dentist_name']}. CPF: {provider['cpf']}. CRO: {provider['cro']['uf']} "
                       f"{provider['cro']['number']}."))  # fmt: skip
    for attempt in case["attempts"]:
        lines.append(_line(f"Tentativa {attempt['number']} ({_shown(attempt['occurred_at'])}, {attempt['channel_label']}): "
                           f"contato {attempt['contact'] or '-'}. {attempt['notes']}"))  # fmt: skip
    for reply in case["replies"]:
        lines.append(_line(f"Retorno {reply['number']} ({_shown(reply['occurred_at'])}): {reply['notes']}"))
    for decision in case["decisions"]:
        verb = "Aceite" if decision["accepted"] else "Recusa"
        lines.append(_line(f"{verb} ({_shown(decision['occurred_at'])}): {decision['notes']}"))
    for note in case["notes"]:
        lines.append(_line(f"Observação {note['number']} ({_shown(note['occurred_at'])}, {note['author_id']}): {note['text']}"))
    return lines


def _shown(value: str | None) -> str:
    """Write an ISO 8601 date or instant of the JSON report as the dossier writes it."""
    if not value:
        return format_value(None)
    if len(value) == len("2025-01-31"):
        return format_value(date.fromisoformat(value))
    return format_value(datetime.fromisoformat(value))


def _line(text: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), BODY)
