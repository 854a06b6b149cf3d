"""Brazilian identifiers: CPF, CNPJ, CRO and phone numbers.

Each ``parse_*`` function accepts the forms users type (masks, spaces,
lower case) and returns the canonical stored form, or raises
``InvalidValue`` naming the field. CPF and phone values are personal data,
so their messages never repeat the full value.
"""

import re
from dataclasses import dataclass

from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf
from stdnum.exceptions import ValidationError

from domain.catalog import Uf
from domain.errors import InvalidValue, MissingValue


def mask_cpf(cpf: str) -> str:
    """Mask a stored CPF as ``***.147.306-**``, the form shown to roles without need."""
    return f"***.{cpf[3:6]}.{cpf[6:9]}-**"


def parse_cpf(raw: str, *, field: str = "cpf") -> str:
    """Return the 11 digits of a valid CPF; reject wrong check digits and repeated digits."""
    text = _require_text(raw, field)
    digits = re.sub(r"[.\-\s]", "", text)
    if not re.fullmatch(r"\d{11}", digits):
        raise InvalidValue(
            f"CPF inválido no campo '{field}': informe 11 dígitos, com ou sem máscara "
            "(ex.: 528.147.306-90).",
            field=field,
        )
    if len(set(digits)) == 1 or not stdnum_cpf.is_valid(digits):
        raise InvalidValue(
            f"CPF inválido no campo '{field}': os dígitos verificadores não conferem.",
            field=field,
        )
    return digits


def parse_cnpj(raw: str, *, field: str = "cnpj") -> str:
    """Return the 14 upper-case characters of a valid numeric or alphanumeric CNPJ."""
    text = _require_text(raw, field)
    compact = re.sub(r"[.\-/\s]", "", text).upper()
    if not re.fullmatch(r"[0-9A-Z]{12}\d{2}", compact):
        raise InvalidValue(
            f"CNPJ inválido no campo '{field}': '{text}'. Informe 14 caracteres "
            "(12 letras ou dígitos e 2 dígitos verificadores), com ou sem máscara.",
            field=field,
            value=text,
        )
    try:
        stdnum_cnpj.validate(compact)
    except ValidationError:
        raise InvalidValue(
            f"CNPJ inválido no campo '{field}': '{text}' tem dígitos verificadores "
            "que não conferem.",
            field=field,
            value=text,
        ) from None
    return compact


def parse_uf(raw: str, *, field: str = "uf") -> Uf:
    text = _require_text(raw, field).upper()
    try:
        return Uf(text)
    except ValueError:
        raise InvalidValue(
            f"UF inválida no campo '{field}': '{raw}'. Use a sigla de uma das 27 "
            "unidades federativas (ex.: AM, SP).",
            field=field,
            value=raw,
        ) from None


@dataclass(frozen=True)
class Cro:
    """Registration at a Conselho Regional de Odontologia: a number and its council's UF."""

    number: str
    uf: Uf

    @classmethod
    def parse(cls, number: str, uf: str, *, field: str = "cro") -> "Cro":
        text = _require_text(number, f"{field}.number")
        digits = re.sub(r"[.\-\s]", "", text)
        if not re.fullmatch(r"\d{1,10}", digits):
            raise InvalidValue(
                f"Número de CRO inválido no campo '{field}.number': '{text}'. "
                "Informe só dígitos (até 10).",
                field=f"{field}.number",
                value=text,
            )
        return cls(number=digits.lstrip("0") or "0", uf=parse_uf(uf, field=f"{field}.uf"))

    def __str__(self) -> str:
        return f"CRO-{self.uf.value} {self.number}"


def normalize_phone(raw: str) -> str | None:
    """Return a Brazilian phone number as ``+55`` and its digits, or None if it is not one.

    Accepts ``(92) 98000-1111``, ``92 9000-1234``, ``+55 92 9000-1234`` and
    ``92990001234``: an area code of two digits and a subscriber number of
    eight or nine digits.
    """
    digits = re.sub(r"\D", "", raw)
    if raw.strip().startswith("+"):
        if not digits.startswith("55"):
            return None
        digits = digits[2:]
    elif len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    if len(digits) not in (10, 11) or digits[0] == "0":
        return None
    return "+55" + digits


def mask_phone(phone: str) -> str:
    """Mask a phone number or address, keeping only its last two characters."""
    visible = phone[-2:] if len(phone) > 4 else ""
    return "*" * max(len(phone) - 2, 3) + visible


def _require_text(raw: object, field: str) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MissingValue(f"O campo '{field}' é obrigatório.", field=field)
    if not isinstance(raw, str):
        raise InvalidValue(
            f"O campo '{field}' deve ser texto.", field=field, value=repr(raw)
        )
    return raw.strip()
