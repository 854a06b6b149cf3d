"""JSON Schemas (draft 2020-12) of the event presentation, one per event type.

The schemas are derived from the event classes' annotations and follow the
conversions of ``api.presenters.to_json``: codes are strings with a
``<name>_label`` beside them inside value objects, dates and times are ISO
8601 strings, money is a decimal string. Masked CPF and phone numbers are
still strings, so one schema covers both masked and unmasked events.
"""

import dataclasses
import types
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

from domain.catalog import LABELS
from domain.retention_case import RetentionCase

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_VERSION = 1

# Attributes every event has; the presentation shows them outside ``data``.
ENVELOPE_ATTRIBUTES = frozenset({"originator_id", "originator_version", "timestamp", "meta", "originator_topic"})


def event_classes() -> dict[str, type[RetentionCase.Event]]:
    """Map each event type name the aggregate records to its class."""
    found = {}
    for name, value in vars(RetentionCase).items():
        # The library adds a generic ``Created`` class; cases are always created by ``CaseOpened``.
        if name in ("Event", "Created"):
            continue
        if isinstance(value, type) and issubclass(value, RetentionCase.Event):
            found[name] = value
    return found


def schema_id(event_type: str) -> str:
    return f"urn:retencao:schema:{event_type}:v{SCHEMA_VERSION}"


@cache
def event_schema(event_type: str) -> dict[str, Any]:
    """Return the schema of one event type's presentation (the history entry and CloudEvents ``data``)."""
    event_class = event_classes()[event_type]
    hints = get_type_hints(event_class)
    data_properties = {
        name: _schema_of(hint)
        for name, hint in hints.items()
        if name not in ENVELOPE_ATTRIBUTES and get_origin(hint) is not ClassVar
    }
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": schema_id(event_type),
        "title": event_type,
        "type": "object",
        "properties": {
            "case_id": {"type": "string", "format": "uuid"},
            "version": {"type": "integer", "minimum": 1},
            "type": {"const": event_type},
            "occurred_at": {"type": "string", "format": "date-time"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "actor_id": {"type": "string"},
            "actor_role": {"type": "string"},
            "correlation_id": {"type": "string"},
            "reason": {"type": ["string", "null"]},
            "data": {
                "type": "object",
                "properties": data_properties,
                "required": sorted(data_properties),
                "additionalProperties": False,
            },
        },
        "required": ["case_id", "version", "type", "occurred_at", "recorded_at", "actor_id", "actor_role",
                     "correlation_id", "reason", "data"],  # fmt: skip
        "additionalProperties": False,
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    return {name: event_schema(name) for name in sorted(event_classes())}


def _schema_of(hint: Any) -> dict[str, Any]:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        members = [member for member in get_args(hint) if member is not type(None)]
        inner = _schema_of(members[0]) if len(members) == 1 else {"anyOf": [_schema_of(m) for m in members]}
        return {"anyOf": [inner, {"type": "null"}]}
    if origin in (tuple, list):
        return {"type": "array", "items": _schema_of(get_args(hint)[0])}
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return {"type": "string", "enum": [member.value for member in hint]}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is str:
        return {"type": "string"}
    if hint is Decimal:
        return {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    if hint is datetime:
        return {"type": "string", "format": "date-time"}
    if hint is date:
        return {"type": "string", "format": "date"}
    if dataclasses.is_dataclass(hint):
        return _dataclass_schema(hint)
    raise TypeError(f"no JSON Schema mapping for {hint!r}")


def _dataclass_schema(cls: type) -> dict[str, Any]:
    hints = get_type_hints(cls)
    properties: dict[str, Any] = {}
    required = []
    for item in dataclasses.fields(cls):
        hint = hints[item.name]
        properties[item.name] = _schema_of(hint)
        required.append(item.name)

        # to_json adds a label beside a set code and a list of labels beside a non-empty tuple of codes.
        code_type = _code_type(hint)
        if code_type is not None and code_type in LABELS:
            if get_origin(hint) in (tuple, list):
                properties[f"{item.name}_labels"] = {"type": "array", "items": {"type": "string"}}
            else:
                properties[f"{item.name}_label"] = {"type": "string"}
                if not _is_optional(hint):
                    required.append(f"{item.name}_label")
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _code_type(hint: Any) -> type[StrEnum] | None:
    for candidate in (hint, *get_args(hint)):
        if isinstance(candidate, type) and issubclass(candidate, StrEnum):
            return candidate
    return None


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)
