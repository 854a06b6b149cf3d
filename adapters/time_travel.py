"""Map a requested version or recorded instant of a case to the version to load.

Instants map through the audit chain's index of recording times, to the
last version recorded at or before them. Loading that version then starts
from the nearest snapshot at or below it (``Repository.get(version=...)``
in eventsourcing 9.5.6 reads the latest snapshot with ``lte=version`` and
only the events after it).
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from adapters.application import RetentionCases
from domain.errors import CaseNotFound, InvalidValue
from domain.values import MAX_SQL_INTEGER, parse_instant


@dataclass(frozen=True)
class PointInTime:
    """A version number or a recorded instant; neither means "now"."""

    version: int | None = None
    instant: datetime | None = None

    @property
    def is_now(self) -> bool:
        return self.version is None and self.instant is None


def parse_point(raw: str | None, *, field: str) -> PointInTime:
    """Read a version (digits) or an ISO-8601 instant from one parameter."""
    if raw is None or not raw.strip():
        return PointInTime()
    text = raw.strip()
    if text.isdigit():
        return PointInTime(version=parse_version(text, field=field))
    return PointInTime(instant=parse_instant(text, field=field))


def parse_version(raw: str | int, *, field: str) -> int:
    try:
        version = int(raw)
    except ValueError:
        raise InvalidValue(f"Versão inválida no campo '{field}': '{raw}'.", field=field, value=str(raw)) from None
    if version < 1 or version > MAX_SQL_INTEGER:
        raise InvalidValue(
            f"A versão no campo '{field}' deve estar entre 1 e {MAX_SQL_INTEGER}; recebido {version}.",
            field=field,
            value=str(version),
        )
    return version


def resolve_version(app: RetentionCases, case_id: UUID, point: PointInTime, *, field: str) -> int:
    """Return the version of the case at ``point``; raise CaseNotFound when the case did not exist then."""
    latest = list(app.events.get(case_id, desc=True, limit=1))
    if not latest:
        raise CaseNotFound(f"Caso '{case_id}' não encontrado.", field="case_id", value=str(case_id))
    current = latest[0].originator_version
    if point.version is not None:
        if point.version > current:
            raise CaseNotFound(
                f"O caso '{case_id}' não tem a versão {point.version}: a versão atual é {current}.",
                field=field,
                value=point.version,
            )
        return point.version
    if point.instant is not None:
        version = app.version_at(case_id, point.instant)
        if version is None:
            raise CaseNotFound(
                f"O caso '{case_id}' ainda não existia em {point.instant.isoformat()}: "
                "nenhum evento foi registrado até esse instante.",
                field=field,
                value=point.instant.isoformat(),
            )
        return version
    return current
