"""People and API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inventory.choices import UserRole
from inventory.models.base import Base, Timestamped, enum_type


class User(Timestamped, Base):
    """A person or service account. ``region_code`` scopes a region admin (roles issue)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[UserRole] = mapped_column(enum_type(UserRole))
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("region.code"))
    is_active: Mapped[bool] = mapped_column(default=True)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"User({self.id}, {self.name!r}, {self.role.value})"


class ApiToken(Base):
    """A bearer token; only the SHA-256 of the token is kept, never the token itself."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    label: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"ApiToken({self.id}, user={self.user_id}, {self.prefix}…)"
