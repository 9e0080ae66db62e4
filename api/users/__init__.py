"""Users resource: who am I (account management comes with roles)."""

from flask_smorest import Api

from api.users.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/users."""
    api.register_blueprint(blp, url_prefix="/api/v1/users")
