"""Retention report: ``GET /v1/reports/retention`` as JSON, CSV or Brazilian CSV."""

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from adapters.case_search import CaseFilter
from adapters.retention_report import GROUP_KEYS, retention_report
from api.auth import current_actor, require_any_role
from api.case_filters import case_filter_params, check_range
from api.context import store_of
from api.report_formats import FORMATS, report_csv, report_json
from api.routes.cases import PROBLEM
from domain.actor import Actor
from domain.catalog import Role
from domain.errors import InvalidValue
from domain.values import parse_date

router = APIRouter(prefix="/v1/reports", tags=["relatórios"])

REPORT_READERS = {Role.SUPERVISOR, Role.AUDITOR, Role.SERVICE}


@router.get(
    "/retention",
    summary="Relatório de retenção",
    responses={200: {"content": {"text/csv": {}}}, 401: PROBLEM, 403: PROBLEM, 422: PROBLEM},
)
def retention(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    case_filter: Annotated[CaseFilter, Depends(case_filter_params)],
    group_by: Annotated[
        str, Query(description=f"Agrupamentos separados por vírgula: {', '.join(GROUP_KEYS)}.")
    ] = "",
    as_of: Annotated[str | None, Query(description="Data de referência das faixas de idade (padrão: hoje, UTC).")] = None,
    format: Annotated[str, Query(description="json, csv ou csv_br (planilha em português).")] = "json",
) -> Response:
    """Taxa de retenção, resultados, motivos, ações, tempo para finalizar e casos abertos por idade.

    A resposta informa a posição do último evento considerado (`position` no
    JSON, coluna e cabeçalho `X-Event-Position` no CSV).
    """
    require_any_role(actor, REPORT_READERS, "Consultar relatórios")
    check_range(case_filter.opened_from, case_filter.opened_to, "opened_from")
    check_range(case_filter.concluded_from, case_filter.concluded_to, "concluded_from")
    if format not in FORMATS:
        raise InvalidValue(f"Formato inválido: '{format}'. Use um destes: {', '.join(FORMATS)}.", field="format", value=format)
    keys = parse_group_by(group_by)
    reference = parse_date(as_of, field="as_of") if as_of else datetime.now(timezone.utc).date()
    report = retention_report(store_of(request).read_models, case_filter, keys, reference)
    headers = {"X-Event-Position": str(report.position)}
    if format == "json":
        return JSONResponse(report_json(report), headers=headers)
    filename = f"retencao-{reference.isoformat()}{'-br' if format == 'csv_br' else ''}.csv"
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(report_csv(report, format), media_type="text/csv; charset=utf-8", headers=headers)


def parse_group_by(raw: str) -> tuple[str, ...]:
    keys = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    unknown = [key for key in keys if key not in GROUP_KEYS]
    if unknown:
        raise InvalidValue(
            f"Agrupamento inválido: '{unknown[0]}'. Use um ou mais destes, separados por vírgula: "
            f"{', '.join(GROUP_KEYS)}.",
            field="group_by",
            value=raw,
        )
    return keys


