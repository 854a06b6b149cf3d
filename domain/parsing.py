"""Helpers that read fields from a request payload with pt-BR errors naming the field."""

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from domain.errors import InvalidValue, MissingValue
from domain.values import parse_date, parse_text

E = TypeVar("E", bound=StrEnum)


def require(payload: Mapping[str, Any], key: str, prefix: str = "") -> Any:
    value = payload.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MissingValue(f"O campo '{prefix}{key}' é obrigatório.", field=f"{prefix}{key}")
    return value


def parse_code(enum: type[E], raw: object, *, field: str) -> E:
    """Return the enum member for ``raw`` or reject it, listing the accepted codes."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    accepted = ", ".join(member.value for member in enum)
    if not isinstance(raw, str):
        raise InvalidValue(
            f"O campo '{field}' deve ser um código em texto, entre aspas, e veio {raw!r}. Códigos aceitos: {accepted}.",
            field=field,
            value=repr(raw),
        )
    try:
        return enum(raw.strip())
    except ValueError:
        raise InvalidValue(
            f"Código desconhecido no campo '{field}': '{raw}'. Códigos aceitos: {accepted}.",
            field=field,
            value=str(raw),
        ) from None


def parse_codes(enum: type[E], raw: object, *, field: str) -> tuple[E, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list | tuple):
        raise InvalidValue(f"O campo '{field}' deve ser uma lista de códigos.", field=field, value=repr(raw))
    codes: list[E] = []
    for index, item in enumerate(raw):
        code = parse_code(enum, item, field=f"{field}[{index}]")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def parse_bool(raw: object, *, field: str) -> bool | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    raise InvalidValue(f"O campo '{field}' deve ser true ou false.", field=field, value=repr(raw))


def optional_date(payload: Mapping[str, Any], key: str, prefix: str = "") -> date | None:
    raw = payload.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_date(raw, field=f"{prefix}{key}")


def optional_text(payload: Mapping[str, Any], key: str, prefix: str = "", max_length: int | None = None) -> str:
    kwargs = {"max_length": max_length} if max_length else {}
    return parse_text(payload.get(key), field=f"{prefix}{key}", required=False, **kwargs)


def required_text(payload: Mapping[str, Any], key: str, prefix: str = "", max_length: int | None = None) -> str:
    kwargs = {"max_length": max_length} if max_length else {}
    return parse_text(payload.get(key), field=f"{prefix}{key}", **kwargs)


def as_mapping(raw: object, *, field: str) -> Mapping[str, Any]:
    if raw is None:
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    if not isinstance(raw, Mapping):
        raise InvalidValue(f"O campo '{field}' deve ser um objeto JSON.", field=field, value=repr(raw))
    return raw
