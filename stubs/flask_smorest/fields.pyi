from typing import Any

import marshmallow as ma

class Upload(ma.fields.Field[Any]):
    format: str
    def __init__(self, format: str = ..., **kwargs: Any) -> None: ...
