"""Records reads of cases' personal data in the personal-data access log."""

from fastapi import Request

from api.context import store_of
from domain.actor import Actor
from domain.catalog import AccessPurpose


def record_personal_read(request: Request, actor: Actor, case_ids: list[str], purpose: AccessPurpose) -> None:
    access_log = store_of(request).access_log
    assert access_log is not None
    access_log.record(
        actor.actor_id,
        [role.value for role in actor.roles],
        case_ids,
        purpose.value,
        request.state.correlation_id,
    )
