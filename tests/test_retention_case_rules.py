"""Every workflow rule, on the aggregate itself."""

from datetime import datetime, timezone

import pytest

from api import reference_case
from domain.actor import Actor, CommandContext
from domain.catalog import ActionCode, CaseStatus, Role
from domain.commands import OfferAction, OpenCase, parse_command, parse_header
from domain.errors import DomainError, InvalidValue, MissingValue, PermissionDenied, RuleViolation, TransitionNotAllowed
from domain.retention_case import RetentionCase

NOW = datetime(2024, 2, 1, 12, 0, tzinfo=timezone.utc)
AGENT = CommandContext(Actor("marina", frozenset({Role.AGENT})), "req-1", NOW)
SUPERVISOR = CommandContext(Actor("paula", frozenset({Role.SUPERVISOR}), "Paula R. Lima"), "req-2", NOW)
OTHER_SUPERVISOR = CommandContext(Actor("jorge", frozenset({Role.SUPERVISOR})), "req-3", NOW)
AUDITOR = CommandContext(Actor("auditoria", frozenset({Role.AUDITOR})), "req-4", NOW)


def new_case() -> RetentionCase:
    case = RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), AGENT)
    case.collect_events()
    return case


def run(case: RetentionCase, trigger: str, body: dict | None = None, context: CommandContext = AGENT) -> None:  # type: ignore[type-arg]
    case.execute(parse_command(trigger, body or {}), context)


def rejected(case: RetentionCase, trigger: str, body: dict | None = None, context: CommandContext = AGENT) -> DomainError:  # type: ignore[type-arg]
    case.collect_events()
    version = case.version
    with pytest.raises(DomainError) as error:
        run(case, trigger, body, context)
    assert case.version == version, "a rejected command must not change the case"
    assert case.collect_events() == [], "a rejected command must record nothing"
    return error.value


def negotiating_case() -> RetentionCase:
    case = new_case()
    run(case, "offer_action", {"code": "support"})
    return case


TERMINATE = {"outcome": "terminated", "ended_on": "2024-01-26", "reasons": ["prices"]}


def test_open_case_records_metadata() -> None:
    case = RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), AGENT)
    [event] = case.collect_events()
    assert isinstance(event, RetentionCase.CaseOpened)
    assert event.meta.actor_id == "marina"
    assert event.meta.actor_role == "agent"
    assert event.meta.correlation_id == "req-1"
    assert event.meta.occurred_at == NOW
    assert case.header.started_on.isoformat() == "2023-10-05"


def test_auditor_cannot_open_a_case() -> None:
    with pytest.raises(PermissionDenied):
        RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), AUDITOR)


def test_first_attempt_moves_to_contacting() -> None:
    case = new_case()
    run(case, "attempt_contact", {"channel": "phone", "outcome": "no_answer"})
    assert case.status is CaseStatus.CONTACTING


def test_reached_attempt_moves_to_negotiating() -> None:
    case = new_case()
    run(case, "attempt_contact", {"channel": "phone", "outcome": "reached"})
    assert case.status is CaseStatus.NEGOTIATING


def test_attempt_dated_before_the_start_is_recorded() -> None:
    case = new_case()
    run(case, "attempt_contact", {"channel": "phone", "outcome": "no_answer", "occurred_at": "2023-10-03T08:35:00-04:00"})
    assert case.attempts[0].occurred_at.date().isoformat() == "2023-10-03"


def test_other_action_needs_justification() -> None:
    with pytest.raises(MissingValue) as raised:
        parse_command("offer_action", {"code": "other"})
    assert raised.value.field == "justification"


def test_aggregate_also_rejects_other_action_without_justification() -> None:
    case = new_case()
    with pytest.raises(MissingValue):
        case.offer_action(OfferAction(code=ActionCode.OTHER), AGENT)
    assert case.collect_events() == []


def test_decline_only_while_negotiating() -> None:
    error = rejected(new_case(), "record_decline")
    assert isinstance(error, TransitionNotAllowed)
    assert error.state == "open"


def test_acceptance_must_name_an_offered_action() -> None:
    error = rejected(negotiating_case(), "record_acceptance", {"action_number": 2})
    assert isinstance(error, InvalidValue)
    assert error.field == "action_number"


def test_terminated_needs_a_reason() -> None:
    error = rejected(negotiating_case(), "propose_conclusion", {"outcome": "terminated", "ended_on": "2024-01-26"})
    assert error.field == "reasons"


def test_retained_needs_an_accepted_action() -> None:
    error = rejected(negotiating_case(), "propose_conclusion", {"outcome": "retained", "ended_on": "2024-01-26"})
    assert isinstance(error, RuleViolation)


def test_retained_after_acceptance() -> None:
    case = negotiating_case()
    run(case, "record_acceptance", {"action_number": 1})
    run(case, "propose_conclusion", {"outcome": "retained", "ended_on": "2024-01-26"})
    run(case, "approve_conclusion", {}, SUPERVISOR)
    assert case.status is CaseStatus.RETAINED


def test_not_retention_needs_justification() -> None:
    error = rejected(new_case(), "propose_conclusion", {"outcome": "not_retention", "ended_on": "2024-01-26"})
    assert error.field == "justification"


def test_end_date_not_before_start_date() -> None:
    error = rejected(negotiating_case(), "propose_conclusion", {**TERMINATE, "ended_on": "2023-10-04"})
    assert error.field == "ended_on"


def test_notice_to_beneficiaries_needs_thirty_days() -> None:
    body = {**TERMINATE, "exclusion": {"planned_exclusion_on": "2024-02-20", "beneficiary_notice_on": "2024-02-01"}}
    with pytest.raises(InvalidValue) as error:
        parse_command("propose_conclusion", body)
    assert error.value.field == "exclusion.beneficiary_notice_on"


def test_proposer_cannot_approve_own_conclusion() -> None:
    case = negotiating_case()
    run(case, "propose_conclusion", TERMINATE, SUPERVISOR)
    error = rejected(case, "approve_conclusion", {}, SUPERVISOR)
    assert isinstance(error, PermissionDenied)
    assert error.field == "actor_id"


def test_agent_cannot_approve() -> None:
    case = negotiating_case()
    run(case, "propose_conclusion", TERMINATE)
    assert isinstance(rejected(case, "approve_conclusion", {}, AGENT), PermissionDenied)


def test_approval_by_another_supervisor_concludes() -> None:
    case = negotiating_case()
    run(case, "propose_conclusion", TERMINATE, SUPERVISOR)
    run(case, "approve_conclusion", {}, OTHER_SUPERVISOR)
    assert case.status is CaseStatus.TERMINATED
    assert case.sign_off is not None
    assert case.sign_off.approver_id == "jorge"


def test_return_restores_the_state_before_the_proposal() -> None:
    case = negotiating_case()
    run(case, "record_decline")
    run(case, "propose_conclusion", TERMINATE)
    run(case, "return_conclusion", {"reason": "Falta anexar o protocolo."}, SUPERVISOR)
    assert case.status is CaseStatus.DECLINED
    assert case.proposal is None


def test_return_needs_a_reason() -> None:
    with pytest.raises(MissingValue):
        parse_command("return_conclusion", {"reason": " "})


def test_reopen_only_by_supervisor() -> None:
    case = negotiating_case()
    run(case, "propose_conclusion", TERMINATE)
    run(case, "approve_conclusion", {}, SUPERVISOR)
    assert isinstance(rejected(case, "reopen", {"reason": "Dentista voltou atrás."}), PermissionDenied)
    run(case, "reopen", {"reason": "Dentista voltou atrás."}, SUPERVISOR)
    assert case.status is CaseStatus.NEGOTIATING
    assert case.conclusion is None


def test_agent_cannot_add_notes_to_a_concluded_case() -> None:
    case = negotiating_case()
    run(case, "propose_conclusion", TERMINATE)
    run(case, "approve_conclusion", {}, SUPERVISOR)
    assert isinstance(rejected(case, "add_note", {"text": "Ligou de novo."}), PermissionDenied)
    run(case, "add_note", {"text": "Ligou de novo."}, SUPERVISOR)
    assert case.notes[0].author_id == "paula"


def test_correction_records_changed_fields_and_reason() -> None:
    case = new_case()
    run(case, "correct_details", {"changes": {"city": "Manacapuru", "provider": {"cro": {"number": "4822", "uf": "AM"}}},
                                  "reason": "Cidade digitada errada."}, SUPERVISOR)  # fmt: skip
    [event] = case.collect_events()
    assert isinstance(event, RetentionCase.CaseDetailsCorrected)
    assert event.changed_fields == ("provider.cro.number", "city")
    assert event.meta.reason == "Cidade digitada errada."
    assert case.header.city == "Manacapuru"


def test_correction_validates_like_opening() -> None:
    error = rejected(new_case(), "correct_details", {"changes": {"provider": {"cpf": "11111111111"}}, "reason": "x"}, SUPERVISOR)
    assert error.field == "provider.cpf"


def test_reassign_changes_assignee() -> None:
    case = new_case()
    run(case, "reassign", {"assignee_id": "lucas", "collaborator": "LUCAS PRADO", "reason": "Férias."}, SUPERVISOR)
    assert case.assignee_id == "lucas"
    assert case.header.collaborator == "LUCAS PRADO"


def test_replaying_events_rebuilds_the_same_case() -> None:
    case = RetentionCase.open(OpenCase(header=parse_header(reference_case.OPEN_CASE)), AGENT)
    for trigger, body in reference_case.STEPS:
        run(case, trigger, body)
    run(case, "approve_conclusion", reference_case.APPROVAL, SUPERVISOR)
    events = case.collect_events()

    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)

    assert rebuilt == case
    assert rebuilt.status is CaseStatus.TERMINATED
    assert rebuilt.duration_days == 113


def test_occurred_at_in_the_future_is_rejected() -> None:
    error = rejected(new_case(), "attempt_contact", {"channel": "phone", "outcome": "no_answer", "occurred_at": "2099-10-03T08:35:00-04:00"})
    assert isinstance(error, InvalidValue)
    assert error.field == "occurred_at"
