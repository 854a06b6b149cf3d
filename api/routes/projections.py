"""Projection status: ``GET /v1/projections`` with each read model's position and lag."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from adapters.projections import PROJECTION_NAMES
from adapters.projections.lag import projection_lag
from api.auth import current_actor, require_any_role
from api.context import store_of
from api.routes.cases import PROBLEM
from domain.actor import Actor
from domain.catalog import Role

router = APIRouter(prefix="/v1/projections", tags=["projeções"])

STATUS_READERS = {Role.SUPERVISOR, Role.AUDITOR, Role.SERVICE}


@router.get("", summary="Estado das projeções", responses={401: PROBLEM, 403: PROBLEM})
def list_projections(request: Request, actor: Annotated[Actor, Depends(current_actor)]) -> dict[str, Any]:
    """Posição de cada modelo de leitura e o atraso em eventos e em segundos."""
    require_any_role(actor, STATUS_READERS, "Consultar as projeções")
    store = store_of(request)
    return {"items": [asdict(projection_lag(store.app, store.read_models, name)) for name in PROJECTION_NAMES]}
