"""The ordered event feed, its live stream and the JSON Schemas of its events."""

from functools import partial
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from adapters.event_feed import read_feed
from api.access import record_personal_read
from api.auth import current_actor, require_any_role
from api.cloud_events import cloud_event_type, parse_event_types, to_cloud_event, topics_of
from api.context import store_of
from api.event_schemas import all_schemas, event_classes, schema_id
from api.event_stream import stream_events
from api.presenters import sees_personal_data
from api.problems import ApiProblem
from domain.actor import Actor
from domain.catalog import AccessPurpose, Role
from domain.values import MAX_SQL_INTEGER

router = APIRouter(prefix="/v1/events", tags=["eventos"])

READERS = {Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.SERVICE}
PROBLEM = {"model": None, "content": {"application/problem+json": {}}}
TYPES_HELP = "Tipos de evento separados por vírgula, como CaseOpened,ConclusionApproved."


@router.get("", summary="Eventos em ordem de gravação", responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM})
def list_events(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    after: Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER, description="Devolve eventos com posição maior que esta.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Máximo de eventos na página.")] = 100,
    types: Annotated[str | None, Query(max_length=2000, description=TYPES_HELP)] = None,
    case_id: Annotated[UUID | None, Query(description="Só eventos deste caso.")] = None,
) -> dict[str, Any]:
    """Eventos como CloudEvents 1.0, em ordem de gravação. Continue com `after=next_after`."""
    require_any_role(actor, READERS, "Ler eventos")
    topics = _topics(types)
    page = read_feed(store_of(request).app, after, limit, topics=topics, case_id=case_id)
    if page.items and sees_personal_data(actor):
        case_ids = sorted({str(item.event.originator_id) for item in page.items})
        record_personal_read(request, actor, case_ids, AccessPurpose.EVENT_FEED)
    return {
        "items": [to_cloud_event(item, actor) for item in page.items],
        "next_after": page.next_after,
        "limit": limit,
    }


@router.get("/stream", summary="Eventos ao vivo (Server-Sent Events)", responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM})
def stream(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    after: Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER, description="Começa depois desta posição.")] = 0,
    types: Annotated[str | None, Query(max_length=2000, description=TYPES_HELP)] = None,
    case_id: Annotated[UUID | None, Query(description="Só eventos deste caso.")] = None,
    heartbeat: Annotated[float, Query(ge=0.5, le=300, description="Segundos sem eventos até um comentário de heartbeat.")] = 15,
    limit: Annotated[int | None, Query(ge=1, le=1_000_000, description="Encerra o stream depois de enviar tantos eventos.")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Recupera os eventos depois de `Last-Event-ID` (ou `after`) e segue enviando os novos."""
    require_any_role(actor, READERS, "Ler eventos")
    topics = _topics(types)
    start = after if last_event_id is None else _position_header(last_event_id)
    settings = request.app.state.settings
    messages = stream_events(
        store_of(request),
        settings.database_url,
        settings.projection_poll_seconds,
        actor,
        start,
        topics,
        case_id,
        heartbeat,
        request.is_disconnected,
        limit,
        on_read=partial(record_personal_read, request, actor, purpose=AccessPurpose.EVENT_FEED)
        if sees_personal_data(actor)
        else None,
    )
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(messages, media_type="text/event-stream", headers=headers)


@router.get("/schemas", summary="JSON Schema de cada tipo de evento")
def list_schemas() -> dict[str, Any]:
    """O JSON Schema do campo `data` de cada tipo de evento, indicado em `dataschema`."""
    return {
        "items": [
            {"type": cloud_event_type(name), "dataschema": schema_id(name), "schema": schema}
            for name, schema in all_schemas().items()
        ]
    }


@router.get("/schemas/{event_type}", summary="JSON Schema de um tipo de evento", responses={404: PROBLEM})
def get_schema(event_type: str) -> JSONResponse:
    """O JSON Schema de um tipo, pelo nome curto (`CaseOpened`) ou pelo tipo CloudEvents."""
    name = event_type.removeprefix("retencao.")
    if name not in event_classes():
        raise ApiProblem(404, "not_found", f"Tipo de evento desconhecido: '{event_type[:80]}'.", field="event_type")
    return JSONResponse(all_schemas()[name], media_type="application/schema+json")


def _topics(types: str | None) -> list[str]:
    try:
        return topics_of(parse_event_types(types))
    except ValueError as error:
        known = ", ".join(sorted(event_classes()))
        raise ApiProblem(
            422,
            "invalid_value",
            f"Tipo de evento desconhecido em 'types': '{str(error)[:80]}'. Tipos válidos: {known}.",
            field="types",
            value=str(error)[:80],
        ) from None


def _position_header(raw: str) -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > 18:
        raise ApiProblem(
            400,
            "invalid_header",
            f"Cabeçalho Last-Event-ID inválido: '{raw[:40]}'. Envie a posição do último evento recebido.",
            field="Last-Event-ID",
        )
    return int(text)
