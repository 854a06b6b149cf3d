"""One PL/pgSQL call that stores a command's events and everything kept with them, on PostgreSQL.

The function runs as a single statement in its own transaction, so the
events table stays locked only while the server works, never while a
client round trip is in flight. In that transaction it:

1. locks the events table (``EXCLUSIVE``), so notification ids, audit
   positions and commit order agree, and notifies listeners;
2. inserts the idempotency record, if the request carried a key;
3. inserts the events and returns their notification ids;
4. checks that every key that sealed their personal fields is unerased and
   belongs to the case's current dentist, locking those key rows
   ``FOR SHARE`` so an erasure waits for this insert or fails it;
5. inserts the personal-data access row of the command's response;
6. links each event into the audit hash chain, ``sha256(previous link ||
   digest)``, with digests computed by the caller.

Any failure rolls back all of it. A unique violation (same version of a
case, same idempotency key) surfaces as ``IntegrityError``, and a failed
key check as the SQLSTATE ``SEALING_KEYS_CHANGED`` with the case ids in
the error's detail.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent

from adapters.access_log import AccessRecord
from adapters.audit_chain import GENESIS_LINK
from adapters.audit_ledger import RecordedAt, chain_digests
from adapters.sealing_check import keys_by_case

# SQLSTATE the function raises when a sealing key changed. PostgreSQL's own codes use no class RT.
SEALING_KEYS_CHANGED = "RT001"



def function_name(schema: str, events_table: str) -> str:
    """Return the schema-qualified name of the append function of ``events_table``."""
    return f'"{schema}".{events_table}_append'


def create_function_statement(schema: str, events_table: str, idempotency_table: str, channel: str) -> str:
    """Return the CREATE OR REPLACE FUNCTION statement for the given tables and notification channel."""
    events = f'"{schema}"."{events_table}"'
    chain = f'"{schema}".audit_chain'
    genesis = "\\x" + GENESIS_LINK.hex()
    return f"""
CREATE OR REPLACE FUNCTION {function_name(schema, events_table)}(
    lock_timeout text,
    case_ids uuid[], versions integer[], topics text[], states bytea[],
    recorded_at timestamptz[], digests bytea[],
    idempotency text[], idempotency_status integer, idempotency_version bigint,
    sealed_cases text[], sealed_keys text[],
    access text[], access_cases text[]
) RETURNS TABLE (notification_ids bigint[], first_position bigint, last_position bigint, last_link bytea)
LANGUAGE plpgsql AS $fn$
DECLARE
    stale text[];
    head_position bigint;
    head_link bytea;
BEGIN
    PERFORM set_config('lock_timeout', lock_timeout, true);
    LOCK TABLE {events} IN EXCLUSIVE MODE;
    NOTIFY "{channel}";

    IF idempotency IS NOT NULL THEN
        INSERT INTO {idempotency_table}
            (actor_id, idempotency_key, request_hash, status_code, case_id, case_version, headers)
        VALUES (idempotency[1], idempotency[2], idempotency[3], idempotency_status,
                idempotency[4], idempotency_version, idempotency[5]);
    END IF;

    WITH inserted AS (
        INSERT INTO {events} (originator_id, originator_version, topic, state)
        SELECT * FROM unnest(case_ids, versions, topics, states)
        RETURNING notification_id
    )
    SELECT array_agg(notification_id ORDER BY notification_id) INTO notification_ids FROM inserted;

    IF cardinality(sealed_cases) > 0 THEN
        WITH usable AS (
            SELECT c.case_id, c.key_id
            FROM unnest(sealed_cases, sealed_keys) AS c(case_id, key_id)
            JOIN subject_keys k ON k.key_id = c.key_id AND k.erased_at IS NULL
                AND k.pseudonym = (SELECT s.pseudonym FROM case_subjects s WHERE s.case_id = c.case_id
                                   ORDER BY s.linked_at DESC LIMIT 1)
            FOR SHARE OF k
        )
        SELECT array_agg(DISTINCT c.case_id) INTO stale
        FROM unnest(sealed_cases, sealed_keys) AS c(case_id, key_id)
        WHERE NOT EXISTS (SELECT 1 FROM usable u WHERE u.case_id = c.case_id AND u.key_id = c.key_id);
        IF stale IS NOT NULL THEN
            RAISE EXCEPTION 'sealing keys of the new events changed'
                USING ERRCODE = '{SEALING_KEYS_CHANGED}', DETAIL = array_to_string(stale, ',');
        END IF;
    END IF;

    IF cardinality(access_cases) > 0 THEN
        INSERT INTO personal_data_access (accessed_at, actor_id, roles, case_id, purpose, correlation_id)
        SELECT access[1], access[2], access[3], a.case_id, access[4], access[5]
        FROM unnest(access_cases) AS a(case_id);
    END IF;

    SELECT c.position, c.link INTO head_position, head_link FROM {chain} c ORDER BY c.position DESC LIMIT 1;
    IF NOT FOUND THEN
        head_position := 0;
        head_link := '{genesis}'::bytea;
    END IF;
    first_position := head_position + 1;
    FOR i IN 1 .. cardinality(case_ids) LOOP
        head_position := head_position + 1;
        head_link := sha256(head_link || digests[i]);
        INSERT INTO {chain} (position, originator_id, originator_version, recorded_at, digest, link)
        VALUES (head_position, case_ids[i], versions[i], recorded_at[i], digests[i], head_link);
    END LOOP;
    last_position := head_position;
    last_link := head_link;
    RETURN NEXT;
END;
$fn$
"""


# Parameter types spelled out, so empty arrays and NULLs resolve to the function's signature. The
# parameters go in binary, which spares hex-encoding the states and parsing the arrays as text.
_PARAMETER_TYPES = (
    "text", "uuid[]", "integer[]", "text[]", "bytea[]", "timestamptz[]", "bytea[]",
    "text[]", "integer", "bigint", "text[]", "text[]", "text[]", "text[]",
)  # fmt: skip


def call_statement(schema: str, events_table: str) -> str:
    """Return the SELECT that calls the function, with one placeholder per parameter."""
    parameters = ", ".join(f"%b::{kind}" for kind in _PARAMETER_TYPES)
    return f"SELECT * FROM {function_name(schema, events_table)}({parameters})"


def call_arguments(
    stored_events: Sequence[StoredEvent],
    lock_timeout: int,
    recorded_at: RecordedAt,
    idempotency: Any,
    access: AccessRecord | None,
) -> tuple[Any, ...]:
    """Return the function's arguments for ``stored_events`` and what is stored with them."""
    chain = chain_digests(stored_events, recorded_at)
    sealed = [
        (case_id, key_id) for case_id, key_ids in keys_by_case(stored_events).items() for key_id in sorted(key_ids)
    ]
    access_cases = list(access.case_ids) if access is not None else []
    access_row = (
        [datetime.now(UTC).isoformat(), access.actor_id, ",".join(sorted(access.roles)), access.purpose,
         access.correlation_id]
        if access is not None
        else None
    )  # fmt: skip
    idempotency_row = (
        [idempotency.actor_id, idempotency.key, idempotency.request_hash, idempotency.case_id,
         json.dumps(idempotency.headers)]
        if idempotency is not None
        else None
    )  # fmt: skip
    return (
        f"{lock_timeout}s",
        [case_id for case_id, _, _ in chain],
        [stored.originator_version for stored in stored_events],
        [stored.topic for stored in stored_events],
        [stored.state for stored in stored_events],
        [instant for _, instant, _ in chain],
        [digest for _, _, digest in chain],
        idempotency_row,
        idempotency.status_code if idempotency is not None else None,
        idempotency.case_version if idempotency is not None else None,
        [case_id for case_id, _ in sealed],
        [key_id for _, key_id in sealed],
        access_row,
        access_cases,
    )
