"""The rebuild's fast fold gives the same case summary rows as the application's mapper."""

import random
from datetime import datetime, timezone
from typing import Any

from adapters.lgpd import erase_subject
from adapters.projections import case_summary
from adapters.projections.batches import decode, fold_into, read_batch
from adapters.projections.fast_fold import EventReader, FastFold
from adapters.projections.rebuild import rebuild
from adapters.store import Store
from domain.actor import Actor, CommandContext
from domain.catalog import Role
from domain.personal_data import ERASED
from tests import case_generator

CPF = "52814730690"


def _save(store: Store, rng: random.Random, cases: int, first_number: int) -> None:
    generated = case_generator.generate(rng, "SORRIR", cases, steps_per_case=14, first_number=first_number)
    store.app.save(*generated)


def _fold(store: Store, table: str, read: Any, fold_batch: Any) -> list[dict[str, Any]]:
    db = store.read_models
    with db.transaction(write=True) as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(case_summary.create_table_sql(table))
    position = 0
    while notifications := read(position, 97):
        with db.transaction(write=True) as cursor:
            fold_batch(db, cursor, table, notifications)
        position = notifications[-1].id
    with db.transaction() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY case_id")
        return cursor.fetchall()


def _topics(store: Store) -> set[str]:
    return {notification.topic.rsplit(".", 1)[-1] for notification in read_batch(store.app, 0, 100_000)}


def test_fast_fold_rows_equal_mapper_rows(store: Store) -> None:
    rng = random.Random(11)
    context = CommandContext(actor=Actor("dpo", frozenset({Role.DPO}), "Encarregada"), correlation_id="test", now=datetime.now(timezone.utc))
    # Erased through the workflow: keys destroyed and PersonalDataErased recorded.
    _save(store, rng, 25, 0)
    erase_subject(store.app, CPF, "art. 18, VI", "titular", context)
    # Keys destroyed without the event yet: the name reads as the erased marker.
    _save(store, rng, 25, 100)
    store.app.key_store.erase(store.app.key_store.pseudonym(CPF))
    # Sealed under the dentist's new key, readable.
    _save(store, rng, 25, 200)
    topics = _topics(store)
    for needed in ("CaseDetailsCorrected", "CaseReopened", "PersonalDataErased", "ConclusionReturned", "ActionOffered"):
        assert needed in topics, needed

    expected = _fold(
        store,
        "case_summary_mapper",
        lambda after, limit: read_batch(store.app, after, limit),
        lambda db, cursor, table, batch: fold_into(db, cursor, table, decode(store.app, batch)),
    )
    reader = EventReader(store.app, store.read_models)
    try:
        fast = _fold(store, "case_summary_fast", reader.read, FastFold(store.app).fold_into)
    finally:
        reader.close()
    rebuild(store.app, store.read_models, case_summary.NAME, batch_size=64)
    with store.read_models.transaction() as cursor:
        cursor.execute(f"SELECT * FROM {case_summary.NAME} ORDER BY case_id")
        rebuilt = cursor.fetchall()

    assert len(expected) == 75
    assert fast == expected
    assert rebuilt == expected
    names = [row["dentist_name"] for row in expected]
    assert names.count(None) == 25
    assert names.count(ERASED) == 25
    assert len([name for name in names if name not in (None, ERASED)]) == 25

