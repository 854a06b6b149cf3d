"""The in-memory case cache: commands always see every stored event, on SQLite and PostgreSQL."""

import time
import uuid
from datetime import datetime, timezone

import pytest

from adapters.application import RetentionCases
from adapters.case_cache import CaseCache
from adapters.lgpd import erase_subject
from adapters.store import Store
from api import reference_case
from domain.actor import CommandContext
from domain.catalog import CaseStatus
from domain.commands import AddNote, OpenCase, RecordReply, parse_command, parse_header
from domain.errors import VersionConflict
from domain.identifiers import parse_cpf
from domain.personal_data import ERASED
from domain.retention_case import RetentionCase
from tests.conftest import ACTORS


def _context() -> CommandContext:
    return CommandContext(actor=ACTORS["agent"], correlation_id=str(uuid.uuid4()), now=datetime.now(timezone.utc))


def _render(case: RetentionCase) -> tuple[int, dict[str, str], dict[str, str]]:
    return 200, {"id": str(case.id)}, {"ETag": f'"{case.version}"'}


def _open(app: RetentionCases) -> uuid.UUID:
    result = app.open_case(OpenCase(header=parse_header(reference_case.OPEN_CASE)), _context(), _render)
    return uuid.UUID(result.body["id"])


def _saved_case() -> RetentionCase:
    """Return a new case as it is after saving: opened, with no pending events."""
    case = RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), _context())
    case.collect_events()
    return case


def _note(app: RetentionCases, case_id: uuid.UUID, text: str, expected_version: int | None = None) -> None:
    app.execute(case_id, AddNote(text=text), _context(), _render, expected_version=expected_version)


def test_cache_keeps_saved_case(store: Store) -> None:
    app = store.app
    case_id = _open(app)
    _note(app, case_id, "primeira")

    cached = app.case_cache.copy_of(case_id)

    assert cached is not None
    assert cached.version == 2
    assert [note.text for note in cached.notes] == ["primeira"]


def test_cached_copies_are_independent(store: Store) -> None:
    app = store.app
    case_id = _open(app)
    _note(app, case_id, "primeira")

    first = app.get_case(case_id)
    first.add_note(AddNote(text="não salva"), _context())
    second = app.get_case(case_id)

    assert second.version == 2
    assert [note.text for note in second.notes] == ["primeira"]


def test_cached_case_sees_other_process_writes(store: Store, other_process: RetentionCases) -> None:
    local = store.app
    case_id = _open(local)
    _note(local, case_id, "daqui")
    _note(other_process, case_id, "de outro processo")

    case = local.get_case(case_id)
    _note(local, case_id, "daqui de novo", expected_version=3)

    assert case.version == 3
    assert [note.text for note in case.notes] == ["daqui", "de outro processo"]
    assert [note.text for note in local.get_case(case_id).notes] == ["daqui", "de outro processo", "daqui de novo"]


def test_stale_cache_command_reruns_on_store(store: Store, other_process: RetentionCases) -> None:
    local = store.app
    case_id = _open(local)
    _note(local, case_id, "daqui")
    _note(other_process, case_id, "de outro processo")

    _note(local, case_id, "daqui de novo")

    case = local.get_case(case_id)
    assert case.version == 4
    assert [note.text for note in case.notes] == ["daqui", "de outro processo", "daqui de novo"]


def test_command_illegal_only_in_cache_succeeds(store: Store, other_process: RetentionCases) -> None:
    local = store.app
    case_id = _open(local)
    contact = parse_command("attempt_contact", {"channel": "phone", "outcome": "no_answer"})
    other_process.execute(case_id, contact, _context(), _render)

    local.execute(case_id, RecordReply(notes="pediu proposta"), _context(), _render)

    case = local.get_case(case_id)
    assert case.version == 3
    assert case.status == CaseStatus.NEGOTIATING


def test_stale_cache_still_rejects_old_version(store: Store, other_process: RetentionCases) -> None:
    local = store.app
    case_id = _open(local)
    _note(local, case_id, "daqui")
    _note(other_process, case_id, "de outro processo")

    with pytest.raises(VersionConflict):
        _note(local, case_id, "atrasada", expected_version=2)

    assert local.get_case(case_id).version == 3


def test_erasure_reaches_cached_case(store: Store) -> None:
    app = store.app
    case_id = _open(app)
    _note(app, case_id, "primeira")
    assert app.case_cache.copy_of(case_id) is not None
    dpo = CommandContext(actor=ACTORS["dpo"], correlation_id=str(uuid.uuid4()), now=datetime.now(timezone.utc))

    erase_subject(app, parse_cpf(reference_case.OPEN_CASE["provider"]["cpf"]), "LGPD art. 18, VI", "protocolo 1", dpo)
    case = app.get_case(case_id)

    assert case.personal_data_erased_at is not None
    assert case.header.provider.cpf == ERASED
    assert case.header.provider.dentist_name == ERASED
    assert [note.text for note in case.notes] == [ERASED]


def test_cache_entry_expires() -> None:
    cache = CaseCache(max_size=10, max_age_seconds=0.01)
    case = _saved_case()
    cache.put(case)

    time.sleep(0.02)

    assert cache.copy_of(case.id) is None
    assert len(cache) == 0


def test_cache_evicts_least_recently_used() -> None:
    cache = CaseCache(max_size=2, max_age_seconds=60)
    cases = [_saved_case() for _ in range(3)]

    cache.put(cases[0])
    cache.put(cases[1])
    assert cache.copy_of(cases[0].id) is not None
    cache.put(cases[2])

    assert len(cache) == 2
    assert cache.copy_of(cases[1].id) is None
    assert cache.copy_of(cases[0].id) is not None


def test_cache_keeps_newer_version() -> None:
    cache = CaseCache(max_size=10, max_age_seconds=60)
    older = _saved_case()
    cache.put(older)
    newer = cache.copy_of(older.id)
    assert newer is not None
    newer.add_note(AddNote(text="nova"), _context())
    newer.collect_events()
    cache.put(newer)

    cache.put(older)
    stored = cache.copy_of(older.id)

    assert stored is not None
    assert stored.version == 2


def test_copy_has_own_pending_events() -> None:
    cache = CaseCache(max_size=10, max_age_seconds=60)
    case = _saved_case()
    cache.put(case)

    first = cache.copy_of(case.id)
    assert first is not None
    first.add_note(AddNote(text="não salva"), _context())
    second = cache.copy_of(case.id)

    assert second is not None
    assert second.version == 1
    assert second.notes == []
    assert second.collect_events() == []


def test_mutable_attribute_gets_deep_copy() -> None:
    cache = CaseCache(max_size=10, max_age_seconds=60)
    case = _saved_case()
    case.tags = {"origem": ["telefone"]}  # type: ignore[attr-defined]
    cache.put(case)

    first = cache.copy_of(case.id)
    assert first is not None
    first.tags["origem"].append("whatsapp")  # type: ignore[attr-defined]
    second = cache.copy_of(case.id)

    assert second is not None
    assert second.tags == {"origem": ["telefone"]}  # type: ignore[attr-defined]


def test_new_mutable_item_deep_copied() -> None:
    cache = CaseCache(max_size=10, max_age_seconds=60)
    case = _saved_case()
    cache.put(case)
    changed = cache.copy_of(case.id)
    assert changed is not None
    changed.notes.append({"text": "rascunho"})  # type: ignore[arg-type]
    cache.put(changed)

    first = cache.copy_of(case.id)
    assert first is not None
    first.notes[-1]["text"] = "alterado"  # type: ignore[index]
    second = cache.copy_of(case.id)

    assert second is not None
    assert second.notes[-1] == {"text": "rascunho"}


def test_cache_of_size_zero_keeps_nothing() -> None:
    cache = CaseCache(max_size=0, max_age_seconds=60)
    case = _saved_case()

    cache.put(case)

    assert cache.copy_of(case.id) is None
