"""The use cases of accounts, each in one unit of work that it begins and ends itself.

``accounts`` holds the domain operations; they take a session and never commit, so that a
use case (or a test, or the demo loader) can combine several in one transaction. Here each
request of the API, the pages or the CLI is one use case: it commits once when it has
succeeded and leaves the database as it was when it fails. Callers never commit.

Login and token checks commit even when the answer is no: a failed login is counted (the rate
limit) and logged, and a token's ``last_used_at`` is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.models import ApiToken, User
from inventory.services import accounts
from inventory.unit_of_work import UnitOfWork

# A user named by id (the API) or by name (the CLI).
UserRef = int | str


@dataclass(frozen=True)
class NewUser:
    """An account to create; ``schools`` are school codes (school staff only)."""

    name: str
    role: UserRole
    region_code: str | None = None
    schools: Sequence[str] = ()
    password: str | None = None
    is_active: bool = True


class UserChanges(TypedDict, total=False):
    """What may change about an account; a key left out stays as it is."""

    role: UserRole
    region_code: str | None
    schools: Sequence[str] | None
    is_active: bool
    password: str


@dataclass(frozen=True)
class TokenRequest:
    """A token to issue: a label to recognise it by, and a lifetime (None: no expiry)."""

    label: str | None = None
    expires_in_days: int | None = None

    @property
    def lifetime(self) -> timedelta | None:
        return timedelta(days=self.expires_in_days) if self.expires_in_days else None


@dataclass(frozen=True)
class PageSession:
    """What a page session keeps after a good password login."""

    user_id: int
    stamp: str


def _user(session: Session, actor: Actor, ref: UserRef) -> User:
    if isinstance(ref, str):
        return accounts.get_user_by_name(session, actor, ref)
    return accounts.get_user(session, actor, ref)


def create_user(uow: UnitOfWork, actor: Actor, new: NewUser) -> User:
    """Add an account (admins only)."""
    with uow:
        user = _add(uow.session, actor, new)
        uow.commit()
        return user


def _add(session: Session, actor: Actor, new: NewUser) -> User:
    return accounts.create_user(
        session,
        actor,
        new.name,
        new.role,
        new.region_code,
        schools=new.schools,
        password=new.password,
        is_active=new.is_active,
    )


def create_user_with_token(
    uow: UnitOfWork, actor: Actor, new: NewUser, token: TokenRequest
) -> accounts.IssuedToken:
    """Add an account and its first API token, both or neither."""
    with uow:
        user = _add(uow.session, actor, new)
        issued = accounts.issue_token(uow.session, actor, user, token.label, token.lifetime)
        uow.commit()
        return issued


def change_user(uow: UnitOfWork, actor: Actor, ref: UserRef, changes: UserChanges) -> User:
    """Change an account's role, scope, password or whether it is active (admins)."""
    with uow:
        user_id = ref if isinstance(ref, int) else _user(uow.session, actor, ref).id
        user = accounts.update_user(uow.session, actor, user_id, changes)
        uow.commit()
        return user


def issue_token(
    uow: UnitOfWork, actor: Actor, ref: UserRef, request: TokenRequest
) -> accounts.IssuedToken:
    """A new API token for the account (by an admin or its owner), shown once."""
    with uow:
        user = _user(uow.session, actor, ref)
        issued = accounts.issue_token(uow.session, actor, user, request.label, request.lifetime)
        uow.commit()
        return issued


def revoke_token(
    uow: UnitOfWork, actor: Actor, token_id: int, owner_id: int | None = None
) -> ApiToken:
    """Revoke a token; with ``owner_id`` only one of that account's (which must exist)."""
    with uow:
        if owner_id is not None:
            accounts.get_user(uow.session, actor, owner_id)
        token = accounts.revoke_token(uow.session, actor, token_id, user_id=owner_id)
        uow.commit()
        return token


def authenticate(uow: UnitOfWork, secret: str, now: datetime | None = None) -> Actor | None:
    """The actor behind a bearer token, or None; keeps when the token was last used."""
    with uow:
        actor = accounts.authenticate(uow.session, secret, now)
        uow.commit()
        return actor


def log_in(
    uow: UnitOfWork, name: str, password: str, address: str, now: datetime | None = None
) -> PageSession | None:
    """A page session for a correct name and password, else None; raises TooManyAttempts.

    Every outcome is committed: failures count towards the rate limit and go to the change log.
    """
    with uow:
        try:
            actor = accounts.login(uow.session, name, password, address, now)
        except accounts.TooManyAttempts:
            uow.commit()
            raise
        if actor is None or actor.user_id is None:
            uow.commit()
            return None
        user = accounts.get_user(uow.session, actor, actor.user_id)
        uow.commit()
        return PageSession(user.id, accounts.session_stamp(user))


def log_out(uow: UnitOfWork, actor: Actor, address: str) -> None:
    """End every page session of the actor's account, and log it."""
    with uow:
        accounts.logout(uow.session, actor, address)
        uow.commit()
