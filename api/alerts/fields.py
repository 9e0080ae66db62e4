"""Fields the alert schemas need beyond api/fields.py: times typed on the bureau's clock,
a yes/no that takes only JSON booleans, and values read off an object by a function."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields
from sqlalchemy.orm import object_session

from api.fields import Text, digits
from inventory import localday
from inventory.fieldspec import SCHOOL_CODE
from inventory.services.alerting.placement import school_code_of


class Flag(fields.Boolean):
    """A JSON true or false; strings and numbers (even 0 and 1) are rejected."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Moment(fields.DateTime):
    """An ISO 8601 time; one without a zone is on the bureau's clock (a page's date-time
    input gives none). Written out in UTC."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment: datetime = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=localday.zone())
        return moment

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Read(fields.Field[Any]):
    """A value computed from the object when dumped (``read``), loaded by ``inner``."""

    def __init__(self, read: Callable[[Any], Any], inner: fields.Field[Any], **kwargs: Any) -> None:
        self.read = read
        self.inner = inner
        kwargs.setdefault("metadata", {}).update(inner.metadata)
        super().__init__(**kwargs)

    def get_value(
        self,
        obj: Any,
        attr: str,
        accessor: Callable[[Any, str, Any], Any] | None = None,
        default: Any = ma.missing,
    ) -> Any:
        return self.read(obj)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        return self.inner.deserialize(value, attr, data, **kwargs)


def school_code_field(description: str, **kwargs: Any) -> Read:
    """A school by its code: written as its code, read by a lookup of its id."""

    def read(obj: Any) -> str | None:
        session = object_session(obj)
        return None if session is None else school_code_of(session, obj.school_id)

    inner = Text(SCHOOL_CODE, validate=digits(SCHOOL_CODE), allow_none=True)
    metadata = {"type": "string", "description": description}
    return Read(read, inner, allow_none=True, metadata=metadata, **kwargs)
