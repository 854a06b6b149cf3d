"""The case summary read model: one row per case, folded from the case's events.

``apply_event`` is a pure function from (row, event) to the next row, so the
batch worker, the rebuild and the tests fold events the same way.
Dates and times are stored as ISO 8601 text in UTC, which sorts correctly
in both SQLite and PostgreSQL.
"""

import unicodedata
from datetime import datetime, timezone
from typing import Any

from domain.catalog import CaseStatus
from domain.retention_case import RetentionCase

NAME = "case_summary"

# Columns that hold personal data of the dentist. Erasing a data subject
# sets exactly these to NULL; nothing else in the read model identifies a person.
PERSONAL_COLUMNS = ("dentist_name", "dentist_name_key")

# (column, SQL type, NOT NULL). Lists are stored as comma-separated codes.
COLUMN_TYPES: tuple[tuple[str, str, bool], ...] = (
    ("case_id", "TEXT", True),
    ("version", "INTEGER", True),
    ("status", "TEXT", True),
    ("operator", "TEXT", True),
    ("uf", "TEXT", True),
    ("city", "TEXT", True),
    ("collaborator", "TEXT", True),
    ("assignee_id", "TEXT", True),
    ("dentist_name", "TEXT", False),
    ("dentist_name_key", "TEXT", False),
    ("cro_number", "TEXT", True),
    ("cro_uf", "TEXT", True),
    ("protocol_number", "TEXT", True),
    ("demanded_by", "TEXT", True),
    ("opened_at", "TEXT", True),
    ("started_on", "TEXT", True),
    ("ended_on", "TEXT", False),
    ("proposed_outcome", "TEXT", False),
    ("outcome", "TEXT", False),
    ("concluded_on", "TEXT", False),
    ("reasons", "TEXT", True),
    ("actions", "TEXT", True),
    ("attempt_count", "INTEGER", True),
    ("reopen_count", "INTEGER", True),
    ("updated_at", "TEXT", True),
)
COLUMNS = tuple(name for name, _, _ in COLUMN_TYPES)

# Indexes for the search filters and sort orders; created under the live table's name.
INDEXED_COLUMNS = ("opened_at", "started_on", "concluded_on", "updated_at", "status", "operator", "uf")


def create_table_sql(table: str) -> str:
    columns = ", ".join(f"{name} {kind}{' NOT NULL' if required else ''}" for name, kind, required in COLUMN_TYPES)
    return f"CREATE TABLE IF NOT EXISTS {table} ({columns}, CONSTRAINT {table}_pkey PRIMARY KEY (case_id))"


def create_index_sql(table: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {table}_{column} ON {table} ({column}, case_id)" for column in INDEXED_COLUMNS
    ]


def search_key(text: str) -> str:
    """Fold case and strip accents, so 'José' matches 'jose'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def apply_event(row: dict[str, Any] | None, event: RetentionCase.Event) -> dict[str, Any]:
    """Return the case's row after ``event``; ``row`` is None before the opening event."""
    if isinstance(event, RetentionCase.CaseOpened):
        row = {column: None for column in COLUMNS}
        row.update(
            case_id=str(event.originator_id),
            status=CaseStatus.OPEN.value,
            assignee_id=event.assignee_id,
            opened_at=utc_text(event.meta.occurred_at),
            reasons="",
            actions="",
            attempt_count=0,
            reopen_count=0,
            **_header_columns(event.header),
        )
    elif row is None:
        raise ValueError(f"event {type(event).__name__} of case {event.originator_id} arrived before CaseOpened")
    else:
        row = dict(row)
        _apply_change(row, event)
    row["version"] = event.originator_version
    row["updated_at"] = utc_text(event.timestamp)
    return row


def _apply_change(row: dict[str, Any], event: RetentionCase.Event) -> None:
    if isinstance(event, RetentionCase.ContactAttempted):
        row["status"] = event.status.value
        row["attempt_count"] += 1
    elif isinstance(event, RetentionCase.ActionOffered):
        row["status"] = CaseStatus.NEGOTIATING.value
        row["actions"] = _append_code(row["actions"], event.action.code.value)
    elif isinstance(event, RetentionCase.DentistReplied):
        row["status"] = CaseStatus.NEGOTIATING.value
    elif isinstance(event, RetentionCase.DentistDeclined):
        row["status"] = CaseStatus.DECLINED.value
    elif isinstance(event, RetentionCase.ConclusionProposed):
        row["status"] = CaseStatus.PENDING_APPROVAL.value
        row["proposed_outcome"] = event.conclusion.outcome.value
        row["ended_on"] = event.conclusion.ended_on.isoformat()
        row["reasons"] = ",".join(reason.value for reason in event.conclusion.reasons)
    elif isinstance(event, RetentionCase.ConclusionApproved):
        row["status"] = row["proposed_outcome"]
        row["outcome"] = row["proposed_outcome"]
        row["concluded_on"] = row["ended_on"]
        row["proposed_outcome"] = None
    elif isinstance(event, RetentionCase.ConclusionReturned):
        row.update(status=event.restored_status.value, proposed_outcome=None, ended_on=None, reasons="")
    elif isinstance(event, RetentionCase.CaseReopened):
        row.update(status=CaseStatus.NEGOTIATING.value, outcome=None, ended_on=None, concluded_on=None, reasons="")
        row["reopen_count"] += 1
    elif isinstance(event, RetentionCase.CaseDetailsCorrected):
        row.update(_header_columns(event.header))
    elif isinstance(event, RetentionCase.PersonalDataErased):
        row.update(dict.fromkeys(PERSONAL_COLUMNS))
    elif isinstance(event, RetentionCase.CaseReassigned):
        row["assignee_id"] = event.assignee_id
        if event.collaborator:
            row["collaborator"] = event.collaborator


def _append_code(codes: str, code: str) -> str:
    return f"{codes},{code}" if codes else code


def _header_columns(header: Any) -> dict[str, Any]:
    return {
        "operator": header.operator,
        "uf": header.uf.value,
        "city": header.city,
        "collaborator": header.collaborator,
        "dentist_name": header.provider.dentist_name,
        "dentist_name_key": search_key(header.provider.dentist_name),
        "cro_number": header.provider.cro.number,
        "cro_uf": header.provider.cro.uf.value,
        "protocol_number": header.protocol_number,
        "demanded_by": header.demanded_by.value,
        "started_on": header.started_on.isoformat(),
    }


def split_codes(codes: str | None) -> list[str]:
    return codes.split(",") if codes else []
