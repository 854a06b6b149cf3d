"""Folding stored events into case summary rows without decoding them into domain events.

``FastFold`` parses each stored event's JSON with orjson and writes the few
values the case summary keeps straight into the row, as
``case_summary.apply_event`` would after a full decode. Of the sealed
personal fields it unseals only the dentist's name, with one AES-GCM cipher
per data key for the fold's lifetime. A key found erased gives the same
erased marker as the mapper. An event of a topic it does not handle, or
whose JSON lacks an expected key, is decoded through the application's
mapper and folded by ``apply_event``. Tests compare both paths row by row.
"""

import base64
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import StoredEvent

from adapters.personal_data_mapper import SEALED
from adapters.projections import case_summary
from adapters.projections.batches import read_batch
from adapters.projections.database import ReadDatabase
from adapters.projections.lag import events_table
from adapters.subject_keys import NONCE_BYTES
from domain.catalog import CaseStatus
from domain.personal_data import ERASED
from domain.retention_case import RetentionCase

NAME_PATH = "header.provider.dentist_name"
_NEGOTIATING = CaseStatus.NEGOTIATING.value
_UTC_SUFFIX = "+00:00"

Row = dict[str, Any]
State = dict[str, Any]


class StoredRow(NamedTuple):
    """One row of the events table, with the case id as text."""

    id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


class EventReader:
    """Reads the events table in notification order as ``StoredRow`` tuples.

    On PostgreSQL it keeps its own connection and selects the columns as
    plain tuples, with the case id cast to text in SQL, which costs a
    fraction of building the library's ``Notification`` objects.
    """

    def __init__(self, app: Any, db: ReadDatabase) -> None:
        self.app = app
        self._conn: psycopg.Connection[Any] | None = None
        self._statement = ""
        if db.is_postgres:
            self._conn = psycopg.connect(db.url, autocommit=True)
            self._statement = (
                "SELECT notification_id, originator_id::text, originator_version, topic, state "
                f"FROM {events_table(app, db)} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
            )

    def read(self, after: int, limit: int) -> list[StoredRow]:
        if self._conn is None:
            return [
                StoredRow(n.id, str(n.originator_id), n.originator_version, n.topic, n.state)
                for n in read_batch(self.app, after, limit)
            ]
        with self._conn.cursor() as cursor:
            cursor.execute(self._statement, (after, limit), prepare=True)
            return [StoredRow._make(row) for row in cursor.fetchall()]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def _topic(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _utc_text(stored: str) -> str:
    # Timestamps are stored as UTC ISO text already; other offsets are converted as case_summary does.
    if stored.endswith(_UTC_SUFFIX) and len(stored) in (25, 32):
        return stored
    return case_summary.utc_text(datetime.fromisoformat(stored))


class FastFold:
    """Folder of stored events into the case summary rows of a table being rebuilt.

    NOTE: a key erased while a rebuild runs stays usable until the rebuild ends, because ciphers are
    cached. The case's PersonalDataErased event, folded later, still sets its personal columns to NULL.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._ciphers: dict[str, AESGCM | None] = {}
        self._changes: dict[str, Callable[[Row, State, str, int], None]] = {
            _topic(RetentionCase.ContactAttempted): _contact_attempted,
            _topic(RetentionCase.ActionOffered): _action_offered,
            _topic(RetentionCase.DentistReplied): _negotiating,
            _topic(RetentionCase.DentistDeclined): _declined,
            _topic(RetentionCase.ConclusionProposed): _conclusion_proposed,
            _topic(RetentionCase.ConclusionApproved): _conclusion_approved,
            _topic(RetentionCase.ConclusionReturned): _conclusion_returned,
            _topic(RetentionCase.CaseReopened): _case_reopened,
            _topic(RetentionCase.CaseDetailsCorrected): self._details_corrected,
            _topic(RetentionCase.PersonalDataErased): _personal_data_erased,
            _topic(RetentionCase.CaseReassigned): _case_reassigned,
            _topic(RetentionCase.DentistAccepted): _unchanged,
            _topic(RetentionCase.NoteAdded): _unchanged,
        }
        self._opened = _topic(RetentionCase.CaseOpened)

    def fold_into(self, db: ReadDatabase, cursor: Any, table: str, stored: Sequence[StoredRow]) -> None:
        """Apply the ``stored`` events in order to the rows they touch, then write those rows back.

        A case whose first event here is its opening has no row yet, since
        an opening event starts a fresh row: such rows are neither loaded
        nor upserted, but inserted (with ``COPY`` on PostgreSQL).
        """
        first_topics: dict[str, str] = {}
        for event in stored:
            first_topics.setdefault(event.originator_id, event.topic)
        opened = {case_id for case_id, topic in first_topics.items() if topic == self._opened}
        existing = [case_id for case_id in first_topics if case_id not in opened]
        rows = db.load_rows(cursor, table, existing) if existing else {}
        for event in stored:
            case_id = event.originator_id
            rows[case_id] = self.apply(rows.get(case_id), event)
        if existing:
            db.write_rows(cursor, table, (rows[case_id] for case_id in existing))
        if opened:
            _insert_rows(db, cursor, table, [rows[case_id] for case_id in first_topics if case_id in opened])

    def apply(self, row: Row | None, stored: StoredRow) -> Row:
        """Return the case's row after the stored event."""
        topic, version, case_id = stored.topic, stored.originator_version, stored.originator_id
        try:
            state = orjson.loads(stored.state)
            if topic == self._opened:
                folded = self._case_opened(state, case_id, version)
            else:
                change = self._changes[topic]
                if row is None:
                    raise ValueError(f"event {topic} of case {case_id} arrived before CaseOpened")
                folded = dict(row)
                change(folded, state, case_id, version)
            folded["version"] = version
            folded["updated_at"] = _utc_text(state["timestamp"]["_data_"])
        except (KeyError, TypeError):
            event = StoredEvent(UUID(case_id), version, topic, stored.state)
            return case_summary.apply_event(row, self.app.mapper.to_domain_event(event))
        return folded

    def _case_opened(self, state: State, case_id: str, version: int) -> Row:
        row: Row = dict.fromkeys(case_summary.COLUMNS)
        row.update(
            case_id=case_id,
            status=CaseStatus.OPEN.value,
            assignee_id=state["assignee_id"],
            opened_at=_utc_text(state["meta"]["_data_"]["occurred_at"]["_data_"]),
            reasons="",
            actions="",
            attempt_count=0,
            reopen_count=0,
        )
        self._header(row, state, case_id, version)
        return row

    def _details_corrected(self, row: Row, state: State, case_id: str, version: int) -> None:
        self._header(row, state, case_id, version)

    def _header(self, row: Row, state: State, case_id: str, version: int) -> None:
        header = state["header"]["_data_"]
        provider = header["provider"]["_data_"]
        cro = provider["cro"]["_data_"]
        name = self._unseal(provider["dentist_name"], f"{case_id}:{version}:{NAME_PATH}".encode())
        if not isinstance(name, str):
            raise TypeError("dentist_name is not text")
        row.update(
            operator=header["operator"],
            uf=header["uf"]["_data_"],
            city=header["city"],
            collaborator=header["collaborator"],
            dentist_name=name,
            dentist_name_key=case_summary.search_key(name),
            cro_number=cro["number"],
            cro_uf=cro["uf"]["_data_"],
            protocol_number=header["protocol_number"],
            demanded_by=header["demanded_by"]["_data_"],
            started_on=_iso_date(header["started_on"]["_data_"]),
        )

    def _unseal(self, value: Any, aad: bytes) -> Any:
        if not (isinstance(value, dict) and SEALED in value):
            return value
        key_id, _, payload = value[SEALED].partition(".")
        if key_id not in self._ciphers:
            data_key = self.app.mapper.key_store.data_key(key_id)
            self._ciphers[key_id] = None if data_key is None else AESGCM(data_key)
        cipher = self._ciphers[key_id]
        if cipher is None:
            return ERASED
        raw = base64.b64decode(payload)
        return orjson.loads(cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad))


def _insert_rows(db: ReadDatabase, cursor: Any, table: str, rows: list[Row]) -> None:
    columns = case_summary.COLUMNS
    if not db.is_postgres:
        placeholders = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                           [tuple(row[column] for column in columns) for row in rows])  # fmt: skip
        return
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(row[column] for column in columns))


def _iso_date(text: str) -> str:
    # Round-trips through date so a stored value is normalized exactly as the mapper's decode would.
    return date.fromisoformat(text).isoformat()


def _contact_attempted(row: Row, state: State, case_id: str, version: int) -> None:
    row["status"] = state["status"]["_data_"]
    row["attempt_count"] += 1


def _action_offered(row: Row, state: State, case_id: str, version: int) -> None:
    row["status"] = _NEGOTIATING
    code = state["action"]["_data_"]["code"]["_data_"]
    row["actions"] = f"{row['actions']},{code}" if row["actions"] else code


def _negotiating(row: Row, state: State, case_id: str, version: int) -> None:
    row["status"] = _NEGOTIATING


def _declined(row: Row, state: State, case_id: str, version: int) -> None:
    row["status"] = CaseStatus.DECLINED.value


def _conclusion_proposed(row: Row, state: State, case_id: str, version: int) -> None:
    conclusion = state["conclusion"]["_data_"]
    row["status"] = CaseStatus.PENDING_APPROVAL.value
    row["proposed_outcome"] = conclusion["outcome"]["_data_"]
    row["ended_on"] = _iso_date(conclusion["ended_on"]["_data_"])
    row["reasons"] = ",".join(reason["_data_"] for reason in conclusion["reasons"]["_data_"])


def _conclusion_approved(row: Row, state: State, case_id: str, version: int) -> None:
    row["status"] = row["proposed_outcome"]
    row["outcome"] = row["proposed_outcome"]
    row["concluded_on"] = row["ended_on"]
    row["proposed_outcome"] = None


def _conclusion_returned(row: Row, state: State, case_id: str, version: int) -> None:
    row.update(status=state["restored_status"]["_data_"], proposed_outcome=None, ended_on=None, reasons="")


def _case_reopened(row: Row, state: State, case_id: str, version: int) -> None:
    row.update(status=_NEGOTIATING, outcome=None, ended_on=None, concluded_on=None, reasons="")
    row["reopen_count"] += 1


def _personal_data_erased(row: Row, state: State, case_id: str, version: int) -> None:
    row.update(dict.fromkeys(case_summary.PERSONAL_COLUMNS))


def _case_reassigned(row: Row, state: State, case_id: str, version: int) -> None:
    row["assignee_id"] = state["assignee_id"]
    if state["collaborator"]:
        row["collaborator"] = state["collaborator"]


def _unchanged(row: Row, state: State, case_id: str, version: int) -> None:
    return None
