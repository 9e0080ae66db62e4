"""Classrooms (教室) endpoints (being written)."""

from flask_smorest import Blueprint

blp = Blueprint("classrooms", __name__, description="Classrooms (教室)")
