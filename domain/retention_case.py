"""The retention case aggregate.

Public methods are the commands: each checks the workflow table and the
rules, then triggers one event. Events alone change the state, so replaying
them rebuilds the case exactly. Each event class lists in
``personal_fields`` the attributes that hold personal data of the dentist,
so a mapper can encrypt them per data subject without changing the format.
"""

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import workflow
from domain.actor import CommandContext, EventMeta
from domain.case_data import (
    ActionOffer,
    CaseHeader,
    Conclusion,
    ContactAttempt,
    Decision,
    Note,
    Reply,
    SignOff,
)
from domain.catalog import ActionCode, CaseStatus, ContactOutcome, Outcome, Role
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
    apply_corrections,
)
from domain.errors import InvalidValue, MissingValue, PermissionDenied, RuleViolation

S = CaseStatus


class RetentionCase(Aggregate):
    # A class default, so snapshots taken before erasure existed still load.
    personal_data_erased_at: datetime | None = None

    class Event(Aggregate.Event):
        meta: EventMeta
        personal_fields: ClassVar[tuple[str, ...]] = ()

    class CaseOpened(Event, Aggregate.Created):
        header: CaseHeader
        assignee_id: str
        personal_fields: ClassVar[tuple[str, ...]] = ("header.provider.dentist_name", "header.provider.cpf")

    class ContactAttempted(Event):
        attempt: ContactAttempt
        status: CaseStatus
        personal_fields: ClassVar[tuple[str, ...]] = ("attempt.contact", "attempt.notes")

        def apply(self, case: "RetentionCase") -> None:
            case.attempts.append(self.attempt)
            case.status = self.status

    class DentistReplied(Event):
        reply: Reply
        personal_fields: ClassVar[tuple[str, ...]] = ("reply.notes",)

        def apply(self, case: "RetentionCase") -> None:
            case.replies.append(self.reply)
            case.status = S.NEGOTIATING

    class ActionOffered(Event):
        action: ActionOffer

        def apply(self, case: "RetentionCase") -> None:
            case.actions.append(self.action)
            case.status = S.NEGOTIATING

    class DentistDeclined(Event):
        decision: Decision
        personal_fields: ClassVar[tuple[str, ...]] = ("decision.notes",)

        def apply(self, case: "RetentionCase") -> None:
            case.decisions.append(self.decision)
            case.status = S.DECLINED

    class DentistAccepted(Event):
        decision: Decision
        personal_fields: ClassVar[tuple[str, ...]] = ("decision.notes",)

        def apply(self, case: "RetentionCase") -> None:
            case.decisions.append(self.decision)

    class ConclusionProposed(Event):
        conclusion: Conclusion
        previous_status: CaseStatus

        def apply(self, case: "RetentionCase") -> None:
            case.proposal = self.conclusion
            case.proposed_by = self.meta.actor_id
            case.status_before_proposal = self.previous_status
            case.status = S.PENDING_APPROVAL

    class ConclusionApproved(Event):
        sign_off: SignOff

        def apply(self, case: "RetentionCase") -> None:
            assert case.proposal is not None
            case.conclusion = case.proposal
            case.sign_off = self.sign_off
            case.status = CaseStatus(case.proposal.outcome.value)
            case.proposal = None
            case.proposed_by = None

    class ConclusionReturned(Event):
        restored_status: CaseStatus

        def apply(self, case: "RetentionCase") -> None:
            case.status = self.restored_status
            case.proposal = None
            case.proposed_by = None
            case.status_before_proposal = None

    class CaseReopened(Event):
        def apply(self, case: "RetentionCase") -> None:
            case.status = S.NEGOTIATING
            case.conclusion = None
            case.sign_off = None
            case.reopen_count += 1

    class NoteAdded(Event):
        note: Note
        personal_fields: ClassVar[tuple[str, ...]] = ("note.text",)

        def apply(self, case: "RetentionCase") -> None:
            case.notes.append(self.note)

    class CaseDetailsCorrected(Event):
        header: CaseHeader
        changed_fields: tuple[str, ...]
        personal_fields: ClassVar[tuple[str, ...]] = ("header.provider.dentist_name", "header.provider.cpf")

        def apply(self, case: "RetentionCase") -> None:
            case.header = self.header

    class CaseReassigned(Event):
        assignee_id: str
        collaborator: str

        def apply(self, case: "RetentionCase") -> None:
            case.assignee_id = self.assignee_id
            if self.collaborator:
                case.header = replace(case.header, collaborator=self.collaborator)

    class PersonalDataErased(Event):
        """The dentist's data key was destroyed: the fields sealed under it read as erased."""

        legal_basis: str
        requester: str

        def apply(self, case: "RetentionCase") -> None:
            # The fields themselves read as erased because their key is gone, event by event.
            case.personal_data_erased_at = self.meta.occurred_at

    def __init__(self, header: CaseHeader, assignee_id: str, meta: EventMeta) -> None:
        self.header = header
        self.assignee_id = assignee_id
        self.opened_by = meta.actor_id
        self.opened_at = meta.occurred_at
        self.status = S.OPEN
        self.attempts: list[ContactAttempt] = []
        self.replies: list[Reply] = []
        self.actions: list[ActionOffer] = []
        self.decisions: list[Decision] = []
        self.notes: list[Note] = []
        self.proposal: Conclusion | None = None
        self.proposed_by: str | None = None
        self.status_before_proposal: CaseStatus | None = None
        self.conclusion: Conclusion | None = None
        self.sign_off: SignOff | None = None
        self.reopen_count = 0
        self.personal_data_erased_at = None

    # Opening

    @classmethod
    def open(cls, command: OpenCase, context: CommandContext, case_id: UUID | None = None) -> "RetentionCase":
        roles = workflow.TRIGGER_ROLES[workflow.OPEN_TRIGGER] & context.actor.roles
        if not roles:
            raise PermissionDenied(
                "Abrir um caso exige o papel 'agent' ou 'supervisor'.",
                field="role",
                value=",".join(sorted(context.actor.roles)),
            )
        role = Role.AGENT if Role.AGENT in roles else Role.SUPERVISOR
        meta = _meta(context, role, command.occurred_at)
        kwargs: dict[str, Any] = {"header": command.header, "assignee_id": context.actor.actor_id, "meta": meta}
        if case_id is not None:
            kwargs["id"] = case_id
        return cls._create(cls.CaseOpened, **kwargs)

    # Workflow commands

    def attempt_contact(self, command: AttemptContact, context: CommandContext) -> None:
        reached = command.outcome is ContactOutcome.REACHED
        if self.status is S.OPEN:
            target = S.NEGOTIATING if reached else S.CONTACTING
        elif self.status is S.CONTACTING and reached:
            target = S.NEGOTIATING
        else:
            target = self.status
        step = workflow.check(command.trigger, self.status, context.actor.roles, target)
        meta = _meta(context, step.role, command.occurred_at)
        attempt = ContactAttempt(
            number=len(self.attempts) + 1,
            occurred_at=meta.occurred_at,
            channel=command.channel,
            outcome=command.outcome,
            contact=command.contact,
            notes=command.notes,
        )
        self.trigger_event(self.ContactAttempted, attempt=attempt, status=step.destination, meta=meta)

    def record_reply(self, command: RecordReply, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        meta = _meta(context, step.role, command.occurred_at)
        reply = Reply(number=len(self.replies) + 1, occurred_at=meta.occurred_at, notes=command.notes)
        self.trigger_event(self.DentistReplied, reply=reply, meta=meta)

    def offer_action(self, command: OfferAction, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        if command.code is ActionCode.OTHER and not command.justification:
            raise MissingValue(
                "O campo 'justification' é obrigatório quando a ação é 'other' (Outros).",
                field="justification",
            )
        meta = _meta(context, step.role, command.occurred_at)
        action = ActionOffer(
            number=len(self.actions) + 1,
            code=command.code,
            offered_on=command.offered_on or meta.occurred_at.date(),
            details=command.details,
            justification=command.justification,
        )
        self.trigger_event(self.ActionOffered, action=action, meta=meta)

    def record_decline(self, command: RecordDecline, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        meta = _meta(context, step.role, command.occurred_at)
        decision = Decision(occurred_at=meta.occurred_at, accepted=False, notes=command.notes)
        self.trigger_event(self.DentistDeclined, decision=decision, meta=meta)

    def record_acceptance(self, command: RecordAcceptance, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        if not any(action.number == command.action_number for action in self.actions):
            offered = ", ".join(str(action.number) for action in self.actions) or "nenhuma"
            raise InvalidValue(
                f"A ação nº {command.action_number} não foi ofertada neste caso. "
                f"Ações ofertadas: {offered}.",
                field="action_number",
                value=command.action_number,
            )
        meta = _meta(context, step.role, command.occurred_at)
        decision = Decision(
            occurred_at=meta.occurred_at,
            accepted=True,
            action_number=command.action_number,
            notes=command.notes,
        )
        self.trigger_event(self.DentistAccepted, decision=decision, meta=meta)

    def propose_conclusion(self, command: ProposeConclusion, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        self._check_conclusion(command)
        meta = _meta(context, step.role, command.occurred_at)
        conclusion = Conclusion(
            outcome=command.outcome,
            ended_on=command.ended_on,
            reasons=command.reasons,
            justification=command.justification,
            new_protocol_required=command.new_protocol_required,
            responsible_sector=command.responsible_sector,
            notes=command.notes,
            exclusion=command.exclusion,
        )
        self.trigger_event(self.ConclusionProposed, conclusion=conclusion, previous_status=self.status, meta=meta)

    def approve_conclusion(self, command: ApproveConclusion, context: CommandContext) -> None:
        assert self.proposal is not None or self.status is not S.PENDING_APPROVAL
        target = CaseStatus(self.proposal.outcome.value) if self.proposal else None
        step = workflow.check(command.trigger, self.status, context.actor.roles, target)
        if context.actor.actor_id == self.proposed_by:
            raise PermissionDenied(
                "Quem propôs a conclusão não pode aprová-la: a aprovação exige outro supervisor.",
                field="actor_id",
                value=context.actor.actor_id,
            )
        meta = _meta(context, step.role, command.occurred_at)
        reviewers = command.reviewers or ((context.actor.name or context.actor.actor_id),)
        sign_off = SignOff(approver_id=context.actor.actor_id, approved_at=meta.occurred_at, reviewers=reviewers)
        self.trigger_event(self.ConclusionApproved, sign_off=sign_off, meta=meta)

    def return_conclusion(self, command: ReturnConclusion, context: CommandContext) -> None:
        target = self.status_before_proposal
        step = workflow.check(command.trigger, self.status, context.actor.roles, target)
        meta = _meta(context, step.role, command.occurred_at, reason=command.reason)
        self.trigger_event(self.ConclusionReturned, restored_status=step.destination, meta=meta)

    def reopen(self, command: ReopenCase, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        meta = _meta(context, step.role, command.occurred_at, reason=command.reason)
        self.trigger_event(self.CaseReopened, meta=meta)

    # Facts outside the main flow

    def add_note(self, command: AddNote, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        meta = _meta(context, step.role, command.occurred_at)
        note = Note(
            number=len(self.notes) + 1,
            occurred_at=meta.occurred_at,
            author_id=context.actor.actor_id,
            text=command.text,
        )
        self.trigger_event(self.NoteAdded, note=note, meta=meta)

    def correct_details(self, command: CorrectDetails, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        corrected, changed = apply_corrections(self.header, command.changes)
        if not changed:
            raise RuleViolation(
                "A correção não altera nenhum campo: os valores informados já são os registrados.",
                field="changes",
            )
        self._check_dates(corrected.started_on, self.conclusion or self.proposal)
        meta = _meta(context, step.role, command.occurred_at, reason=command.reason)
        self.trigger_event(self.CaseDetailsCorrected, header=corrected, changed_fields=changed, meta=meta)

    def reassign(self, command: ReassignCase, context: CommandContext) -> None:
        step = workflow.check(command.trigger, self.status, context.actor.roles)
        if command.assignee_id == self.assignee_id and not command.collaborator:
            raise RuleViolation(
                f"O caso já está atribuído a '{command.assignee_id}'.",
                field="assignee_id",
                value=command.assignee_id,
            )
        meta = _meta(context, step.role, command.occurred_at, reason=command.reason)
        self.trigger_event(
            self.CaseReassigned, assignee_id=command.assignee_id, collaborator=command.collaborator, meta=meta
        )

    def record_erasure(self, legal_basis: str, requester: str, context: CommandContext) -> None:
        """Record that the dentist's personal data was erased; allowed in every state, to the DPO only."""
        if Role.DPO not in context.actor.roles:
            raise PermissionDenied(
                "Registrar a eliminação de dados pessoais exige o papel 'dpo'.",
                field="role",
                value=",".join(sorted(context.actor.roles)),
            )
        for field, value in (("legal_basis", legal_basis), ("requester", requester)):
            if not value.strip():
                raise MissingValue(f"O campo '{field}' é obrigatório para registrar a eliminação.", field=field)
        meta = _meta(context, Role.DPO, None)
        self.trigger_event(self.PersonalDataErased, legal_basis=legal_basis.strip(), requester=requester.strip(), meta=meta)

    def execute(self, command: Command, context: CommandContext) -> None:
        """Dispatch ``command`` to the method named by its trigger."""
        getattr(self, command.trigger)(command, context)

    # Derived facts

    @property
    def duration_days(self) -> int | None:
        """Days from the start date to the end date, as the form's "Tempo finalização"."""
        conclusion = self.conclusion or self.proposal
        if conclusion is None:
            return None
        return (conclusion.ended_on - self.header.started_on).days

    def allowed_triggers(self, roles: frozenset[Role]) -> list[str]:
        return workflow.allowed_triggers(self.status, roles)

    def _check_conclusion(self, command: ProposeConclusion) -> None:
        if command.outcome is Outcome.TERMINATED and not command.reasons:
            raise MissingValue(
                "Informe ao menos um motivo de desligamento em 'reasons' para concluir como 'terminated'.",
                field="reasons",
            )
        if command.outcome is not Outcome.TERMINATED and command.reasons:
            raise InvalidValue(
                "Motivos de desligamento ('reasons') só se aplicam à conclusão 'terminated'.",
                field="reasons",
                value=[reason.value for reason in command.reasons],
            )
        if command.outcome is Outcome.RETAINED and not any(d.accepted for d in self.decisions):
            raise RuleViolation(
                "Para concluir como 'retained' o dentista precisa ter aceitado uma ação ofertada "
                "(registre 'record_acceptance' antes).",
                field="outcome",
                value=command.outcome.value,
            )
        if command.outcome is Outcome.NOT_RETENTION and not command.justification:
            raise MissingValue(
                "O campo 'justification' é obrigatório para concluir como 'not_retention' "
                "(Não se trata de Retenção).",
                field="justification",
            )
        self._check_dates(self.header.started_on, command)

    @staticmethod
    def _check_dates(started_on: date, conclusion: Conclusion | ProposeConclusion | None) -> None:
        if conclusion is not None and conclusion.ended_on < started_on:
            raise InvalidValue(
                f"A data final ({conclusion.ended_on:%d/%m/%Y}) não pode ser anterior à data "
                f"de início ({started_on:%d/%m/%Y}).",
                field="ended_on",
                value=conclusion.ended_on.isoformat(),
            )


# How far ahead of the server's clock a client's occurred_at may be, to allow for clock drift.
MAX_CLOCK_SKEW = timedelta(minutes=10)


def _meta(context: CommandContext, role: Role, occurred_at: datetime | None, reason: str = "") -> EventMeta:
    if occurred_at is not None and occurred_at > context.now + MAX_CLOCK_SKEW:
        raise InvalidValue(
            f"A data 'occurred_at' ({occurred_at.isoformat()}) está no futuro: informe quando o fato já aconteceu.",
            field="occurred_at",
            value=occurred_at.isoformat(),
        )
    return EventMeta(
        actor_id=context.actor.actor_id,
        actor_role=role.value,
        occurred_at=occurred_at or context.now,
        correlation_id=context.correlation_id,
        reason=reason,
    )
