"""The retention report as JSON and as CSV, in a plain and a Brazilian spreadsheet variant.

Plain CSV: comma separator, decimal point, ISO dates, code names as headers.
The pt-BR variant: semicolon separator, decimal comma, dd/mm/aaaa dates,
pt-BR headers from the catalogue, and a UTF-8 byte order mark so that
spreadsheet programs detect the encoding. In both, a text cell that starts
with = + - @ (or a tab or carriage return) gets a leading apostrophe, so a
spreadsheet shows it as text instead of running it as a formula.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from typing import Any

from adapters.retention_report import AGE_BANDS, GroupFigures, RetentionReport
from domain.catalog import ActionCode, Outcome, TerminationReason, label

FORMATS = ("json", "csv", "csv_br")

GROUP_LABELS = {"operator": "Operadora", "uf": "UF", "city": "Cidade", "collaborator": "Colaborador", "month": "Mês"}
TOTAL_LABEL = {"csv": "total", "csv_br": "Total"}

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def report_json(report: RetentionReport) -> dict[str, Any]:
    return {
        "position": report.position,
        "as_of": report.as_of.isoformat(),
        "group_by": list(report.group_by),
        "total": asdict(report.total),
        "groups": [{"key": group.key, **asdict(group.figures)} for group in report.groups],
    }


# A column: (code header, pt-BR header, kind, value getter). Kinds: int, rate, decimal.
Column = tuple[str, str, str, Callable[[GroupFigures], Any]]


def figure_columns() -> list[Column]:
    columns: list[Column] = [
        ("cases", "Casos", "int", lambda f: f.cases),
        ("open_cases", "Casos abertos", "int", lambda f: f.open_cases),
    ]
    columns += [_outcome_column(code) for code in Outcome]
    columns.append(("retention_rate", "Taxa de retenção", "rate", lambda f: f.retention_rate))
    for stat, stat_label in (("mean", "média"), ("median", "mediana"), ("p90", "percentil 90")):
        columns.append((f"days_to_finish_{stat}", f"Tempo para finalizar em dias ({stat_label})", "decimal",
                        _getter("days_to_finish", stat)))  # fmt: skip
    for band, _, _ in AGE_BANDS:
        columns.append((f"open_age_{band}", f"Abertos há {band} dias", "int", _band_getter(band)))
    for stat, stat_label in (("mean", "média"), ("median", "mediana"), ("p90", "percentil 90")):
        columns.append((f"contact_attempts_{stat}", f"Tentativas de contato por caso ({stat_label})", "decimal",
                        _getter("contact_attempts", stat)))  # fmt: skip
    columns += [_reason_column(code) for code in TerminationReason]
    columns += [_action_column(code) for code in ActionCode]
    columns += [_action_rate_column(code) for code in ActionCode]
    return columns


def _getter(name: str, stat: str) -> Callable[[GroupFigures], Any]:
    return lambda figures: getattr(getattr(figures, name), stat)


def _band_getter(band: str) -> Callable[[GroupFigures], Any]:
    return lambda figures: figures.open_by_age[band]


def _outcome_column(code: StrEnum) -> Column:
    return (f"outcome_{code.value}", label(code), "int", lambda f: f.outcomes[code.value])


def _reason_column(code: StrEnum) -> Column:
    return (f"reason_{code.value}", f"Motivo: {label(code)}", "int", lambda f: f.termination_reasons[code.value])


def _action_column(code: StrEnum) -> Column:
    return (f"action_{code.value}", f"Ação: {label(code)}", "int", lambda f: f.actions_offered[code.value])


def _action_rate_column(code: StrEnum) -> Column:
    return (
        f"retention_rate_with_{code.value}",
        f"Taxa de retenção com {label(code)}",
        "rate",
        lambda f: f.retention_by_action[code.value].retention_rate,
    )


def report_csv(report: RetentionReport, variant: str) -> bytes:
    """Render the report as CSV ``variant`` ("csv" or "csv_br"), one row per group and a total row."""
    brazilian = variant == "csv_br"
    columns = figure_columns()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if brazilian else ",", lineterminator="\r\n")
    group_headers = [GROUP_LABELS[key] if brazilian else key for key in report.group_by]
    fixed = ["Posição do evento", "Data de referência"] if brazilian else ["position", "as_of"]
    writer.writerow([*fixed, *group_headers, *(pt if brazilian else code for code, pt, _, _ in columns)])
    prefix = [str(report.position), _date_cell(report.as_of, brazilian)]
    for group in report.groups:
        keys = [_text_cell(_key_cell(key, group.key[key], brazilian)) for key in report.group_by]
        writer.writerow([*prefix, *keys, *_figure_cells(group.figures, columns, brazilian)])
    total_keys = [TOTAL_LABEL[variant]] + [""] * (len(report.group_by) - 1) if report.group_by else []
    writer.writerow([*prefix, *total_keys, *_figure_cells(report.total, columns, brazilian)])
    text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if brazilian else text.encode("utf-8")


def _figure_cells(figures: GroupFigures, columns: list[Column], brazilian: bool) -> list[str]:
    return [_number_cell(getter(figures), kind, brazilian) for _, _, kind, getter in columns]


def _number_cell(value: Any, kind: str, brazilian: bool) -> str:
    if value is None:
        return ""
    if kind == "int":
        return str(value)
    text = f"{value:.4f}" if kind == "rate" else f"{value:.2f}"
    return text.replace(".", ",") if brazilian else text


def _date_cell(value: date, brazilian: bool) -> str:
    return value.strftime("%d/%m/%Y") if brazilian else value.isoformat()


def _key_cell(key: str, value: str, brazilian: bool) -> str:
    if key == "month" and brazilian and len(value) == 7:
        return f"{value[5:]}/{value[:4]}"
    return value


def _text_cell(value: str) -> str:
    """Neutralize spreadsheet formula injection in a free-text cell."""
    return f"'{value}" if value.startswith(_FORMULA_PREFIXES) else value
