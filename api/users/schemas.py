"""Account schemas: users with their scope, API tokens. Passwords and tokens go in, never out
(a new token is shown once, in the answer that creates it)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from api.fields import (
    CONTROL_CHARS,
    ListArgs,
    Text,
    code,
    field_for,
    page_schema,
    sort_field,
)
from inventory.choices import UserRole
from inventory.fieldspec import SCHOOL_CODE
from inventory.models.accounts import TOKEN_FIELDS, USER_FIELDS
from inventory.services.account_cases import NewUser, TokenRequest
from inventory.services.accounts import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, SORTABLE


class Password(fields.String):
    """A write-only password: taken exactly as given (never trimmed) and never dumped."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(
            format="password",
            writeOnly=True,
            description=f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
        )
        super().__init__(load_only=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL_CHARS.search(text):
            raise ma.ValidationError("must not contain control characters")
        return text


def _school_codes(user: Any) -> list[str]:
    return [school.code for school in user.schools]


class UserSchema(ma.Schema):
    """An account: its role and scope (a region for region admins and viewers, schools for
    school staff). Never its password."""

    id = fields.Integer()
    name = fields.String()
    role = fields.Enum(UserRole, by_value=True)
    region_code = fields.String(allow_none=True)
    schools = fields.Function(_school_codes, metadata={"description": "School codes"})
    is_active = fields.Boolean()
    has_password = fields.Function(
        lambda user: user.password_hash is not None,
        metadata={"description": "Whether the account can log in to the pages"},
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class UserCreateSchema(ma.Schema):
    """A new account. Without a password it can only use API tokens."""

    name = field_for(USER_FIELDS["name"])
    role = field_for(USER_FIELDS["role"])
    region_code = field_for(
        USER_FIELDS["region_code"],
        metadata={"description": "Region admins (required) and viewers (optional)"},
    )
    schools = fields.List(
        code(SCHOOL_CODE),
        metadata={"description": "School codes, for school staff (at least one)"},
    )
    is_active = fields.Boolean()
    password = Password(allow_none=True)

    @ma.post_load
    def _new_user(self, data: dict[str, Any], **_kwargs: Any) -> NewUser:
        return NewUser(**{**data, "role": UserRole(data["role"])})


class UserPatchSchema(ma.Schema):
    """What an admin may change about an account; the name is fixed."""

    role = fields.Enum(UserRole, by_value=True)
    region_code = field_for(USER_FIELDS["region_code"])
    schools = fields.List(code(SCHOOL_CODE))
    is_active = fields.Boolean()
    password = Password()


UserPageSchema = page_schema(UserSchema)


class UserListArgs(ListArgs):
    """Filters of the user list."""

    role = fields.Enum(UserRole, by_value=True)
    is_active = fields.Boolean()
    q = Text(64, metadata={"description": "Part of the name"})
    sort = sort_field(SORTABLE, "name")


class TokenSchema(ma.Schema):
    """An API token as its owner sees it: never the token, only its first characters."""

    id = fields.Integer()
    prefix = fields.String(metadata={"description": "The first characters of the token"})
    label = fields.String(allow_none=True)
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    """A token just created: ``token`` is shown this once and cannot be read again."""

    token = fields.String(metadata={"description": "The bearer token: store it now"})


class TokenCreateSchema(ma.Schema):
    """A new token: a label to recognise it, and optionally a lifetime."""

    label = field_for(TOKEN_FIELDS["label"])
    expires_in_days = field_for(
        TOKEN_FIELDS["expires_in_days"],
        metadata={"description": "Days until the token stops working; none: no expiry"},
    )

    @ma.post_load
    def _request(self, data: dict[str, Any], **_kwargs: Any) -> TokenRequest:
        return TokenRequest(**data)
