"""People, the schools they look after, API tokens and failed logins."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory import fieldspec as spec
from inventory.choices import UserRole
from inventory.models.base import Base, Timestamped, enum_type

if TYPE_CHECKING:
    from inventory.models.schools import School

USER_FIELDS = spec.table(
    "app_user",
    name=spec.Field(spec.ACCOUNT_NAME, required=True),
    role=spec.Field(spec.Choice(UserRole), required=True),
    region_code=spec.Field(spec.REGION_CODE),
)

TOKEN_FIELDS = spec.table(
    "api_token",
    label=spec.Field(spec.Text(64)),
    # Not a column: a new token's lifetime, from which ``expires_at`` is set.
    expires_in_days=spec.Field(spec.Whole(1, 3650, unit="days")),
)

# Which schools a school-staff account looks after (one or more).
user_school = sa.Table(
    "user_school",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "school_id", sa.ForeignKey("school.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class User(Timestamped, Base):
    """A person or service account.

    ``region_code`` scopes a region admin (and optionally a viewer) to that region's subtree;
    ``schools`` scopes school staff. ``password_hash`` (scrypt) is None for token-only accounts.
    """

    __tablename__ = "app_user"
    __secret_columns__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(USER_FIELDS.sql_type("name"), unique=True)
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole))
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("region.code"))
    is_active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    # Part of every page session's stamp: moving it on ends every copy of older cookies.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")
    schools: Mapped[list[School]] = relationship(
        secondary=user_school, order_by="School.code", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"User({self.id}, {self.name!r}, {self.role.value})"


class ApiToken(Base):
    """A bearer token; only the SHA-256 of the token is kept, never the token itself."""

    __tablename__ = "api_token"
    __secret_columns__ = ("token_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str | None] = mapped_column(TOKEN_FIELDS.sql_type("label"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"ApiToken({self.id}, user={self.user_id}, {self.prefix}…)"


class LoginAttempt(Base):
    """A failed password login, kept a short while to rate-limit guessing.

    Shared by every worker through the database. ``account`` is a hash of the name typed in
    (people sometimes type their password there), ``address`` the client address.
    """

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    account: Mapped[str] = mapped_column(sa.String(64))
    address: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.Index("ix_login_attempt_account_at", "account", "at"),
        sa.Index("ix_login_attempt_address_at", "address", "at"),
    )

    def __repr__(self) -> str:
        return f"LoginAttempt({self.id}, at={self.at.isoformat()})"
