"""Requests of a data subject under the LGPD: erasure by key destruction and the report of what is held.

Both find the dentist's cases through the keyed pseudonym of the CPF, never
through a plaintext index.
"""

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from adapters.access_log import AccessFilter, AccessLog
from adapters.application import RetentionCases
from domain.actor import CommandContext
from domain.errors import CaseNotFound, MissingValue
from domain.retention_case import RetentionCase

logger = logging.getLogger(__name__)

# How many times appending PersonalDataErased is retried when a command wrote to the case first.
MAX_ERASURE_RETRIES = 5


class SubjectNotFound(CaseNotFound):
    """Raised when the store contains no case for the requested CPF."""

    code = "subject_not_found"


@dataclass(frozen=True)
class ErasureResult:
    case_ids: list[str]
    keys_destroyed: int


def erase_subject(app: RetentionCases, cpf: str, legal_basis: str, requester: str, context: CommandContext) -> ErasureResult:
    """Destroy the dentist's keys, then record PersonalDataErased on each of the dentist's cases.

    Stored events are never rewritten. Running it again after a failure
    finishes the cases that have no PersonalDataErased yet.
    """
    for field, value in (("legal_basis", legal_basis), ("requester", requester)):
        if not value.strip():
            raise MissingValue(f"O campo '{field}' é obrigatório para registrar a eliminação.", field=field)
    pseudonym = app.key_store.pseudonym(cpf)
    case_ids = _recorded_cases(app, app.key_store.cases_of(pseudonym))
    if not case_ids:
        raise _not_found()
    destroyed = app.key_store.erase(pseudonym)
    for case_id in case_ids:
        _record_erasure(app, UUID(case_id), legal_basis, requester, context, force=destroyed > 0)
    logger.info("personal data erased cases=%d keys_destroyed=%d actor=%s correlation_id=%s",
                len(case_ids), destroyed, context.actor.actor_id, context.correlation_id)  # fmt: skip
    return ErasureResult(case_ids=case_ids, keys_destroyed=destroyed)


def subject_cases(app: RetentionCases, cpf: str) -> tuple[list[RetentionCase], list[dict[str, Any]]]:
    """Return the dentist's cases and the history of the dentist's keys."""
    pseudonym = app.key_store.pseudonym(cpf)
    case_ids = _recorded_cases(app, app.key_store.cases_of(pseudonym))
    if not case_ids:
        raise _not_found()
    cases = [app.get_case(UUID(case_id)) for case_id in case_ids]
    return cases, app.key_store.keys_of(pseudonym)


def subject_accesses(access_log: AccessLog, case_ids: list[str]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for case_id in case_ids:
        rows, _ = access_log.entries(AccessFilter(case_id=case_id), limit=1000, offset=0)
        entries.extend(rows)
    return sorted(entries, key=lambda row: row["accessed_at"])


def _record_erasure(app: RetentionCases, case_id: UUID, legal_basis: str, requester: str,
                    context: CommandContext, *, force: bool) -> None:  # fmt: skip
    for _ in range(MAX_ERASURE_RETRIES):
        case = app.get_case(case_id)
        if case.personal_data_erased_at is not None and not force:
            return
        case.record_erasure(legal_basis, requester, context)
        try:
            app.save(case)
            return
        except IntegrityError:
            logger.info("retrying erasure record after concurrent write case_id=%s", case_id)
    raise RuntimeError(f"could not record PersonalDataErased on case {case_id} after {MAX_ERASURE_RETRIES} attempts")


def _recorded_cases(app: RetentionCases, linked: list[str]) -> list[str]:
    """Keep the linked case ids that have stored events.

    NOTE: the case-to-dentist link is written when the opening event is sealed,
    before the events' transaction, so a write that then fails (a replayed
    request, a conflict) leaves a link to a case that was never recorded.
    """
    return [case_id for case_id in linked if app.recorder.select_events(UUID(case_id), limit=1)]


def _not_found() -> SubjectNotFound:
    return SubjectNotFound("Nenhum caso registrado para o CPF informado.", field="cpf")
