"""JSON views of cases and events.

Codes stay English; each coded value is followed by its pt-BR label from
the catalogue. Actors without a role that needs personal data (agent,
supervisor, auditor) see the CPF and phone numbers masked, including phone
numbers written inside notes.
"""

import dataclasses
import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.actor import Actor
from domain.catalog import LABELS, CaseStatus, Role, label
from domain.identifiers import mask_cpf, mask_phone
from domain.personal_data import ERASED
from domain.retention_case import RetentionCase

# Roles that see personal data unmasked.
PERSONAL_DATA_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.AUDITOR})

# Phone numbers written inside free text: an optional +55, a two-digit area code, 8 or 9 digits.
_PHONE_IN_TEXT = re.compile(r"(?<![\w-])(?:\+?55[\s-]?)?\(?\d{2}\)?[\s-]?9?\d{4}[\s-]?\d{4}(?![\w-])")


def sees_personal_data(actor: Actor) -> bool:
    return bool(actor.roles & PERSONAL_DATA_ROLES)


def to_json(value: Any) -> Any:
    """Convert domain values to JSON, adding ``<name>_label`` beside each code."""
    return _converter(type(value))(value)


@functools.cache
def _converter(kind: type) -> Callable[[Any], Any]:
    """Return the function that converts values of type ``kind``, chosen once per type."""
    if issubclass(kind, StrEnum):
        return _code
    if kind in (str, int, float, bool, type(None)):
        return _same
    if issubclass(kind, datetime | date):
        return _isoformat
    if issubclass(kind, Decimal):
        return str
    if dataclasses.is_dataclass(kind):
        return _dataclass_converter(tuple(item.name for item in dataclasses.fields(kind)))
    if issubclass(kind, list | tuple):
        return _sequence
    if issubclass(kind, dict):
        return _mapping
    return _same


def _same(value: Any) -> Any:
    return value


def _code(value: StrEnum) -> str:
    return value.value


def _isoformat(value: date) -> str:
    return value.isoformat()


def _sequence(items: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [_converter(type(item))(item) for item in items]


def _mapping(items: dict[str, Any]) -> dict[str, Any]:
    return {key: _converter(type(item))(item) for key, item in items.items()}


def _dataclass_converter(names: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    label_names = {name: (f"{name}_label", f"{name}_labels") for name in names}

    def convert(value: Any) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name in names:
            field_value = getattr(value, name)
            kind = type(field_value)
            result[name] = _converter(kind)(field_value)
            if kind in LABELS:
                result[label_names[name][0]] = label(field_value)
            elif kind is tuple and field_value and isinstance(field_value[0], StrEnum):
                result[label_names[name][1]] = [label(code) for code in field_value]
        return result

    return convert


def present_case(case: RetentionCase, actor: Actor) -> dict[str, Any]:
    body = {
        "id": str(case.id),
        "version": case.version,
        "status": case.status.value,
        "status_label": label(CaseStatus(case.status)),
        "assignee_id": case.assignee_id,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at.isoformat(),
        "recorded_at": case.created_on.isoformat(),
        "updated_at": case.modified_on.isoformat(),
        "header": to_json(case.header),
        "attempts": to_json(case.attempts),
        "replies": to_json(case.replies),
        "actions": to_json(case.actions),
        "decisions": to_json(case.decisions),
        "notes": to_json(case.notes),
        "proposal": to_json(case.proposal),
        "proposed_by": case.proposed_by,
        "conclusion": to_json(case.conclusion),
        "sign_off": to_json(case.sign_off),
        "duration_days": case.duration_days,
        "personal_data_erased_at": case.personal_data_erased_at.isoformat() if case.personal_data_erased_at else None,
        "allowed_commands": case.allowed_triggers(actor.roles),
    }
    if not sees_personal_data(actor):
        _mask_case(body)
    return body


def present_event(event: RetentionCase.Event, actor: Actor) -> dict[str, Any]:
    data = {
        key: to_json(value)
        for key, value in vars(event).items()
        if key not in ("originator_id", "originator_version", "timestamp", "meta", "originator_topic")
    }
    meta = event.meta
    body = {
        "case_id": str(event.originator_id),
        "version": event.originator_version,
        "type": type(event).__name__,
        "occurred_at": meta.occurred_at.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor_id": meta.actor_id,
        "actor_role": meta.actor_role,
        "correlation_id": meta.correlation_id,
        "reason": meta.reason or None,
        "data": data,
    }
    if not sees_personal_data(actor):
        _mask_event_data(data)
    return body


def _mask_case(body: dict[str, Any]) -> None:
    _mask_provider(body["header"]["provider"])
    for attempt in body["attempts"]:
        _mask_attempt(attempt)
    for items, name in ((body["replies"], "notes"), (body["decisions"], "notes"), (body["notes"], "text")):
        for item in items:
            item[name] = _mask_phones_in_text(item[name])


def _mask_event_data(data: dict[str, Any]) -> None:
    header = data.get("header")
    if isinstance(header, dict):
        _mask_provider(header["provider"])
    attempt = data.get("attempt")
    if isinstance(attempt, dict):
        _mask_attempt(attempt)
    for name, text_field in (("reply", "notes"), ("decision", "notes"), ("note", "text")):
        item = data.get(name)
        if isinstance(item, dict):
            item[text_field] = _mask_phones_in_text(item[text_field])


def _mask_provider(provider: dict[str, Any]) -> None:
    if provider["cpf"] != ERASED:
        provider["cpf"] = mask_cpf(provider["cpf"])


def _mask_attempt(attempt: dict[str, Any]) -> None:
    if attempt["contact"] and attempt["contact"] != ERASED:
        attempt["contact"] = mask_phone(attempt["contact"])
    attempt["notes"] = _mask_phones_in_text(attempt["notes"])


def _mask_phones_in_text(text: str) -> str:
    return _PHONE_IN_TEXT.sub(lambda match: mask_phone(match.group()), text)
