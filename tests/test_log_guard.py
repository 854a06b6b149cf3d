"""The log guard of conftest.py: it flags lines with personal data and lets ordinary lines pass."""

import logging

from tests.log_guard import findings


def test_guard_flags_personal_data() -> None:
    leaking = [
        "case opened cpf=52814730690",
        "dentist 528.147.306-90 reached",
        "contact (92) 98000-1111",
        "note: 1ª TENTATIVA DE CONTATO 03/10/2023 08:35 - Telefone e Whatsapp",
        "authorization=Bearer test-key-agent",
    ]

    assert findings(leaking) == leaking


def test_guard_passes_ids_and_counts() -> None:
    ordinary = [
        "command recorded case_id=4793c90f-3d70-4b9b-999b-b62c348a38e7 version=8 "
        "correlation_id=61361985-2459-4fd9-a21b-e6184a8bb5f2",
        "personal data erased cases=2 keys_destroyed=1 actor=encarregado",
    ]

    assert findings(ordinary) == []


def test_fixture_sees_application_logs(no_personal_data_in_logs) -> None:  # type: ignore[no-untyped-def]
    logging.getLogger("adapters.application").info("probe line case_id=%s", "x")

    assert "adapters.application: probe line case_id=x" in no_personal_data_in_logs.lines
