"""SNMP credential profiles: v1/v2c communities and v3 users, secrets encrypted at rest.

Services take plaintext ``community`` / ``auth_key`` / ``priv_key`` and store only their Fernet
tokens; nothing here returns or logs a secret. ``reveal`` is for the collector alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from inventory.actor import Actor
from inventory.choices import SnmpAuthProtocol, SnmpPrivProtocol, SnmpVersion
from inventory.errors import Conflict, duplicate
from inventory.fieldspec import message
from inventory.models import Device, SnmpCredential
from inventory.models.base import utcnow
from inventory.models.network import CREDENTIAL_FIELDS, CredentialValues
from inventory.secretbox import SecretBox, SecretBoxError
from inventory.services.children import enums_of
from inventory.services.common import (
    PageRequest,
    PageResult,
    add_object,
    change_object,
    coerce_enums,
    delete_object,
    get_or_404,
    paginate,
    raise_if,
    sortable,
)
from inventory.services.entity import EntityService

SORTABLE = sortable(SnmpCredential, "name version secrets_updated_at updated_at")

# Plaintext input key → the column that holds its Fernet token.
SECRET_COLUMNS: dict[str, str] = {
    "community": "community_enc",
    "auth_key": "auth_key_enc",
    "priv_key": "priv_key_enc",
}
COMMUNITY_FIELDS = ("community",)
V3_FIELDS = ("username", "auth_protocol", "auth_key", "priv_protocol", "priv_key")
ENUMS = enums_of(CREDENTIAL_FIELDS)
PLAIN_FIELDS = ("name", "version", "username", "auth_protocol", "priv_protocol", "notes")


@dataclass(frozen=True, repr=False)
class PlainCredential:
    """A credential with its secrets decrypted, for the collector; its repr masks the secrets."""

    version: SnmpVersion
    community: str | None
    username: str | None
    auth_protocol: SnmpAuthProtocol | None
    auth_key: str | None
    priv_protocol: SnmpPrivProtocol | None
    priv_key: str | None

    def __repr__(self) -> str:
        def mask(value: str | None) -> str:
            return "None" if value is None else "'***'"

        return (
            f"PlainCredential(version={self.version.value}, community={mask(self.community)}, "
            f"username={self.username!r}, auth_protocol={_value(self.auth_protocol)}, "
            f"auth_key={mask(self.auth_key)}, priv_protocol={_value(self.priv_protocol)}, "
            f"priv_key={mask(self.priv_key)})"
        )


def _value(member: StrEnum | None) -> str:
    return "None" if member is None else member.value


def reveal(box: SecretBox, credential: SnmpCredential) -> PlainCredential:
    """Decrypt a credential's secrets (SecretBoxError if the configured keys cannot)."""

    def plain(token: str | None) -> str | None:
        return None if token is None else box.decrypt(token)

    return PlainCredential(
        version=credential.version,
        community=plain(credential.community_enc),
        username=credential.username,
        auth_protocol=credential.auth_protocol,
        auth_key=plain(credential.auth_key_enc),
        priv_protocol=credential.priv_protocol,
        priv_key=plain(credential.priv_key_enc),
    )


def security_level(credential: SnmpCredential) -> str:
    """``community`` for v1/v2c, else the SNMPv3 level: ``authNoPriv`` or ``authPriv``."""
    if credential.version is not SnmpVersion.V3:
        return "community"
    if credential.priv_protocol in (None, SnmpPrivProtocol.NONE):
        return "authNoPriv"
    return "authPriv"


def list_credentials(
    session: Session, actor: Actor, page: PageRequest
) -> PageResult[SnmpCredential]:
    """One page of credential profiles (never their secrets)."""
    return paginate(session, sa.select(SnmpCredential), page, SORTABLE, "name", SnmpCredential.id)


def get_credential(session: Session, actor: Actor, credential_id: int) -> SnmpCredential:
    """The credential profile with this id, or NotFound."""
    return get_or_404(session, SnmpCredential, credential_id, "SNMP credential")


def _secret_error(key: str, value: Any) -> str | None:
    """Why a plaintext secret is unacceptable (never quoting it), or None."""
    rule = CREDENTIAL_FIELDS.rule(key)
    if not isinstance(value, str):
        return "must be a string"
    if not rule.min_length <= len(value) <= rule.max_length:
        return message("secret_length", low=rule.min_length, high=rule.max_length)
    return None


def _same_secret(box: SecretBox, token: str | None, plaintext: str) -> bool:
    """Whether the stored token already holds ``plaintext`` (an unreadable token does not)."""
    if token is None:
        return False
    try:
        return box.decrypt(token) == plaintext
    except SecretBoxError:
        return False


def _columns(
    session: Session,
    box: SecretBox,
    credential: SnmpCredential | None,
    data: CredentialValues,
) -> dict[str, Any]:
    """Validate ``data`` against the stored state; return the column values to write.

    On an update a stored secret counts as present, and switching version clears the fields
    and secrets that no longer apply.
    """
    errors: dict[str, list[str]] = {}
    # Read by name below: each rule here applies to a group of fields (secrets, v3 fields).
    given: Mapping[str, Any] = coerce_enums(data, ENUMS, errors)

    def current(key: str) -> Any:
        if key in given:
            return given[key]
        return None if credential is None else getattr(credential, key)

    for key in CREDENTIAL_FIELDS.required:
        if key not in errors and current(key) is None:
            errors[key] = ["is required"]
    version = current("version")
    if version is None:
        raise_if(errors)
    is_v3 = version is SnmpVersion.V3
    not_applying = COMMUNITY_FIELDS if is_v3 else V3_FIELDS
    for key in not_applying:
        if given.get(key) is not None:
            errors[key] = [
                "applies to SNMPv1/v2c only" if key == "community" else "applies to SNMPv3 only"
            ]

    columns: dict[str, Any] = {key: given[key] for key in PLAIN_FIELDS if key in given}
    secrets: dict[str, str | None] = {}  # secret key → plaintext to store, or None to clear
    for key in SECRET_COLUMNS:
        if key in given and key not in not_applying:
            value = given[key]
            problem = None if value is None else _secret_error(key, value)
            if problem:
                errors[key] = [problem]
            secrets[key] = value

    def present(key: str) -> bool:
        if key in secrets:
            return secrets[key] is not None
        return credential is not None and getattr(credential, SECRET_COLUMNS[key]) is not None

    if is_v3:
        columns["priv_protocol"] = current("priv_protocol") or SnmpPrivProtocol.NONE
        for key in ("username", "auth_protocol"):
            if key not in errors and current(key) is None:
                errors[key] = ["is required for SNMPv3"]
        if "auth_key" not in errors and not present("auth_key"):
            errors["auth_key"] = ["is required for SNMPv3"]
        if columns["priv_protocol"] is SnmpPrivProtocol.NONE:
            if secrets.get("priv_key") is not None:
                errors.setdefault("priv_key", []).append(
                    "applies only with a priv_protocol other than none"
                )
            secrets["priv_key"] = None
        elif "priv_key" not in errors and not present("priv_key"):
            errors["priv_key"] = [f"is required with priv_protocol {columns['priv_protocol']}"]
        secrets["community"] = None
    else:
        if "community" not in errors and not present("community"):
            errors["community"] = [f"is required for SNMP{version}"]
        columns.update(username=None, auth_protocol=None, priv_protocol=None)
        secrets.update(auth_key=None, priv_key=None)
    raise_if(errors)

    name = current("name")
    clash = session.scalar(
        sa.select(SnmpCredential.id).where(
            SnmpCredential.name == name,
            SnmpCredential.id != (credential.id if credential else -1),
        )
    )
    if clash is not None:
        raise duplicate("name", f"an SNMP credential named {name!r} already exists")

    rotated = False
    for key, plaintext in secrets.items():
        column = SECRET_COLUMNS[key]
        stored = None if credential is None else getattr(credential, column)
        if plaintext is None:
            if stored is not None:
                columns[column] = None
                rotated = True
        elif not _same_secret(box, stored, plaintext):
            columns[column] = box.encrypt(plaintext)
            rotated = True
    if rotated:
        columns["secrets_updated_at"] = utcnow()
    return columns


def create_credential(
    session: Session, actor: Actor, box: SecretBox, data: CredentialValues
) -> SnmpCredential:
    """Create a credential profile from plaintext secrets, which are stored encrypted only."""
    actor.require_write()
    actor.require_admin()
    return add_object(session, actor, SnmpCredential(**_columns(session, box, None, data)))


def update_credential(
    session: Session,
    actor: Actor,
    box: SecretBox,
    credential_id: int,
    changes: CredentialValues,
) -> SnmpCredential:
    """Change some fields or rotate secrets; the merged profile must still be complete."""
    actor.require_write()
    actor.require_admin()
    credential = get_credential(session, actor, credential_id)
    change_object(session, actor, credential, _columns(session, box, credential, changes))
    return credential


def delete_credential(session: Session, actor: Actor, credential_id: int) -> None:
    """Delete a credential profile no device uses (Conflict otherwise)."""
    actor.require_write()
    actor.require_admin()
    credential = get_credential(session, actor, credential_id)
    users = session.scalar(
        sa.select(sa.func.count()).select_from(Device).where(Device.credential_id == credential.id)
    )
    if users:
        raise Conflict(
            f"SNMP credential {credential.name!r} is used by {users} device(s); "
            "move them to another credential first"
        )
    delete_object(session, actor, credential)


# The web layer's handle on credential profiles (api/entities.py). The secret box belongs to
# the running app, so it is asked for at each write; profiles have no list filter.


def service(box: Callable[[], SecretBox]) -> EntityService[SnmpCredential, None, int]:
    """The use cases of credential profiles, sealing secrets with ``box()``."""
    return EntityService(
        list_page=lambda session, actor, _flt, page: list_credentials(session, actor, page),
        get=get_credential,
        add=lambda session, actor, _parent, data: create_credential(session, actor, box(), data),
        change=lambda session, actor, credential_id, changes: update_credential(
            session, actor, box(), credential_id, changes
        ),
        retire=lambda session, actor, credential_id, _on: delete_credential(
            session, actor, credential_id
        ),
    )
