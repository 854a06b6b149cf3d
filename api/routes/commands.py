"""One route per workflow command: ``POST /v1/cases/{case_id}/commands/{trigger}``."""

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from adapters.application import IdempotentRequest
from api.access import personal_read, record_personal_read
from api.auth import current_actor
from api.context import MINIMAL, command_context, expected_version, idempotency_key, prefers_minimal, store_of
from api.presenters import present_case
from api.problems import ApiProblem
from api.routes.cases import PROBLEM, result_response
from api.schemas import COMMAND_BODIES, Body
from api.strict_json import StrictJsonRoute
from domain.actor import Actor
from domain.catalog import AccessPurpose
from domain.commands import parse_command
from domain.retention_case import RetentionCase

router = APIRouter(prefix="/v1/cases/{case_id}/commands", tags=["comandos"], route_class=StrictJsonRoute)

RESPONSES: dict[int | str, dict[str, Any]] = {
    204: {"description": "Comando registrado, sem corpo (`Prefer: return=minimal`); a nova versão vem no `ETag`."},
    400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM, 412: PROBLEM, 422: PROBLEM,
}  # fmt: skip


def _endpoint(trigger: str, body_model: type[Body]) -> Callable[..., Response]:
    def run_command(
        case_id: UUID, body: body_model, request: Request, actor: Annotated[Actor, Depends(current_actor)]  # type: ignore[valid-type]
    ) -> Response:
        payload = body.model_dump(mode="json", exclude_unset=True)
        command = parse_command(trigger, payload)
        key = idempotency_key(request)
        minimal = prefers_minimal(request)
        variant = MINIMAL if minimal else ""
        idempotent = IdempotentRequest.of(key, "POST", request.url.path, payload, variant) if key else None

        def render(case: RetentionCase) -> tuple[int, dict[str, Any] | None, dict[str, str]]:
            if minimal:
                return 204, None, {"ETag": f'"{case.version}"', "Preference-Applied": MINIMAL}
            return 200, present_case(case, actor), {"ETag": f'"{case.version}"'}

        result = store_of(request).app.execute(
            case_id,
            command,
            command_context(request, actor),
            render,
            expected_version=expected_version(request),
            idempotent=idempotent,
            # A minimal response shows no personal data, so there is no read to log.
            access=None if minimal else personal_read(request, actor, [str(case_id)], AccessPurpose.COMMAND_RESPONSE),
        )
        if result.replayed and not minimal:
            # A new command's read is stored with its events; a replayed response is read again here.
            record_personal_read(request, actor, [str(case_id)], AccessPurpose.COMMAND_RESPONSE)
        return result_response(result)

    run_command.__name__ = trigger
    return run_command


for _trigger, (_model, _summary) in COMMAND_BODIES.items():
    router.add_api_route(
        f"/{_trigger}",
        _endpoint(_trigger, _model),
        methods=["POST"],
        summary=_summary,
        description=(
            f"Executa `{_trigger}`. Envie `If-Match` com a versão lida para evitar sobrescrever "
            "alterações concorrentes, e `Idempotency-Key` para poder repetir a requisição com segurança. "
            "Com `Prefer: return=minimal`, a resposta é 204 só com o `ETag`, sem corpo e sem dados pessoais."
        ),
        responses=RESPONSES,
        response_class=JSONResponse,
    )


@router.post("/{trigger}", include_in_schema=False)
async def unknown_command(trigger: str) -> None:
    """Raise a 404 for a trigger no route above matched, listing the commands that exist."""
    known = ", ".join(COMMAND_BODIES)
    raise ApiProblem(
        404,
        "not_found",
        f"Comando desconhecido: '{trigger[:80]}'. Comandos existentes: {known}.",
        field="trigger",
        value=trigger[:80],
    )
