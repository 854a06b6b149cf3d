"""The retention workflow as data: states, transitions and who may fire them.

``TRANSITIONS`` is loaded into one model-less ``transitions.Machine`` with
automatic transitions off. The machine never stores a case's state. The
aggregate queries it for the transitions that leave the case's current
state and checks that the destination a command computed is one of them.
"""

from dataclasses import dataclass

from transitions import Machine

from domain.catalog import CaseStatus, Role, label
from domain.errors import PermissionDenied, TransitionNotAllowed

S = CaseStatus
FINAL_STATES = (S.RETAINED, S.TERMINATED, S.NOT_RETENTION)
WORKING_STATES = (S.OPEN, S.CONTACTING, S.NEGOTIATING, S.DECLINED)

# The trigger that creates a case; it has no source state.
OPEN_TRIGGER = "open"

# Triggers outside the main flow: they record facts without changing the state.
SIDE_TRIGGERS = ("add_note", "correct_details", "reassign")

# (trigger, sources, destination). "=" keeps the current state. A trigger
# listed with several destinations lets the command pick one by its rules.
TRANSITIONS: list[tuple[str, tuple[CaseStatus, ...], str]] = [
    ("attempt_contact", (S.OPEN,), S.CONTACTING),
    ("attempt_contact", (S.OPEN, S.CONTACTING), S.NEGOTIATING),
    ("attempt_contact", (S.CONTACTING, S.NEGOTIATING, S.DECLINED), "="),
    ("record_reply", (S.CONTACTING, S.NEGOTIATING, S.DECLINED), S.NEGOTIATING),
    ("offer_action", WORKING_STATES, S.NEGOTIATING),
    ("record_decline", (S.NEGOTIATING,), S.DECLINED),
    ("record_acceptance", (S.NEGOTIATING,), S.NEGOTIATING),
    ("propose_conclusion", WORKING_STATES, S.PENDING_APPROVAL),
    *[("approve_conclusion", (S.PENDING_APPROVAL,), final) for final in FINAL_STATES],
    *[("return_conclusion", (S.PENDING_APPROVAL,), state) for state in WORKING_STATES],
    ("reopen", FINAL_STATES, S.NEGOTIATING),
    *[(trigger, tuple(S), "=") for trigger in SIDE_TRIGGERS],
]

_AGENT_OR_SUPERVISOR = frozenset({Role.AGENT, Role.SUPERVISOR})
_SUPERVISOR = frozenset({Role.SUPERVISOR})

# Roles that may fire each trigger in a non-final state.
TRIGGER_ROLES: dict[str, frozenset[Role]] = {
    OPEN_TRIGGER: _AGENT_OR_SUPERVISOR,
    "attempt_contact": _AGENT_OR_SUPERVISOR,
    "record_reply": _AGENT_OR_SUPERVISOR,
    "offer_action": _AGENT_OR_SUPERVISOR,
    "record_decline": _AGENT_OR_SUPERVISOR,
    "record_acceptance": _AGENT_OR_SUPERVISOR,
    "propose_conclusion": _AGENT_OR_SUPERVISOR,
    "approve_conclusion": _SUPERVISOR,
    "return_conclusion": _SUPERVISOR,
    "reopen": _SUPERVISOR,
    "add_note": _AGENT_OR_SUPERVISOR,
    "correct_details": _SUPERVISOR,
    "reassign": _SUPERVISOR,
}

TRIGGERS: tuple[str, ...] = tuple(TRIGGER_ROLES)
COMMAND_TRIGGERS: tuple[str, ...] = tuple(t for t in TRIGGERS if t != OPEN_TRIGGER)

_machine = Machine(
    model=None,
    states=[state.value for state in S],
    transitions=[
        {"trigger": trigger, "source": [s.value for s in sources], "dest": str(dest)}
        for trigger, sources, dest in TRANSITIONS
    ],
    initial=S.OPEN.value,
    auto_transitions=False,
)


def triggers_from(state: CaseStatus) -> list[str]:
    """Return the triggers the table allows from ``state``, in table order."""
    available = set(_machine.get_triggers(state.value))
    return [trigger for trigger in COMMAND_TRIGGERS if trigger in available]


def destinations(trigger: str, state: CaseStatus) -> list[CaseStatus]:
    """Return the states ``trigger`` may lead to from ``state`` (empty if not allowed)."""
    found = []
    for transition in _machine.get_transitions(trigger=trigger, source=state.value):
        dest = state if transition.dest in (None, "=", state.value) else CaseStatus(transition.dest)
        if dest not in found:
            found.append(dest)
    return found


def roles_for(trigger: str, state: CaseStatus) -> frozenset[Role]:
    """Return the roles that may fire ``trigger`` in ``state``.

    In a final state only a supervisor may record anything, including notes.
    """
    roles = TRIGGER_ROLES[trigger]
    if state in FINAL_STATES:
        return roles & _SUPERVISOR
    return roles


def allowed_triggers(state: CaseStatus, roles: frozenset[Role]) -> list[str]:
    """Return the triggers the table allows from ``state`` to a holder of ``roles``."""
    return [t for t in triggers_from(state) if roles_for(t, state) & roles]


@dataclass(frozen=True)
class Step:
    """A checked transition: the role it is fired under and where it leads."""

    trigger: str
    source: CaseStatus
    destination: CaseStatus
    role: Role


def check(trigger: str, state: CaseStatus, roles: frozenset[Role], destination: CaseStatus | None = None) -> Step:
    """Check ``trigger`` against the table and the actor's roles.

    ``destination`` is the state the command's rules chose; without it the
    trigger must have exactly one destination from ``state``. Raises
    ``TransitionNotAllowed`` or ``PermissionDenied``; returns the step.
    """
    candidates = destinations(trigger, state)
    if not candidates:
        allowed = allowed_triggers(state, roles)
        raise TransitionNotAllowed(
            f"O comando '{trigger}' não é permitido no estado '{state.value}' "
            f"({label(state)}). Comandos permitidos neste estado: "
            f"{', '.join(allowed) or 'nenhum'}.",
            state=state.value,
            trigger=trigger,
            allowed=allowed,
        )
    permitted = roles_for(trigger, state) & roles
    if not permitted:
        needed = ", ".join(sorted(role.value for role in roles_for(trigger, state))) or "nenhum"
        raise PermissionDenied(
            f"O comando '{trigger}' no estado '{state.value}' exige um destes papéis: {needed}.",
            field="role",
            value=",".join(sorted(role.value for role in roles)),
        )
    if destination is None:
        if len(candidates) != 1:
            raise ValueError(f"trigger {trigger!r} from {state} needs an explicit destination")
        destination = candidates[0]
    elif destination not in candidates:
        raise ValueError(f"{trigger!r} from {state} cannot lead to {destination}")
    # Prefer the least privileged role that permits the trigger.
    role = Role.AGENT if Role.AGENT in permitted else sorted(permitted)[0]
    return Step(trigger=trigger, source=state, destination=destination, role=role)


def mermaid_diagram() -> str:
    """Render the transition table as a Mermaid state diagram."""
    lines = ["stateDiagram-v2", f"    [*] --> {S.OPEN.value}: {OPEN_TRIGGER}"]
    seen: set[tuple[str, str, str]] = set()
    for trigger, sources, dest in TRANSITIONS:
        if trigger in SIDE_TRIGGERS:
            continue
        for source in sources:
            target = source.value if dest == "=" else str(dest)
            edge = (source.value, target, trigger)
            if edge not in seen:
                seen.add(edge)
                lines.append(f"    {source.value} --> {target}: {trigger}")
    for final in FINAL_STATES:
        lines.append(f"    {final.value} --> [*]")
    return "\n".join(lines) + "\n"
