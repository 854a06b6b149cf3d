"""Codes of the retention domain and their pt-BR labels.

Every code the API, the events and the reports use is an English
``StrEnum`` member. ``LABELS`` is the single place that maps each code to the
label users see. ``catalog_document`` renders the whole catalogue for
``GET /v1/catalog``.
"""

from enum import StrEnum


class CaseStatus(StrEnum):
    OPEN = "open"
    CONTACTING = "contacting"
    NEGOTIATING = "negotiating"
    DECLINED = "declined"
    PENDING_APPROVAL = "pending_approval"
    RETAINED = "retained"
    TERMINATED = "terminated"
    NOT_RETENTION = "not_retention"


class Outcome(StrEnum):
    RETAINED = "retained"
    TERMINATED = "terminated"
    NOT_RETENTION = "not_retention"


class PersonType(StrEnum):
    INDIVIDUAL = "F"
    COMPANY = "J"


class DemandedBy(StrEnum):
    OPERATOR = "operator"
    PROVIDER = "provider"


class ContactChannel(StrEnum):
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    IN_PERSON = "in_person"
    OTHER = "other"


class ContactOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    MESSAGE_SENT = "message_sent"
    REACHED = "reached"


class ActionCode(StrEnum):
    NEW_VALUES = "new_values"
    SUPPORT = "support"
    PROMOTION = "promotion"
    TRAINING = "training"
    REFRESHER = "refresher"
    OTHER = "other"


class TerminationReason(StrEnum):
    LOST_CONTACT = "lost_contact"
    HEALTH_PROBLEMS = "health_problems"
    PRICES = "prices"
    FRANCHISE = "franchise"
    PROVIDER_REMOVED = "provider_removed"
    NO_SERVICE_LOCATION = "no_service_location"
    SYSTEM_DIFFICULTIES = "system_difficulties"
    AUTHORIZATION_DELAY = "authorization_delay"
    TECHNICAL_RULES = "technical_rules"
    COSMETIC_ONLY = "cosmetic_only"
    LOW_DEMAND = "low_demand"
    CALL_CENTER_CONTACT_DIFFICULTY = "call_center_contact_difficulty"
    UNDUE_BILLING = "undue_billing"
    OPERATOR_BUREAUCRACY = "operator_bureaucracy"
    LITIGATION_THREAT = "litigation_threat"
    OUTSOURCED_CARE = "outsourced_care"
    PRIVATE_PATIENTS = "private_patients"
    STUDIES = "studies"
    PUBLIC_SERVANT = "public_servant"
    RELOCATED = "relocated"
    DEATH = "death"
    RUDE_BENEFICIARY = "rude_beneficiary"
    TECHNICAL_LEAD_CHANGE = "technical_lead_change"
    CLAIM_DENIALS = "claim_denials"
    BUSINESS_CLOSED = "business_closed"
    RETIRED = "retired"
    LACK_OF_OPERATOR_SUPPORT = "lack_of_operator_support"
    CARE_DENIAL = "care_denial"
    MIGRATION = "migration"


class Sector(StrEnum):
    IT = "it"
    CALL_CENTER = "call_center"
    TECHNICAL_ANALYSIS = "technical_analysis"
    COMMERCIAL = "commercial"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    SERVICE = "service"
    DPO = "dpo"


class AccessPurpose(StrEnum):
    """Reason a case's personal data was read, as recorded in the personal-data access log."""

    CASE_READ = "case_read"
    HISTORY_READ = "history_read"
    CASE_LIST = "case_list"
    COMMAND_RESPONSE = "command_response"
    SUBJECT_REPORT = "subject_report"
    DOSSIER = "dossier"
    REPLAY = "replay"
    EVENT_FEED = "event_feed"


class Uf(StrEnum):
    AC = "AC"
    AL = "AL"
    AP = "AP"
    AM = "AM"
    BA = "BA"
    CE = "CE"
    DF = "DF"
    ES = "ES"
    GO = "GO"
    MA = "MA"
    MT = "MT"
    MS = "MS"
    MG = "MG"
    PA = "PA"
    PB = "PB"
    PR = "PR"
    PE = "PE"
    PI = "PI"
    RJ = "RJ"
    RN = "RN"
    RS = "RS"
    RO = "RO"
    RR = "RR"
    SC = "SC"
    SP = "SP"
    SE = "SE"
    TO = "TO"


class EventType(StrEnum):
    """Names of the events a case records, as stored in the event topic."""

    CASE_OPENED = "CaseOpened"
    CONTACT_ATTEMPTED = "ContactAttempted"
    DENTIST_REPLIED = "DentistReplied"
    ACTION_OFFERED = "ActionOffered"
    DENTIST_DECLINED = "DentistDeclined"
    DENTIST_ACCEPTED = "DentistAccepted"
    CONCLUSION_PROPOSED = "ConclusionProposed"
    CONCLUSION_APPROVED = "ConclusionApproved"
    CONCLUSION_RETURNED = "ConclusionReturned"
    CASE_REOPENED = "CaseReopened"
    NOTE_ADDED = "NoteAdded"
    CASE_DETAILS_CORRECTED = "CaseDetailsCorrected"
    CASE_REASSIGNED = "CaseReassigned"
    PERSONAL_DATA_ERASED = "PersonalDataErased"


class ChainBreakKind(StrEnum):
    """Ways the audit chain can fail verification."""

    EVENT_ALTERED = "event_altered"
    EVENT_MOVED = "event_moved"
    EVENT_DELETED = "event_deleted"
    EVENT_NOT_IN_CHAIN = "event_not_in_chain"
    LINK_BROKEN = "link_broken"
    LINK_MISSING = "link_missing"
    VERSION_OUT_OF_ORDER = "version_out_of_order"
    CHAIN_REWRITTEN = "chain_rewritten"
    CHAIN_TRUNCATED = "chain_truncated"
    CHECKPOINT_SIGNATURE_INVALID = "checkpoint_signature_invalid"
    SNAPSHOT_ALTERED = "snapshot_altered"


LABELS: dict[type[StrEnum], dict[str, str]] = {
    CaseStatus: {
        "open": "Aberto",
        "contacting": "Em contato",
        "negotiating": "Em negociação",
        "declined": "Recusado",
        "pending_approval": "Aguardando aprovação",
        "retained": "Retenção Efetiva",
        "terminated": "Desligamento",
        "not_retention": "Não se trata de Retenção",
    },
    Outcome: {
        "retained": "Retenção Efetiva",
        "terminated": "Desligamento",
        "not_retention": "Não se trata de Retenção",
    },
    PersonType: {"F": "Pessoa física", "J": "Pessoa jurídica"},
    DemandedBy: {"operator": "Operadora", "provider": "Prestador"},
    ContactChannel: {
        "phone": "Telefone",
        "whatsapp": "WhatsApp",
        "email": "E-mail",
        "in_person": "Presencial",
        "other": "Outro",
    },
    ContactOutcome: {
        "no_answer": "Não atendeu",
        "voicemail": "Caixa postal",
        "message_sent": "Mensagem enviada",
        "reached": "Contato realizado",
    },
    ActionCode: {
        "new_values": "Ofertado Novos Valores",
        "support": "Ofertado Suporte",
        "promotion": "Ofertado Divulgação",
        "training": "Ofertado Treinamento",
        "refresher": "Ofertado Reciclagem",
        "other": "Outros",
    },
    TerminationReason: {
        "lost_contact": "Perda de Contato",
        "health_problems": "Problemas de Saúde",
        "prices": "Valores",
        "franchise": "Franquia",
        "provider_removed": "Removido Prestador",
        "no_service_location": "Sem Local de Atendimento",
        "system_difficulties": "Dificuldades com o Sistema",
        "authorization_delay": "Prazo Liberação de Guias",
        "technical_rules": "Regras Técnicas",
        "cosmetic_only": "Apenas procedimentos Estéticos",
        "low_demand": "Baixa Procura",
        "call_center_contact_difficulty": "Dificuldade de Contato com a Central",
        "undue_billing": "Cobrança indevida",
        "operator_bureaucracy": "Burocracia Operadora",
        "litigation_threat": "Ameaça Judicialização",
        "outsourced_care": "Terceirização de Atendimento",
        "private_patients": "Carteira de Clientes Particular",
        "studies": "Estudos",
        "public_servant": "Servidor Público",
        "relocated": "Mudou de Área",
        "death": "Óbito",
        "rude_beneficiary": "Beneficiário Grosseiro",
        "technical_lead_change": "Alteração Responsável Técnico",
        "claim_denials": "Glosas",
        "business_closed": "Encerramento de Atividades",
        "retired": "Aposentou",
        "lack_of_operator_support": "Falta de Suporte da Operadora",
        "care_denial": "Negativa de Atendimento",
        "migration": "Migração",
    },
    Sector: {
        "it": "T.I",
        "call_center": "Central de atendimento",
        "technical_analysis": "Análise Técnica",
        "commercial": "Comercial",
    },
    Role: {
        "agent": "Colaborador",
        "supervisor": "Supervisor",
        "auditor": "Auditor",
        "service": "Serviço integrado",
        "dpo": "Encarregado de dados (DPO)",
    },
    AccessPurpose: {
        "case_read": "Consulta do caso",
        "history_read": "Consulta do histórico",
        "case_list": "Listagem de casos",
        "command_response": "Resposta a um comando",
        "subject_report": "Relatório do titular (LGPD)",
        "dossier": "Dossiê do caso",
        "replay": "Reprodução do histórico pela linha de comando",
        "event_feed": "Feed ou stream de eventos",
    },
    Uf: {
        "AC": "Acre",
        "AL": "Alagoas",
        "AP": "Amapá",
        "AM": "Amazonas",
        "BA": "Bahia",
        "CE": "Ceará",
        "DF": "Distrito Federal",
        "ES": "Espírito Santo",
        "GO": "Goiás",
        "MA": "Maranhão",
        "MT": "Mato Grosso",
        "MS": "Mato Grosso do Sul",
        "MG": "Minas Gerais",
        "PA": "Pará",
        "PB": "Paraíba",
        "PR": "Paraná",
        "PE": "Pernambuco",
        "PI": "Piauí",
        "RJ": "Rio de Janeiro",
        "RN": "Rio Grande do Norte",
        "RS": "Rio Grande do Sul",
        "RO": "Rondônia",
        "RR": "Roraima",
        "SC": "Santa Catarina",
        "SP": "São Paulo",
        "SE": "Sergipe",
        "TO": "Tocantins",
    },
    EventType: {
        "CaseOpened": "Caso aberto",
        "ContactAttempted": "Tentativa de contato",
        "DentistReplied": "Retorno do dentista",
        "ActionOffered": "Ação de retenção ofertada",
        "DentistDeclined": "Recusa do dentista",
        "DentistAccepted": "Aceite do dentista",
        "ConclusionProposed": "Conclusão proposta",
        "ConclusionApproved": "Conclusão aprovada",
        "ConclusionReturned": "Conclusão devolvida",
        "CaseReopened": "Caso reaberto",
        "NoteAdded": "Observação registrada",
        "CaseDetailsCorrected": "Dados corrigidos",
        "CaseReassigned": "Caso reatribuído",
        "PersonalDataErased": "Dados pessoais eliminados (LGPD)",
    },
    ChainBreakKind: {
        "event_altered": "Evento alterado depois de gravado",
        "event_moved": "Evento trocado de posição",
        "event_deleted": "Evento apagado",
        "event_not_in_chain": "Evento inserido fora da cadeia",
        "link_broken": "Elo da cadeia adulterado",
        "link_missing": "Elo da cadeia removido",
        "version_out_of_order": "Versões do caso fora de sequência na cadeia",
        "chain_rewritten": "Cadeia reescrita depois do checkpoint assinado",
        "chain_truncated": "Cadeia mais curta que o checkpoint assinado",
        "checkpoint_signature_invalid": "Assinatura de checkpoint inválida",
        "snapshot_altered": "Snapshot diferente do caso reconstruído pelos eventos",
    },
}

# Names under which each code list is published in the catalogue document.
CATALOG_KEYS: dict[type[StrEnum], str] = {
    CaseStatus: "case_status",
    Outcome: "outcome",
    PersonType: "person_type",
    DemandedBy: "demanded_by",
    ContactChannel: "contact_channel",
    ContactOutcome: "contact_outcome",
    ActionCode: "action",
    TerminationReason: "termination_reason",
    Sector: "sector",
    Role: "role",
    AccessPurpose: "access_purpose",
    Uf: "uf",
}


def label(code: StrEnum) -> str:
    """Return the pt-BR label of a code."""
    return LABELS[type(code)][code.value]


def catalog_document() -> dict[str, list[dict[str, str]]]:
    """Return every code list as ``{list name: [{code, label}, ...]}``."""
    return {
        key: [{"code": member.value, "label": label(member)} for member in enum]
        for enum, key in CATALOG_KEYS.items()
    }
