"""The facts a retention case holds: the form's header, contact attempts,
offered actions and the conclusion.

These are immutable value objects. They are built from request payloads by
``domain.commands`` and stored inside events, so every field here is part of
the event format.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.catalog import (
    ActionCode,
    ContactChannel,
    ContactOutcome,
    DemandedBy,
    Outcome,
    PersonType,
    Sector,
    TerminationReason,
    Uf,
)
from domain.identifiers import Cro


@dataclass(frozen=True)
class Provider:
    """The credentialed provider: a dentist (F) or a clinic (J) with its responsible dentist."""

    person_type: PersonType
    dentist_name: str
    cpf: str
    cro: Cro
    cnpj: str | None = None


@dataclass(frozen=True)
class CaseHeader:
    """The top of the retention form.

    ``last_production_on`` None means "sem guias" and
    ``last_production_value`` None means "R$ -" on the paper form.
    """

    collaborator: str
    operator: str
    provider: Provider
    cro_count: int
    credentialed_on: date
    demanded_by: DemandedBy
    protocol_number: str
    protocol_opened_on: date
    uf: Uf
    city: str
    started_on: date
    lives_in_area: int | None = None
    unique_cros_listed: int | None = None
    serves_other_plans: bool | None = None
    other_plans: str = ""
    us_value: Decimal | None = None
    last_production_on: date | None = None
    last_production_value: Decimal | None = None


@dataclass(frozen=True)
class ContactAttempt:
    """One attempt to reach the dentist; ``contact`` is the phone or address used."""

    number: int
    occurred_at: datetime
    channel: ContactChannel
    outcome: ContactOutcome
    contact: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ActionOffer:
    """A retention action offered to the dentist, numbered within the case from 1."""

    number: int
    code: ActionCode
    offered_on: date
    details: str = ""
    justification: str = ""


@dataclass(frozen=True)
class ExclusionPlan:
    """The data Lei 9.656/98 art. 17 requires when a provider leaves: when the
    provider is excluded, who replaces them and when beneficiaries were notified."""

    planned_exclusion_on: date | None = None
    substitute_provider: str = ""
    beneficiary_notice_on: date | None = None


@dataclass(frozen=True)
class Conclusion:
    """A proposed or approved conclusion of the case."""

    outcome: Outcome
    ended_on: date
    reasons: tuple[TerminationReason, ...] = ()
    justification: str = ""
    new_protocol_required: bool | None = None
    responsible_sector: Sector | None = None
    notes: str = ""
    exclusion: ExclusionPlan | None = None


@dataclass(frozen=True)
class Reply:
    """A reply from the dentist, recorded as it was received."""

    number: int
    occurred_at: datetime
    notes: str = ""


@dataclass(frozen=True)
class Note:
    number: int
    occurred_at: datetime
    author_id: str
    text: str


@dataclass(frozen=True)
class Decision:
    """The dentist's response to the offers: a decline, or the acceptance of one action."""

    occurred_at: datetime
    accepted: bool
    action_number: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class SignOff:
    """The approval of a conclusion, with the reviewers named on the form."""

    approver_id: str
    approved_at: datetime
    reviewers: tuple[str, ...] = field(default_factory=tuple)
