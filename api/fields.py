"""marshmallow fields and schemas shared by every resource: trimmed text, lists, pages.

A model field's API field comes from its field table (``field_for``): its bounds are read from
the rule each time a value is checked, never copied here."""

from __future__ import annotations

import ipaddress
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from inventory import fieldspec as spec
from inventory.fieldspec import CONTROL_CHARS, message
from inventory.services.common import PageRequest, PageResult

__all__ = ["CONTROL_CHARS", "field_for"]


class Text(fields.String):
    """A string trimmed of surrounding space, bounded, without control characters.

    Blank after trimming is an error for a required field and null for an optional one. The
    bound is a number or a rule (read when a value is checked, so the rule's owner decides).
    """

    def __init__(self, max_length: int | spec.Text | spec.Digits, **kwargs: Any) -> None:
        self.rule = max_length if not isinstance(max_length, int) else spec.Text(max_length)
        kwargs.setdefault("metadata", {})["maxLength"] = self.rule.max_length
        super().__init__(**kwargs)

    @property
    def max_length(self) -> int:
        return self.rule.max_length

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if CONTROL_CHARS.search(text):
            raise ma.ValidationError(message("control_chars"))
        if not text:
            if self.allow_none:
                return None
            raise ma.ValidationError(message("blank"))
        if len(text) > self.max_length:
            raise ma.ValidationError(message("too_long", max_length=self.max_length))
        return text

    def _validate(self, value: Any) -> None:
        # Blank optional text became None above; format validators only apply to text.
        if value is not None:
            super()._validate(value)


class IPAddress(Text):
    """An IPv4 or IPv6 address, stored in its canonical text form."""

    def __init__(self, rule: spec.Address | None = None, **kwargs: Any) -> None:
        super().__init__(spec.Text((rule or spec.Address()).max_length), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        try:
            return str(ipaddress.ip_address(text))
        except ValueError as exc:
            raise ma.ValidationError(message("address")) from exc


class RuleRange(validate.Range):
    """marshmallow's Range, with its bounds read from a rule each time (so they follow it);
    apispec still sees ``min`` and ``max`` for the OpenAPI document."""

    def __init__(self, rule: Any) -> None:
        self.rule = rule
        self.min_inclusive = self.max_inclusive = True
        self.error = message("api_range", low="{min}", high="{max}")

    @property
    def min(self) -> Any:
        return self.rule.low

    @property
    def max(self) -> Any:
        return self.rule.high


class RulePattern(validate.Regexp):
    """A text rule's pattern, read each time."""

    def __init__(self, rule: spec.Text) -> None:
        self.rule = rule
        self.flags = 0
        self.error = rule.pattern_message or message("pattern", pattern="{regex}")

    @property
    def regex(self) -> Any:  # type: ignore[override]
        return self.rule.pattern


def Day(**kwargs: Any) -> fields.Date:
    """A calendar date within the shared date bounds."""
    return fields.Date(validate=RuleRange(spec.DAY), **kwargs)


def digits(count: int | spec.Digits) -> validate.Regexp:
    """Exactly ``count`` ASCII digits."""
    n = count if isinstance(count, int) else count.count
    return validate.Regexp(rf"^[0-9]{{{n}}}$", error=message("digits", count=n))


def code(rule: spec.Digits, **kwargs: Any) -> Text:
    """A code of a rule's digits (a school code, a region code) as a filter or a reference."""
    return Text(rule, validate=digits(rule), **kwargs)


def field_for(f: spec.Field, **kwargs: Any) -> fields.Field[Any]:
    """The marshmallow field of a model field: its rule, and required / defaulted / nullable
    as the field table says (``kwargs`` add a description or override)."""
    rule = f.rule
    if f.required:
        kwargs.setdefault("required", True)
    elif f.nullable:
        kwargs.setdefault("allow_none", True)
    if isinstance(rule, spec.Digits):
        return code(rule, **kwargs)
    if isinstance(rule, spec.Text):
        if rule.pattern is not None:
            kwargs.setdefault("validate", RulePattern(rule))
        return Text(rule, **kwargs)
    if isinstance(rule, spec.Address):
        return IPAddress(rule, **kwargs)
    if isinstance(rule, spec.Whole):
        return fields.Integer(strict=True, validate=RuleRange(rule), **kwargs)
    if isinstance(rule, spec.Decimal | spec.Share):
        return fields.Float(validate=RuleRange(rule), **kwargs)
    if isinstance(rule, spec.Day):
        return fields.Date(validate=RuleRange(rule), **kwargs)
    if isinstance(rule, spec.Choice):
        return fields.Enum(rule.choices, by_value=True, **kwargs)
    raise TypeError(f"no API field for {type(rule).__name__}")


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
