"""The aggregate's erasure record: only the DPO may add it, with a legal basis and a requester."""

from datetime import datetime, timezone

import pytest

from api import reference_case
from domain.actor import Actor, CommandContext
from domain.catalog import Role
from domain.commands import OpenCase, parse_header
from domain.errors import MissingValue, PermissionDenied
from domain.retention_case import RetentionCase


def context(*roles: Role) -> CommandContext:
    return CommandContext(Actor("someone", frozenset(roles)), "c-1", datetime(2024, 2, 1, tzinfo=timezone.utc))


def opened_case() -> RetentionCase:
    return RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), context(Role.AGENT))


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.SERVICE])
def test_erasure_needs_dpo(role: Role) -> None:
    case = opened_case()

    with pytest.raises(PermissionDenied):
        case.record_erasure("LGPD art. 18, VI", "protocolo 1", context(role))

    assert case.personal_data_erased_at is None


@pytest.mark.parametrize(("legal_basis", "requester", "field"), [(" ", "protocolo 1", "legal_basis"), ("LGPD", "", "requester")])
def test_erasure_needs_basis_and_requester(legal_basis: str, requester: str, field: str) -> None:
    case = opened_case()

    with pytest.raises(MissingValue) as raised:
        case.record_erasure(legal_basis, requester, context(Role.DPO))

    assert raised.value.field == field


def test_erasure_sets_erased_at_in_any_state() -> None:
    case = opened_case()

    case.record_erasure("LGPD art. 18, VI", "protocolo 1", context(Role.DPO))

    assert case.personal_data_erased_at == datetime(2024, 2, 1, tzinfo=timezone.utc)
    assert case.status.value == "open"
