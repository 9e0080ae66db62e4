"""The API docs page: Swagger UI from the locally installed swagger-ui-bundle, no CDN."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, render_template
from swagger_ui_bundle import swagger_ui_path

# The app's own /static: the docs page's script (docs.html asks for it as ``static``).
STATIC_FOLDER = str(Path(__file__).with_name("static"))

assets = Blueprint(
    "docs",
    __name__,
    static_folder=swagger_ui_path,
    static_url_path="/api/v1/docs/assets",
    template_folder="templates",
)


@assets.get("/api/v1/docs")
def docs_page() -> str:
    """Interactive API documentation."""
    return render_template("docs.html")


def init_app(app: Flask) -> None:
    """Serve /api/v1/docs and its assets."""
    app.register_blueprint(assets)
