"""One composition root: settings from one place, and the process's parts built from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.bootstrap import bootstrap
from api.config import ConfigError, load_settings
from inventory.secretbox import SecretBox
from tests.conftest import FERNET_KEY


def test_settings_come_from_defaults_then_instance_file_then_environment_then_overrides(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.py").write_text(
        "LOG_LEVEL = 'DEBUG'\nLOG_FORMAT = 'json'\nMETRICS_TOKEN = 'from-the-instance-file'\n"
        "lower_case_is_ignored = 1\n"
    )
    environ = {
        "DIGICAMPUS_HOME": str(tmp_path),
        "DIGICAMPUS_LOG_FORMAT": "text",
        "DIGICAMPUS_COLLECTOR_RETRIES": "3",  # JSON: a number, as Flask read it
        "OTHER_LOG_LEVEL": "ERROR",
    }
    settings = load_settings({"LOG_FORMAT": "json"}, environ=environ)
    assert settings.values["HEALTH_MAX_CYCLE_AGE_S"] == 900  # default
    assert settings.values["LOG_LEVEL"] == "DEBUG"  # instance file
    assert settings.values["COLLECTOR_RETRIES"] == 3  # environment
    assert settings.collector.cycle.retries == 3
    assert settings.log_format == "json"  # the override beats the environment
    assert "lower_case_is_ignored" not in settings.values
    assert settings.instance_path == tmp_path


def test_isolated_settings_read_neither_instance_file_nor_environment(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text("LOG_LEVEL = 'DEBUG'\n")
    environ = {"DIGICAMPUS_HOME": str(tmp_path), "DIGICAMPUS_LOG_FORMAT": "json"}
    settings = load_settings({}, isolated=True, environ=environ)
    assert (settings.values["LOG_LEVEL"], settings.log_format) == ("INFO", "text")


def test_every_bad_setting_is_one_line_whatever_its_source(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text("LOG_LEVEL = 'LOUD'\n")
    environ = {"DIGICAMPUS_HOME": str(tmp_path), "DIGICAMPUS_COLLECTOR_TIMEOUT_S": "fast"}
    with pytest.raises(ConfigError) as caught:
        load_settings({"LOG_FORMAT": "xml"}, environ=environ)
    assert caught.value.problems == [
        "DIGICAMPUS_LOG_FORMAT must be one of text, json",
        "DIGICAMPUS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR",
        "DIGICAMPUS_COLLECTOR_TIMEOUT_S must be a number, not 'fast'",
    ]


def test_loading_settings_writes_nothing(tmp_path: Path) -> None:
    load_settings(environ={"DIGICAMPUS_HOME": str(tmp_path / "home")})
    assert not (tmp_path / "home").exists()


def test_bootstrap_builds_engine_sessions_and_secret_box_from_one_settings_object(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'one.sqlite'}"
    settings = load_settings(
        {"DATABASE_URL": url, "FERNET_KEYS": FERNET_KEY},
        isolated=True,
        environ={"DIGICAMPUS_HOME": str(tmp_path / "home")},
    )
    rt = bootstrap(settings)
    try:
        assert str(rt.engine.url) == url
        with rt.sessions() as db:
            assert db.scalar(sa.text("SELECT 1")) == 1
        sealed = SecretBox([FERNET_KEY]).encrypt("community")
        assert rt.secret_box.decrypt(sealed) == "community"
        assert rt.settings is settings
        assert not (tmp_path / "home").exists()  # everything was configured: nothing generated
    finally:
        rt.engine.dispose()


def test_a_development_bootstrap_keeps_database_and_key_in_the_instance_folder(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    rt = bootstrap(load_settings({}, isolated=True, environ={"DIGICAMPUS_HOME": str(home)}))
    rt.engine.dispose()
    assert rt.engine.url.database == str(home / "digicampus.sqlite")
    key = (home / "fernet.key").read_text().strip()
    assert rt.secret_box.decrypt(SecretBox([key]).encrypt("x")) == "x"
    assert (home / "fernet.key").stat().st_mode & 0o777 == 0o600


def test_the_settings_and_the_composition_root_import_no_flask() -> None:
    # In this test process Flask is loaded already; the collector process test shows the
    # command itself (tests/test_collector_processes.py). Here: the modules' own imports.
    code = "import sys, api.bootstrap, api.cli; print([m for m in ('flask', 'werkzeug') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
