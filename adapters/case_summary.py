"""The case list read model: one row per case, kept by a projection.

``CaseSummaryProjection`` turns each event into column changes. The view
classes write them with the tracking record in one transaction, so every
event is applied exactly once even if the worker stops half-way.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteTrackingRecorder

from domain.catalog import CaseStatus
from domain.retention_case import RetentionCase

SUMMARY_TABLE = "case_summary"

_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {SUMMARY_TABLE} ("
    "case_id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, operator TEXT NOT NULL, "
    "uf TEXT NOT NULL, city TEXT NOT NULL, collaborator TEXT NOT NULL, assignee_id TEXT NOT NULL, "
    "dentist_name TEXT, cro_number TEXT NOT NULL, cro_uf TEXT NOT NULL, protocol_number TEXT NOT NULL, "
    "demanded_by TEXT NOT NULL, opened_at TEXT NOT NULL, started_on TEXT NOT NULL, ended_on TEXT, "
    "outcome TEXT, proposed_outcome TEXT, attempt_count INTEGER NOT NULL DEFAULT 0, "
    "action_count INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL)"
)
_INDEXES = [
    f"CREATE INDEX IF NOT EXISTS {SUMMARY_TABLE}_status ON {SUMMARY_TABLE} (status, opened_at)",
    f"CREATE INDEX IF NOT EXISTS {SUMMARY_TABLE}_opened ON {SUMMARY_TABLE} (opened_at, case_id)",
]


@dataclass(frozen=True)
class CaseFilter:
    status: CaseStatus | None = None
    operator: str | None = None
    uf: str | None = None
    collaborator: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None


@dataclass(frozen=True)
class Change:
    """Column values to write for one event; ``insert`` for the opening event."""

    case_id: str
    values: Mapping[str, Any]
    insert: bool = False
    increment: str | None = None


class CaseSummaryProjection(Projection["CaseSummaryView"]):
    name = "case_summary"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply_change(_change_for(domain_event), tracking)


def _change_for(event: RetentionCase.Event) -> Change:
    case_id = str(event.originator_id)
    base = {"version": event.originator_version, "updated_at": event.timestamp.isoformat()}
    if isinstance(event, RetentionCase.CaseOpened):
        return Change(case_id, {**base, **_header_columns(event.header), "assignee_id": event.assignee_id,
                                "status": CaseStatus.OPEN.value, "opened_at": event.meta.occurred_at.isoformat()},
                      insert=True)  # fmt: skip
    if isinstance(event, RetentionCase.ContactAttempted):
        return Change(case_id, {**base, "status": event.status.value}, increment="attempt_count")
    if isinstance(event, RetentionCase.ActionOffered):
        return Change(case_id, {**base, "status": CaseStatus.NEGOTIATING.value}, increment="action_count")
    if isinstance(event, RetentionCase.DentistReplied | RetentionCase.CaseReopened):
        extra = {"outcome": None, "ended_on": None} if isinstance(event, RetentionCase.CaseReopened) else {}
        return Change(case_id, {**base, **extra, "status": CaseStatus.NEGOTIATING.value})
    if isinstance(event, RetentionCase.DentistDeclined):
        return Change(case_id, {**base, "status": CaseStatus.DECLINED.value})
    if isinstance(event, RetentionCase.ConclusionProposed):
        return Change(case_id, {**base, "status": CaseStatus.PENDING_APPROVAL.value,
                                "proposed_outcome": event.conclusion.outcome.value,
                                "ended_on": event.conclusion.ended_on.isoformat()})  # fmt: skip
    if isinstance(event, RetentionCase.ConclusionApproved):
        return Change(case_id, {**base, "status_from_proposal": True})
    if isinstance(event, RetentionCase.ConclusionReturned):
        return Change(case_id, {**base, "status": event.restored_status.value, "proposed_outcome": None,
                                "ended_on": None})  # fmt: skip
    if isinstance(event, RetentionCase.CaseDetailsCorrected):
        return Change(case_id, {**base, **_header_columns(event.header)})
    if isinstance(event, RetentionCase.PersonalDataErased):
        return Change(case_id, {**base, "dentist_name": None})
    if isinstance(event, RetentionCase.CaseReassigned):
        values = {**base, "assignee_id": event.assignee_id}
        if event.collaborator:
            values["collaborator"] = event.collaborator
        return Change(case_id, values)
    return Change(case_id, base)


def _header_columns(header: Any) -> dict[str, Any]:
    return {
        "operator": header.operator,
        "uf": header.uf.value,
        "city": header.city,
        "collaborator": header.collaborator,
        "dentist_name": header.provider.dentist_name,
        "cro_number": header.provider.cro.number,
        "cro_uf": header.provider.cro.uf.value,
        "protocol_number": header.protocol_number,
        "demanded_by": header.demanded_by.value,
        "started_on": header.started_on.isoformat(),
    }


class _SummarySQL:
    """SQL shared by both stores, written with ``:name`` parameters."""

    placeholder_style = "named"

    def _sql(self, statement: str) -> str:
        if self.placeholder_style == "pyformat":
            return re.sub(r":(\w+)", r"%(\1)s", statement)
        return statement

    def _statements_for(self, change: Change) -> list[tuple[str, dict[str, Any]]]:
        values = dict(change.values)
        params: dict[str, Any] = {"case_id": change.case_id}
        if change.insert:
            names = ["case_id", *values]
            params.update(values)
            columns = ", ".join(names)
            placeholders = ", ".join(f":{name}" for name in names)
            return [(f"INSERT INTO {SUMMARY_TABLE} ({columns}) VALUES ({placeholders})", params)]
        assignments = []
        if values.pop("status_from_proposal", False):
            assignments += ["status = proposed_outcome", "outcome = proposed_outcome", "proposed_outcome = NULL"]
        for name, value in values.items():
            assignments.append(f"{name} = :{name}")
            params[name] = value
        if change.increment:
            assignments.append(f"{change.increment} = {change.increment} + 1")
        return [(f"UPDATE {SUMMARY_TABLE} SET {', '.join(assignments)} WHERE case_id = :case_id", params)]

    def _select(self, case_filter: CaseFilter, limit: int, offset: int) -> tuple[str, str, dict[str, Any]]:
        clauses, params = [], {}
        for name in ("status", "operator", "uf", "collaborator"):
            value = getattr(case_filter, name)
            if value is not None:
                clauses.append(f"{name} = :{name}")
                params[name] = str(value)
        if case_filter.opened_from:
            clauses.append("opened_at >= :opened_from")
            params["opened_from"] = case_filter.opened_from.isoformat()
        if case_filter.opened_to:
            clauses.append("opened_at < :opened_to")
            params["opened_to"] = date.fromordinal(case_filter.opened_to.toordinal() + 1).isoformat()
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        params.update(limit=limit, offset=offset)
        rows = f"SELECT * FROM {SUMMARY_TABLE}{where} ORDER BY opened_at DESC, case_id LIMIT :limit OFFSET :offset"
        count = f"SELECT COUNT(*) AS total FROM {SUMMARY_TABLE}{where}"
        return self._sql(rows), self._sql(count), params


class SQLiteCaseSummaryView(_SummarySQL, SQLiteTrackingRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), _CREATE, *_INDEXES]

    def apply_change(self, change: Change, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            for statement, params in self._statements_for(change):
                c.execute(self._sql(statement), params)
            self._insert_tracking(c, tracking)

    def list_cases(self, case_filter: CaseFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        rows_sql, count_sql, params = self._select(case_filter, limit, offset)
        with self.datastore.transaction(commit=False) as c:
            c.execute(rows_sql, params)
            rows = [dict(row) for row in c.fetchall()]
            c.execute(count_sql, params)
            total = c.fetchone()["total"]
        return rows, total


class PostgresCaseSummaryView(_SummarySQL, PostgresTrackingRecorder):
    placeholder_style = "pyformat"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        from psycopg.sql import SQL

        self.sql_create_statements += [SQL(_CREATE), *(SQL(index) for index in _INDEXES)]  # type: ignore[arg-type]

    def apply_change(self, change: Change, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for statement, params in self._statements_for(change):
                curs.execute(self._sql(statement), params)  # type: ignore[arg-type]
            self._insert_tracking(curs, tracking)

    def list_cases(self, case_filter: CaseFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        rows_sql, count_sql, params = self._select(case_filter, limit, offset)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(rows_sql, params)  # type: ignore[arg-type]
            rows = [dict(row) for row in curs.fetchall()]
            curs.execute(count_sql, params)  # type: ignore[arg-type]
            total = curs.fetchone()["total"]  # type: ignore[index]
        return rows, total


CaseSummaryView = SQLiteCaseSummaryView | PostgresCaseSummaryView
