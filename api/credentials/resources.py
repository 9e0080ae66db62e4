"""SNMP credential endpoints: /api/v1/snmp-credentials (secrets are write-only)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from api import runtime
from api.auth import current_actor
from api.credentials.schemas import CredentialListArgs, CredentialPageSchema, CredentialSchema
from api.fields import page_body, page_request
from inventory.models import SnmpCredential
from inventory.services import credentials

blp = Blueprint(
    "credentials",
    __name__,
    description="SNMP credentials: profiles shared by devices; secrets are write-only",
)


@blp.route("/snmp-credentials")
class Credentials(MethodView):
    """The collection of SNMP credential profiles."""

    @blp.arguments(CredentialListArgs, location="query")
    @blp.response(200, CredentialPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List SNMP credential profiles (without their secrets)."""
        page = page_request(args)
        return page_body(credentials.list_credentials(runtime.session(), current_actor(), page))

    @blp.arguments(CredentialSchema)
    @blp.response(201, CredentialSchema)
    def post(self, data: dict[str, Any]) -> SnmpCredential:
        """Create an SNMP credential profile (admins only)."""
        session = runtime.session()
        credential = credentials.create_credential(
            session, current_actor(), runtime.runtime().secret_box, data
        )
        session.commit()
        return credential


@blp.route("/snmp-credentials/<id:credential_id>")
class CredentialItem(MethodView):
    """One SNMP credential profile, by id."""

    @blp.response(200, CredentialSchema)
    def get(self, credential_id: int) -> SnmpCredential:
        """Get an SNMP credential profile (without its secrets)."""
        return credentials.get_credential(runtime.session(), current_actor(), credential_id)

    @blp.arguments(CredentialSchema(partial=True))
    @blp.response(200, CredentialSchema)
    def patch(self, changes: dict[str, Any], credential_id: int) -> SnmpCredential:
        """Change some fields or rotate secrets of a credential profile (admins only)."""
        session = runtime.session()
        credential = credentials.update_credential(
            session, current_actor(), runtime.runtime().secret_box, credential_id, changes
        )
        session.commit()
        return credential

    @blp.response(204)
    def delete(self, credential_id: int) -> None:
        """Delete a credential profile that no device uses (admins only)."""
        session = runtime.session()
        credentials.delete_credential(session, current_actor(), credential_id)
        session.commit()
