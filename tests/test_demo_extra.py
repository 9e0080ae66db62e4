"""The demo is an extra: production code runs without snmpsim or pysmi, and says how to get them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Every module outside demo/, imported in a fresh interpreter that has no snmpsim or pysmi
# (None in sys.modules makes an import fail as if the package were not installed).
IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
sys.modules["snmpsim"] = None
sys.modules["pysmi"] = None
for package in ("inventory", "collectors", "api", "dashboards", "web"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if ".migrations." in module.name or module.name in ("web.wsgi",):
            continue
        importlib.import_module(module.name)
print("imported", len([m for m in sys.modules if m.split(".")[0] in
      ("inventory", "collectors", "api", "dashboards", "web")]))
"""


def run_python(code: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGICAMPUS_")}
    env["DIGICAMPUS_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_no_module_outside_the_demo_needs_snmpsim_or_pysmi(tmp_path: Path) -> None:
    result = run_python(IMPORT_EVERYTHING, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) > 100  # the walk did import the packages


def test_setup_keeps_snmpsim_and_pysmi_out_of_a_production_install() -> None:
    from configparser import ConfigParser

    setup = ConfigParser()
    setup.read(Path(__file__).resolve().parent.parent / "setup.cfg")
    required = setup["options"]["install_requires"].lower()
    extras = setup["options.extras_require"]
    assert "snmpsim" not in required and "pysmi" not in required
    assert "snmpsim" in extras["demo"] and "pysmi" in extras["demo"]
    assert "snmpsim" in extras["test"] and "pysmi" in extras["test"]


def test_the_demo_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['snmpsim'] = None; sys.modules['pysmi'] = None\n"
        "from api.cli import main; main()"
    )
    result = run_python(code, "demo", "--port", "0", home=tmp_path)
    assert result.returncode == 1
    assert "pip install -e '.[demo]'" in result.stderr
    assert "--no-agents" in result.stderr
    assert "Traceback" not in result.stderr
