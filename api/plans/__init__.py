"""Plans (规划) and milestones (目标) resource."""

from flask_smorest import Api

from api.plans.resources import blp


def init_app(api: Api) -> None:
    """Register /api/v1/plans and /api/v1/milestones."""
    api.register_blueprint(blp, url_prefix="/api/v1")
