"""Campus networks (校园网) endpoints (being written)."""

from flask_smorest import Blueprint

blp = Blueprint("networks", __name__, description="Campus networks (校园网)")
