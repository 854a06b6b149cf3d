"""Domain errors.

Each error carries a stable English ``code``, the ``field`` it concerns (a
dotted path into the request, when there is one), the offending ``value``
and a pt-BR ``detail`` meant for the user. The API translates them into
problem details in one place.
"""

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, detail: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.value = value


class InvalidValue(DomainError):
    """Raised when a field's value is malformed or outside its domain."""

    code = "invalid_value"


class MissingValue(DomainError):
    """Raised when a required field is absent or blank."""

    code = "missing_value"


class RuleViolation(DomainError):
    """Raised when a command is well formed but breaks a workflow rule."""

    code = "rule_violation"


class TransitionNotAllowed(DomainError):
    """Raised when a trigger is not allowed in the case's current state."""

    code = "transition_not_allowed"

    def __init__(self, detail: str, *, state: str, trigger: str, allowed: list[str]) -> None:
        super().__init__(detail, field="trigger", value=trigger)
        self.state = state
        self.trigger = trigger
        self.allowed = allowed


class PermissionDenied(DomainError):
    """Raised when the actor's roles do not allow the command."""

    code = "permission_denied"


class CaseNotFound(DomainError):
    code = "case_not_found"


class VersionConflict(DomainError):
    """Raised when the case changed since the version the client expected."""

    code = "version_conflict"

    def __init__(self, detail: str, *, expected: int, current: int) -> None:
        super().__init__(detail, field="If-Match", value=expected)
        self.expected = expected
        self.current = current
