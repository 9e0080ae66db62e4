"""Domain errors raised by services; the HTTP layer maps each class to one status code."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(DomainError):
    """The object does not exist, or is outside the actor's scope (we do not say which)."""


class InvalidInput(DomainError):
    """Input that is well-formed but breaks a domain rule (a county is required, dates order)."""


class Conflict(DomainError):
    """A duplicate natural key, or a change that would break objects depending on this one."""


class PermissionDenied(DomainError):
    """The actor may see the object but not do this to it."""


def invalid(field: str, message: str) -> InvalidInput:
    """An InvalidInput naming one field."""
    return InvalidInput(f"{field}: {message}", {field: [message]})


def duplicate(field: str, message: str) -> Conflict:
    """A Conflict naming the field whose value is already taken."""
    return Conflict(message, {field: [message]})
