"""Settings, framework-free: defaults, then the instance folder's ``config.py``, then the
``DIGICAMPUS_*`` environment, then overrides; checked once, one line per bad setting.

Every entry point loads them here (the web app, gunicorn's hooks, the CLI and the collector
process, which imports no Flask) and hands them to ``api.bootstrap``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from api import instance
from collectors import settings as collector_settings
from inventory import localday
from inventory.secretbox import SecretBox, SecretBoxError

if TYPE_CHECKING:
    from flask import Flask

ENV_PREFIX = "DIGICAMPUS_"
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# What a production start (gunicorn) must be told: generated instance files would differ per
# machine, and a worker race on creating them would crash a start.
REQUIRED_IN_PRODUCTION = ("DATABASE_URL", "FERNET_KEYS", "SECRET_KEY")

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
    "MAX_JSON_DEPTH": 32,  # brackets a request's JSON body may nest (api/edge.py)
    "DB_RETRY_AFTER_S": 5,  # Retry-After of the 503 answered while the database is unreachable
    # Empty means "SQLite in the instance folder"; FERNET_KEYS empty means "the instance key file".
    "DATABASE_URL": "",
    "FERNET_KEYS": "",
    # Operations (api/request_log.py, api/metrics.py, api/health.py).
    "LOG_FORMAT": "text",
    "LOG_LEVEL": "INFO",
    "METRICS_DIR": "",  # prometheus_client multiprocess directory; required with several workers
    "METRICS_TOKEN": "",  # if set, /metrics wants "Authorization: Bearer <it>"
    "HEALTH_MAX_CYCLE_AGE_S": 900,  # the newest finished poll cycle may be this old
    # The bureau's day (inventory/localday.py): dates people read are local to this zone.
    "TIME_ZONE": localday.DEFAULT_ZONE,
    # What reading one uploaded spreadsheet may cost (inventory/spreadsheets/limits.py): past
    # one, the import is refused with 422 naming it. The time bound stays under gunicorn's.
    "SPREADSHEET_MAX_UNZIPPED_BYTES": 256 * 1024 * 1024,
    "SPREADSHEET_MAX_SHARED_STRINGS": 1_000_000,
    "SPREADSHEET_MAX_SHARED_STRING_CHARS": 32_000_000,
    "SPREADSHEET_MAX_ROWS": 1_048_576,
    "SPREADSHEET_MAX_COLUMNS": 16_384,
    "SPREADSHEET_MAX_CELLS": 20_000_000,
    "SPREADSHEET_MAX_GRID_CELLS": 5_000_000,  # .xls/.ods: first used cell to last, per sheet
    "SPREADSHEET_MAX_SECONDS": 50,
}


class ConfigError(Exception):
    """One or more settings are missing or bad; ``problems`` has one line per setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """Every setting of one process, checked; ``values`` as the operator named them (no prefix)."""

    values: Mapping[str, Any]
    instance_path: Path
    collector: collector_settings.CollectorConfig
    production: bool = False

    @property
    def database_url(self) -> str:
        """The configured database, else SQLite in the instance folder."""
        url = self.values.get("DATABASE_URL")
        return str(url) if url else f"sqlite:///{self.instance_path / 'digicampus.sqlite'}"

    @property
    def uses_instance_database(self) -> bool:
        return not self.values.get("DATABASE_URL")

    @property
    def fernet_keys(self) -> list[str]:
        """The configured keys (comma-separated); empty means "the instance key file"."""
        keys = self.values.get("FERNET_KEYS") or []
        if isinstance(keys, str):
            keys = [key.strip() for key in keys.split(",") if key.strip()]
        return list(keys)

    @property
    def time_zone(self) -> str:
        return str(self.values["TIME_ZONE"])

    @property
    def log_format(self) -> str:
        return str(self.values["LOG_FORMAT"]).lower()

    @property
    def log_level(self) -> int:
        return log_level(self.values)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    isolated: bool = False,
    production: bool = False,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Defaults, then ``config.py`` in the instance folder and the ``DIGICAMPUS_*`` environment
    (unless ``isolated``: tests), then ``overrides``; nothing is written.

    Raises ConfigError naming every missing or bad setting; ``production`` (gunicorn) also
    requires the settings that would otherwise be generated in the instance folder.
    """
    folder = instance.instance_dir(environ)
    values: dict[str, Any] = dict(DEFAULTS)
    if not isolated:
        values.update(_instance_file(folder / "config.py"))
        values.update(_environment(environ))
    values.update(overrides or {})
    if problems := validate(values, production):
        raise ConfigError(problems)
    return Settings(values, folder, collector_settings.from_config(values), production)


def _instance_file(path: Path) -> dict[str, Any]:
    """The upper-case names a ``config.py`` defines, as Flask's ``from_pyfile`` reads them."""
    if not path.is_file():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)  # the operator's own file
    return {key: value for key, value in namespace.items() if key.isupper()}


def _environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """``DIGICAMPUS_X`` as ``X``; a value that reads as JSON is taken as such (``5``, ``true``),
    as Flask's ``from_prefixed_env`` did."""
    values: dict[str, Any] = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or name == instance.HOME_ENV:
            continue
        raw = environ[name]
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        values[name.removeprefix(ENV_PREFIX)] = value
    return values


def load(app: Flask, test_config: dict[str, Any] | None, production: bool = False) -> Settings:
    """Load the settings (``test_config`` replaces the instance file and environment) into
    ``app.config``; the secret key is generated in the instance folder unless configured."""
    settings = load_settings(test_config, isolated=test_config is not None, production=production)
    app.config.from_mapping(settings.values)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(
            settings.instance_path, "secret_key", os.urandom(32).hex()
        )
    return settings


def instance_secret(folder: Path, name: str, new_value: str) -> str:
    """Read a secret file from the instance folder, creating it (mode 0600) on first use."""
    path = folder / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_value)
        logging.getLogger(__name__).info("generated %s in the instance folder", name)
    return path.read_text().strip()


def validate(config: Mapping[str, Any], production: bool = False) -> list[str]:
    """One line per missing or bad setting, named as the operator writes it; [] if all is well.

    Values are never echoed: a database URL or a key may hold a password.
    """
    problems: list[str] = []
    if production:
        problems += [
            f"{ENV_PREFIX}{key} is not set: a production start needs it explicitly"
            for key in REQUIRED_IN_PRODUCTION
            if not config.get(key)
        ]
    problems += _check_database_url(config.get("DATABASE_URL"))
    problems += _check_fernet_keys(config.get("FERNET_KEYS"))
    secret = config.get("SECRET_KEY")
    if secret and (not isinstance(secret, str | bytes) or (production and len(secret) < 32)):
        problems.append(f"{ENV_PREFIX}SECRET_KEY must be a string of at least 32 characters")
    if str(config.get("LOG_FORMAT", "")).lower() not in LOG_FORMATS:
        problems.append(f"{ENV_PREFIX}LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
    if str(config.get("LOG_LEVEL", "")).upper() not in LOG_LEVELS:
        problems.append(f"{ENV_PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    metrics_dir = config.get("METRICS_DIR")
    if metrics_dir and not (
        isinstance(metrics_dir, str)
        and os.path.isdir(metrics_dir)
        and os.access(metrics_dir, os.W_OK | os.X_OK)
    ):
        problems.append(
            f"{ENV_PREFIX}METRICS_DIR must be an existing directory this user can write"
        )
    token = config.get("METRICS_TOKEN")
    if token and (not isinstance(token, str) or len(token) < 16):
        problems.append(f"{ENV_PREFIX}METRICS_TOKEN must be at least 16 characters")
    age = config.get("HEALTH_MAX_CYCLE_AGE_S")
    if isinstance(age, bool) or not isinstance(age, int | float) or not 60 <= age <= 7 * 86_400:
        problems.append(
            f"{ENV_PREFIX}HEALTH_MAX_CYCLE_AGE_S must be a number of seconds from 60 to 604800"
        )
    problems += [
        f"{ENV_PREFIX}{key} must be a positive number"
        for key in DEFAULTS
        if key.startswith("SPREADSHEET_")
        and key in config
        and (
            isinstance(config.get(key), bool)
            or not isinstance(config.get(key), int | float)
            or config.get(key, 0) <= 0
        )
    ]
    try:
        localday.parse_zone(config.get("TIME_ZONE", localday.DEFAULT_ZONE))
    except ValueError:
        problems.append(
            f"{ENV_PREFIX}TIME_ZONE must be an IANA time zone name such as Asia/Shanghai"
        )
    problems += _check_edge(config)
    try:
        collector_settings.from_config(config)
    except ValueError as exc:
        problems.append(str(exc))
    return problems


def _check_edge(config: Mapping[str, Any]) -> list[str]:
    problems = []
    for key, low, high in (("MAX_JSON_DEPTH", 2, 1000), ("DB_RETRY_AFTER_S", 1, 3600)):
        value = config.get(key, DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(f"{ENV_PREFIX}{key} must be a whole number from {low} to {high}")
    return problems


def _check_database_url(url: Any) -> list[str]:
    if not url:
        return []  # the instance folder's SQLite file
    try:
        parsed = sa.engine.make_url(url) if isinstance(url, str) else None
    except sa.exc.ArgumentError:
        parsed = None
    # psycopg (3) is the one PostgreSQL driver installed (and what a bare postgresql:// means).
    drivers = {"sqlite": "pysqlite", "postgresql": "psycopg"}
    if parsed is None or drivers.get(parsed.get_backend_name()) != parsed.get_driver_name():
        return [
            f"{ENV_PREFIX}DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL "
            "(e.g. postgresql+psycopg://digicampus@db.example/digicampus)"
        ]
    return []


def _check_fernet_keys(keys: Any) -> list[str]:
    if not keys:
        return []  # the instance folder's key file
    if isinstance(keys, str):
        keys = [key.strip() for key in keys.split(",") if key.strip()]
    if not isinstance(keys, list | tuple) or not all(isinstance(key, str) for key in keys):
        return [f"{ENV_PREFIX}FERNET_KEYS must be comma-separated Fernet keys"]
    bad = []
    for number, key in enumerate(keys, 1):
        try:
            SecretBox([key])
        except SecretBoxError:
            bad.append(number)
    if bad:
        which = ", ".join(map(str, bad))
        return [
            f"{ENV_PREFIX}FERNET_KEYS: key {which} of {len(keys)} is not a Fernet key "
            "(44 characters of url-safe base64, as Fernet.generate_key() makes)"
        ]
    return []


def log_level(config: Mapping[str, Any]) -> int:
    """The configured level as a logging constant."""
    level: int = logging.getLevelName(str(config["LOG_LEVEL"]).upper())
    return level
