"""Accounts: users and their scope, passwords, API tokens, password logins.

Only admins manage accounts; every account manages its own API tokens. Passwords are hashed
with scrypt, tokens with SHA-256 (they carry 256 random bits). Logins, failed logins, token
creation and revocation all go to the change log; no password, token or hash ever does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import ChangeAction, UserRole
from inventory.errors import NotFound, PermissionDenied, duplicate
from inventory.models import ApiToken, ChangeRecord, Region, School, User
from inventory.models.accounts import LoginAttempt
from inventory.models.base import utcnow
from inventory.services.common import (
    PageRequest,
    PageResult,
    SqlColumn,
    add_object,
    paginate,
    raise_if,
    record_change,
    snapshot,
)

TOKEN_PREFIX = "dc_"
MAX_TOKEN_LENGTH = 128

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
# scrypt cost: 2**15 × 8 × 128 bytes = 32 MiB and ~0.1 s per hash (werkzeug's default too).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1

# Login rate limit: more than MAX_LOGIN_FAILURES wrong passwords within LOGIN_WINDOW, for one
# account name or from one address, and further attempts are refused until the window passes.
LOGIN_WINDOW = timedelta(minutes=1)
MAX_LOGIN_FAILURES = 10
LOGIN_ATTEMPTS_KEPT = timedelta(hours=1)

ANONYMOUS = "anonymous"

SORTABLE: dict[str, SqlColumn] = {
    "name": User.name,
    "role": User.role,
    "created_at": User.created_at,
    "id": User.id,
}


class TooManyAttempts(PermissionDenied):
    """Too many failed logins for this account or from this address: wait, then retry."""


# --- passwords --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * n * r, dklen=32
    )


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` of a password, with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches a ``hash_password`` value (False for anything malformed)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(computed, _unb64(digest))
    except (ValueError, MemoryError):
        return False


_DUMMY_HASH: list[str] = []


def _waste_a_verification(password: str) -> None:
    """As much work as a real check, so that timing does not tell which accounts exist."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(hash_password(secrets.token_urlsafe(16)))
    verify_password(_DUMMY_HASH[0], password)


def password_problem(password: str, name: str | None = None) -> str | None:
    """Why a new password is unacceptable (never quoting it), or None."""
    if not isinstance(password, str):
        return "must be a string"
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"must be at least {PASSWORD_MIN_LENGTH} characters"
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"must be at most {PASSWORD_MAX_LENGTH} characters"
    if name is not None and password.strip().casefold() == name.strip().casefold():
        return "must not be the account name"
    return None


# --- users ------------------------------------------------------------------------------------


def actor_for(user: User) -> Actor:
    """The actor a user acts as, with its scope: region and schools."""
    return Actor(
        user_id=user.id,
        name=user.name,
        role=user.role,
        region_code=user.region_code,
        school_ids=frozenset(school.id for school in user.schools),
    )


def _require_admin_or_self(actor: Actor, user_id: int) -> None:
    if actor.role is not UserRole.ADMIN and actor.user_id != user_id:
        raise PermissionDenied("only an admin may do this")


def user_snapshot(user: User) -> dict[str, Any]:
    """The user as the change log shows it: columns (password as ***) and school codes."""
    state = snapshot(user)
    state.pop("session_epoch", None)  # bookkeeping of sessions, not a fact about the account
    state["schools"] = [school.code for school in user.schools]
    return state


def _schools_by_code(
    session: Session, codes: Sequence[str], errors: dict[str, list[str]]
) -> list[School]:
    wanted = sorted(set(codes))
    found = list(session.scalars(sa.select(School).where(School.code.in_(wanted))))
    missing = sorted(set(wanted) - {school.code for school in found})
    if missing:
        errors["schools"] = [f"no school with code {', '.join(missing)}"]
    return sorted(found, key=lambda school: school.code)


def _check_scope(
    session: Session,
    role: UserRole,
    region_code: str | None,
    schools: Sequence[School],
    errors: dict[str, list[str]],
) -> None:
    """Each role has exactly the scope it needs: errors name the fields that do not fit."""
    if region_code is not None and session.get(Region, region_code) is None:
        errors["region_code"] = [f"no region with code {region_code!r}"]
    if role is UserRole.REGION_ADMIN and region_code is None:
        errors.setdefault("region_code", []).append("is required for a region admin")
    if role in (UserRole.ADMIN, UserRole.SCHOOL_STAFF) and region_code is not None:
        errors.setdefault("region_code", []).append(f"does not apply to {role.value}")
    if role is UserRole.SCHOOL_STAFF and not schools and "schools" not in errors:
        errors["schools"] = ["school staff need at least one school"]
    if role is not UserRole.SCHOOL_STAFF and schools:
        errors.setdefault("schools", []).append("only school staff have schools")


def create_user(
    session: Session,
    actor: Actor,
    name: str,
    role: UserRole,
    region_code: str | None = None,
    *,
    schools: Sequence[str] = (),
    password: str | None = None,
    is_active: bool = True,
) -> User:
    """Add a user (admins only); names are unique. ``schools`` are school codes."""
    actor.require_admin()
    errors: dict[str, list[str]] = {}
    role = UserRole(role)
    school_rows = _schools_by_code(session, schools, errors)
    _check_scope(session, role, region_code, school_rows, errors)
    if password is not None and (problem := password_problem(password, name)):
        errors["password"] = [problem]
    raise_if(errors)
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        raise duplicate("name", f"a user named {name!r} already exists")
    user = User(
        name=name,
        role=role,
        region_code=region_code,
        is_active=is_active,
        password_hash=None if password is None else hash_password(password),
        schools=school_rows,
    )
    session.add(user)
    session.flush()
    record_change(session, actor, ChangeAction.CREATE, user, None, user_snapshot(user))
    return user


def update_user(session: Session, actor: Actor, user_id: int, changes: Mapping[str, Any]) -> User:
    """Change a user's role, scope (region, schools), password or whether it is active.

    Changing the role drops the scope the new role does not have (a new admin loses its
    region); the scope it needs must be there. A disabled user's tokens and sessions stop
    working at once.
    """
    actor.require_admin()
    user = get_user(session, actor, user_id)
    before = user_snapshot(user)
    errors: dict[str, list[str]] = {}
    role = UserRole(changes.get("role", user.role))
    region_code = changes.get("region_code", user.region_code)
    if "schools" in changes:
        school_rows = _schools_by_code(session, changes["schools"] or (), errors)
    else:
        school_rows = list(user.schools)
    if "role" in changes:
        if "region_code" not in changes and role in (UserRole.ADMIN, UserRole.SCHOOL_STAFF):
            region_code = None
        if "schools" not in changes and role is not UserRole.SCHOOL_STAFF:
            school_rows = []
    _check_scope(session, role, region_code, school_rows, errors)
    password = changes.get("password")
    if password is not None and (problem := password_problem(password, user.name)):
        errors["password"] = [problem]
    raise_if(errors)
    if user.id == actor.user_id and (
        role is not UserRole.ADMIN or changes.get("is_active", True) is False
    ):
        raise PermissionDenied("an admin cannot demote or disable itself")
    user.role = role
    user.region_code = region_code
    user.schools = school_rows
    if "is_active" in changes:
        if user.is_active and not changes["is_active"]:
            end_sessions(user)  # else enabling the account again would revive them
        user.is_active = bool(changes["is_active"])
    if password is not None:
        user.password_hash = hash_password(password)
        end_sessions(user)
    session.flush()
    after = user_snapshot(user)
    if password is not None:
        after["password_changed"] = True
    if after != before:
        record_change(session, actor, ChangeAction.UPDATE, user, before, after)
    return user


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    """A user by id: admins see every account, everyone else only its own."""
    _require_admin_or_self(actor, user_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def get_user_by_name(session: Session, actor: Actor, name: str) -> User:
    """A user by name (admins; the CLI names users)."""
    actor.require_admin()
    user = session.scalar(sa.select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


@dataclass(frozen=True)
class UserFilter:
    """What a user list may be narrowed by; every field is optional."""

    role: UserRole | None = None
    is_active: bool | None = None
    q: str | None = None


def list_users(
    session: Session, actor: Actor, flt: UserFilter, page: PageRequest
) -> PageResult[User]:
    """One page of users (admins only)."""
    actor.require_admin()
    stmt = sa.select(User)
    if flt.role is not None:
        stmt = stmt.where(User.role == flt.role)
    if flt.is_active is not None:
        stmt = stmt.where(User.is_active.is_(flt.is_active))
    if flt.q:
        stmt = stmt.where(User.name.icontains(flt.q, autoescape=True))
    return paginate(session, stmt, page, SORTABLE, "name", User.id)


# --- API tokens -------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """SHA-256 of a token; tokens carry 256 random bits, so a slow KDF adds nothing here."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A freshly issued token: ``secret`` is shown to its owner once and never stored."""

    token: ApiToken
    secret: str

    def __repr__(self) -> str:
        return f"IssuedToken({self.token!r})"


def issue_token(
    session: Session,
    actor: Actor,
    user: User,
    label: str | None = None,
    lifetime: timedelta | None = None,
) -> IssuedToken:
    """A new bearer token for ``user`` (by an admin or the user); only its hash is stored."""
    _require_admin_or_self(actor, user.id)
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


def list_tokens(session: Session, actor: Actor, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (by an admin or the user)."""
    _require_admin_or_self(actor, user.id)
    return list(
        session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(
    session: Session, actor: Actor, token_id: int, user_id: int | None = None
) -> ApiToken:
    """Revoke a token from the next request on. Only its owner or an admin may; anyone else,
    or a token of another user than ``user_id``, gets NotFound. Revoking twice is a no-op."""
    token = session.get(ApiToken, token_id)
    if (
        token is None
        or (user_id is not None and token.user_id != user_id)
        or (actor.role is not UserRole.ADMIN and token.user_id != actor.user_id)
    ):
        raise NotFound(f"no API token with id {token_id}")
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = utcnow()
        session.flush()
        record_change(session, actor, ChangeAction.REVOKE, token, before, snapshot(token))
    return token


def authenticate(session: Session, secret: str, now: datetime | None = None) -> Actor | None:
    """The actor behind a bearer token, or None if it is unknown, revoked, expired or disabled."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
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


# --- password logins --------------------------------------------------------------------------


def _account_key(name: str) -> str:
    """What the rate limit counts by: a hash, in case a password was typed as the name."""
    return hashlib.sha256(name.strip().casefold().encode("utf-8")).hexdigest()


def _log_login(
    session: Session,
    action: ChangeAction,
    user: User | None,
    address: str,
    reason: str | None = None,
) -> None:
    """A login event in the change log. An unknown name is not recorded (it may be a password)."""
    after: dict[str, Any] = {"address": address}
    if reason:
        after["reason"] = reason
    succeeded = action is not ChangeAction.LOGIN_FAILED
    session.add(
        ChangeRecord(
            actor_id=user.id if user is not None and succeeded else None,
            actor_name=user.name if user is not None and succeeded else ANONYMOUS,
            action=action,
            object_type=User.__tablename__,
            object_id=str(user.id) if user is not None else "?",
            object_repr=repr(user)[:200] if user is not None else "unknown account",
            before=None,
            after=after,
        )
    )


def login(
    session: Session, name: str, password: str, address: str, now: datetime | None = None
) -> Actor | None:
    """The actor for a correct name and password of an active account, else None.

    Raises TooManyAttempts, without checking the password, once the account name or the
    address has MAX_LOGIN_FAILURES failures within LOGIN_WINDOW. Failures are kept in the
    database so every worker counts them: its use case (``account_cases.log_in``) commits
    whatever the outcome.
    """
    now = now or utcnow()
    account = _account_key(name)
    address = (address or "?")[:64]
    since = now - LOGIN_WINDOW
    user = session.scalar(sa.select(User).where(User.name == name.strip()))

    def failures(column: sa.orm.InstrumentedAttribute[str], value: str) -> int:
        count = session.scalar(
            sa.select(sa.func.count())
            .select_from(LoginAttempt)
            .where(column == value, LoginAttempt.at > since, LoginAttempt.at <= now)
        )
        return count or 0

    if (
        failures(LoginAttempt.account, account) >= MAX_LOGIN_FAILURES
        or failures(LoginAttempt.address, address) >= MAX_LOGIN_FAILURES
    ):
        _log_login(session, ChangeAction.LOGIN_FAILED, user, address, "too many attempts")
        raise TooManyAttempts("too many failed logins; wait a minute and try again")
    usable = user is not None and user.is_active and user.password_hash is not None
    if usable and user is not None and user.password_hash is not None:
        ok = verify_password(user.password_hash, password)
    else:
        _waste_a_verification(password)
        ok = False
    if not ok or user is None:
        session.add(LoginAttempt(at=now, account=account, address=address))
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_ATTEMPTS_KEPT))
        _log_login(session, ChangeAction.LOGIN_FAILED, user, address, "wrong name or password")
        return None
    # A success forgets the account's failures but not the address's: otherwise anyone with
    # an account could reset the count of the address they guess from.
    session.execute(
        sa.update(LoginAttempt).where(LoginAttempt.account == account).values(account="")
    )
    _log_login(session, ChangeAction.LOGIN, user, address)
    return actor_for(user)


def end_sessions(user: User) -> None:
    """End every page session of the user, wherever its cookie was copied to.

    A session cookie is signed, not stored, so it cannot be deleted: the user's epoch moves
    on, and a cookie whose stamp was made under an older epoch no longer opens a page.
    """
    user.session_epoch = (user.session_epoch or 0) + 1


def logout(session: Session, actor: Actor, address: str) -> None:
    """End the user's page sessions (every copy of the cookie) and log it."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is not None:
        end_sessions(user)
        _log_login(session, ChangeAction.LOGOUT, user, (address or "?")[:64])


def session_stamp(user: User) -> str:
    """A value a page session keeps: it changes with the password and the session epoch
    (logout, password change, disabling), ending older sessions."""
    material = f"{user.id}:{user.session_epoch or 0}:{user.password_hash or ''}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def actor_for_session(session: Session, user_id: int, stamp: str) -> Actor | None:
    """The actor of a page session, or None once the user is disabled or changed password."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.password_hash is None:
        return None
    if not hmac.compare_digest(session_stamp(user), stamp):
        return None
    return actor_for(user)
