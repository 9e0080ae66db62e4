"""SNMP credential schemas: secrets go in (load_only) and never come out."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from api.fields import CONTROL_CHARS, ListArgs, field_for, page_schema, sort_field
from inventory import fieldspec as spec
from inventory.models.network import CREDENTIAL_FIELDS as F
from inventory.services import credentials

SECURITY_LEVELS = ["community", "authNoPriv", "authPriv"]


class Secret(fields.String):
    """A write-only secret: taken exactly as given (never trimmed), bounded, never dumped."""

    def __init__(self, rule: spec.Secret, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(format="password", writeOnly=True)
        super().__init__(load_only=True, allow_none=True, validate=_Length(rule), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL_CHARS.search(text):
            raise ma.ValidationError("must not contain control characters")
        if text != text.strip():
            raise ma.ValidationError("must not begin or end with white space")
        return text


class _Length(validate.Length):
    """marshmallow's Length with the bounds of a secret's rule, read each time."""

    def __init__(self, rule: spec.Secret) -> None:
        self.rule = rule
        self.equal = None
        self.error = None

    @property
    def min(self) -> int:  # type: ignore[override]
        return self.rule.min_length

    @property
    def max(self) -> int:  # type: ignore[override]
        return self.rule.max_length


def _has(column: str) -> fields.Function:
    return fields.Function(
        lambda credential: getattr(credential, column) is not None,
        dump_only=True,
        metadata={"type": "boolean", "description": "Whether the secret is set"},
    )


class CredentialSchema(ma.Schema):
    """An SNMP credential profile; secrets are write-only and stored encrypted."""

    id = fields.Integer(dump_only=True)
    name = field_for(F["name"])
    version = field_for(F["version"])
    community = Secret(
        F.rule("community"), metadata={"description": "v1/v2c community (write-only)"}
    )
    username = field_for(F["username"], metadata={"description": "SNMPv3 user"})
    auth_protocol = field_for(F["auth_protocol"])
    auth_key = Secret(F.rule("auth_key"), metadata={"description": "SNMPv3 auth key (write-only)"})
    priv_protocol = field_for(
        F["priv_protocol"], metadata={"description": "SNMPv3 privacy; default none"}
    )
    priv_key = Secret(
        F.rule("priv_key"), metadata={"description": "SNMPv3 privacy key (write-only)"}
    )
    security_level = fields.Function(
        credentials.security_level,
        dump_only=True,
        metadata={"type": "string", "enum": SECURITY_LEVELS},
    )
    has_community = _has("community_enc")
    has_auth_key = _has("auth_key_enc")
    has_priv_key = _has("priv_key_enc")
    secrets_updated_at = fields.DateTime(dump_only=True)
    notes = field_for(F["notes"])
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


CredentialPageSchema = page_schema(CredentialSchema)


class CredentialListArgs(ListArgs):
    """Paging and order of the credential list."""

    sort = sort_field(credentials.SORTABLE, "name")
