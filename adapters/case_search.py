"""Case search over the case summary: filters, free text, sort orders and cursor pagination.

The cursor is keyset pagination: it carries the sort value and the case id
of the last row returned, so a page never repeats or skips rows when
cases are added between requests.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from adapters.projections import case_summary
from adapters.projections.database import ReadDatabase
from domain.errors import InvalidValue

# Sort keys a client may request; "-" in front sorts descending.
SORT_COLUMNS = ("opened_at", "started_on", "concluded_on", "updated_at", "protocol_number")
DEFAULT_SORT = "-opened_at"
NULLABLE_SORT_COLUMNS = ("concluded_on",)


@dataclass(frozen=True)
class CaseFilter:
    """Search criteria; every field left as None matches all cases."""

    status: str | None = None
    outcome: str | None = None
    operator: str | None = None
    uf: str | None = None
    city: str | None = None
    collaborator: str | None = None
    reason: str | None = None
    action: str | None = None
    demanded_by: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    concluded_from: date | None = None
    concluded_to: date | None = None
    text: str | None = None
    # Whether free text also matches the dentist's name (only for actors allowed to see it).
    text_includes_name: bool = True


_EXACT = ("status", "outcome", "operator", "uf", "city", "collaborator", "demanded_by")


def where_clause(case_filter: CaseFilter) -> tuple[str, list[Any]]:
    """Return ``WHERE ...`` (or "") with ``%s`` placeholders, and its parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    for name in _EXACT:
        value = getattr(case_filter, name)
        if value is not None:
            clauses.append(f"{name} = %s")
            params.append(value)
    for name, column in (("reason", "reasons"), ("action", "actions")):
        value = getattr(case_filter, name)
        if value is not None:
            clauses.append(f"(',' || {column} || ',') LIKE %s")
            params.append(f"%,{value},%")
    _date_range(clauses, params, "opened_at", case_filter.opened_from, case_filter.opened_to)
    _date_range(clauses, params, "concluded_on", case_filter.concluded_from, case_filter.concluded_to)
    if case_filter.text:
        pattern = f"%{_escape_like(case_summary.search_key(case_filter.text.strip()))}%"
        options = ["cro_number LIKE %s ESCAPE '\\'", "lower(protocol_number) LIKE %s ESCAPE '\\'"]
        if case_filter.text_includes_name:
            options.append("dentist_name_key LIKE %s ESCAPE '\\'")
        clauses.append(f"({' OR '.join(options)})")
        params.extend([pattern] * len(options))
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _date_range(clauses: list[str], params: list[Any], column: str, start: date | None, end: date | None) -> None:
    # Columns hold ISO text, so a date bound compares as text; the end bound is exclusive of the next day.
    if start is not None:
        clauses.append(f"{column} >= %s")
        params.append(start.isoformat())
    if end is not None:
        clauses.append(f"{column} < %s")
        params.append((end + timedelta(days=1)).isoformat())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class SearchPage:
    rows: list[dict[str, Any]]
    next_cursor: str | None
    total: int
    position: int


def parse_sort(raw: str) -> tuple[str, bool]:
    """Return (column, descending) for ``opened_at`` or ``-opened_at``."""
    column = raw.removeprefix("-")
    if column not in SORT_COLUMNS:
        raise InvalidValue(
            f"Ordenação inválida: '{raw}'. Use um destes campos, com '-' na frente para ordem decrescente: "
            f"{', '.join(SORT_COLUMNS)}.",
            field="sort",
            value=raw,
        )
    return column, raw.startswith("-")


def encode_cursor(sort: str, row: dict[str, Any]) -> str:
    column = sort.removeprefix("-")
    payload = json.dumps([sort, row[column] or "", row["case_id"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[str, str]:
    """Return (sort value, case id) from a cursor issued for the same ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, value, case_id = json.loads(raw)
        if not all(isinstance(part, str) and "\x00" not in part for part in (cursor_sort, value, case_id)):
            raise ValueError("cursor parts must be text without NUL characters")
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidValue(
            "Cursor inválido. Use o valor de 'next_cursor' devolvido pela página anterior.",
            field="cursor",
            value=cursor[:80],
        ) from None
    if cursor_sort != sort:
        raise InvalidValue(
            f"O cursor foi emitido para a ordenação '{cursor_sort}', não '{sort}'. "
            "Repita a busca com a mesma ordenação ou comece sem cursor.",
            field="cursor",
            value=cursor[:80],
        )
    return value, case_id


def search_cases(
    db: ReadDatabase, case_filter: CaseFilter, *, sort: str = DEFAULT_SORT, limit: int = 50, cursor: str | None = None
) -> SearchPage:
    """Return one page of cases matching ``case_filter``, the total and the position it reflects."""
    column, descending = parse_sort(sort)
    where, params = where_clause(case_filter)
    # Only nullable sort columns need COALESCE, which keeps the others able to use their (column, case_id) index.
    key = f"COALESCE({column}, '')" if column in NULLABLE_SORT_COLUMNS else column
    page_where, page_params = where, list(params)
    if cursor:
        value, case_id = decode_cursor(cursor, sort)
        comparison = "<" if descending else ">"
        page_where += f"{' AND' if where else ' WHERE'} ({key}, case_id) {comparison} (%s, %s)"
        page_params += [value, case_id]
    direction = "DESC" if descending else "ASC"
    rows_sql = f"SELECT * FROM {case_summary.NAME}{page_where} ORDER BY {key} {direction}, case_id {direction} LIMIT %s"
    with db.transaction() as cursor_:
        cursor_.execute(db.sql(rows_sql), [*page_params, limit + 1])
        rows = cursor_.fetchall()
        cursor_.execute(db.sql(f"SELECT count(*) AS total FROM {case_summary.NAME}{where}"), params)
        total = int(cursor_.fetchone()["total"])
        position = db.read_position(cursor_, case_summary.NAME)
    next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return SearchPage(rows=rows[:limit], next_cursor=next_cursor, total=total, position=position)

