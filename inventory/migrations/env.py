"""Alembic environment: runs on the connection handed in by ``inventory.migrate``."""

from alembic import context

from inventory.models import Base

target_metadata = Base.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER needs table rebuilds
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
