"""Data-subject requests (erasure, report) and the personal-data access log."""

from datetime import datetime, timezone
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from adapters.access_log import AccessFilter
from adapters.lgpd import erase_subject, subject_accesses, subject_cases
from api.access import record_personal_read
from api.auth import current_actor, require_any_role
from api.context import command_context, store_of
from api.csv_export import to_csv
from api.routes.cases import PROBLEM
from api.strict_json import StrictJsonRoute
from api.subject_report import build_report, report_pdf
from domain.actor import Actor
from domain.catalog import AccessPurpose, Role, label
from domain.identifiers import parse_cpf
from domain.values import parse_instant

router = APIRouter(prefix="/v1/lgpd", tags=["lgpd"], route_class=StrictJsonRoute)

ACCESS_LOG_READERS = {Role.DPO, Role.AUDITOR}
ACCESS_COLUMNS = ("accessed_at", "actor_id", "roles", "case_id", "purpose", "purpose_label", "correlation_id")


class ErasureBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpf: str = Field(max_length=20, description="CPF do dentista titular, com ou sem máscara.")
    legal_basis: str = Field(min_length=1, max_length=500, description="Base legal da eliminação (ex.: LGPD art. 18, VI).")
    requester: str = Field(min_length=1, max_length=200,
                           description="Quem pediu (ex.: número do protocolo do titular); não informe dados pessoais.")  # fmt: skip


class ReportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cpf: str = Field(max_length=20, description="CPF do dentista titular, com ou sem máscara.")


@router.post("/erasures", summary="Eliminar dados pessoais de um dentista",
             responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 422: PROBLEM})  # fmt: skip
def erase(body: ErasureBody, request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> dict[str, Any]:
    """Destrói a chave do titular e registra PersonalDataErased em cada caso dele. Só o papel `dpo`."""
    require_any_role(actor, {Role.DPO}, "Eliminar dados pessoais")
    cpf = parse_cpf(body.cpf)
    result = erase_subject(store_of(request).app, cpf, body.legal_basis, body.requester, command_context(request, actor))
    return {"case_ids": result.case_ids, "keys_destroyed": result.keys_destroyed}


@router.post(
    "/reports",
    summary="Relatório de dados pessoais de um dentista",
    responses={200: {"content": {"application/json": {}, "application/pdf": {}}}, 401: PROBLEM, 403: PROBLEM,
               404: PROBLEM, 422: PROBLEM},
)  # fmt: skip
def report(
    body: ReportBody,
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    format: Annotated[Literal["json", "pdf"], Query(description="json ou pdf.")] = "json",
) -> Response:
    """Tudo o que o sistema guarda sobre o titular, achado pelo pseudônimo do CPF. Só o papel `dpo`."""
    require_any_role(actor, {Role.DPO}, "Gerar o relatório do titular")
    cpf = parse_cpf(body.cpf)
    store = store_of(request)
    cases, keys = subject_cases(store.app, cpf)
    case_ids = [str(case.id) for case in cases]
    record_personal_read(request, actor, case_ids, AccessPurpose.SUBJECT_REPORT)
    assert store.access_log is not None
    document = build_report(cpf, cases, keys, subject_accesses(store.access_log, case_ids), datetime.now(timezone.utc))
    if format == "pdf":
        return Response(report_pdf(document), media_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="relatorio-titular.pdf"'})  # fmt: skip
    return JSONResponse(document)


@router.get("/access-log", summary="Registro de acessos a dados pessoais",
            responses={200: {"content": {"application/json": {}, "text/csv": {}}}, 401: PROBLEM, 403: PROBLEM,
                       422: PROBLEM})  # fmt: skip
def access_log(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    case_id: Annotated[UUID | None, Query(description="Caso lido.")] = None,
    actor_id: Annotated[str | None, Query(max_length=200, description="Quem leu.")] = None,
    accessed_from: Annotated[str | None, Query(max_length=40, description="A partir de (ISO 8601).")] = None,
    accessed_to: Annotated[str | None, Query(max_length=40, description="Até, exclusive (ISO 8601).")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    format: Annotated[Literal["json", "csv"], Query(description="json ou csv.")] = "json",
) -> Response:
    """Quem leu dados pessoais de qual caso, quando e por qual consulta. Papéis `dpo` e `auditor`."""
    require_any_role(actor, ACCESS_LOG_READERS, "Consultar o registro de acessos")
    access_filter = AccessFilter(
        case_id=str(case_id) if case_id else None,
        actor_id=actor_id,
        accessed_from=parse_instant(accessed_from, field="accessed_from") if accessed_from else None,
        accessed_to=parse_instant(accessed_to, field="accessed_to") if accessed_to else None,
    )
    store = store_of(request)
    assert store.access_log is not None
    rows, total = store.access_log.entries(access_filter, limit, offset)
    for row in rows:
        row["purpose_label"] = label(AccessPurpose(row["purpose"]))
    if format == "csv":
        lines = ([row[name] if name != "roles" else ",".join(row[name]) for name in ACCESS_COLUMNS] for row in rows)
        return Response(to_csv(ACCESS_COLUMNS, lines), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="acessos.csv"'})  # fmt: skip
    return JSONResponse({"items": rows, "total": total, "limit": limit, "offset": offset})
