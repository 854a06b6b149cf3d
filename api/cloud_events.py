"""The CloudEvents 1.0 envelope shared by the feed, the live stream and the NATS relay.

``data`` is the event exactly as the case history shows it
(``api.presenters.present_event``), masked for the viewing actor. Extension
attributes carry the feed position, the case version, when the event
occurred in the business and who caused it.
"""

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.utils import get_topic

from adapters.event_feed import FeedItem
from api.event_schemas import event_classes, schema_id
from api.presenters import present_event
from domain.actor import Actor

SPEC_VERSION = "1.0"
SOURCE = "/retencao/cases"
TYPE_PREFIX = "retencao."

# Namespace of the event ids: uuid5(namespace, "<case id>/<case version>") is stable across re-sends.
EVENT_ID_NAMESPACE = UUID("6f1c2f3e-5b0a-4c43-9a55-0d8f3b9e2a71")


def event_id(case_id: UUID | str, version: int) -> str:
    return str(uuid5(EVENT_ID_NAMESPACE, f"{case_id}/{version}"))


def cloud_event_type(event_type: str) -> str:
    return f"{TYPE_PREFIX}{event_type}"


def to_cloud_event(item: FeedItem, actor: Actor) -> dict[str, Any]:
    """Wrap one feed item as a structured-mode CloudEvents JSON object."""
    body = present_event(item.event, actor)  # type: ignore[arg-type]
    return {
        "specversion": SPEC_VERSION,
        "id": event_id(body["case_id"], body["version"]),
        "source": SOURCE,
        "type": cloud_event_type(body["type"]),
        "subject": body["case_id"],
        "time": body["recorded_at"],
        "datacontenttype": "application/json",
        "dataschema": schema_id(body["type"]),
        "position": item.position,
        "caseversion": body["version"],
        "occurredat": body["occurred_at"],
        "actorid": body["actor_id"],
        "actorrole": body["actor_role"],
        "data": body,
    }


def parse_event_types(raw: str | None) -> list[str]:
    """Return the event type names in a comma-separated filter; raise ValueError naming an unknown one.

    Both the short name (``CaseOpened``) and the CloudEvents type (``retencao.CaseOpened``) are accepted.
    """
    if not raw:
        return []
    known = event_classes()
    names = []
    for part in raw.split(","):
        name = part.strip().removeprefix(TYPE_PREFIX)
        if not name:
            continue
        if name not in known:
            raise ValueError(part.strip())
        names.append(name)
    return names


def topics_of(event_types: list[str]) -> list[str]:
    """Return the event store topics of the given event type names."""
    classes = event_classes()
    return [get_topic(classes[name]) for name in event_types]
