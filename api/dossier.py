"""The case dossier: every field of the form, the timeline and the chain verification, in pt-BR.

``build_dossier`` lays the case out as sections of labelled fields and
tables, in the order of the paper form. The JSON, HTML and PDF renderings
all read this one structure, so they always show the same facts. Times
are shown in America/Sao_Paulo.
"""

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from adapters.audit_verification import VerificationReport
from api.audit_views import present_verification
from api.replay import event_label, sao_paulo
from domain.catalog import CaseStatus, Role, label
from domain.case_data import Conclusion
from domain.retention_case import RetentionCase


@dataclass(frozen=True)
class DossierField:
    label: str
    value: str


@dataclass(frozen=True)
class DossierTable:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class DossierSection:
    title: str
    fields: list[DossierField] = field(default_factory=list)
    table: DossierTable | None = None

    def add(self, label_text: str, value: Any) -> None:
        self.fields.append(DossierField(label_text, format_value(value)))


@dataclass
class Dossier:
    case_id: UUID
    version: int
    generated_at: datetime
    title: str
    sections: list[DossierSection]
    verification: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": str(self.case_id),
            "version": self.version,
            "generated_at": self.generated_at.isoformat(),
            "title": self.title,
            "sections": [asdict(section) for section in self.sections],
            "verification": self.verification,
        }


def format_value(value: Any) -> str:
    """Write a value as the paper form does: dd/mm/aaaa dates, comma decimals, Sim/Não."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Sim" if value else "Não"
    if isinstance(value, datetime):
        return sao_paulo(value)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def build_dossier(case: RetentionCase, events: list[RetentionCase.Event], report: VerificationReport) -> Dossier:
    sections = [
        _form_section(case),
        _contacts_section(case),
        _actions_section(case),
        _decisions_section(case),
        _conclusion_section(case.conclusion or case.proposal, case),
        _sign_off_section(case),
        _notes_section(case),
        _timeline_section(events),
        _verification_section(report),
    ]
    return Dossier(
        case_id=case.id,
        version=case.version,
        generated_at=datetime.now(UTC),
        title="Dossiê do caso de retenção",
        sections=[section for section in sections if section.fields or section.table],
        verification=present_verification(report),
    )


def _form_section(case: RetentionCase) -> DossierSection:
    header = case.header
    provider = header.provider
    conclusion = case.conclusion or case.proposal
    section = DossierSection("Formulário - Processo de Retenção")
    section.add("Colaborador", header.collaborator)
    section.add("Qtd CRO(s)", header.cro_count)
    section.add("Data", conclusion.ended_on if conclusion else None)
    section.add("Operadora", header.operator)
    section.add("CRO", f"{provider.cro.number}/{provider.cro.uf}")
    section.add("UF", header.uf.value)
    section.add("Nome dentista", provider.dentist_name)
    section.add("CNPJ", provider.cnpj)
    section.add("CPF", provider.cpf)
    section.add("Data inclusão", header.credentialed_on)
    section.add("Tipo", f"{provider.person_type.value} ({label(provider.person_type)})")
    section.add("Demandado por?", label(header.demanded_by))
    section.add("Nº do protocolo", header.protocol_number)
    section.add("Dt. abertura protocolo", header.protocol_opened_on)
    section.add("Cidade", header.city)
    section.add("nº de vidas", header.lives_in_area)
    section.add("nº CRO(S) únicos divulgados", header.unique_cros_listed)
    section.add("Atende outros convênios", header.serves_other_plans)
    section.add("Quais?", header.other_plans)
    section.add("Moeda", header.us_value)
    section.add("Última produç.", header.last_production_on or "sem guias")
    section.add(
        "Valor última prod.",
        "R$ -" if header.last_production_value is None else f"R$ {format_value(header.last_production_value)}",
    )
    section.add("Data início", header.started_on)
    section.add("Data final", conclusion.ended_on if conclusion else None)
    section.add("Tempo finalização", f"{case.duration_days} dia(s)" if case.duration_days is not None else None)
    section.add("Status retenção", label(CaseStatus(case.status)))
    section.add("Responsável atual", case.assignee_id)
    return section


def _contacts_section(case: RetentionCase) -> DossierSection:
    section = DossierSection("Contatos")
    rows = [
        [
            f"{attempt.number}º contato",
            sao_paulo(attempt.occurred_at),
            label(attempt.channel),
            label(attempt.outcome),
            format_value(attempt.contact),
            format_value(attempt.notes),
        ]
        for attempt in case.attempts
    ]
    rows += [
        [f"{reply.number}º retorno do dentista", sao_paulo(reply.occurred_at), "—", "—", "—", format_value(reply.notes)]
        for reply in case.replies
    ]
    if rows:
        section.table = DossierTable(["Contato", "Data", "Canal", "Resultado", "Telefone/endereço", "Obs."], rows)
    return section


def _actions_section(case: RetentionCase) -> DossierSection:
    section = DossierSection("Ação Retenção")
    if case.actions:
        section.table = DossierTable(
            ["Nº", "Ação", "Ofertada em", "Detalhes", "Justificativa"],
            [
                [
                    str(action.number),
                    label(action.code),
                    format_value(action.offered_on),
                    format_value(action.details),
                    format_value(action.justification),
                ]
                for action in case.actions
            ],
        )
    return section


def _decisions_section(case: RetentionCase) -> DossierSection:
    section = DossierSection("Decisões do dentista")
    if case.decisions:
        section.table = DossierTable(
            ["Data", "Decisão", "Ação aceita", "Obs."],
            [
                [
                    sao_paulo(decision.occurred_at),
                    "Aceite" if decision.accepted else "Recusa",
                    format_value(decision.action_number),
                    format_value(decision.notes),
                ]
                for decision in case.decisions
            ],
        )
    return section


def _conclusion_section(conclusion: Conclusion | None, case: RetentionCase) -> DossierSection:
    title = "Conclusão" if case.conclusion is not None else "Conclusão proposta (aguardando aprovação)"
    section = DossierSection(title)
    if conclusion is None:
        return section
    section.add("Status retenção", label(conclusion.outcome))
    section.add("Data final", conclusion.ended_on)
    section.add("Motivo desligamento", ", ".join(label(reason) for reason in conclusion.reasons))
    section.add("Justificativa", conclusion.justification)
    section.add("Necessário novo protocolo", conclusion.new_protocol_required)
    section.add("Setor responsável", label(conclusion.responsible_sector) if conclusion.responsible_sector else None)
    section.add("Obs.", conclusion.notes)
    if conclusion.exclusion is not None:
        section.add("Exclusão prevista em", conclusion.exclusion.planned_exclusion_on)
        section.add("Prestador substituto", conclusion.exclusion.substitute_provider)
        section.add("Aviso aos beneficiários em", conclusion.exclusion.beneficiary_notice_on)
    return section


def _sign_off_section(case: RetentionCase) -> DossierSection:
    section = DossierSection("Aprovação dos revisores")
    if case.sign_off is None:
        return section
    section.add("Aprovado por", case.sign_off.approver_id)
    section.add("Aprovado em", case.sign_off.approved_at)
    section.add("Revisores", ", ".join(case.sign_off.reviewers))
    return section


def _notes_section(case: RetentionCase) -> DossierSection:
    section = DossierSection("Observações")
    if case.notes:
        section.table = DossierTable(
            ["Nº", "Data", "Autor", "Texto"],
            [[str(note.number), sao_paulo(note.occurred_at), note.author_id, note.text] for note in case.notes],
        )
    return section


def _timeline_section(events: list[RetentionCase.Event]) -> DossierSection:
    rows = []
    for event in events:
        meta = event.meta
        rows.append(
            [
                str(event.originator_version),
                event_label(type(event).__name__),
                f"{meta.actor_id} ({label(Role(meta.actor_role))})",
                sao_paulo(meta.occurred_at),
                sao_paulo(event.timestamp),
                format_value(meta.reason),
            ]
        )
    return DossierSection(
        "Linha do tempo (horários de Brasília)",
        table=DossierTable(["Versão", "Evento", "Quem", "Ocorreu em", "Registrado em", "Motivo"], rows),
    )


def _verification_section(report: VerificationReport) -> DossierSection:
    section = DossierSection("Verificação da cadeia de auditoria")
    section.add("Resultado", "Cadeia íntegra" if report.ok else "Cadeia violada")
    section.add("Eventos do caso conferidos", report.event_count)
    section.add("Cabeça da cadeia (posição)", report.head_position)
    section.add("Cabeça da cadeia (SHA-256)", report.head_link)
    checkpoint = report.checkpoint
    section.add(
        "Último checkpoint assinado",
        f"posição {checkpoint.position}, em {sao_paulo(checkpoint.signed_at)}, chave {checkpoint.key_id}"
        if checkpoint
        else "nenhum",
    )
    if report.chain_break is not None:
        section.add("Violação", report.chain_break.label)
        section.add("Detalhe", report.chain_break.detail)
    for note in report.notes:
        section.add("Observação", note)
    section.add("Verificado em", report.checked_at)
    return section
