"""Translations and locale formats without a web framework: the gettext catalogues in
inventory/translations (msgid = the English text; Chinese is the default language) and Babel's
number and date formats. Exports and coverage reasons name their language explicitly; the
pages read the same catalogues through Flask-Babel.

The ``.mo`` files are compiled from the ``.po`` sources at build and install time (setup.py);
a missing one is an install error, reported as such rather than served as English."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal
from babel.support import Translations

from inventory import localday

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

# The locales whose conventions the pages have always used: 2025年6月30日 and 30 Jun 2025.
_FORMAT_LOCALES = {"zh": Locale.parse("zh_Hans_CN"), "en": Locale.parse("en_GB")}


class CataloguesMissing(RuntimeError):
    """The compiled catalogues are not installed (run ``pip install -e .`` again)."""


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (a table of templates)."""
    return message


def known(lang: str | None) -> str:
    """The language itself if it is one we translate to, else the default (Chinese)."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def catalogue_path(lang: str) -> Path:
    """Where the compiled catalogue of a language is installed."""
    return TRANSLATIONS_DIR / known(lang) / "LC_MESSAGES" / f"{DOMAIN}.mo"


@cache
def translations(lang: str) -> Translations:
    """The compiled catalogue of a language."""
    path = catalogue_path(lang)
    if not path.is_file():
        raise CataloguesMissing(f"{path} is missing: the catalogues are compiled on install")
    with path.open("rb") as handle:
        return Translations(handle, domain=DOMAIN)


def translate(lang: str, message: str, **values: Any) -> str:
    """A message in a language, with ``%(name)s`` placeholders filled from ``values``."""
    text = translations(known(lang)).gettext(message)
    return text % values if values else text


def ptranslate(lang: str, context: str, message: str, **values: Any) -> str:
    """A message that needs a context to be told apart from the same English words."""
    text = str(translations(known(lang)).pgettext(context, message))
    return text % values if values else text


def locale(lang: str) -> Locale:
    """The Babel locale whose formats a language uses."""
    return _FORMAT_LOCALES[known(lang)]


def number(lang: str, value: float | int | None, digits: int = 0) -> str:
    """A number with the locale's grouping; a dash for none."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=locale(lang))


def percent(lang: str, share: float | None, digits: int = 1) -> str:
    """A share from 0 to 1 as a percentage; "n/a" in the language where nothing is counted."""
    if share is None:
        return translate(lang, "n/a")
    return number(lang, share * 100, digits) + "%"


def day(lang: str, value: date | str | None) -> str:
    """A date: 2025年6月30日 or 30 Jun 2025."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, "medium", locale=locale(lang))


def month(lang: str, value: date | str) -> str:
    """A month: 2025年6月 or Jun 2025."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_skeleton("yMMM", value, locale=locale(lang))


def moment(lang: str, value: datetime | None) -> str:
    """A date and time of day on the bureau's clock: 2025年6月30日 20:05 or 30 Jun 2025 20:05.

    Naive values are UTC, as stored.
    """
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = localday.local(value)
    clock = format_datetime(local, "HH:mm", tzinfo=local.tzinfo, locale=locale(lang))
    return f"{day(lang, local.date())} {clock}"


def duration(lang: str, span: timedelta) -> str:
    """A duration in whole minutes: 2 小时 5 分 or 2 h 5 min (days beyond a day)."""
    minutes = int(span.total_seconds() // 60)
    d, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    parts = []
    if d:
        parts.append(translate(lang, "%(count)s d", count=d))
    if h or d:
        parts.append(translate(lang, "%(count)s h", count=h))
    parts.append(translate(lang, "%(count)s min", count=m))
    return " ".join(parts)
