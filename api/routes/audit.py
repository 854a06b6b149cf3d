"""Verification of the audit chain over HTTP."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from adapters.snapshot_verification import verify_store
from api.audit_views import present_verification
from api.auth import current_actor, require_any_role
from api.context import store_of
from domain.actor import Actor
from domain.catalog import Role
from domain.errors import CaseNotFound

router = APIRouter(prefix="/v1/audit", tags=["auditoria"])

VERIFIERS = {Role.AUDITOR, Role.SUPERVISOR}
PROBLEM = {"model": None, "content": {"application/problem+json": {}}}


@router.get("/verification", summary="Verificar a cadeia de auditoria", responses={401: PROBLEM, 403: PROBLEM})
def verification(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    case_id: Annotated[UUID | None, Query(description="Verificar só os eventos deste caso.")] = None,
) -> dict[str, Any]:
    """Confere cada evento gravado contra a cadeia de hashes, os checkpoints assinados e os snapshots."""
    require_any_role(actor, VERIFIERS, "Verificar a cadeia de auditoria")
    report = verify_store(store_of(request).app, case_id)
    if case_id is not None and report.ok and report.event_count == 0:
        raise CaseNotFound(f"Caso '{case_id}' não encontrado.", field="case_id", value=str(case_id))
    return present_verification(report)
