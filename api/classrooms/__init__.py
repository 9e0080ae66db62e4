"""Classrooms (教室) resource."""

from flask_smorest import Api

from api.classrooms.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/schools/<code>/classrooms and /api/v1/classrooms."""
    api.register_blueprint(blp, url_prefix="/api/v1")
