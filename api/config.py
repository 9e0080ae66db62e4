"""Configuration: defaults, then ``instance/config.py``, then ``DIGICAMPUS_*`` environment."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from inventory.secretbox import SecretBox

DEFAULTS: dict[str, Any] = {
    "API_TITLE": "digicampus",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "Inventory of school digital campuses: regions, schools, campus "
            "networks, uplinks, devices, SNMP credentials, classrooms and the change log. "
            "Every call needs `Authorization: Bearer <token>` "
            "(create one with `digicampus users create-admin NAME`)."
        },
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    },
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Empty means "SQLite in the instance folder"; FERNET_KEYS empty means "the instance key file".
    "DATABASE_URL": "",
    "FERNET_KEYS": "",
}


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment, then tests."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("DIGICAMPUS")
    else:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'digicampus.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app, "secret_key", os.urandom(32).hex())


def fernet_keys(app: Flask) -> list[str]:
    """Encryption keys for SNMP secrets: configured (comma-separated), else the instance key file."""
    keys = app.config["FERNET_KEYS"]
    if isinstance(keys, str):
        keys = [key.strip() for key in keys.split(",") if key.strip()]
    if keys:
        return list(keys)
    return [_instance_secret(app, "fernet.key", SecretBox.generate_key())]


def _instance_secret(app: Flask, name: str, new_value: str) -> str:
    """Read a secret file from the instance folder, creating it (mode 0600) on first use."""
    path = Path(app.instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_value)
        app.logger.info("generated %s in the instance folder", name)
    return path.read_text().strip()
