"""What ``digicampus demo`` writes when it starts, as one use case in one unit of work.

The demo inventory is loaded unless the database has schools already; the demo admin gets a
new password and a new week-long token at every start (both shown once: nothing guessable
guards a demo either). All of it is committed together, or nothing is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa

from demo.data import DemoSummary
from demo.inventory import generate, load
from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.models import School, User
from inventory.secretbox import SecretBox
from inventory.services import accounts
from inventory.unit_of_work import UnitOfWork

DEMO_USER = "demo-admin"
TOKEN_LIFETIME = timedelta(days=7)  # each start prints a new token; old ones do not pile up


class Progress(Protocol):
    def update(self, n_steps: int) -> None: ...


@dataclass(frozen=True)
class DemoStart:
    """What the start did: ``loaded`` is None when the database had ``existing`` schools."""

    existing: int
    loaded: DemoSummary | None
    token: str
    password: str


def prepare(
    uow: UnitOfWork,
    actor: Actor,
    box: SecretBox,
    seed: int,
    scale: float,
    progress: Callable[[int], AbstractContextManager[Progress]] | None = None,
) -> DemoStart:
    """Load the demo into an empty database and give the demo admin fresh credentials.

    ``progress(schools)`` opens a progress bar for loading that many schools.
    """
    with uow:
        session = uow.session
        existing = session.scalar(sa.select(sa.func.count()).select_from(School)) or 0
        loaded = None
        if not existing:
            inventory = generate(seed, scale)
            if progress is None:
                loaded = load(session, actor, box, inventory)
            else:
                with progress(len(inventory.schools)) as bar:
                    loaded = load(session, actor, box, inventory, bar.update)
        user = session.scalar(sa.select(User).where(User.name == DEMO_USER))
        if user is None:
            user = accounts.create_user(session, actor, DEMO_USER, UserRole.ADMIN)
        password = secrets.token_urlsafe(12)
        accounts.update_user(session, actor, user.id, {"password": password})
        issued = accounts.issue_token(
            session, actor, user, label="digicampus demo", lifetime=TOKEN_LIFETIME
        )
        uow.commit()
        return DemoStart(existing, loaded, issued.secret, password)
