# Types for the part of flask-smorest 0.47 this project uses (the package ships none).
#
# The view decorators return the view unchanged as far as the type checker is concerned:
# flask-smorest's wrappers fill the view's extra arguments (the loaded body, the query) and
# serialize what it returns, and only Flask calls a view, never our code.
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import flask
import marshmallow as ma
from apispec import APISpec
from webargs.flaskparser import abort as abort
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

_View = TypeVar("_View", bound=Callable[..., Any])

_Schema = type[ma.Schema] | ma.Schema | str | dict[str, Any]

class Page:
    collection: Any
    page_params: Any
    def __init__(self, collection: Any, page_params: Any) -> None: ...
    @property
    def items(self) -> Any: ...
    @property
    def item_count(self) -> int: ...

class Blueprint(flask.Blueprint):
    HTTP_METHODS: list[str]
    description: str
    def __init__(
        self, name: str, import_name: str, *args: Any, description: str = ..., **kwargs: Any
    ) -> None: ...
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = ...,
        view_func: Callable[..., Any] | None = ...,
        provide_automatic_options: bool | None = ...,
        *,
        parameters: Sequence[str | dict[str, Any]] | None = ...,
        tags: Sequence[str] | None = ...,
        **options: Any,
    ) -> None: ...
    def route(
        self,
        rule: str,
        *,
        parameters: Sequence[str | dict[str, Any]] | None = ...,
        tags: Sequence[str] | None = ...,
        **options: Any,
    ) -> Callable[[_View], _View]: ...
    def arguments(
        self,
        schema: type[ma.Schema] | ma.Schema,
        *,
        location: str = ...,
        content_type: str | None = ...,
        required: bool = ...,
        description: str | None = ...,
        example: Any = ...,
        examples: Mapping[str, Any] | None = ...,
        **kwargs: Any,
    ) -> Callable[[_View], _View]: ...
    def response(
        self,
        status_code: int | str,
        schema: _Schema | None = ...,
        *,
        content_type: str | None = ...,
        description: str | None = ...,
        example: Any = ...,
        examples: Mapping[str, Any] | None = ...,
        headers: Mapping[str, Any] | None = ...,
    ) -> Callable[[_View], _View]: ...
    def alt_response(
        self,
        status_code: int | str,
        response: str | None = ...,
        *,
        schema: _Schema | None = ...,
        content_type: str | None = ...,
        description: str | None = ...,
        example: Any = ...,
        examples: Mapping[str, Any] | None = ...,
        headers: Mapping[str, Any] | None = ...,
        success: bool = ...,
    ) -> Callable[[_View], _View]: ...
    def paginate(
        self,
        pager: type[Page] | None = ...,
        *,
        page: int | None = ...,
        page_size: int | None = ...,
        max_page_size: int | None = ...,
    ) -> Callable[[_View], _View]: ...
    @staticmethod
    def doc(**kwargs: Any) -> Callable[[_View], _View]: ...
    def etag(self, obj: Any) -> Any: ...
    def check_etag(self, etag_data: Any, etag_schema: Any = ...) -> None: ...
    def set_etag(self, etag_data: Any, etag_schema: Any = ...) -> None: ...

class Api:
    ERROR_SCHEMA: type[ma.Schema]
    config_prefix: str
    config: Mapping[str, Any] | None
    spec: APISpec | None
    def __init__(
        self,
        app: flask.Flask | None = ...,
        *,
        spec_kwargs: dict[str, Any] | None = ...,
        config_prefix: str = ...,
    ) -> None: ...
    def init_app(self, app: flask.Flask, *, spec_kwargs: dict[str, Any] | None = ...) -> None: ...
    def register_blueprint(
        self,
        blp: Blueprint,
        *,
        parameters: Sequence[str | dict[str, Any]] | None = ...,
        **options: Any,
    ) -> None: ...
    def register_converter(
        self, converter: type[BaseConverter], func: Callable[[Any], dict[str, Any]]
    ) -> None: ...
    def register_field(self, field: type[ma.fields.Field[Any]], *args: Any) -> None: ...
    def handle_http_exception(self, error: HTTPException) -> Any: ...
