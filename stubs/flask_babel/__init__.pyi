# Types for the part of Flask-Babel 4 this project uses (it ships no py.typed marker).
from collections.abc import Callable
from typing import Any

from babel import Locale
from flask import Flask
from flask_babel.speaklater import LazyString

class Babel:
    def __init__(
        self,
        app: Flask | None = ...,
        date_formats: dict[str, str | None] | None = ...,
        configure_jinja: bool = ...,
        *args: Any,
        **kwargs: Any,
    ) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = ...,
        default_domain: str = ...,
        default_translation_directories: str = ...,
        default_timezone: str = ...,
        locale_selector: Callable[[], str | None] | None = ...,
        timezone_selector: Callable[[], str | None] | None = ...,
    ) -> None: ...

def get_locale() -> Locale | None: ...
def gettext(string: str, **variables: Any) -> str: ...
def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str: ...
def pgettext(context: str, string: str, **variables: Any) -> str: ...
def lazy_gettext(string: str, **variables: Any) -> LazyString: ...
def lazy_pgettext(context: str, string: str, **variables: Any) -> LazyString: ...
