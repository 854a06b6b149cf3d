"""JSON transcodings for the domain's value types, so events round-trip exactly."""

import dataclasses
from datetime import date
from enum import StrEnum
from typing import Any

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)

from domain import actor, case_data, catalog, identifiers


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class TupleAsList(Transcoding):
    type = tuple
    name = "tuple"

    def encode(self, obj: tuple[Any, ...]) -> list[Any]:
        return list(obj)

    def decode(self, data: list[Any]) -> tuple[Any, ...]:
        return tuple(data)


class FrozensetAsList(Transcoding):
    type = frozenset
    name = "frozenset"

    def encode(self, obj: frozenset[Any]) -> list[Any]:
        return sorted(obj)

    def decode(self, data: list[Any]) -> frozenset[Any]:
        return frozenset(data)


def enum_transcoding(enum: type[StrEnum]) -> Transcoding:
    """Build a transcoding that stores an enum member as its code."""

    class EnumAsCode(Transcoding):
        type = enum
        name = f"code:{enum.__name__}"

        def encode(self, obj: StrEnum) -> str:
            return obj.value

        def decode(self, data: str) -> StrEnum:
            return enum(data)

    return EnumAsCode()


def dataclass_transcoding(cls: type) -> Transcoding:
    """Build a transcoding that stores a dataclass as a dict of its fields.

    Decoding ignores keys the class no longer has and lets new fields take
    their defaults, so adding an optional field never breaks stored events.
    """
    field_names = [f.name for f in dataclasses.fields(cls)]

    class DataclassAsDict(Transcoding):
        type = cls
        name = f"value:{cls.__name__}"

        def encode(self, obj: Any) -> dict[str, Any]:
            return {name: getattr(obj, name) for name in field_names}

        def decode(self, data: dict[str, Any]) -> Any:
            return cls(**{key: value for key, value in data.items() if key in field_names})

    return DataclassAsDict()


VALUE_TYPES: tuple[type, ...] = (
    identifiers.Cro,
    case_data.Provider,
    case_data.CaseHeader,
    case_data.ContactAttempt,
    case_data.ActionOffer,
    case_data.ExclusionPlan,
    case_data.Conclusion,
    case_data.Reply,
    case_data.Note,
    case_data.Decision,
    case_data.SignOff,
    actor.EventMeta,
)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    transcoder.register(DateAsISO())
    transcoder.register(TupleAsList())
    transcoder.register(FrozensetAsList())
    for enum in catalog.CATALOG_KEYS:
        transcoder.register(enum_transcoding(enum))
    for value_type in VALUE_TYPES:
        transcoder.register(dataclass_transcoding(value_type))



class DomainTranscoder(JSONTranscoder):
    """A JSON transcoder that also tags enum members and tuples.

    The standard JSON encoder writes ``StrEnum`` members and tuples as plain
    strings and lists without consulting the registered transcodings, so
    they would decode as ``str`` and ``list``. Tagging them first makes
    every stored event decode to exactly the objects it was made of.
    """

    def __init__(self) -> None:
        super().__init__()
        register_domain_transcodings(self)

    def encode(self, obj: Any) -> bytes:
        return super().encode(self._tag(obj))

    def _tag(self, obj: Any) -> Any:
        if isinstance(obj, StrEnum):
            return {"_type_": self.types[type(obj)].name, "_data_": obj.value}
        if isinstance(obj, tuple):
            return {"_type_": TupleAsList.name, "_data_": [self._tag(item) for item in obj]}
        if isinstance(obj, list):
            return [self._tag(item) for item in obj]
        if isinstance(obj, dict):
            return {key: self._tag(value) for key, value in obj.items()}
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            transcoding = self.types[type(obj)]
            return {"_type_": transcoding.name, "_data_": self._tag(transcoding.encode(obj))}
        return obj
