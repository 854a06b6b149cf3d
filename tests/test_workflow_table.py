"""The transition table: what each state allows and to whom."""

import pytest

from domain import workflow
from domain.catalog import CaseStatus as S
from domain.catalog import Role
from domain.errors import PermissionDenied, TransitionNotAllowed

AGENT = frozenset({Role.AGENT})
SUPERVISOR = frozenset({Role.SUPERVISOR})


def test_open_allows_contact_offer_and_proposal() -> None:
    assert workflow.allowed_triggers(S.OPEN, AGENT) == ["attempt_contact", "offer_action", "propose_conclusion", "add_note"]


def test_final_states_allow_only_supervisors() -> None:
    for state in workflow.FINAL_STATES:
        assert workflow.allowed_triggers(state, AGENT) == []
        assert workflow.allowed_triggers(state, SUPERVISOR) == ["reopen", "add_note", "correct_details", "reassign"]


def test_auditor_and_service_may_fire_nothing() -> None:
    for state in S:
        assert workflow.allowed_triggers(state, frozenset({Role.AUDITOR, Role.SERVICE})) == []


def test_illegal_trigger_names_state_and_allowed_commands() -> None:
    with pytest.raises(TransitionNotAllowed) as error:
        workflow.check("record_decline", S.OPEN, AGENT)
    assert error.value.state == "open"
    assert "record_decline" not in error.value.allowed
    assert "attempt_contact" in error.value.allowed
    assert "open" in error.value.detail


def test_agent_cannot_approve() -> None:
    with pytest.raises(PermissionDenied):
        workflow.check("approve_conclusion", S.PENDING_APPROVAL, AGENT, S.TERMINATED)


@pytest.mark.parametrize(
    ("trigger", "source", "destinations"),
    [
        ("attempt_contact", S.OPEN, [S.CONTACTING, S.NEGOTIATING]),
        ("attempt_contact", S.DECLINED, [S.DECLINED]),
        ("record_reply", S.DECLINED, [S.NEGOTIATING]),
        ("record_decline", S.NEGOTIATING, [S.DECLINED]),
        ("return_conclusion", S.PENDING_APPROVAL, [S.OPEN, S.CONTACTING, S.NEGOTIATING, S.DECLINED]),
        ("reopen", S.TERMINATED, [S.NEGOTIATING]),
        ("record_acceptance", S.DECLINED, []),
    ],
)
def test_destinations_follow_the_table(trigger: str, source: S, destinations: list[S]) -> None:
    assert workflow.destinations(trigger, source) == destinations


def test_mermaid_diagram_is_generated_from_the_table() -> None:
    diagram = workflow.mermaid_diagram()
    assert diagram.startswith("stateDiagram-v2")
    for trigger, sources, dest in workflow.TRANSITIONS:
        if trigger in workflow.SIDE_TRIGGERS:
            continue
        target = sources[0].value if dest == "=" else str(dest)
        assert f"{sources[0].value} --> {target}: {trigger}" in diagram
