"""Regions and school types resources."""

from flask_smorest import Api

from api.regions.resources import blp, types_blp


def init_app(api: Api) -> None:
    """Register /api/v1/regions and /api/v1/school-types."""
    api.register_blueprint(blp, url_prefix="/api/v1/regions")
    api.register_blueprint(types_blp, url_prefix="/api/v1/school-types")
