"""marshmallow fields and schemas shared by every resource: trimmed text, lists, pages."""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from inventory.services.common import PageRequest, PageResult

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


class Text(fields.String):
    """A string trimmed of surrounding space, bounded, without control characters.

    Blank after trimming is an error for a required field and null for an optional one.
    """

    def __init__(self, max_length: int, **kwargs: Any) -> None:
        self.max_length = max_length
        kwargs.setdefault("metadata", {})["maxLength"] = max_length
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if CONTROL_CHARS.search(text):
            raise ma.ValidationError("must not contain control characters")
        if not text:
            if self.allow_none:
                return None
            raise ma.ValidationError("must not be blank")
        if len(text) > self.max_length:
            raise ma.ValidationError(f"must be at most {self.max_length} characters")
        return text

    def _validate(self, value: Any) -> None:
        # Blank optional text became None above; format validators only apply to text.
        if value is not None:
            super()._validate(value)


class IPAddress(Text):
    """An IPv4 or IPv6 address, stored in its canonical text form."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(45, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            return str(ipaddress.ip_address(text))
        except ValueError as exc:
            raise ma.ValidationError("must be an IPv4 or IPv6 address") from exc


def Count(maximum: int, **kwargs: Any) -> fields.Integer:
    """A whole number from 0 to ``maximum``; strings and fractions are rejected."""
    return fields.Integer(strict=True, validate=validate.Range(0, maximum), **kwargs)


def Mbps(**kwargs: Any) -> fields.Integer:
    """A bandwidth in Mbps: positive and at most 400 Gbps."""
    return fields.Integer(strict=True, validate=validate.Range(1, 400_000), **kwargs)


def Day(**kwargs: Any) -> fields.Date:
    """A calendar date between 1900 and 2100."""
    return fields.Date(validate=validate.Range(EARLIEST, LATEST), **kwargs)


def digits(count: int) -> validate.Regexp:
    """Exactly ``count`` ASCII digits."""
    return validate.Regexp(rf"^[0-9]{{{count}}}$", error=f"must be exactly {count} digits")


class ListArgs(ma.Schema):
    """Paging shared by every list; resources add ``sort`` and their filters."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 1000))


def sort_field(sortable: dict[str, Any], default: str) -> fields.String:
    """``sort`` query parameter allowing each sortable field, ascending or with ``-`` descending."""
    choices = [name for key in sorted(sortable) for name in (key, f"-{key}")]
    return fields.String(
        load_default=default,
        validate=validate.OneOf(choices),
        metadata={"description": "Field to sort by; prefix with - for descending."},
    )


def page_schema(item: type[ma.Schema]) -> type[ma.Schema]:
    """The envelope of one page of ``item``: total count, page, per_page, results."""
    name = item.__name__.removesuffix("Schema")
    return ma.Schema.from_dict(
        {
            "count": fields.Integer(metadata={"description": "Total across all pages"}),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "results": fields.List(fields.Nested(item)),
        },
        name=f"{name}PageSchema",
    )


def page_body(result: PageResult[Any]) -> dict[str, Any]:
    """The envelope values of a service's page result."""
    return {
        "count": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "results": result.items,
    }


def page_request(args: dict[str, Any]) -> PageRequest:
    """Pop the paging and sort arguments into the services' PageRequest; the rest are filters."""

    return PageRequest(
        page=args.pop("page", 1), per_page=args.pop("per_page", 50), sort=args.pop("sort", None)
    )
