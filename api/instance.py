"""Where this installation keeps its instance folder (configuration, keys, SQLite database).

Chosen once for every entry point: ``--instance DIR`` on the command line (which sets
``DIGICAMPUS_HOME`` for the process and its children), else ``DIGICAMPUS_HOME``, else the
user's data folder (``$XDG_DATA_HOME/digicampus``, by default ``~/.local/share/digicampus``).
Never the installed package's own folder: a pip-installed package may be read-only, and a
checkout should not collect keys and databases beside its code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "DIGICAMPUS_HOME"


def instance_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The instance folder (absolute); nothing is created here."""
    if home := environ.get(HOME_ENV, "").strip():
        return Path(home).expanduser().resolve()
    data_home = environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home) if data_home else Path.home() / ".local" / "share"
    return (base / "digicampus").resolve()
