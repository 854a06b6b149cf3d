"""Property-based requests generated from the OpenAPI document: no server error, no response off-schema.

Every operation is called with an API key that has every role, on
PostgreSQL. ``RETENCAO_FUZZ_EXAMPLES`` sets the examples per operation
(default 15) so the run stays bounded in CI.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.checks import not_a_server_error

from adapters.settings import Settings
from adapters.store import migrate, open_store
from api.app import create_app
from api.auth import KeyEntry, KeyRing, hash_key
from domain.actor import Actor
from domain.catalog import Role

EXAMPLES = int(os.environ.get("RETENCAO_FUZZ_EXAMPLES", "15"))
FUZZ_KEY = "fuzz-every-role"
FUZZ_KEYS = KeyRing([KeyEntry("fuzz", hash_key(FUZZ_KEY), Actor("fuzz", frozenset(Role), "Fuzz"))])


@pytest.fixture
def fuzz_app(postgres_url: str, tmp_path: os.PathLike[str]) -> Iterator[FastAPI]:
    app_settings = Settings(
        database_url=postgres_url,
        api_keys_file=f"{tmp_path}/keys.json",
        master_key_file=f"{tmp_path}/master-keys.json",
        rate_limit_per_minute=1_000_000,
        rate_limit_burst=1_000_000,
    )
    migrate(app_settings)
    store = open_store(app_settings)
    try:
        yield create_app(app_settings, store=store, keys=FUZZ_KEYS)
    finally:
        store.close()


@pytest.fixture
def fuzz_schema(fuzz_app: FastAPI):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms_to_its_schema(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {FUZZ_KEY}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
