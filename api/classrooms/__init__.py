"""Classrooms (教室) resource."""

from flask_smorest import Api

from api.classrooms.resources import blp


def init_app(api: Api) -> None:
    """Register the Classrooms (教室) endpoints."""
    api.register_blueprint(blp)
