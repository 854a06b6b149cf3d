"""Shared fixtures: fresh SQLite files and fresh PostgreSQL databases, API clients with known keys.

PostgreSQL tests create a database per test on the server named by
``RETENCAO_TEST_POSTGRES_URL`` (default: the local server, user postgres)
and drop it afterwards.
"""

import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from adapters.application import RetentionCases
from adapters.audit_signing import generate_key_file
from adapters.settings import Settings
from adapters.store import Store, migrate, open_store
from api.app import create_app
from api.auth import KeyEntry, KeyRing, hash_key
from domain.actor import Actor
from domain.catalog import Role
from tests.log_guard import CapturingHandler, findings

ADMIN_URL = os.environ.get("RETENCAO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

ACTORS = {
    "agent": Actor("marina", frozenset({Role.AGENT}), "Marina Souza Alves"),
    "agent2": Actor("lucas", frozenset({Role.AGENT}), "Lucas Prado"),
    "supervisor": Actor("paula", frozenset({Role.SUPERVISOR}), "Paula R. Lima"),
    "supervisor2": Actor("jorge", frozenset({Role.SUPERVISOR}), "Jorge D'Ávila"),
    "auditor": Actor("auditoria", frozenset({Role.AUDITOR}), "Auditoria"),
    "service": Actor("cadastro", frozenset({Role.SERVICE}), "Cadastro"),
    "service_agent": Actor("integrador", frozenset({Role.SERVICE, Role.AGENT}), "Integrador"),
    "dpo": Actor("encarregado", frozenset({Role.DPO}), "Encarregado de dados"),
}


@pytest.fixture(autouse=True)
def no_personal_data_in_logs() -> Iterator[CapturingHandler]:
    """Capture every log record of the test and fail it if one contains a CPF, phone, note text or key."""
    handler = CapturingHandler()
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
    leaked = findings(handler.lines)
    assert not leaked, f"log lines with personal data or secrets: {leaked[:3]}"


def key_for(name: str) -> str:
    return f"test-key-{name}"


def auth(name: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key_for(name)}", **extra}


TEST_KEYS = KeyRing([KeyEntry(name, hash_key(key_for(name)), actor) for name, actor in ACTORS.items()])


@pytest.fixture
def postgres_url() -> Iterator[str]:
    name = f"retencao_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{tmp_path}/retencao.db"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test runs once on the embedded store and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def settings(database_url: str, tmp_path: os.PathLike[str]) -> Settings:
    signing_key = Path(tmp_path) / "audit-signing-key.pem"
    generate_key_file(signing_key)
    return Settings(
        database_url=database_url,
        api_keys_file=f"{tmp_path}/keys.json",
        master_key_file=f"{tmp_path}/master-keys.json",
        projection_poll_seconds=0.05,
        snapshot_interval=5,
        # Tests send bursts from one key; the rate-limit tests set their own limits.
        rate_limit_burst=100_000,
        audit_signing_key_file=signing_key,
        audit_checkpoint_interval=4,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    migrate(settings)
    opened = open_store(settings)
    opened.start_projections()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def other_process(settings: Settings, store: Store) -> Iterator[RetentionCases]:
    """A second application on the same database, as another API process would have."""
    other = RetentionCases(settings)
    try:
        yield other
    finally:
        other.close()


@dataclass
class Api:
    client: TestClient
    store: Store

    def wait_for_projection(self, timeout: float = 10.0) -> None:
        position = self.store.app.recorder.max_notification_id()
        assert self.store.projection is not None
        assert self.store.projection.wait_for(position, timeout), "case list projection did not catch up"

    def event_count(self) -> int:
        return self.store.app.recorder.max_notification_id() or 0


@pytest.fixture
def api(settings: Settings, store: Store) -> Iterator[Api]:
    with TestClient(create_app(settings, store=store, keys=TEST_KEYS), raise_server_exceptions=False) as client:
        yield Api(client=client, store=store)

