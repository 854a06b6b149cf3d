"""Commands that advance a retention case, parsed from request payloads.

Each command is named, in the imperative, for the action it requests and
carries already validated values. ``parse_command(trigger, payload)`` is the
single entry point the API uses. It raises ``InvalidValue``/``MissingValue``
naming the field, in pt-BR.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from domain.case_data import CaseHeader, ExclusionPlan, Provider
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
from domain.errors import InvalidValue, MissingValue
from domain.identifiers import Cro, parse_cnpj, parse_cpf, parse_uf
from domain.parsing import (
    as_mapping,
    optional_date,
    optional_text,
    parse_bool,
    parse_code,
    parse_codes,
    require,
    required_text,
)
from domain.values import (
    MAX_SHORT_TEXT_LENGTH,
    parse_count,
    parse_date,
    parse_instant,
    parse_money,
)


@dataclass(frozen=True)
class Command:
    trigger: ClassVar[str]
    occurred_at: datetime | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class OpenCase(Command):
    trigger: ClassVar[str] = "open"
    header: CaseHeader


@dataclass(frozen=True)
class AttemptContact(Command):
    trigger: ClassVar[str] = "attempt_contact"
    channel: ContactChannel
    outcome: ContactOutcome
    contact: str = ""
    notes: str = ""


@dataclass(frozen=True)
class RecordReply(Command):
    trigger: ClassVar[str] = "record_reply"
    notes: str = ""


@dataclass(frozen=True)
class OfferAction(Command):
    trigger: ClassVar[str] = "offer_action"
    code: ActionCode
    details: str = ""
    justification: str = ""
    offered_on: date | None = None


@dataclass(frozen=True)
class RecordDecline(Command):
    trigger: ClassVar[str] = "record_decline"
    notes: str = ""


@dataclass(frozen=True)
class RecordAcceptance(Command):
    trigger: ClassVar[str] = "record_acceptance"
    action_number: int
    notes: str = ""


@dataclass(frozen=True)
class ProposeConclusion(Command):
    trigger: ClassVar[str] = "propose_conclusion"
    outcome: Outcome
    ended_on: date
    reasons: tuple[TerminationReason, ...] = ()
    justification: str = ""
    new_protocol_required: bool | None = None
    responsible_sector: Sector | None = None
    notes: str = ""
    exclusion: ExclusionPlan | None = None


@dataclass(frozen=True)
class ApproveConclusion(Command):
    trigger: ClassVar[str] = "approve_conclusion"
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReturnConclusion(Command):
    trigger: ClassVar[str] = "return_conclusion"
    reason: str


@dataclass(frozen=True)
class ReopenCase(Command):
    trigger: ClassVar[str] = "reopen"
    reason: str


@dataclass(frozen=True)
class AddNote(Command):
    trigger: ClassVar[str] = "add_note"
    text: str


@dataclass(frozen=True)
class CorrectDetails(Command):
    """Replace header fields; ``changes`` uses the same shape as the opening payload."""

    trigger: ClassVar[str] = "correct_details"
    changes: Mapping[str, Any]
    reason: str


@dataclass(frozen=True)
class ReassignCase(Command):
    trigger: ClassVar[str] = "reassign"
    assignee_id: str
    reason: str
    collaborator: str = ""


def parse_header(payload: Mapping[str, Any]) -> CaseHeader:
    """Build a validated form header from the opening payload."""
    provider_payload = as_mapping(payload.get("provider"), field="provider")
    protocol_opened_on = parse_date(require(payload, "protocol_opened_on"), field="protocol_opened_on")
    started_on = optional_date(payload, "started_on") or protocol_opened_on
    serves_other_plans = parse_bool(payload.get("serves_other_plans"), field="serves_other_plans")
    us_value = payload.get("us_value")
    last_value = payload.get("last_production_value")
    lives = payload.get("lives_in_area")
    unique_cros = payload.get("unique_cros_listed")
    return CaseHeader(
        collaborator=required_text(payload, "collaborator", max_length=MAX_SHORT_TEXT_LENGTH),
        operator=required_text(payload, "operator", max_length=MAX_SHORT_TEXT_LENGTH),
        provider=parse_provider(provider_payload),
        cro_count=parse_count(require(payload, "cro_count"), field="cro_count", minimum=1),
        credentialed_on=parse_date(require(payload, "credentialed_on"), field="credentialed_on"),
        demanded_by=parse_code(DemandedBy, payload.get("demanded_by"), field="demanded_by"),
        protocol_number=required_text(payload, "protocol_number", max_length=60),
        protocol_opened_on=protocol_opened_on,
        uf=parse_uf(payload.get("uf"), field="uf"),
        city=required_text(payload, "city", max_length=MAX_SHORT_TEXT_LENGTH),
        started_on=started_on,
        lives_in_area=None if lives is None else parse_count(lives, field="lives_in_area"),
        unique_cros_listed=None if unique_cros is None else parse_count(unique_cros, field="unique_cros_listed"),
        serves_other_plans=serves_other_plans,
        other_plans=optional_text(payload, "other_plans", max_length=1000),
        us_value=None if us_value is None else parse_money(us_value, field="us_value", places=4),
        last_production_on=optional_date(payload, "last_production_on"),
        last_production_value=None if last_value is None else parse_money(last_value, field="last_production_value"),
    )


def parse_provider(payload: Mapping[str, Any]) -> Provider:
    prefix = "provider."
    person_type = parse_code(PersonType, payload.get("person_type"), field=prefix + "person_type")
    raw_cnpj = payload.get("cnpj")
    cnpj = None
    if raw_cnpj not in (None, ""):
        cnpj = parse_cnpj(raw_cnpj, field=prefix + "cnpj")
    if person_type is PersonType.COMPANY and cnpj is None:
        raise MissingValue(
            "O campo 'provider.cnpj' é obrigatório quando o prestador é pessoa jurídica (tipo J).",
            field=prefix + "cnpj",
        )
    if person_type is PersonType.INDIVIDUAL and cnpj is not None:
        raise InvalidValue(
            f"O campo 'provider.cnpj' ('{raw_cnpj}') só se aplica a pessoa jurídica (tipo J). "
            "Para pessoa física (tipo F), deixe-o vazio ou informe o tipo J.",
            field=prefix + "cnpj",
            value=str(raw_cnpj),
        )
    cro = as_mapping(payload.get("cro"), field=prefix + "cro")
    return Provider(
        person_type=person_type,
        dentist_name=required_text(payload, "dentist_name", prefix, max_length=MAX_SHORT_TEXT_LENGTH),
        cpf=parse_cpf(payload.get("cpf"), field=prefix + "cpf"),
        cro=Cro.parse(cro.get("number"), cro.get("uf"), field=prefix + "cro"),
        cnpj=cnpj,
    )


def header_payload(header: CaseHeader) -> dict[str, Any]:
    """Return ``header`` in the shape of the opening payload (the inverse of ``parse_header``)."""
    provider = header.provider
    return {
        "collaborator": header.collaborator,
        "operator": header.operator,
        "provider": {
            "person_type": provider.person_type.value,
            "cnpj": provider.cnpj,
            "dentist_name": provider.dentist_name,
            "cpf": provider.cpf,
            "cro": {"number": provider.cro.number, "uf": provider.cro.uf.value},
        },
        "cro_count": header.cro_count,
        "credentialed_on": header.credentialed_on.isoformat(),
        "demanded_by": header.demanded_by.value,
        "protocol_number": header.protocol_number,
        "protocol_opened_on": header.protocol_opened_on.isoformat(),
        "uf": header.uf.value,
        "city": header.city,
        "started_on": header.started_on.isoformat(),
        "lives_in_area": header.lives_in_area,
        "unique_cros_listed": header.unique_cros_listed,
        "serves_other_plans": header.serves_other_plans,
        "other_plans": header.other_plans,
        "us_value": _decimal_text(header.us_value),
        "last_production_on": header.last_production_on.isoformat() if header.last_production_on else None,
        "last_production_value": _decimal_text(header.last_production_value),
    }


def apply_corrections(header: CaseHeader, changes: Mapping[str, Any]) -> tuple[CaseHeader, tuple[str, ...]]:
    """Return the header with ``changes`` applied and the dotted names of the fields that changed."""
    current = header_payload(header)
    unknown = sorted(set(changes) - set(current))
    if unknown:
        raise InvalidValue(
            f"Campo desconhecido em 'changes': '{unknown[0]}'. Campos corrigíveis: {', '.join(current)}.",
            field=f"changes.{unknown[0]}",
            value=unknown[0],
        )
    merged = dict(current)
    for key, value in changes.items():
        if key == "provider":
            provider_changes = as_mapping(value, field="changes.provider")
            merged["provider"] = {**current["provider"], **provider_changes}
        else:
            merged[key] = value
    corrected = parse_header(merged)
    before, after = _flatten(header_payload(header)), _flatten(header_payload(corrected))
    changed = tuple(name for name in after if after[name] != before.get(name))
    return corrected, changed


def parse_command(trigger: str, payload: Mapping[str, Any]) -> Command:
    """Parse the body of ``POST /v1/cases/{id}/commands/{trigger}`` into a command."""
    parser = _PARSERS.get(trigger)
    if parser is None:
        raise InvalidValue(
            f"Comando desconhecido: '{trigger}'. Comandos existentes: {', '.join(_PARSERS)}.",
            field="trigger",
            value=trigger,
        )
    occurred_at = payload.get("occurred_at")
    command = parser(payload)
    if occurred_at is not None:
        command = replace(command, occurred_at=parse_instant(occurred_at, field="occurred_at"))
    return command


def _parse_attempt(p: Mapping[str, Any]) -> AttemptContact:
    return AttemptContact(
        channel=parse_code(ContactChannel, p.get("channel"), field="channel"),
        outcome=parse_code(ContactOutcome, p.get("outcome"), field="outcome"),
        contact=optional_text(p, "contact", max_length=MAX_SHORT_TEXT_LENGTH),
        notes=optional_text(p, "notes"),
    )


def _parse_offer(p: Mapping[str, Any]) -> OfferAction:
    code = parse_code(ActionCode, p.get("code"), field="code")
    justification = optional_text(p, "justification")
    if code is ActionCode.OTHER and not justification:
        raise MissingValue(
            "O campo 'justification' é obrigatório quando a ação é 'other' (Outros).",
            field="justification",
        )
    return OfferAction(
        code=code,
        details=optional_text(p, "details"),
        justification=justification,
        offered_on=optional_date(p, "offered_on"),
    )


def _parse_acceptance(p: Mapping[str, Any]) -> RecordAcceptance:
    return RecordAcceptance(
        action_number=parse_count(require(p, "action_number"), field="action_number", minimum=1),
        notes=optional_text(p, "notes"),
    )


def _parse_exclusion(raw: object) -> ExclusionPlan | None:
    if raw is None:
        return None
    p = as_mapping(raw, field="exclusion")
    prefix = "exclusion."
    plan = ExclusionPlan(
        planned_exclusion_on=optional_date(p, "planned_exclusion_on", prefix),
        substitute_provider=optional_text(p, "substitute_provider", prefix, max_length=MAX_SHORT_TEXT_LENGTH),
        beneficiary_notice_on=optional_date(p, "beneficiary_notice_on", prefix),
    )
    if plan.planned_exclusion_on and plan.beneficiary_notice_on:
        notice_days = (plan.planned_exclusion_on - plan.beneficiary_notice_on).days
        if notice_days < 30:
            raise InvalidValue(
                "O aviso aos beneficiários deve ocorrer pelo menos 30 dias antes da exclusão "
                f"(Lei 9.656/98, art. 17); informado: {notice_days} dia(s).",
                field="exclusion.beneficiary_notice_on",
                value=plan.beneficiary_notice_on.isoformat(),
            )
    return plan


def _parse_proposal(p: Mapping[str, Any]) -> ProposeConclusion:
    new_protocol = parse_bool(p.get("new_protocol_required"), field="new_protocol_required")
    sector = p.get("responsible_sector")
    return ProposeConclusion(
        outcome=parse_code(Outcome, p.get("outcome"), field="outcome"),
        ended_on=parse_date(require(p, "ended_on"), field="ended_on"),
        reasons=parse_codes(TerminationReason, p.get("reasons"), field="reasons"),
        justification=optional_text(p, "justification"),
        new_protocol_required=new_protocol,
        responsible_sector=None if sector is None else parse_code(Sector, sector, field="responsible_sector"),
        notes=optional_text(p, "notes"),
        exclusion=_parse_exclusion(p.get("exclusion")),
    )


def _parse_approval(p: Mapping[str, Any]) -> ApproveConclusion:
    raw = p.get("reviewers") or []
    if not isinstance(raw, list) or len(raw) > 2:
        raise InvalidValue(
            "O campo 'reviewers' deve ser uma lista com até dois nomes de revisores.",
            field="reviewers",
            value=repr(raw),
        )
    names = tuple(
        required_text({"name": name}, "name", f"reviewers[{i}].", max_length=MAX_SHORT_TEXT_LENGTH)
        for i, name in enumerate(raw)
    )
    return ApproveConclusion(reviewers=names)


def _parse_corrections(p: Mapping[str, Any]) -> CorrectDetails:
    changes = as_mapping(p.get("changes"), field="changes")
    if not changes:
        raise MissingValue("O campo 'changes' deve conter ao menos um campo a corrigir.", field="changes")
    return CorrectDetails(changes=dict(changes), reason=required_text(p, "reason"))


def _parse_reassign(p: Mapping[str, Any]) -> ReassignCase:
    return ReassignCase(
        assignee_id=required_text(p, "assignee_id", max_length=MAX_SHORT_TEXT_LENGTH),
        collaborator=optional_text(p, "collaborator", max_length=MAX_SHORT_TEXT_LENGTH),
        reason=required_text(p, "reason"),
    )


_PARSERS = {
    "attempt_contact": _parse_attempt,
    "record_reply": lambda p: RecordReply(notes=optional_text(p, "notes")),
    "offer_action": _parse_offer,
    "record_decline": lambda p: RecordDecline(notes=optional_text(p, "notes")),
    "record_acceptance": _parse_acceptance,
    "propose_conclusion": _parse_proposal,
    "approve_conclusion": _parse_approval,
    "return_conclusion": lambda p: ReturnConclusion(reason=required_text(p, "reason")),
    "reopen": lambda p: ReopenCase(reason=required_text(p, "reason")),
    "add_note": lambda p: AddNote(text=required_text(p, "text")),
    "correct_details": _parse_corrections,
    "reassign": _parse_reassign,
}


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _flatten(payload: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
