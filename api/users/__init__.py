"""Users resource: accounts (admins), who am I, and everyone's own API tokens."""

from flask_smorest import Api

from api.users.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/users."""
    api.register_blueprint(blp, url_prefix="/api/v1/users")
