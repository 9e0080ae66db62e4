"""Print the API's OpenAPI document as sorted JSON, for diffing two revisions.

    python .ci/openapi_dump.py > before.json   # on one revision
    python .ci/openapi_dump.py > after.json    # on another
    diff before.json after.json

Builds the app on a throwaway SQLite file with test keys; reads only /api/v1/openapi.json.
"""

from __future__ import annotations

import importlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet


def _factory() -> Any:
    for module in ("web", "api"):  # the composition root moved out of api/ in issue 13
        try:
            return importlib.import_module(module).create_app
        except (ImportError, AttributeError):
            continue
    raise SystemExit("no create_app in web or api")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = _factory()(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'openapi.db'}",
                "FERNET_KEYS": Fernet.generate_key().decode(),  # thrown away with the file
                "SECRET_KEY": "openapi-dump",
            }
        )
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        app.extensions["digicampus"].engine.dispose()
    json.dump(document, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
