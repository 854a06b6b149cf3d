"""Opening and reading cases."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from adapters.application import CommandResult, IdempotentRequest
from adapters.time_travel import PointInTime, parse_point, resolve_version
from api.access import personal_read, record_personal_read
from api.auth import current_actor, require_any_role
from api.context import MINIMAL, command_context, idempotency_key, prefers_minimal, store_of
from api.presenters import present_case, present_event
from api.schemas import OpenCaseBody
from api.strict_json import StrictJsonRoute
from domain.actor import Actor
from domain.catalog import AccessPurpose, Role
from domain.commands import OpenCase, parse_header
from domain.errors import InvalidValue
from domain.retention_case import RetentionCase
from domain.values import MAX_SQL_INTEGER, parse_instant

router = APIRouter(prefix="/v1/cases", tags=["casos"], route_class=StrictJsonRoute)

READERS = {Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.SERVICE}
PROBLEM = {"model": None, "content": {"application/problem+json": {}}}


def result_response(result: CommandResult) -> Response:
    headers = dict(result.headers)
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    if result.body is None:
        return Response(status_code=result.status_code, headers=headers)
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


@router.post(
    "",
    status_code=201,
    summary="Abrir caso de retenção",
    responses={400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 422: PROBLEM},
)
def open_case(body: OpenCaseBody, request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> Response:
    """Registra um caso com o cabeçalho do formulário. Aceita `Idempotency-Key`.

    Com `Prefer: return=minimal`, responde só com `Location` e `ETag`, sem corpo e sem dados pessoais.
    """
    payload = body.model_dump(mode="json", exclude_unset=True)
    header = parse_header(payload)
    command = OpenCase(header=header)
    context = command_context(request, actor)
    key = idempotency_key(request)
    minimal = prefers_minimal(request)
    variant = MINIMAL if minimal else ""
    idempotent = IdempotentRequest.of(key, "POST", request.url.path, payload, variant) if key else None

    def render(case: RetentionCase) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
        headers = {"Location": f"/v1/cases/{case.id}", "ETag": f'"{case.version}"'}
        if minimal:
            return 201, None, {**headers, "Preference-Applied": MINIMAL}
        return 201, present_case(case, actor), headers

    # The new case's id is filled in by open_case, which stores this read with the case's events.
    # A minimal response shows no personal data, so there is no read to log.
    access = None if minimal else personal_read(request, actor, [], AccessPurpose.COMMAND_RESPONSE)
    result = store_of(request).app.open_case(command, context, render, idempotent, access=access)
    if result.replayed and result.body is not None:
        record_personal_read(request, actor, [result.body["id"]], AccessPurpose.COMMAND_RESPONSE)
    return result_response(result)


@router.get("/{case_id}", summary="Consultar caso", responses={401: PROBLEM, 404: PROBLEM, 422: PROBLEM})
def get_case(
    case_id: UUID,
    request: Request,
    response: Response,
    actor: Annotated[Actor, Depends(current_actor)],
    version: Annotated[int | None, Query(ge=1, le=MAX_SQL_INTEGER, description="Versão do caso a reconstruir.")] = None,
    as_of: Annotated[str | None, Query(description="Instante ISO 8601: o caso como estava registrado nele.")] = None,
) -> dict[str, Any]:
    """Estado do caso, atual ou como estava numa versão ou instante, e os comandos possíveis agora."""
    require_any_role(actor, READERS, "Consultar casos")
    if version is not None and as_of is not None:
        raise InvalidValue("Informe 'version' ou 'as_of', não os dois.", field="as_of", value=as_of)
    app = store_of(request).app
    if version is None and as_of is None:
        case = app.get_case(case_id)
        record_personal_read(request, actor, [str(case_id)], AccessPurpose.CASE_READ)
        response.headers["ETag"] = f'"{case.version}"'
        return present_case(case, actor)
    point = PointInTime(version=version, instant=parse_instant(as_of, field="as_of") if as_of else None)
    target = resolve_version(app, case_id, point, field="version" if version is not None else "as_of")
    case = app.get_case(case_id, version=target)
    record_personal_read(request, actor, [str(case_id)], AccessPurpose.CASE_READ)
    body = present_case(case, actor)
    # A past state accepts no commands: they always apply to the current version.
    body["allowed_commands"] = []
    body["as_of"] = as_of
    return body


@router.get("/{case_id}/history", summary="Histórico do caso", responses={401: PROBLEM, 404: PROBLEM, 422: PROBLEM})
def case_history(
    case_id: UUID,
    request: Request,
    response: Response,
    actor: Annotated[Actor, Depends(current_actor)],
    until: Annotated[
        str | None, Query(description="Versão (número) ou instante ISO 8601 até onde listar, inclusive.")
    ] = None,
) -> dict[str, Any]:
    """Eventos do caso, em ordem, com quem, quando e por quê; até uma versão ou instante, se pedido."""
    require_any_role(actor, READERS, "Consultar o histórico")
    app = store_of(request).app
    point = parse_point(until, field="until")
    until_version = None if point.is_now else resolve_version(app, case_id, point, field="until")
    events = app.case_events(case_id, until_version)
    record_personal_read(request, actor, [str(case_id)], AccessPurpose.HISTORY_READ)
    if until_version is None:
        response.headers["ETag"] = f'"{events[-1].originator_version}"'
    return {"case_id": str(case_id), "version": events[-1].originator_version,
            "events": [present_event(event, actor) for event in events]}  # fmt: skip
