"""Network links (网络链路) endpoints (being written)."""

from flask_smorest import Blueprint

blp = Blueprint("links", __name__, description="Network links (网络链路)")
