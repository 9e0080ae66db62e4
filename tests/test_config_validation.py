"""Configuration is checked at start: one line per missing or bad setting, naming it as the
operator writes it, never echoing the value (a URL or a key may hold a password)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.config import ConfigError, validate
from tests.conftest import FERNET_KEY
from web import create_app

GOOD: dict[str, Any] = {
    "DATABASE_URL": "postgresql+psycopg://digicampus@127.0.0.1/digicampus",
    "FERNET_KEYS": FERNET_KEY,
    "SECRET_KEY": "s" * 40,
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "info",
    "METRICS_DIR": "",
    "METRICS_TOKEN": "",
    "HEALTH_MAX_CYCLE_AGE_S": 900,
}


def problems(production: bool = False, **changes: Any) -> list[str]:
    return validate({**GOOD, **changes}, production)


def test_a_good_configuration_has_no_problem() -> None:
    assert problems(production=True) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"DATABASE_URL": "mysql://root:hunter2@db/x"},
            "DIGICAMPUS_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL",
        ),
        ({"DATABASE_URL": "not a url"}, "DIGICAMPUS_DATABASE_URL must be"),
        (
            {"DATABASE_URL": "postgresql+psycopg2://u:hunter2@db/x"},
            "DIGICAMPUS_DATABASE_URL must be",
        ),
        (
            {"FERNET_KEYS": f"{FERNET_KEY},hunter2-not-a-key"},
            "DIGICAMPUS_FERNET_KEYS: key 2 of 2 is not a Fernet key",
        ),
        ({"LOG_FORMAT": "xml"}, "DIGICAMPUS_LOG_FORMAT must be one of text, json"),
        ({"LOG_LEVEL": "LOUD"}, "DIGICAMPUS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR"),
        ({"METRICS_DIR": "/no/such/dir"}, "DIGICAMPUS_METRICS_DIR must be an existing directory"),
        ({"METRICS_TOKEN": "short"}, "DIGICAMPUS_METRICS_TOKEN must be at least 16 characters"),
        ({"HEALTH_MAX_CYCLE_AGE_S": "soon"}, "DIGICAMPUS_HEALTH_MAX_CYCLE_AGE_S must be a number"),
        ({"HEALTH_MAX_CYCLE_AGE_S": 5}, "DIGICAMPUS_HEALTH_MAX_CYCLE_AGE_S must be a number"),
        ({"COLLECTOR_TIMEOUT_S": "fast"}, "DIGICAMPUS_COLLECTOR_TIMEOUT_S must be a number"),
        ({"EMBEDDED_COLLECTOR": "maybe"}, "DIGICAMPUS_EMBEDDED_COLLECTOR must be true or false"),
        (
            {"COLLECTOR_TRAP_PORT": 70_000},
            "DIGICAMPUS_COLLECTOR_TRAP_PORT must be a number from 0 to 65535",
        ),
        (
            {"COLLECTOR_TRAP_HOST": "every-interface"},
            "DIGICAMPUS_COLLECTOR_TRAP_HOST must be an IP address",
        ),
    ],
    ids=lambda value: next(iter(value)) if isinstance(value, dict) else "",
)
def test_each_bad_setting_gets_one_line_naming_it(changes: dict[str, Any], expected: str) -> None:
    found = problems(**changes)
    assert len(found) == 1, found
    assert found[0].startswith(expected), found
    assert "\n" not in found[0]
    assert "hunter2" not in found[0]


def test_production_needs_database_keys_and_secret_explicitly() -> None:
    found = problems(production=True, DATABASE_URL="", FERNET_KEYS="", SECRET_KEY="")
    assert found == [
        "DIGICAMPUS_DATABASE_URL is not set: a production start needs it explicitly",
        "DIGICAMPUS_FERNET_KEYS is not set: a production start needs it explicitly",
        "DIGICAMPUS_SECRET_KEY is not set: a production start needs it explicitly",
    ]
    assert problems(production=True, SECRET_KEY="short") == [
        "DIGICAMPUS_SECRET_KEY must be a string of at least 32 characters"
    ]
    # Development starts generate these in the instance folder.
    assert problems(DATABASE_URL="", FERNET_KEYS="", SECRET_KEY="") == []


def test_every_problem_is_reported_at_once() -> None:
    found = problems(LOG_FORMAT="xml", LOG_LEVEL="LOUD", METRICS_TOKEN="x")
    assert len(found) == 3


def test_create_app_refuses_a_bad_configuration(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
                "FERNET_KEYS": "bad",
                "LOG_FORMAT": "xml",
            }
        )
    assert caught.value.problems == [
        "DIGICAMPUS_FERNET_KEYS: key 1 of 1 is not a Fernet key "
        "(44 characters of url-safe base64, as Fernet.generate_key() makes)",
        "DIGICAMPUS_LOG_FORMAT must be one of text, json",
    ]


def test_the_command_line_prints_each_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    import api.cli

    monkeypatch.setenv("DIGICAMPUS_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    monkeypatch.setenv("DIGICAMPUS_FERNET_KEYS", FERNET_KEY)
    monkeypatch.setenv("DIGICAMPUS_SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DIGICAMPUS_LOG_LEVEL", "LOUD")
    monkeypatch.setenv("DIGICAMPUS_COLLECTOR_RETRIES", "9")
    result = CliRunner().invoke(api.cli.main, ["db", "current"])
    assert result.exit_code == 2
    assert "DIGICAMPUS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR" in result.output
    assert "DIGICAMPUS_COLLECTOR_RETRIES must be a number from 0 to 5" in result.output
    assert "Traceback" not in result.output
