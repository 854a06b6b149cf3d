"""Money, service-unit values, dates and bounded text."""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue, MissingValue

# Free-text fields hold notes and chat transcripts; the largest note on the
# reference form is about 900 characters. 20 000 leaves room for long
# transcripts while keeping a single event small.
MAX_TEXT_LENGTH = 20_000
MAX_SHORT_TEXT_LENGTH = 200
MAX_COUNT = 10**9
# Maximum value of a signed 64-bit SQL integer (SQLite INTEGER, PostgreSQL BIGINT).
MAX_SQL_INTEGER = 2**63 - 1


def parse_text(raw: object, *, field: str, required: bool = True, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Return text with surrounding blanks removed; enforce presence and length."""
    if raw is None:
        if required:
            raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
        return ""
    if not isinstance(raw, str):
        raise InvalidValue(f"O campo '{field}' deve ser texto.", field=field, value=repr(raw))
    text = raw.strip()
    if required and not text:
        raise MissingValue(f"O campo '{field}' é obrigatório e não pode ficar em branco.", field=field)
    if len(text) > max_length:
        raise InvalidValue(
            f"O campo '{field}' tem {len(text)} caracteres; o máximo é {max_length}.",
            field=field,
        )
    if "\x00" in text:
        raise InvalidValue(f"O campo '{field}' contém o caractere nulo, que não é aceito.", field=field)
    return text


def parse_money(raw: object, *, field: str, places: int = 2) -> Decimal:
    """Return a non-negative amount in R$ with at most ``places`` decimals.

    Accepts a JSON number, ``"0.30"`` or the Brazilian ``"0,30"`` /
    ``"1.234,56"`` forms.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    if isinstance(raw, bool):
        raise InvalidValue(f"Valor inválido no campo '{field}': {raw!r}.", field=field, value=raw)
    text = str(raw).strip().removeprefix("R$").strip()
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(
            f"Valor inválido no campo '{field}': '{raw}'. Use um número como 0,30 ou 1234.56.",
            field=field,
            value=str(raw),
        ) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidValue(
            f"Valor inválido no campo '{field}': '{raw}'. O valor deve ser zero ou positivo.",
            field=field,
            value=str(raw),
        )
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise InvalidValue(
            f"Valor inválido no campo '{field}': '{raw}' tem mais de {places} casas decimais.",
            field=field,
            value=str(raw),
        )
    if amount >= Decimal(10) ** 12:
        raise InvalidValue(f"Valor alto demais no campo '{field}': '{raw}'.", field=field, value=str(raw))
    return amount


def parse_date(raw: object, *, field: str) -> date:
    """Return a date from ISO ``2023-10-05`` or Brazilian ``05/10/2023`` text."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(
            f"Data inválida no campo '{field}': '{text}'. Use AAAA-MM-DD ou DD/MM/AAAA.",
            field=field,
            value=text,
        ) from None


# The operator's business time zone; a time typed without an offset is read in it.
BUSINESS_TIME_ZONE = ZoneInfo("America/Sao_Paulo")


def parse_instant(raw: object, *, field: str) -> datetime:
    """Return an aware datetime; one without an offset is taken as Brasília time."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    if isinstance(raw, datetime):
        instant = raw
    else:
        text = str(raw).strip()
        try:
            instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(
                f"Data e hora inválidas no campo '{field}': '{text}'. "
                "Use ISO 8601, por exemplo 2023-11-17T09:54:00-04:00.",
                field=field,
                value=text,
            ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=BUSINESS_TIME_ZONE)
    if not 1990 <= instant.year <= 2200:
        raise InvalidValue(
            f"Data fora do intervalo aceito no campo '{field}': '{raw}'.", field=field, value=str(raw)
        )
    return instant


def parse_count(raw: object, *, field: str, minimum: int = 0) -> int:
    """Return a whole number not below ``minimum``; accepts ``"4.886"`` as 4886."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    if isinstance(raw, bool):
        raise InvalidValue(f"Número inválido no campo '{field}': {raw!r}.", field=field, value=raw)
    if isinstance(raw, int):
        number = raw
    else:
        text = str(raw).strip()
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+|\d+", text):
            raise InvalidValue(
                f"Número inválido no campo '{field}': '{text}'. Use um número inteiro.",
                field=field,
                value=text,
            )
        number = int(text.replace(".", ""))
    if number < minimum or number > MAX_COUNT:
        raise InvalidValue(
            f"Número fora do intervalo no campo '{field}': {number}. Use um valor de {minimum} a {MAX_COUNT}.",
            field=field,
            value=number,
        )
    return number
