"""Build hook: compile the gettext catalogues (inventory/translations/*/LC_MESSAGES/*.po) into
.mo files before the package data is collected, so that every install (a wheel, an sdist or
``pip install -e .``) serves translated pages. The metadata is in setup.cfg."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path(__file__).resolve().parent / "inventory" / "translations"


def compile_catalogues(folder: Path = CATALOGUES) -> list[Path]:
    """Write a .mo next to each .po (Babel's compile step); the written files."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as target:
            write_mo(target, catalogue)
        written.append(mo)
    if not written:
        raise SystemExit(f"no catalogues under {folder}")
    return written


class BuildWithCatalogues(build_py):
    """build_py that compiles the catalogues first (editable installs run it too)."""

    def run(self) -> None:
        compile_catalogues()
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
