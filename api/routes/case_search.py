"""Case search: ``GET /v1/cases`` over the case summary read model."""

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from adapters.case_search import DEFAULT_SORT, CaseFilter, search_cases
from adapters.projections.case_summary import PERSONAL_COLUMNS, split_codes
from api.access import record_personal_read
from api.auth import current_actor, require_any_role
from api.case_filters import case_filter_params, check_range
from api.context import store_of
from api.presenters import sees_personal_data
from api.routes.cases import PROBLEM, READERS
from domain.actor import Actor
from domain.catalog import AccessPurpose, CaseStatus, Outcome, label

router = APIRouter(prefix="/v1/cases", tags=["casos"])


@router.get("", summary="Buscar casos", responses={401: PROBLEM, 403: PROBLEM, 422: PROBLEM})
def list_cases(
    request: Request,
    actor: Annotated[Actor, Depends(current_actor)],
    case_filter: Annotated[CaseFilter, Depends(case_filter_params)],
    sort: Annotated[str, Query(description="Campo de ordenação; '-' na frente para decrescente.")] = DEFAULT_SORT,
    limit: Annotated[int, Query(ge=1, le=200, description="Casos por página.")] = 50,
    cursor: Annotated[str | None, Query(max_length=1000, description="'next_cursor' da página anterior.")] = None,
) -> dict[str, Any]:
    """Busca casos com filtros e texto livre, ordenados e paginados por cursor.

    `position` é a posição do último evento refletido na resposta.
    """
    require_any_role(actor, READERS, "Buscar casos")
    check_range(case_filter.opened_from, case_filter.opened_to, "opened_from")
    check_range(case_filter.concluded_from, case_filter.concluded_to, "concluded_from")
    personal = sees_personal_data(actor)
    # Without access to personal data the name is neither shown nor searchable.
    case_filter = replace(case_filter, text_includes_name=personal)
    page = search_cases(store_of(request).read_models, case_filter, sort=sort, limit=limit, cursor=cursor)
    if personal:
        record_personal_read(request, actor, [row["case_id"] for row in page.rows], AccessPurpose.CASE_LIST)
    return {
        "items": [present_row(row, personal) for row in page.rows],
        "total": page.total,
        "limit": limit,
        "next_cursor": page.next_cursor,
        "position": page.position,
    }


def present_row(row: dict[str, Any], personal: bool) -> dict[str, Any]:
    item = {key: value for key, value in row.items() if key != "dentist_name_key"}
    if not personal:
        item.update({column: None for column in PERSONAL_COLUMNS if column in item})
    item["reasons"] = split_codes(row["reasons"])
    item["actions"] = split_codes(row["actions"])
    item["status_label"] = label(CaseStatus(row["status"]))
    item["outcome_label"] = label(Outcome(row["outcome"])) if row["outcome"] else None
    return item
