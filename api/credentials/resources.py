"""SNMP credentials endpoints (being written)."""

from flask_smorest import Blueprint

blp = Blueprint("credentials", __name__, description="SNMP credentials")
