"""The retention application: stores cases as events and runs commands on them.

Commands are executed with optimistic concurrency. With an expected
version (``If-Match``) a stale case is rejected. Without one, a write that
loses a race is retried on the fresh case a few times, so the workflow rules
are checked against the state the events are appended to.

A request with an ``Idempotency-Key`` saves its response in the events'
transaction. The stored response is looked up only when the command fails
or that insert conflicts. A retry of a request that succeeded always takes
one of those paths, because the case has moved on or the key is taken, so
the successful first attempt costs no extra query.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Recording, project_aggregate
from eventsourcing.persistence import IntegrityError, Mapper, Transcoder

from adapters.access_log import AccessRecord
from adapters.case_cache import CaseCache
from adapters.master_keys import load_master_keys
from adapters.personal_data_mapper import PersonalDataMapper
from adapters.recorders import IdempotencyRecord
from adapters.sealing_check import SealingKeyChanged
from adapters.settings import Settings
from adapters.subject_keys import SubjectKeyStore
from adapters.transcoding import DomainTranscoder
from domain.actor import CommandContext
from domain.commands import Command, OpenCase
from domain.errors import CaseNotFound, DomainError, VersionConflict
from domain.retention_case import RetentionCase

logger = logging.getLogger(__name__)

# How many times events are sealed again when their keys changed before the insert.
MAX_SEALING_RETRIES = 2

# How many times a command without an expected version is re-run after losing a race.
MAX_CONFLICT_RETRIES = 3

# The API's rendering of a case after a command: status code, JSON body (None for no body) and headers.
Response = tuple[int, dict[str, Any] | None, dict[str, str]]
Renderer = Callable[[RetentionCase], Response]


class IdempotencyKeyReused(DomainError):
    """Raised when a key already used by the actor arrives with a different request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True)
class IdempotentRequest:
    """The client's ``Idempotency-Key`` and a hash of the request's method, path and body."""

    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str, method: str, path: str, body: Any, variant: str = "") -> "IdempotentRequest":
        """Key the request; ``variant`` names a response form the client asked for, such as a minimal one."""
        parts = [method, path, body, variant] if variant else [method, path, body]
        canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
        return cls(key=key, request_hash=hashlib.sha256(canonical.encode()).hexdigest())


@dataclass(frozen=True)
class CommandResult:
    status_code: int
    body: dict[str, Any] | None
    headers: dict[str, str]
    replayed: bool = False


class RetentionCases(Application):
    """Event-sourced store of retention cases."""

    name = "RetentionCases"

    def __init__(self, settings: Settings, *, create_tables: bool = False) -> None:
        self.settings = settings
        self.snapshotting_intervals = {RetentionCase: settings.snapshot_interval}
        env = settings.eventsourcing_env(create_tables=create_tables)
        env["IS_SNAPSHOTTING_ENABLED"] = "y"
        super().__init__(env=env)
        self.key_store = SubjectKeyStore(
            self.recorder.datastore,  # type: ignore[attr-defined]
            is_postgres=settings.is_postgres,
            master=lambda: load_master_keys(settings),
            cache_seconds=settings.subject_key_cache_seconds,
        )
        if create_tables:
            load_master_keys(settings, create=True)
            self.key_store.create_tables()
        self.mapper.key_store = self.key_store  # type: ignore[attr-defined]
        self.case_cache = CaseCache(settings.case_cache_size, max_age_seconds=settings.subject_key_cache_seconds)

    def construct_transcoder(self) -> Transcoder:
        return DomainTranscoder()

    def construct_mapper(self) -> Mapper:  # type: ignore[type-arg]
        return PersonalDataMapper(self.construct_transcoder())

    # Reading

    def get_case(self, case_id: UUID, version: int | None = None) -> RetentionCase:
        """Load the case, at its latest version unless ``version`` is given; the caller may mutate it."""
        if version is None:
            cached = self.case_cache.copy_of(case_id)
            if cached is not None:
                # Apply what was stored after the cached version, by any process.
                newer = list(self.events.get(case_id, gt=cached.version))
                # The cached case contains personal fields decrypted with keys an erasure destroys, so reload it.
                if not any(isinstance(event, RetentionCase.PersonalDataErased) for event in newer):
                    return project_aggregate(cached, newer)
        try:
            return self.repository.get(case_id, version=version)
        except AggregateNotFoundError:
            raise CaseNotFound(f"Caso '{case_id}' não encontrado.", field="case_id", value=str(case_id)) from None

    def case_events(self, case_id: UUID, until_version: int | None = None) -> list[RetentionCase.Event]:
        events = list(self.events.get(case_id, lte=until_version))
        if not events:
            raise CaseNotFound(f"Caso '{case_id}' não encontrado.", field="case_id", value=str(case_id))
        return events

    def version_at(self, case_id: UUID, instant: datetime) -> int | None:
        """Return the last version of the case recorded at or before ``instant``, from the audit chain."""
        return self.recorder.audit_ledger.version_at(case_id, instant)  # type: ignore[attr-defined]

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # The recorder hashes each event's recording instant into the audit chain
        # and indexes it for "as of" queries.
        processing_event.saved_kwargs["recorded_at"] = {
            (event.originator_id, event.originator_version): event.timestamp for event in processing_event.events
        }
        for attempt in range(MAX_SEALING_RETRIES + 1):
            try:
                return super()._record(processing_event)
            except SealingKeyChanged as changed:
                # A cached key was erased or the case changed dentist; seal again with keys read from the database.
                self.key_store.forget_sealing(changed.case_ids)
                if attempt == MAX_SEALING_RETRIES:
                    raise
                logger.info("sealing again after a key change cases=%d attempt=%d", len(changed.case_ids), attempt + 1)
        raise AssertionError("unreachable")

    # Writing

    def open_case(
        self,
        command: OpenCase,
        context: CommandContext,
        render: Renderer,
        idempotent: IdempotentRequest | None = None,
        access: AccessRecord | None = None,
    ) -> CommandResult:
        try:
            case = RetentionCase.open(command, context)
        except DomainError as error:
            return self._replay_or_raise(context, idempotent, render, error)
        if access is not None:
            access = replace(access, case_ids=(str(case.id),))
        result = self._save(case, context, render, idempotent, base_version=0, access=access)
        logger.info("case opened case_id=%s actor=%s correlation_id=%s", case.id, context.actor.actor_id, context.correlation_id)
        return result

    def execute(
        self,
        case_id: UUID,
        command: Command,
        context: CommandContext,
        render: Renderer,
        expected_version: int | None = None,
        idempotent: IdempotentRequest | None = None,
        access: AccessRecord | None = None,
    ) -> CommandResult:
        """Run the command; ``access`` is the response's personal-data read, stored with the events.

        A replayed response (``CommandResult.replayed``) stores no access row; the caller logs that read.
        """
        cached = self._cached_for_command(case_id, expected_version)
        if cached is not None:
            # The case as this process last saved it, without reading the store. Saving fails if
            # anything was appended since, and the command then runs again on the stored case,
            # as it does when it fails here: the error may come from the case being out of date.
            try:
                return self._run(cached, command, context, render, idempotent, access, replay_on_error=False)
            except DomainError:
                logger.debug("cached case out of date or command failed, reading the store case_id=%s", case_id)
        for attempt in range(MAX_CONFLICT_RETRIES + 1):
            try:
                case = self.get_case(case_id)
                if expected_version is not None and case.version != expected_version:
                    raise _stale(case_id, expected_version, case.version)
            except DomainError as error:
                # A retry of a request that succeeded finds the case already changed by it.
                return self._replay_or_raise(context, idempotent, render, error)
            try:
                return self._run(case, command, context, render, idempotent, access, replay_on_error=True)
            except VersionConflict:
                if expected_version is not None or attempt == MAX_CONFLICT_RETRIES:
                    raise
                logger.info(
                    "retrying after concurrent write case_id=%s trigger=%s attempt=%d",
                    case_id,
                    command.trigger,
                    attempt + 1,
                )
        raise AssertionError("unreachable")

    def _cached_for_command(self, case_id: UUID, expected_version: int | None) -> RetentionCase | None:
        """Return a copy of the cached case if a command may start from it without reading the store.

        A client that expects a version other than the cached one has either seen a newer
        version or sent a stale one, and only the store can tell which.
        """
        cached = self.case_cache.copy_of(case_id)
        if cached is None or (expected_version is not None and expected_version != cached.version):
            return None
        return cached

    def _run(
        self,
        case: RetentionCase,
        command: Command,
        context: CommandContext,
        render: Renderer,
        idempotent: IdempotentRequest | None,
        access: AccessRecord | None,
        *,
        replay_on_error: bool,
    ) -> CommandResult:
        """Execute ``command`` on ``case`` and save it.

        With ``replay_on_error``, a domain error first looks for the recorded response to this
        request. Without it the error is raised as is, for the caller to run the command again.
        """
        base_version = case.version
        try:
            case.execute(command, context)
        except DomainError as error:
            if not replay_on_error:
                raise
            return self._replay_or_raise(context, idempotent, render, error)
        result = self._save(case, context, render, idempotent, base_version, access=access)
        logger.info(
            "command recorded case_id=%s trigger=%s version=%d actor=%s correlation_id=%s",
            case.id,
            command.trigger,
            case.version,
            context.actor.actor_id,
            context.correlation_id,
        )
        return result

    def _save(
        self,
        case: RetentionCase,
        context: CommandContext,
        render: Renderer,
        idempotent: IdempotentRequest | None,
        base_version: int,
        access: AccessRecord | None = None,
    ) -> CommandResult:
        status_code, body, headers = render(case)
        record = None
        if idempotent is not None:
            record = IdempotencyRecord(
                actor_id=context.actor.actor_id,
                key=idempotent.key,
                request_hash=idempotent.request_hash,
                status_code=status_code,
                case_id=str(case.id),
                case_version=case.version,
                headers=headers,
            )
        try:
            self.save(case, idempotency=record, access=access)
        except IntegrityError:
            # Either a concurrent retry with the same key won, or another
            # command appended to the case first.
            replay = self._replay(context, idempotent, render)
            if replay is not None:
                return replay
            current = self.get_case(case.id).version
            raise _stale(case.id, base_version, current) from None
        self.case_cache.put(case)
        return CommandResult(status_code=status_code, body=body, headers=headers)

    def _replay_or_raise(
        self, context: CommandContext, idempotent: IdempotentRequest | None, render: Renderer, error: DomainError
    ) -> CommandResult:
        """Return the recorded response to this request if it already succeeded, else raise ``error``."""
        replay = self._replay(context, idempotent, render)
        if replay is None:
            raise error
        return replay

    def _replay(
        self, context: CommandContext, idempotent: IdempotentRequest | None, render: Renderer
    ) -> CommandResult | None:
        if idempotent is None:
            return None
        record = self.recorder.find_idempotency_record(context.actor.actor_id, idempotent.key)  # type: ignore[attr-defined]
        if record is None:
            return None
        if record.request_hash != idempotent.request_hash:
            raise IdempotencyKeyReused(
                f"A chave de idempotência '{idempotent.key}' já foi usada com outra requisição. "
                "Use uma chave nova para um pedido diferente.",
                field="Idempotency-Key",
                value=idempotent.key,
            )
        # Render the case as it stood right after the first request, with today's keys:
        # a replay after an erasure shows the fields as erased.
        case = self.get_case(UUID(record.case_id), version=record.case_version)
        _, body, _ = render(case)
        return CommandResult(record.status_code, body, record.headers, replayed=True)


def _stale(case_id: UUID, expected: int, current: int) -> VersionConflict:
    return VersionConflict(
        f"O caso '{case_id}' foi alterado: a versão esperada era {expected}, a atual é {current}. "
        "Leia o caso de novo e reenvie o comando com If-Match atualizado.",
        expected=expected,
        current=current,
    )
