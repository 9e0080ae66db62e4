"""Who is acting: every service call takes an Actor, and the change log records it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

from inventory.choices import UserRole
from inventory.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """The user (or system job) on whose behalf a service runs.

    ``region_code`` and ``school_ids`` carry the scope of a region admin, a viewer or school
    staff; ``inventory.scope`` turns them into the query conditions every service applies.
    Admins see everything. ``batch_id`` groups the changes of one operation (a demo load, a
    spreadsheet import) in the change log.
    """

    user_id: int | None
    name: str
    role: UserRole
    region_code: str | None = None
    school_ids: frozenset[int] = field(default_factory=frozenset)
    batch_id: str | None = None

    @classmethod
    def system(cls, name: str) -> Actor:
        """An actor for jobs that run without a person: demo loader, collectors, migrations."""
        return cls(user_id=None, name=name, role=UserRole.ADMIN)

    def in_batch(self) -> Actor:
        """The same actor with a fresh batch id, for one bulk operation."""
        return replace(self, batch_id=str(uuid.uuid4()))

    @property
    def can_write(self) -> bool:
        return self.role is not UserRole.VIEWER

    def require_write(self) -> None:
        """Raise PermissionDenied unless this actor may change inventory data."""
        if not self.can_write:
            raise PermissionDenied("this account can read but not change the inventory")

    def require_admin(self) -> None:
        """Raise PermissionDenied unless this actor administers the whole deployment."""
        if self.role is not UserRole.ADMIN:
            raise PermissionDenied("only an admin may do this")
