"""Records reads of cases' personal data in the personal-data access log."""

from fastapi import Request

from adapters.access_log import AccessRecord
from api.context import store_of
from domain.actor import Actor
from domain.catalog import AccessPurpose


def personal_read(request: Request, actor: Actor, case_ids: list[str], purpose: AccessPurpose) -> AccessRecord:
    """Build the access row of this request, for the recorder to store in a command's transaction."""
    return AccessRecord(
        actor.actor_id,
        tuple(role.value for role in actor.roles),
        tuple(case_ids),
        purpose.value,
        request.state.correlation_id,
    )


def record_personal_read(request: Request, actor: Actor, case_ids: list[str], purpose: AccessPurpose) -> None:
    access_log = store_of(request).access_log
    assert access_log is not None
    record = personal_read(request, actor, case_ids, purpose)
    access_log.record(record.actor_id, list(record.roles), list(record.case_ids), record.purpose, record.correlation_id)
