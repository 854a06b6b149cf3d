"""The actor behind a command, and the metadata every event records about it."""

from dataclasses import dataclass
from datetime import datetime

from domain.catalog import Role


@dataclass(frozen=True)
class Actor:
    """An authenticated user or system, with the roles granted to it."""

    actor_id: str
    roles: frozenset[Role]
    name: str = ""


@dataclass(frozen=True)
class CommandContext:
    """The request around a command: the actor, the correlation id and the server's clock."""

    actor: Actor
    correlation_id: str
    now: datetime


@dataclass(frozen=True)
class EventMeta:
    """Metadata of one event.

    ``occurred_at`` is when it happened in the business (clients may set it
    in the past); the recording time is the event's own ``timestamp``.
    ``reason`` is set for corrections, returns, reopenings and reassignments.
    """

    actor_id: str
    actor_role: str
    occurred_at: datetime
    correlation_id: str
    reason: str = ""
