"""Keep the message catalogues in step with the code: ``python -m vardkoll.web.catalogs``.

Extracts every ``_()``, ``ngettext()`` and ``N_()`` message from the web, API and shared HTTP
code and the templates, and merges them into ``locale/{sv,en}/LC_MESSAGES/messages.po``
(existing translations are kept; new Swedish ones arrive empty and a test lists them until
someone translates them).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from vardkoll.http.i18n import BABEL_LOCALE, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def extract() -> Catalog:
    """Every message id used by the interfaces (web, api, http)."""
    template = Catalog(project="vardkoll")
    for folder in (PACKAGE / "web", PACKAGE / "api", PACKAGE / "http"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(folder),
            method_map=METHOD_MAP,
            keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"trimmed": "true"}},
        ):
            template.add(message, locations=[(f"{folder.name}/{filename}", lineno)])
    return template


def update() -> dict[str, int]:
    """Merge the extracted ids into each language's ``.po``; returns ids per language."""
    template = extract()
    counts: dict[str, int] = {}
    for lang in LANGUAGES:
        path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=BABEL_LOCALE[lang])
        else:
            catalog = Catalog(locale=BABEL_LOCALE[lang], project="vardkoll")
        catalog.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        counts[lang] = len(catalog)
    return counts


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    print(update())
