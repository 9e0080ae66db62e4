"""Where an installation keeps its instance folder, and the commands that must not write one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.instance import instance_dir

DIGICAMPUS = str(Path(sys.executable).parent / "digicampus")


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed command in a clean environment: HOME and the instance variables as given."""
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DIGICAMPUS_HOME", "XDG_DATA_HOME", "HOME")
        and not key.startswith("DIGICAMPUS_")
    }
    return subprocess.run(
        [DIGICAMPUS, *args],
        cwd=cwd,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "home").mkdir()
    (tmp_path / "cwd").mkdir()
    return tmp_path


def test_the_instance_folder_is_digicampus_home_else_the_users_data_folder() -> None:
    assert instance_dir({"DIGICAMPUS_HOME": "/srv/dc"}) == Path("/srv/dc")
    assert instance_dir({"XDG_DATA_HOME": "/data", "HOME": "/h"}) == Path("/data/digicampus")
    assert instance_dir({}) == Path.home() / ".local" / "share" / "digicampus"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["db", "--help"], ["users", "create-admin", "--help"], ["report", "--help"]],
)
def test_help_builds_no_app_and_writes_nothing_anywhere(home: Path, args: list[str]) -> None:
    checkout_instance = Path(__file__).resolve().parent.parent / "instance"
    before = files_under(checkout_instance) if checkout_instance.exists() else None
    # A bad setting would be reported by any app built on the way: none must be.
    result = run(args, home / "cwd", HOME=str(home / "home"), DIGICAMPUS_LOG_LEVEL="LOUD")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout and result.stderr == ""
    assert files_under(home) == ["cwd", "home"]
    after = files_under(checkout_instance) if checkout_instance.exists() else None
    assert after == before


def test_help_lists_every_command_without_an_app(home: Path) -> None:
    listed = run(["--help"], home / "cwd", HOME=str(home / "home")).stdout
    for command in ("backup", "collect", "db", "demo", "export", "import", "poll", "report"):
        assert f"\n  {command} " in listed


def test_by_default_the_instance_lives_in_the_users_data_folder_not_the_working_folder(
    home: Path,
) -> None:
    result = run(["db", "upgrade"], home / "cwd", HOME=str(home / "home"))
    assert result.returncode == 0, result.stderr
    instance = home / "home" / ".local" / "share" / "digicampus"
    assert {"digicampus.sqlite", "secret_key", "fernet.key"} <= set(files_under(instance))
    assert files_under(home / "cwd") == []


def test_the_instance_option_wins_over_digicampus_home(home: Path) -> None:
    chosen = home / "chosen"
    result = run(
        ["--instance", str(chosen), "db", "upgrade"],
        home / "cwd",
        HOME=str(home / "home"),
        DIGICAMPUS_HOME=str(home / "ignored"),
    )
    assert result.returncode == 0, result.stderr
    assert "digicampus.sqlite" in files_under(chosen)
    assert not (home / "ignored").exists()
    assert files_under(home / "home") == []


def test_create_admin_json_prints_one_object_a_script_can_read(home: Path) -> None:
    env = {"HOME": str(home / "home"), "DIGICAMPUS_HOME": str(home / "instance")}
    assert run(["db", "upgrade"], home / "cwd", **env).returncode == 0
    result = run(["users", "create-admin", "root", "--json"], home / "cwd", **env)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["name"] == "root" and record["role"] == "admin"
    assert record["token"].startswith("dc_") and record["expires_at"] is None
    listed = run(["users", "list"], home / "cwd", **env)
    assert "root" in listed.stdout and record["token"] not in listed.stdout
