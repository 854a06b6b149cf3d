"""A logging handler that keeps every record of a test, to check that none carries personal data or secrets."""

import logging
import re

from stdnum.br import cpf as stdnum_cpf

from api import reference_case

_CPF_FORMATTED = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")
_ELEVEN_DIGITS = re.compile(r"\b\d{11}\b")
_PHONE = re.compile(r"(?<![\w-])\(?\d{2}\)?\s?9?\d{4}-\d{4}(?![\w-])")


def _reference_texts() -> list[str]:
    texts = [reference_case.OPEN_CASE["provider"]["dentist_name"]]
    for _, body in reference_case.STEPS:
        texts += [body[name] for name in ("contact", "notes", "text") if body.get(name)]
    return texts


FORBIDDEN_TEXTS = [*_reference_texts(), "test-key-", "rtc_", "Bearer "]


class CapturingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if record.exc_info:
            line += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {line}")


def findings(lines: list[str]) -> list[str]:
    """Return each log line that contains a CPF, a phone number, a reference note or a key."""
    found = []
    for line in lines:
        if _CPF_FORMATTED.search(line) or _PHONE.search(line):
            found.append(line)
        elif any(stdnum_cpf.is_valid(digits) for digits in _ELEVEN_DIGITS.findall(line)):
            found.append(line)
        elif any(text in line for text in FORBIDDEN_TEXTS):
            found.append(line)
    return found
