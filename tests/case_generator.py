"""Synthetic retention cases driven by random valid commands, for tests and benchmarks.

Each step picks one of the triggers the workflow allows in the case's
current state, where ``choice`` indexes that list. It builds a valid
command for the trigger and runs it on the aggregate, so every generated
history is one the API could have recorded.
"""

import copy
import random
from datetime import datetime, timedelta, timezone
from typing import Any

from api import reference_case
from domain import workflow
from domain.actor import Actor, CommandContext
from domain.catalog import ActionCode, ContactChannel, ContactOutcome, Outcome, Role, TerminationReason, Uf
from domain.commands import (
    AddNote,
    ApproveConclusion,
    AttemptContact,
    Command,
    CorrectDetails,
    OfferAction,
    OpenCase,
    ProposeConclusion,
    ReassignCase,
    RecordAcceptance,
    RecordDecline,
    RecordReply,
    ReopenCase,
    ReturnConclusion,
    parse_header,
)
from domain.retention_case import RetentionCase

AGENT = Actor("marina", frozenset({Role.AGENT}), "Marina Souza Alves")
SUPERVISOR = Actor("paula", frozenset({Role.SUPERVISOR}), "Paula R. Lima")
APPROVER = Actor("jorge", frozenset({Role.SUPERVISOR}), "Jorge D'Ávila")

CITIES = ("MANAUS", "BELÉM", "SÃO PAULO", "CAMPINAS", "RECIFE", "=SOMA(A1)")
COLLABORATORS = ("MARINA SOUZA ALVES", "LUCAS PRADO", "ANA LIMA")
NAMES = ("JOSÉ DA SILVA", "MARIA CONCEIÇÃO", "RAFAEL TEIXEIRA MONTEIRO", "ÂNGELA PEÇANHA")
START = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)


def open_case(rng: random.Random, operator: str, number: int) -> RetentionCase:
    payload: dict[str, Any] = copy.deepcopy(reference_case.OPEN_CASE)
    started_on = (START + timedelta(days=rng.randrange(0, 400))).date()
    payload.update(
        operator=operator,
        uf=rng.choice((Uf.AM, Uf.PA, Uf.SP, Uf.PE)).value,
        city=rng.choice(CITIES),
        collaborator=rng.choice(COLLABORATORS),
        protocol_number=f"SAD{number:011d}",
        protocol_opened_on=started_on.isoformat(),
    )
    payload["provider"] = {**payload["provider"], "dentist_name": rng.choice(NAMES),
                           "cro": {"number": str(1000 + number), "uf": payload["uf"]}}  # fmt: skip
    opened_at = datetime.combine(started_on, START.timetz())
    return RetentionCase.open(OpenCase(header=parse_header(payload), occurred_at=opened_at), _context(AGENT, opened_at))


def step(rng: random.Random, case: RetentionCase, choice: int) -> bool:
    """Run the ``choice``-th allowed trigger on ``case``; return False if it had none to run."""
    triggers = workflow.allowed_triggers(case.status, frozenset({Role.AGENT, Role.SUPERVISOR}))
    if not triggers:
        return False
    trigger = triggers[choice % len(triggers)]
    command = _command(rng, case, trigger)
    if command is None:
        return False
    actor = _actor_for(case, trigger)
    when = case.opened_at + timedelta(hours=case.version)
    case.execute(command, _context(actor, when))
    return True


def _actor_for(case: RetentionCase, trigger: str) -> Actor:
    if trigger == "approve_conclusion":
        return APPROVER
    roles = workflow.roles_for(trigger, case.status)
    return AGENT if Role.AGENT in roles else SUPERVISOR


def _command(rng: random.Random, case: RetentionCase, trigger: str) -> Command | None:
    if trigger == "attempt_contact":
        return AttemptContact(channel=rng.choice(list(ContactChannel)), outcome=rng.choice(list(ContactOutcome)))
    if trigger == "record_reply":
        return RecordReply(notes="retorno")
    if trigger == "offer_action":
        code = rng.choice(list(ActionCode))
        return OfferAction(code=code, justification="outra ação" if code is ActionCode.OTHER else "")
    if trigger == "record_decline":
        return RecordDecline()
    if trigger == "record_acceptance":
        return RecordAcceptance(action_number=rng.choice(case.actions).number) if case.actions else None
    if trigger == "propose_conclusion":
        return _proposal(rng, case)
    if trigger == "approve_conclusion":
        return ApproveConclusion()
    if trigger == "return_conclusion":
        return ReturnConclusion(reason="revisar")
    if trigger == "reopen":
        return ReopenCase(reason="dentista voltou a falar")
    if trigger == "add_note":
        return AddNote(text="observação")
    if trigger == "correct_details":
        return CorrectDetails(changes={"city": rng.choice([c for c in CITIES if c != case.header.city])}, reason="cidade")
    if trigger == "reassign":
        assignee = "lucas" if case.assignee_id != "lucas" else "marina"
        return ReassignCase(assignee_id=assignee, reason="férias", collaborator=rng.choice(COLLABORATORS))
    raise ValueError(f"no generator for trigger {trigger!r}")


def _proposal(rng: random.Random, case: RetentionCase) -> ProposeConclusion:
    choices = [Outcome.TERMINATED, Outcome.NOT_RETENTION]
    if any(decision.accepted for decision in case.decisions):
        choices.append(Outcome.RETAINED)
    # An accepted offer usually ends in retention, as in the typical path.
    outcome = Outcome.RETAINED if len(choices) == 3 and rng.random() < 0.7 else rng.choice(choices)
    ended_on = case.header.started_on + timedelta(days=rng.randrange(0, 120))
    if outcome is Outcome.TERMINATED:
        reasons = tuple(rng.sample(list(TerminationReason), rng.randint(1, 2)))
        return ProposeConclusion(outcome=outcome, ended_on=ended_on, reasons=reasons)
    if outcome is Outcome.NOT_RETENTION:
        return ProposeConclusion(outcome=outcome, ended_on=ended_on, justification="não era retenção")
    return ProposeConclusion(outcome=outcome, ended_on=ended_on)


def _context(actor: Actor, now: datetime) -> CommandContext:
    return CommandContext(actor=actor, correlation_id="generator", now=now)


# Trigger sequences of a typical case; a random walk alone rarely reaches an approved retention.
TYPICAL_PATHS = (
    ("attempt_contact", "attempt_contact", "offer_action", "record_acceptance", "propose_conclusion", "approve_conclusion"),
    ("attempt_contact", "offer_action", "record_decline", "propose_conclusion", "approve_conclusion"),
)


def run_trigger(rng: random.Random, case: RetentionCase, trigger: str) -> bool:
    """Run ``trigger`` on ``case`` if the workflow allows it now; return whether it ran."""
    triggers = workflow.allowed_triggers(case.status, frozenset({Role.AGENT, Role.SUPERVISOR}))
    return trigger in triggers and step(rng, case, triggers.index(trigger))


def generate(rng: random.Random, operator: str, cases: int, steps_per_case: int, first_number: int = 0) -> list[RetentionCase]:
    """Open ``cases`` cases; half follow a typical path, then each gets up to ``steps_per_case`` random commands."""
    generated = []
    for number in range(first_number, first_number + cases):
        case = open_case(rng, operator, number)
        if rng.random() < 0.5:
            for trigger in rng.choice(TYPICAL_PATHS):
                run_trigger(rng, case, trigger)
        for _ in range(rng.randint(0, steps_per_case)):
            step(rng, case, rng.randrange(100))
        generated.append(case)
    return generated
