"""Texts people read are gettext catalogues (inventory/translations, msgid = the English text):
every message the code or a template asks for has a translation in both catalogues, the build
compiles them into the package, and numbers and dates follow each language's Babel locale."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask

from inventory import i18n

ROOT = Path(__file__).resolve().parent.parent
# The marker functions and which argument is the message (docs/translations.md repeats them).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "pgettext": ((1, "c"), 2),
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
    "translate": (2,),
    "ptranslate": ((2, "c"), 3),
}
Key = tuple[str | None, str]


def extracted(root: Path = ROOT, mapping: Path = ROOT / "babel.cfg") -> dict[Key, list[str]]:
    """Every message the code and templates under ``root`` use, with where each is used."""
    with mapping.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[Key, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS
    ):
        found.setdefault((context, message), []).append(f"{filename}:{lineno}")
    return found


def source(lang: str) -> Catalog:
    path = i18n.TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def untranslated(used: dict[Key, list[str]], lang: str) -> list[str]:
    catalogue = source(lang)
    missing = []
    for (context, msgid), where in sorted(used.items(), key=lambda item: item[1]):
        entry = catalogue.get(msgid, context=context)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(f"{lang}: {msgid!r} (context {context!r}) used at {where[0]}")
    return missing


def test_every_message_in_code_and_templates_has_a_translation_in_both_catalogues() -> None:
    used = extracted()
    assert len(used) > 250  # the extractor sees the templates and the code, not nothing
    assert ("school list", "Schools") in used and (None, "no uplink in service") in used
    missing = untranslated(used, "zh") + untranslated(used, "en")
    assert not missing, "\n".join(missing)


def test_a_message_no_catalogue_holds_is_reported(tmp_path: Path) -> None:
    (tmp_path / "dashboards" / "templates").mkdir(parents=True)
    (tmp_path / "inventory").mkdir()
    (tmp_path / "dashboards" / "templates" / "page.html").write_text(
        '<p>{{ _("Overview") }} {{ _("A sentence no catalogue holds") }}</p>'
    )
    (tmp_path / "inventory" / "report.py").write_text(
        'from inventory.i18n import translate\nTITLE = translate("zh", "Another new sentence")\n'
    )
    used = extracted(tmp_path, ROOT / "babel.cfg")
    assert set(used) == {
        (None, "Overview"),
        (None, "A sentence no catalogue holds"),
        (None, "Another new sentence"),
    }
    missing = untranslated(used, "zh")
    assert len(missing) == 2 and "A sentence no catalogue holds" in missing[0]


def test_the_catalogues_hold_no_message_nothing_uses_and_their_placeholders_agree() -> None:
    used = set(extracted())
    for lang in i18n.LANGUAGES:
        catalogue = source(lang)
        held = {(m.context, m.id) for m in catalogue if m.id}
        assert held == used, f"{lang}: stale {held - used}"
        problems = [(m.id, errors) for m, errors in catalogue.check() if errors]
        assert not problems, problems


def test_the_build_compiles_the_catalogues_into_the_package(tmp_path: Path) -> None:
    # What `pip install` (editable or not) runs: setup.py's build_py compiles .po into .mo.
    done = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for lang, overview in (("zh", "总览"), ("en", "Overview")):
        built = tmp_path / "inventory" / "translations" / lang / "LC_MESSAGES" / "messages.mo"
        with built.open("rb") as handle:
            catalogue = Translations(handle)
        assert catalogue.gettext("Overview") == overview
        assert catalogue.pgettext("school list", "Schools") == (
            "学校列表" if lang == "zh" else "Schools"
        )


def test_the_installed_catalogues_are_compiled_from_the_current_sources() -> None:
    for lang in i18n.LANGUAGES:
        installed = i18n.translations(lang)
        for message in source(lang):
            if not message.id:
                continue
            shown = (
                installed.pgettext(message.context, message.id)
                if message.context
                else installed.gettext(message.id)
            )
            assert shown == message.string, (
                f"{lang}: {message.id!r} is stale in the .mo; run `pip install -e .` again"
            )


def test_numbers_and_dates_follow_each_languages_locale() -> None:
    assert i18n.number("zh", 1234567) == "1,234,567"
    assert i18n.number("en", 1234.5, 1) == "1,234.5"
    assert i18n.number("en", None) == "—"
    assert i18n.percent("zh", 0.9725) == "97.2%"
    assert i18n.percent("en", 0.99954, 2) == "99.95%"
    assert (i18n.percent("zh", None), i18n.percent("en", None)) == ("无数据", "n/a")
    assert i18n.day("zh", date(2025, 6, 30)) == "2025年6月30日"
    assert i18n.day("en", "2025-06-30") == "30 Jun 2025"
    assert (i18n.month("zh", date(2025, 6, 1)), i18n.month("en", date(2025, 6, 1))) == (
        "2025年6月",
        "Jun 2025",
    )
    noon = datetime(2025, 6, 30, 12, 5, tzinfo=UTC)  # on the bureau's clock (Asia/Shanghai)
    assert i18n.moment("zh", noon) == "2025年6月30日 20:05"
    assert i18n.moment("en", noon.replace(tzinfo=None)) == "30 Jun 2025 20:05"
    late = datetime(2025, 12, 31, 16, 5, tzinfo=UTC)  # already the new year in Chuxiong
    assert i18n.moment("en", late) == "1 Jan 2026 00:05"
    span = timedelta(days=1, hours=2, minutes=5, seconds=59)
    assert i18n.duration("zh", span) == "1 天 2 小时 5 分"
    assert i18n.duration("en", span) == "1 d 2 h 5 min"
    assert i18n.duration("en", timedelta(minutes=3)) == "3 min"


def test_an_unknown_language_reads_as_chinese() -> None:
    assert i18n.translate("fr", "Overview") == "总览"
    assert i18n.translate(
        "en", "uplink %(have)s Mbps < %(need)s Mbps required", have=100, need=1000
    ) == ("uplink 100 Mbps < 1000 Mbps required")


def test_a_missing_compiled_catalogue_stops_the_start_instead_of_serving_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards import i18n as pages

    monkeypatch.setattr(i18n, "TRANSLATIONS_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        with pytest.raises(i18n.CataloguesMissing, match="compiled on install"):
            pages.init_app(Flask(__name__))
    finally:
        i18n.translations.cache_clear()


def test_templates_look_up_by_key_only_texts_that_exist() -> None:
    # Jinja renders an unknown ``t.key`` as nothing: a text that moved to the catalogues (or a
    # key a merge brought back) would vanish from the page without an error.
    from dashboards.texts import KEYED

    for page in (ROOT / "dashboards" / "templates").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for key in re.findall(r"\bt\.(\w+)", text):
            assert key in KEYED, f"{page.name}: t.{key}"
        for prefix in re.findall(r"\bt\[\s*['\"](\w+)['\"]\s*\+", text):
            assert any(k.startswith(prefix) for k in KEYED), f"{page.name}: t['{prefix}' + …]"
