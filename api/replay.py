"""A case replayed event by event: who acted, when, and what each event changed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from rich.table import Table

from adapters.application import RetentionCases
from adapters.time_travel import PointInTime, resolve_version
from api.presenters import present_case
from domain.actor import Actor
from domain.catalog import EventType, Role, label
from domain.retention_case import RetentionCase

SAO_PAULO = ZoneInfo("America/Sao_Paulo")

# Fields of the case view that change with every event or describe the viewer, not the case.
UNCHANGING_NOISE = {"version", "updated_at", "allowed_commands"}

# The replay shows personal data: only people with direct access to the store run it.
REPLAY_VIEWER = Actor("replay", frozenset({Role.AUDITOR}))


@dataclass(frozen=True)
class ReplayStep:
    version: int
    event_type: str
    actor_id: str
    actor_role: str
    occurred_at: datetime
    recorded_at: datetime
    reason: str
    changes: list[tuple[str, Any, Any]]


def replay_case(app: RetentionCases, case_id: UUID, point: PointInTime) -> list[ReplayStep]:
    """Apply the case's events one at a time and record what each one changed."""
    until = None if point.is_now else resolve_version(app, case_id, point, field="until")
    steps: list[ReplayStep] = []
    case: RetentionCase | None = None
    before: dict[str, Any] = {}
    for event in app.case_events(case_id, until):
        case = event.mutate(case)
        assert case is not None
        after = flatten(present_case(case, REPLAY_VIEWER))
        changes = [
            (path, before.get(path), value)
            for path, value in after.items()
            if path not in UNCHANGING_NOISE and before.get(path) != value and not _blank(value, before, path)
        ]
        changes += [
            (path, value, None) for path, value in before.items() if path not in after and value not in ([], None, "")
        ]
        meta = event.meta
        steps.append(
            ReplayStep(
                version=event.originator_version,
                event_type=type(event).__name__,
                actor_id=meta.actor_id,
                actor_role=meta.actor_role,
                occurred_at=meta.occurred_at,
                recorded_at=event.timestamp,
                reason=meta.reason,
                changes=changes,
            )
        )
        before = after
    return steps


def _blank(value: Any, before: dict[str, Any], path: str) -> bool:
    """Return True when a field first appears empty, which is no change worth showing."""
    return path not in before and value in (None, "", [])


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts and lists into ``a.b[0].c`` paths; labels are dropped, codes kept."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            if key.endswith(("_label", "_labels")):
                continue
            flat.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return flat
    if isinstance(value, list) and value and isinstance(value[0], dict):
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: value}


def sao_paulo(instant: datetime) -> str:
    return instant.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M:%S")


def event_label(event_type: str) -> str:
    try:
        return label(EventType(event_type))
    except ValueError:
        return event_type


def replay_table(case_id: UUID, steps: list[ReplayStep], max_value_length: int = 60) -> Table:
    table = Table(title=f"Caso {case_id}: evento a evento (horários de Brasília)", show_lines=True)
    table.add_column("Versão", justify="right")
    table.add_column("Evento")
    table.add_column("Quem")
    table.add_column("Ocorreu em")
    table.add_column("Registrado em")
    table.add_column("O que mudou")
    for step in steps:
        lines = [f"{path}: {_short(new, max_value_length)}" for path, _, new in step.changes]
        if step.reason:
            lines.insert(0, f"motivo: {step.reason}")
        table.add_row(
            str(step.version),
            event_label(step.event_type),
            f"{step.actor_id} ({label(Role(step.actor_role))})",
            sao_paulo(step.occurred_at),
            sao_paulo(step.recorded_at),
            "\n".join(lines) or "—",
        )
    return table


def _short(value: Any, limit: int) -> str:
    text = "—" if value is None or value == "" else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"
