"""Domain errors: what a service refuses, with a message a person can act on."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every refusal by a service. `message` is translated and names the problem."""

    code = "invalid"

    def __init__(self, message: str, **params: object) -> None:
        self.params = params
        self.message = str(message) % params if params else str(message)
        super().__init__(self.message)


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"

    def __init__(self, message: str = "", **params: object) -> None:
        super().__init__(message or _("You do not have permission to do this."), **params)


class InvalidValue(DomainError):
    code = "invalid_value"


class Conflict(DomainError):
    code = "conflict"
