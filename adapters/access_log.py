"""Log of reads of personal data: who read which case's personal fields, when and through what."""

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

_CREATE = [
    "CREATE TABLE IF NOT EXISTS personal_data_access ("
    "accessed_at TEXT NOT NULL, actor_id TEXT NOT NULL, roles TEXT NOT NULL, case_id TEXT NOT NULL, "
    "purpose TEXT NOT NULL, correlation_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS personal_data_access_case ON personal_data_access (case_id, accessed_at)",
    "CREATE INDEX IF NOT EXISTS personal_data_access_time ON personal_data_access (accessed_at)",
]

_INSERT = (
    "INSERT INTO personal_data_access (accessed_at, actor_id, roles, case_id, purpose, correlation_id) "
    "VALUES (:at, :actor, :roles, :case, :purpose, :correlation)"
)


@dataclass(frozen=True)
class AccessFilter:
    case_id: str | None = None
    actor_id: str | None = None
    accessed_from: datetime | None = None
    accessed_to: datetime | None = None


@dataclass(frozen=True)
class AccessRecord:
    """One read of personal data: the actor, the cases read, the purpose and the request."""

    actor_id: str
    roles: tuple[str, ...]
    case_ids: tuple[str, ...]
    purpose: str
    correlation_id: str


def insert_access(cursor: Any, record: AccessRecord, *, is_postgres: bool) -> None:
    """Insert the record's rows with ``cursor``, in the caller's transaction (the events' one for a command)."""
    now = datetime.now(timezone.utc).isoformat()
    rows = [
        {"at": now, "actor": record.actor_id, "roles": ",".join(sorted(record.roles)), "case": case_id,
         "purpose": record.purpose, "correlation": record.correlation_id}
        for case_id in record.case_ids
    ]  # fmt: skip
    if len(rows) == 1:
        cursor.execute(_sql(_INSERT, is_postgres), rows[0])
    else:
        cursor.executemany(_sql(_INSERT, is_postgres), rows)


class AccessLog:
    """Rows of ``personal_data_access`` in the events' database; a command's row is written by the recorder."""

    def __init__(self, datastore: Any, *, is_postgres: bool) -> None:
        self.datastore = datastore
        self.is_postgres = is_postgres

    def create_tables(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            for statement in _CREATE:
                cursor.execute(statement)

    def record(self, actor_id: str, roles: list[str], case_ids: list[str], purpose: str, correlation_id: str) -> None:
        if not case_ids:
            return
        with self.datastore.transaction(commit=True) as cursor:
            insert_access(cursor, AccessRecord(actor_id, tuple(roles), tuple(case_ids), purpose, correlation_id),
                          is_postgres=self.is_postgres)  # fmt: skip

    def entries(self, access_filter: AccessFilter, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        clauses, params = [], {}
        if access_filter.case_id:
            clauses.append("case_id = :case_id")
            params["case_id"] = access_filter.case_id
        if access_filter.actor_id:
            clauses.append("actor_id = :actor_id")
            params["actor_id"] = access_filter.actor_id
        if access_filter.accessed_from:
            clauses.append("accessed_at >= :accessed_from")
            params["accessed_from"] = access_filter.accessed_from.astimezone(timezone.utc).isoformat()
        if access_filter.accessed_to:
            clauses.append("accessed_at < :accessed_to")
            params["accessed_to"] = access_filter.accessed_to.astimezone(timezone.utc).isoformat()
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows_sql = self._sql(f"SELECT * FROM personal_data_access{where} "
                             "ORDER BY accessed_at DESC, case_id LIMIT :limit OFFSET :offset")  # fmt: skip
        count_sql = self._sql(f"SELECT COUNT(*) AS total FROM personal_data_access{where}")
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(rows_sql, {**params, "limit": limit, "offset": offset})
            rows = [dict(row) for row in cursor.fetchall()]
            cursor.execute(count_sql, params)
            total = dict(cursor.fetchone())["total"]
        for row in rows:
            row["roles"] = row["roles"].split(",") if row["roles"] else []
        return rows, total

    def _sql(self, statement: str) -> str:
        return _sql(statement, self.is_postgres)


def _sql(statement: str, is_postgres: bool) -> str:
    return re.sub(r":(\w+)", r"%(\1)s", statement) if is_postgres else statement
