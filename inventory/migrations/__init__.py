"""Alembic migrations of the inventory schema (run with ``digicampus db upgrade``)."""
