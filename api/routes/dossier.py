"""The case dossier over HTTP, as JSON, HTML or PDF."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from adapters.snapshot_verification import verify_store
from api.access import record_personal_read
from api.auth import current_actor, require_any_role
from api.context import store_of
from api.dossier import build_dossier
from api.dossier_html import CONTENT_SECURITY_POLICY, render_html
from api.dossier_pdf import render_pdf
from domain.actor import Actor
from domain.catalog import AccessPurpose, Role
from domain.errors import InvalidValue

router = APIRouter(prefix="/v1/cases", tags=["casos"])

# The dossier shows personal data unmasked, so only roles that see it may read one.
DOSSIER_READERS = {Role.AGENT, Role.SUPERVISOR, Role.AUDITOR}
FORMATS = {"json": "application/json", "html": "text/html", "pdf": "application/pdf"}
PROBLEM = {"model": None, "content": {"application/problem+json": {}}}


def negotiate(requested: str | None, accept: str) -> str:
    """Pick the format: the ``format`` parameter first, then the Accept header, JSON by default."""
    if requested is not None:
        if requested not in FORMATS:
            raise InvalidValue(
                f"Formato '{requested}' inválido no campo 'format'. Use json, html ou pdf.",
                field="format",
                value=requested,
            )
        return requested
    accepted = accept.lower()
    if "application/pdf" in accepted:
        return "pdf"
    if "text/html" in accepted:
        return "html"
    return "json"


@router.get(
    "/{case_id}/dossier",
    summary="Dossiê do caso",
    responses={
        200: {"content": {media: {} for media in FORMATS.values()}},
        401: PROBLEM,
        403: PROBLEM,
        404: PROBLEM,
        422: PROBLEM,
    },
)
def case_dossier(
    case_id: UUID,
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    format: Annotated[str | None, Query(description="json, html ou pdf; sem ele vale o cabeçalho Accept.")] = None,
) -> Response:
    """Formulário completo, linha do tempo, aprovação e verificação da cadeia de auditoria do caso."""
    require_any_role(actor, DOSSIER_READERS, "Gerar o dossiê do caso")
    chosen = negotiate(format, request.headers.get("accept", ""))
    app = store_of(request).app
    case = app.get_case(case_id)
    events = app.case_events(case_id, case.version)
    dossier = build_dossier(case, events, verify_store(app, case_id))
    record_personal_read(request, actor, [str(case_id)], AccessPurpose.DOSSIER)
    headers = {"Vary": "Accept"}
    if chosen == "pdf":
        headers["Content-Disposition"] = f'inline; filename="dossie-{case_id}.pdf"'
        return Response(render_pdf(dossier), media_type="application/pdf", headers=headers)
    if chosen == "html":
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return HTMLResponse(render_html(dossier), headers=headers)
    return JSONResponse(dossier.to_json(), headers=headers)
