"""The web app's commands as the front door (api/cli.py) loads them, by module name, only when
one of them is asked for: the commands themselves (api/commands_web.py) and how to build the app
they run in, which only this package knows."""

from __future__ import annotations

from flask import Flask
from flask.cli import ScriptInfo

from api.cli import BadConfiguration
from api.commands_web import COMMANDS
from api.config import ConfigError
from web.app import create_app

__all__ = ["COMMANDS", "script_info"]


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:
        raise BadConfiguration.of(exc) from None


def script_info() -> ScriptInfo:
    """What ``with_appcontext`` needs to build the app when a command first asks for it."""
    return ScriptInfo(create_app=_create_app, set_debug_flag=False)
