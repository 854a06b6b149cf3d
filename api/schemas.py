"""Request bodies as pydantic models: they shape the OpenAPI document and reject
malformed structure. Field values (CPF, CNPJ, dates, amounts) are checked by
the domain, which accepts the masked and Brazilian forms users type."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api import reference_case
from domain.catalog import (
    ActionCode,
    ContactChannel,
    ContactOutcome,
    DemandedBy,
    Outcome,
    PersonType,
    Sector,
    TerminationReason,
)

Text = str
Amount = str | int | float
DateText = str


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_at: str | None = Field(
        default=None,
        description="Quando o fato aconteceu (ISO 8601); pode estar no passado. Padrão: agora.",
    )


class CroBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str = Field(description="Número do CRO, só dígitos.")
    uf: str = Field(description="UF do conselho regional.")


class ProviderBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person_type: PersonType = Field(description="F (pessoa física) ou J (pessoa jurídica).")
    cnpj: str | None = Field(default=None, description="CNPJ numérico ou alfanumérico; obrigatório para tipo J.")
    dentist_name: Text = Field(description="Nome do dentista.")
    cpf: str = Field(description="CPF do dentista, com ou sem máscara.")
    cro: CroBody


class OpenCaseBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [reference_case.OPEN_CASE]})

    collaborator: Text = Field(description="Colaborador responsável, como no formulário.")
    operator: Text = Field(description="Operadora.")
    provider: ProviderBody
    cro_count: int | str = Field(description="Qtd CRO(s) do caso, ao menos 1.")
    credentialed_on: DateText = Field(description="Data de inclusão na rede (AAAA-MM-DD ou DD/MM/AAAA).")
    demanded_by: DemandedBy = Field(description="Quem pediu o desligamento.")
    protocol_number: Text = Field(description="Nº do protocolo.")
    protocol_opened_on: DateText = Field(description="Data de abertura do protocolo.")
    uf: str = Field(description="UF de atendimento.")
    city: Text = Field(description="Cidade de atendimento.")
    started_on: DateText | None = Field(default=None, description="Data de início; padrão: abertura do protocolo.")
    lives_in_area: int | str | None = Field(default=None, description="Nº de vidas na região (aceita '4.886').")
    unique_cros_listed: int | str | None = Field(default=None, description="Nº de CROs únicos divulgados na região.")
    serves_other_plans: bool | None = Field(default=None, description="Atende outros convênios?")
    other_plans: Text | None = Field(default=None, description="Quais convênios.")
    us_value: Amount | None = Field(default=None, description="Moeda: valor da US em R$, até 4 casas ('0,30').")
    last_production_on: DateText | None = Field(default=None, description="Última produção; vazio = sem guias.")
    last_production_value: Amount | None = Field(default=None, description="Valor da última produção; vazio = R$ -.")


class AttemptContactBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [reference_case.STEPS[0][1]]})
    channel: ContactChannel
    outcome: ContactOutcome
    contact: Text | None = Field(default=None, description="Telefone ou endereço usado.")
    notes: Text | None = Field(default=None, description="Observações, inclusive transcrições de conversa.")


class NotesBody(Body):
    notes: Text | None = None


class OfferActionBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [reference_case.STEPS[4][1]]})
    code: ActionCode
    details: Text | None = None
    justification: Text | None = Field(default=None, description="Obrigatória quando code = other.")
    offered_on: DateText | None = None


class RecordAcceptanceBody(Body):
    action_number: int = Field(ge=1, description="Número da ação ofertada que o dentista aceitou.")
    notes: Text | None = None


class ExclusionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    planned_exclusion_on: DateText | None = None
    substitute_provider: Text | None = None
    beneficiary_notice_on: DateText | None = None


class ProposeConclusionBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [reference_case.STEPS[-1][1]]})
    outcome: Outcome
    ended_on: DateText
    reasons: list[TerminationReason] | None = Field(default=None, description="Obrigatório para terminated.")
    justification: Text | None = Field(default=None, description="Obrigatória para not_retention.")
    new_protocol_required: bool | None = None
    responsible_sector: Sector | None = None
    notes: Text | None = None
    exclusion: ExclusionBody | None = Field(
        default=None, description="Exclusão planejada, substituto e aviso aos beneficiários (Lei 9.656/98 art. 17)."
    )


class ApproveConclusionBody(Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [reference_case.APPROVAL]})
    reviewers: list[Text] | None = Field(default=None, description="Até dois revisores que assinam o formulário.")


class ReasonBody(Body):
    reason: Text = Field(description="Motivo, obrigatório.")


class AddNoteBody(Body):
    text: Text


class CorrectDetailsBody(Body):
    changes: dict[str, Any] = Field(description="Campos do cabeçalho a corrigir, no formato da abertura.")
    reason: Text


class ReassignBody(Body):
    assignee_id: Text
    collaborator: Text | None = None
    reason: Text


# Body model and pt-BR summary of each command route.
COMMAND_BODIES: dict[str, tuple[type[Body], str]] = {
    "attempt_contact": (AttemptContactBody, "Registrar tentativa de contato"),
    "record_reply": (NotesBody, "Registrar resposta do dentista"),
    "offer_action": (OfferActionBody, "Ofertar ação de retenção"),
    "record_decline": (NotesBody, "Registrar recusa do dentista"),
    "record_acceptance": (RecordAcceptanceBody, "Registrar aceite de uma ação ofertada"),
    "propose_conclusion": (ProposeConclusionBody, "Propor conclusão do caso"),
    "approve_conclusion": (ApproveConclusionBody, "Aprovar a conclusão proposta"),
    "return_conclusion": (ReasonBody, "Devolver a conclusão proposta"),
    "reopen": (ReasonBody, "Reabrir caso concluído"),
    "add_note": (AddNoteBody, "Adicionar observação"),
    "correct_details": (CorrectDetailsBody, "Corrigir dados do cabeçalho"),
    "reassign": (ReassignBody, "Reatribuir o caso"),
}
