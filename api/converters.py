"""URL converters: an object id that the database can hold, else the route does not match (404)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; a larger id would be a database error, not a 404


class IdConverter(IntegerConverter):
    """A positive integer id that fits the database's INTEGER."""

    def __init__(self, map: object) -> None:
        super().__init__(map, min=1, max=MAX_ID)  # type: ignore[arg-type]
