"""Languages of the UI: gettext catalogues (Babel) and Swedish/English number and date formats.

Why compile at run time: the ``.po`` catalogues in ``web/locale`` are the only source; they are
compiled in memory the first time a language is used, so a clean clone needs no manual
``pybabel compile`` step and a stale ``.mo`` can never disagree with its ``.po``.
Message ids are English; Swedish is the default language. The module sits in the shared HTTP
layer because pages and API problem titles translate from the same catalogues; the catalogues
themselves stay with the pages that hold most of their messages.

>>> fmt_int(12345, "sv"), fmt_int(12345, "en")
('12\\xa0345', '12,345')
>>> fmt_share(0.8126, "sv"), fmt_share(0.8126, "en")
('81,3\\xa0%', '81.3%')
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parents[1] / "web" / "locale"
LANGUAGES: tuple[str, ...] = ("sv", "en")
BABEL_LOCALE = {"sv": "sv_SE", "en": "en_GB"}


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    """The compiled catalogues of ``lang`` (English message ids fall through untranslated).

    ``messages.po`` holds the platform's messages; each capability may keep its own catalogue
    beside it (``planning.po``, ``followup.po``...), so features are translated where they live.
    All are merged; a message id in two catalogues takes ``messages.po``'s translation.
    """
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    paths = [
        folder / "messages.po",
        *sorted(p for p in folder.glob("*.po") if p.name != "messages.po"),
    ]
    merged: Translations | None = None
    for po_path in paths:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=BABEL_LOCALE[lang])
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        compiled = Translations(fp=buffer)
        if merged is None:
            merged = compiled
        else:
            for key, value in compiled._catalog.items():
                merged._catalog.setdefault(key, value)
    assert merged is not None
    return merged


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, don't translate"
    """Mark ``message`` for the catalogues without translating it here (translated when shown)."""
    return message


def pick_language(*candidates: str | None, default: str = "sv") -> str:
    """The first supported language among ``candidates`` (query, session, user), else default."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return default


@lru_cache(maxsize=65536, typed=True)
def _decimal(value: float, pattern: str | None, locale: str) -> str:
    """Babel's formatting, remembered: a table page formats hundreds of numbers, mostly the
    same ones request after request, and each Babel call costs tens of microseconds."""
    return format_decimal(value, format=pattern, locale=locale)


def fmt_int(value: int | None, lang: str) -> str:
    """A whole number with the language's grouping (Swedish: non-breaking space)."""
    if value is None:
        return "–"
    return _decimal(value, None, BABEL_LOCALE[lang])


def fmt_share(value: float | None, lang: str) -> str:
    """A share 0–1 as a percentage with one decimal (Swedish: ``81,3 %``)."""
    if value is None:
        return "–"
    number = _decimal(round(value * 100, 1), "#,##0.0", BABEL_LOCALE[lang])
    return f"{number}\xa0%" if lang == "sv" else f"{number}%"


def fmt_date(value: dt.date | None) -> str:
    """ISO 8601 date, the same in every language."""
    return "–" if value is None else value.isoformat()


def fmt_datetime(value: dt.datetime | None, timezone: str = "Europe/Stockholm") -> str:
    """ISO 8601 local date and time in the installation's time zone (``2025-03-05 08:30``)."""
    if value is None:
        return "–"
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
