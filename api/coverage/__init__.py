"""Coverage (覆盖率) resource: reports, school evaluations, gap list, trends, exports."""

from flask_smorest import Api

from api.coverage.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/coverage…"""
    api.register_blueprint(blp, url_prefix="/api/v1")
