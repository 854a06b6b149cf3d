"""The code catalogue and the workflow table."""

from typing import Any

from fastapi import APIRouter

from domain import workflow
from domain.catalog import CaseStatus, catalog_document, label

router = APIRouter(prefix="/v1", tags=["referência"])


@router.get("/catalog", summary="Catálogo de códigos e rótulos")
def get_catalog() -> dict[str, Any]:
    """Todos os códigos usados pela API com seus rótulos em português."""
    return catalog_document()


@router.get("/workflow", summary="Estados e transições do processo")
def get_workflow() -> dict[str, Any]:
    """A tabela de transições, os papéis de cada comando e um diagrama Mermaid gerado da mesma tabela."""
    return {
        "states": [
            {"code": state.value, "label": label(state), "final": state in workflow.FINAL_STATES}
            for state in CaseStatus
        ],
        "initial": {"trigger": workflow.OPEN_TRIGGER, "state": CaseStatus.OPEN.value},
        "transitions": [
            {
                "trigger": trigger,
                "sources": [source.value for source in sources],
                "destination": None if destination == "=" else str(destination),
            }
            for trigger, sources, destination in workflow.TRANSITIONS
        ],
        "roles": {trigger: sorted(role.value for role in roles) for trigger, roles in workflow.TRIGGER_ROLES.items()},
        "final_state_rule": "Em estados finais, apenas supervisores podem registrar notas, correções e reatribuições.",
        "mermaid": workflow.mermaid_diagram(),
    }
