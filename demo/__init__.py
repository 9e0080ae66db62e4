"""The live demo, an extra (``pip install -e '.[demo]'``): the synthetic Chuxiong inventory
(``demo.inventory``) and the simulated SNMP agents that answer for its devices.

A package of its own, above ``inventory`` and ``collectors`` (which never import it, see
.importlinter): a production install runs without it and without snmpsim or pysmi. Nothing
here imports snmpsim either: the agents run it in a child process, which needs the extra.
"""

from __future__ import annotations

from importlib.util import find_spec

INSTALL_HINT = (
    "the live demo's simulated SNMP agents need the demo extra: "
    "pip install 'digicampus[demo]' (in a checkout: pip install -e '.[demo]'); "
    "or start it with --no-agents"
)


def agents_installed() -> bool:
    """Whether snmpsim and pysmi (which snmpsim needs to start) are installed."""
    return find_spec("snmpsim") is not None and find_spec("pysmi") is not None
