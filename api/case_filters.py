"""Query parameters shared by case search and the reports, parsed into a ``CaseFilter``."""

from datetime import date
from typing import Annotated

from fastapi import Query

from adapters.case_search import CaseFilter
from domain.catalog import ActionCode, CaseStatus, DemandedBy, Outcome, TerminationReason
from domain.errors import InvalidValue
from domain.identifiers import parse_uf
from domain.parsing import parse_code
from domain.values import parse_date, parse_text

def case_filter_params(
    status: Annotated[str | None, Query(description="Estado do caso (código do catálogo).")] = None,
    outcome: Annotated[str | None, Query(description="Resultado da conclusão aprovada.")] = None,
    operator: Annotated[str | None, Query(max_length=200, description="Operadora, exata.")] = None,
    uf: Annotated[str | None, Query(max_length=2, description="UF de atendimento.")] = None,
    city: Annotated[str | None, Query(max_length=200, description="Cidade, exata.")] = None,
    collaborator: Annotated[str | None, Query(max_length=200, description="Colaborador, exato.")] = None,
    reason: Annotated[str | None, Query(description="Motivo de desligamento (código).")] = None,
    action: Annotated[str | None, Query(description="Ação ofertada (código).")] = None,
    demanded_by: Annotated[str | None, Query(description="Quem demandou: operator ou provider.")] = None,
    opened_from: Annotated[str | None, Query(description="Aberto a partir de (data, UTC).")] = None,
    opened_to: Annotated[str | None, Query(description="Aberto até (data inclusive, UTC).")] = None,
    concluded_from: Annotated[str | None, Query(description="Data final da conclusão a partir de.")] = None,
    concluded_to: Annotated[str | None, Query(description="Data final da conclusão até (inclusive).")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Texto livre: nome do dentista, CRO ou protocolo.")] = None,
) -> CaseFilter:
    return CaseFilter(
        status=_code(CaseStatus, status, "status"),
        outcome=_code(Outcome, outcome, "outcome"),
        operator=_text(operator, "operator"),
        uf=parse_uf(uf, field="uf").value if uf else None,
        city=_text(city, "city"),
        collaborator=_text(collaborator, "collaborator"),
        reason=_code(TerminationReason, reason, "reason"),
        action=_code(ActionCode, action, "action"),
        demanded_by=_code(DemandedBy, demanded_by, "demanded_by"),
        opened_from=_date(opened_from, "opened_from"),
        opened_to=_date(opened_to, "opened_to"),
        concluded_from=_date(concluded_from, "concluded_from"),
        concluded_to=_date(concluded_to, "concluded_to"),
        text=_text(q, "q"),
    )


def _text(raw: str | None, field: str) -> str | None:
    return parse_text(raw, field=field, required=False, max_length=200) or None if raw is not None else None


def _code(enum: type, raw: str | None, field: str) -> str | None:
    return parse_code(enum, raw, field=field).value if raw else None


def _date(raw: str | None, field: str) -> date | None:
    return parse_date(raw, field=field) if raw else None


def check_range(start: date | None, end: date | None, start_field: str) -> None:
    if start and end and end < start:
        raise InvalidValue(
            f"Intervalo de datas inválido: '{start_field}' ({start:%d/%m/%Y}) é posterior ao fim ({end:%d/%m/%Y}).",
            field=start_field,
            value=start.isoformat(),
        )
