"""Users and API tokens: create the first admin, issue tokens, resolve a token to an actor."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import UserRole
from inventory.errors import duplicate
from inventory.models import ApiToken, User
from inventory.models.base import utcnow
from inventory.services.common import add_object

TOKEN_PREFIX = "dc_"


def hash_token(token: str) -> str:
    """SHA-256 of a token; tokens carry 256 random bits, so a slow KDF adds nothing here."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: ``secret`` is shown to its owner once and never stored."""

    token: ApiToken
    secret: str


def actor_for(user: User) -> Actor:
    """The actor a user acts as."""
    return Actor(user_id=user.id, name=user.name, role=user.role, region_code=user.region_code)


def create_user(
    session: Session,
    actor: Actor,
    name: str,
    role: UserRole,
    region_code: str | None = None,
) -> User:
    """Add a user; names are unique."""
    actor.require_admin()
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        raise duplicate("name", f"a user named {name!r} already exists")
    return add_object(session, actor, User(name=name, role=role, region_code=region_code))


def issue_token(
    session: Session,
    actor: Actor,
    user: User,
    label: str | None = None,
    lifetime: timedelta | None = None,
) -> IssuedToken:
    """A new bearer token for ``user``; only its hash is stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user=user,
        token_hash=hash_token(secret),
        prefix=secret[:10],
        label=label,
        created_at=now,
        expires_at=now + lifetime if lifetime else None,
    )
    add_object(session, actor, token)
    return IssuedToken(token, secret)


def authenticate(session: Session, secret: str, now: datetime | None = None) -> Actor | None:
    """The actor behind a bearer token, or None if it is unknown, revoked, expired or disabled."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    now = now or utcnow()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    # Record use at most once a minute: a write per request would serialise SQLite.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return actor_for(token.user)
