"""The pages' language: Chinese by default, English with ``?lang=en`` (the choice sticks in a
cookie). Texts come from the gettext catalogues through Flask-Babel; numbers and dates are
written by Babel the way each language writes them (inventory/i18n.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request
from flask_babel import Babel

from dashboards.texts import KEYED
from inventory import i18n as catalogues
from inventory.choices import ChoiceSet
from inventory.choices import MilestoneStatus as MilestoneStatus  # read by dashboards/__init__
from inventory.choices import Tier as Tier  # read by dashboards/__init__

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600

LANGUAGES = catalogues.LANGUAGES


def init_app(app: Flask) -> None:
    """Serve the catalogues through Flask-Babel, in the language ``language()`` picks."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", catalogues.DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(catalogues.TRANSLATIONS_DIR))
    for lang in LANGUAGES:
        catalogues.translations(lang)  # a missing catalogue stops the start, not a page
    Babel(app, locale_selector=language)


def language() -> str:
    """The request's ``?lang=`` if it names a language, else the remembered choice, else zh."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def remember_language(response: Response) -> Response:
    """Keep a ``?lang=`` choice in a cookie so that later pages open in that language."""
    asked = request.args.get("lang")
    if request.path.startswith("/api/"):
        return response  # the API's ?lang= names a file's language, not the reader's
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE, asked, max_age=LANG_COOKIE_MAX_AGE, httponly=True, samesite="Lax"
        )
    return response


def switch_url(lang: str) -> str:
    """This page in the other language (its other query arguments kept)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", lang)])


def number(value: Any, digits: int = 0) -> str:
    """A number with thousands separators; a dash for none."""
    return catalogues.number(language(), value, digits)


def percent(share: float | None, digits: int = 1) -> str:
    """A share from 0 to 1 as a percentage; "n/a" where nothing is counted."""
    return catalogues.percent(language(), share, digits)


def day(value: date | None) -> str:
    """A date: 2025年6月30日 or 30 Jun 2025; a dash for none. Pages pass dates, never text."""
    return catalogues.day(language(), value)


def month(value: date) -> str:
    """A month: 2025年6月 or Jun 2025."""
    return catalogues.month(language(), value)


def moment(value: datetime | None) -> str:
    """A time of day with its date on the bureau's clock: 2025年6月30日 20:05 or 30 Jun 2025 20:05."""
    return catalogues.moment(language(), value)


def hours(span: timedelta) -> str:
    """A duration: 2 小时 5 分 or 2 h 5 min (days beyond a day)."""
    return catalogues.duration(language(), span)


def region_name(region: Any) -> str:
    """A region's name (an object or a report's region body) in the request's language."""
    if isinstance(region, dict):
        return str(region["name_en"] if language() == "en" else region["name_zh"])
    return str(region.name_en if language() == "en" else region.name_zh)


def value_label(kind: type[StrEnum], value: str | None) -> str:
    """The label of an enum value given as its string."""
    if value is None:
        return "—"
    try:
        return label(kind(value))
    except ValueError:
        return value


def texts() -> Mapping[str, Any]:
    """The texts that templates look up by a computed key (a form's title, a field's label)."""
    return KEYED


def label(member: StrEnum) -> str:
    """The label of an enum value in the request's language."""
    if isinstance(member, ChoiceSet):
        return member.label(language())
    return member.value


def lang_query() -> dict[str, Any]:
    """Query arguments that keep the language across links and forms.

    Typed ``Any`` so that ``url_for(..., **lang_query())`` checks: a ``str`` value could land
    in url_for's own ``_external: bool`` as far as the type checker knows."""
    return {"lang": "en"} if language() == "en" else {}
