"""Words of the monthly report in Swedish and English, and the generated "what changed" text.

Why a template and not a language model: the report goes to the national authority, so every
sentence must follow from the published numbers, the same numbers always give the same text,
and a masked cell can never leak into prose. Each sentence is built from published values
only, and a change smaller than the masking threshold is never stated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vardkoll.domain import REGIONS, SPECIALTIES

__all__ = [
    "ENTRY_TYPES",
    "STATUS_LABELS",
    "Change",
    "SignalNote",
    "entry_name",
    "fmt_count",
    "fmt_days",
    "fmt_decimal",
    "fmt_share",
    "region_name",
    "specialty_name",
    "status_labels",
    "what_changed",
    "word",
]

ENTRY_TYPES: tuple[str, ...] = (
    "primary_contact",
    "primary_assessment",
    "first_visit",
    "examination",
    "treatment",
)

_ENTRY: dict[str, tuple[str, str]] = {
    "primary_contact": ("Kontakt primärvård", "Primary care contact"),
    "primary_assessment": ("Medicinsk bedömning primärvård", "Primary care assessment"),
    "first_visit": ("Första besök", "First visit"),
    "examination": ("Utredning", "Examination"),
    "treatment": ("Operation/åtgärd", "Operation or treatment"),
}

_WORDS: dict[str, tuple[str, str]] = {
    "title": ("Månadsrapport väntetider", "Monthly waiting-time report"),
    "total": ("Totalt", "Total"),
    "what_changed": ("Vad har förändrats", "What changed"),
    "nothing": (
        "Inga förändringar eller signaler att rapportera denna månad.",
        "No changes or signals to report this month.",
    ),
    "method": ("Metod och maskering", "Method and masking"),
    "trends": ("Trender (SPC)", "Trends (SPC)"),
    "comparison": ("Rättvisa jämförelser", "Fair comparisons"),
    "indicators": ("Indikatorer", "Indicators"),
    "region": ("Region", "Region"),
    "month": ("Månad", "Month"),
    "as_of": ("Underlaget avser", "Data as of"),
    "rule_set": ("Regelverk", "Rule set"),
    "threshold": ("Maskeringsgräns", "Masking threshold"),
    "view": ("Vy", "View"),
    "view_pause": (
        "Pausjusterad klocka (dagar med PVV/MOV avräknade)",
        "Pause-adjusted clock (days of PVV/MOV subtracted)",
    ),
    "markers": ("Tecken", "Markers"),
    "legend_primary": (
        "färre än gränsen (primär maskering)",
        "fewer than the threshold (primary masking)",
    ),
    "legend_secondary": (
        "dolt för att skydda en annan cell (sekundär maskering) eller härlett ur en dold cell",
        "hidden to protect another cell (secondary masking) or derived from a hidden cell",
    ),
    "readme": ("Läs mig", "README"),
    "definitions": ("Definitioner", "Definitions"),
    "column": ("Kolumn", "Column"),
    "meaning": ("Betydelse", "Meaning"),
    "sheet": ("Flik", "Sheet"),
    "formula": ("Formel", "Formula"),
    "help": ("Förklaring", "Explanation"),
    "no_chart": (
        "För få publicerbara månader för ett SPC-diagram.",
        "Too few publishable months for an SPC chart.",
    ),
}

_RULES: dict[str, tuple[str, str]] = {
    "beyond_limits": ("en punkt utanför styrgränserna", "a point beyond the control limits"),
    "run": ("en serie på samma sida om medellinjen", "a run on one side of the centre line"),
    "trend": ("en trend i samma riktning", "a trend in one direction"),
    "two_of_three": (
        "två av tre punkter nära en styrgräns",
        "two of three points near a control limit",
    ),
}
_ASSESSMENT: dict[str, tuple[str, str]] = {
    "improvement": ("förbättring", "improvement"),
    "concern": ("försämring", "concern"),
    "neutral": ("signal", "signal"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "sv" else pair[1]


def word(key: str, lang: str) -> str:
    """A fixed phrase of the report in ``lang`` (``sv`` or ``en``)."""
    return _pick(_WORDS[key], lang)


def entry_name(code: str, lang: str) -> str:
    return _pick(_ENTRY[code], lang) if code in _ENTRY else code


def specialty_name(code: str, lang: str) -> str:
    spec = SPECIALTIES.get(code)
    if spec is None:
        return code
    return spec.name_sv if lang == "sv" else spec.name_en


def region_name(code: str) -> str:
    region = REGIONS.get(code)
    return region.name if region is not None else code


def fmt_count(value: int, lang: str) -> str:
    """A whole number with the language's thousands separator (Swedish: a non-breaking space).

    >>> fmt_count(18000, "sv"), fmt_count(18000, "en")
    ('18\xa0000', '18,000')
    """
    text = f"{abs(value):,}".replace(",", "\u00a0" if lang == "sv" else ",")
    return f"−{text}" if value < 0 else text


def fmt_decimal(value: float, lang: str, digits: int = 1) -> str:
    """A decimal number: Swedish decimal comma and space thousands, English point and comma.

    >>> fmt_decimal(1234.5, "sv"), fmt_decimal(1234.5, "en")
    ('1\xa0234,5', '1,234.5')
    """
    text = f"{abs(value):,.{digits}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return f"−{text}" if value < 0 else text


def fmt_share(value: float, lang: str) -> str:
    """A share as a percentage with one decimal: ``72,1 %`` / ``72.1%``."""
    number = fmt_decimal(value * 100, lang)
    return f"{number}\u00a0%" if lang == "sv" else f"{number}%"


def fmt_days(value: float, lang: str) -> str:
    """Days as a whole number with the unit: ``1\xa0234\xa0d`` / ``1,234 d``."""
    space = "\u00a0" if lang == "sv" else " "
    return f"{fmt_count(round(value), lang)}{space}d"


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "common": ("Slumpmässig variation", "Common-cause variation"),
    "improvement": ("Förbättring", "Improvement"),
    "concern": ("Försämring", "Concern"),
    "neutral": ("Signal", "Signal"),
}
"""The SPC point statuses in words (the chart legend of the report)."""


def status_labels(lang: str) -> dict[str, str]:
    return {key: _pick(pair, lang) for key, pair in STATUS_LABELS.items()}


@dataclass(frozen=True)
class Change:
    """A published value this month and last month (``what`` names it in both languages)."""

    what_sv: str
    what_en: str
    before: float
    after: float
    is_share: bool = False

    @property
    def delta(self) -> float:
        return self.after - self.before


@dataclass(frozen=True)
class SignalNote:
    """An SPC signal that touches the last months of a chart."""

    chart_sv: str
    chart_en: str
    rule: str
    assessment: str
    first: str
    last: str


def _change_sentence(change: Change, lang: str, threshold: int) -> str:
    what = change.what_sv if lang == "sv" else change.what_en
    if change.is_share:
        before, after = fmt_share(change.before, lang), fmt_share(change.after, lang)
        points = round(abs(change.delta) * 100)
        if points == 0:
            return (
                f"{what}: oförändrad, {after}."
                if lang == "sv"
                else f"{what}: unchanged at {after}."
            )
        unit = "procentenheter" if lang == "sv" else "percentage points"
        diff = f"{points} {unit}"
    else:
        before, after = fmt_count(int(change.before), lang), fmt_count(int(change.after), lang)
        diff = fmt_count(int(abs(change.delta)), lang)
        if 0 < abs(change.delta) < threshold:  # a small difference is itself a small cell
            if lang == "sv":
                return f"{what}: i stort sett oförändrat, {after} (förra månaden {before})."
            return f"{what}: about unchanged at {after} (last month {before})."
    if change.delta > 0:
        verb = "ökade" if lang == "sv" else "rose"
    elif change.delta < 0:
        verb = "minskade" if lang == "sv" else "fell"
    else:
        return f"{what}: oförändrat, {after}." if lang == "sv" else f"{what}: unchanged at {after}."
    if lang == "sv":
        return f"{what} {verb} från {before} till {after} ({diff})."
    return f"{what} {verb} from {before} to {after} (by {diff})."


def _signal_sentence(note: SignalNote, lang: str) -> str:
    chart = note.chart_sv if lang == "sv" else note.chart_en
    rule = _pick(_RULES.get(note.rule, (note.rule, note.rule)), lang)
    assessment = _pick(_ASSESSMENT.get(note.assessment, ("signal", "signal")), lang)
    span = note.last if note.first == note.last else f"{note.first} – {note.last}"
    if lang == "sv":
        return f"{chart}: SPC-signal ({assessment}) — {rule}, {span}."
    return f"{chart}: SPC signal ({assessment}) — {rule}, {span}."


def what_changed(
    headline: Sequence[Change],
    largest: Sequence[Change],
    signals: Sequence[SignalNote],
    threshold: int,
    lang: str,
) -> list[str]:
    """The report's "what changed" sentences, from published values only.

    A count change smaller than ``threshold`` is not stated (its size would describe fewer
    people than may be shown), and only the ``largest`` changes that pass are listed.
    """
    lines = [_change_sentence(c, lang, threshold) for c in headline]
    big = [c for c in largest if abs(c.delta) >= threshold]
    if big:
        intro = (
            "Största förändringarna av antalet väntande:"
            if lang == "sv"
            else "Largest changes in the number waiting:"
        )
        lines.append(intro)
        lines += [f"• {_change_sentence(c, lang, threshold)}" for c in big]
    lines += [_signal_sentence(s, lang) for s in signals]
    return lines or [word("nothing", lang)]
