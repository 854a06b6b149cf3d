"""The report of everything held about one dentist (LGPD art. 18 access request), as JSON and PDF."""

from datetime import datetime
from typing import Any

from fpdf import FPDF

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
    pdf = _Pdf()
    pdf.add_page()
    pdf.heading("Relatório de dados pessoais do titular (LGPD, art. 18)")
    pdf.line_of(f"CPF do titular: {report['cpf']}")
    pdf.line_of(f"Gerado em: {report['generated_at']}")
    pdf.line_of(f"Casos encontrados: {len(report['cases'])}")
    for key in report["keys"]:
        state = f"eliminada em {key['erased_at']}" if key["erased_at"] else "ativa"
        pdf.line_of(f"Chave de criptografia {key['key_id']}: criada em {key['created_at']}, {state}")
    for case in report["cases"]:
        pdf.heading(f"Caso {case['case_id']}")
        provider = case["provider"]
        pdf.line_of(f"Situação: {case['status_label']}. Aberto em {case['opened_at']}.")
        if case["personal_data_erased_at"]:
            pdf.line_of(f"Dados pessoais eliminados em {case['personal_data_erased_at']}.")
        pdf.line_of(f"Nome: {provider['dentist_name']}. CPF: {provider['cpf']}. CRO: {provider['cro']['uf']} "
                    f"{provider['cro']['number']}.")  # fmt: skip
        for attempt in case["attempts"]:
            pdf.line_of(f"Tentativa {attempt['number']} ({attempt['occurred_at']}, {attempt['channel_label']}): "
                        f"contato {attempt['contact'] or '-'}. {attempt['notes']}")  # fmt: skip
        for reply in case["replies"]:
            pdf.line_of(f"Retorno {reply['number']} ({reply['occurred_at']}): {reply['notes']}")
        for decision in case["decisions"]:
            verb = "Aceite" if decision["accepted"] else "Recusa"
            pdf.line_of(f"{verb} ({decision['occurred_at']}): {decision['notes']}")
        for note in case["notes"]:
            pdf.line_of(f"Observação {note['number']} ({note['occurred_at']}, {note['author_id']}): {note['text']}")
    pdf.heading("Acessos aos dados pessoais")
    if not report["accesses"]:
        pdf.line_of("Nenhum acesso registrado.")
    for access in report["accesses"]:
        pdf.line_of(f"{access['accessed_at']}: {access['actor_id']} ({', '.join(access['roles'])}), "
                    f"{access['purpose_label']}, caso {access['case_id']}")  # fmt: skip
    return bytes(pdf.output())


class _Pdf(FPDF):
    """A4 pages in the core Helvetica font, which covers Latin-1: other characters print as '?'."""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title("Relatório de dados pessoais do titular")

    def heading(self, text: str) -> None:
        self.set_font("Helvetica", style="B", size=12)
        self.ln(3)
        self.multi_cell(0, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9)

    def line_of(self, text: str) -> None:
        self.set_font("Helvetica", size=9)
        self.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
