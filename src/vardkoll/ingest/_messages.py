"""The message catalogue: every problem code in Swedish and English, each saying what to do.

Templates are keyed by the problem's stable ``code`` so that screens, CSV reports and the API
translate the same problem the same way, and wording can change without touching the checks.
Placeholders: ``{field}`` (the column, with its Swedish header in Swedish), ``{value}``,
``{row}`` and the problem's ``params``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from vardkoll.ingest._schema import SCHEMAS

if TYPE_CHECKING:
    from vardkoll.ingest._problems import RowProblem

__all__ = ["CATALOGUE", "LANGUAGES", "REPORT_HEADERS", "render"]

LANGUAGES: tuple[str, ...] = ("sv", "en")

CATALOGUE: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        # --- the header (row 1): any of these makes the file unusable -------------------
        "unknown_column": {
            "sv": "Kolumnen «{value}» finns inte i formatet för {kind}.{hint_sv} "
            "Byt namn på kolumnen eller ta bort den (se docs/reference/import-format.md).",
            "en": "Column '{value}' is not part of the {kind} format.{hint_en} "
            "Rename or remove the column (see docs/reference/import-format.md).",
        },
        "unnamed_column": {
            "sv": "En kolumn utan rubrik innehåller värden (t.ex. «{value}»). Ge den ett "
            "kolumnnamn ur formatet eller ta bort den.",
            "en": "A column without a header holds values (e.g. '{value}'). Give it a column "
            "name from the format or remove it.",
        },
        "missing_column": {
            "sv": "Kolumnen {field} saknas i rubrikraden men krävs för {kind}. Lägg till den.",
            "en": "Column {field} is missing from the header but required for {kind}. Add it.",
        },
        "duplicate_column": {
            "sv": "Kolumnen {field} finns flera gånger i rubrikraden (även som «{value}»). "
            "Behåll bara en av dem.",
            "en": "Column {field} appears more than once in the header (also as '{value}'). "
            "Keep only one of them.",
        },
        "extra_fields": {
            "sv": "Raden har fler värden än rubrikraden har kolumner («{value}» blev över). "
            "Kontrollera avgränsare och citattecken på raden.",
            "en": "The row has more values than the header has columns ('{value}' left over). "
            "Check the separators and quotes on the row.",
        },
        # --- one cell ---------------------------------------------------------------------
        "required": {
            "sv": "{field} saknas. Kolumnen är obligatorisk; fyll i ett värde.",
            "en": "{field} is empty. The column is required; fill in a value.",
        },
        "required_for_event": {
            "sv": "{field} saknas. Den krävs när händelsetypen är {event_type}; fyll i den.",
            "en": "{field} is empty. It is required when event_type is {event_type}; fill it in.",
        },
        "not_integer": {
            "sv": "«{value}» i {field} är inget heltal. Skriv ett heltal, t.ex. {example}.",
            "en": "'{value}' in {field} is not a whole number. Write a whole number, e.g. "
            "{example}.",
        },
        "not_decimal": {
            "sv": "«{value}» i {field} är inget tal. Skriv ett tal med decimalkomma eller "
            "decimalpunkt, t.ex. {example}.",
            "en": "'{value}' in {field} is not a number. Write a number with a decimal comma or "
            "point, e.g. {example}.",
        },
        "not_date": {
            "sv": "«{value}» i {field} är inget giltigt datum. Skriv datumet som ÅÅÅÅ-MM-DD, "
            "t.ex. {example}.",
            "en": "'{value}' in {field} is not a valid date. Write the date as YYYY-MM-DD, e.g. "
            "{example}.",
        },
        "implausible_date": {
            "sv": "Året i «{value}» ({field}) är orimligt (före 1850 eller efter 2199). "
            "Kontrollera att datumet är rätt skrivet.",
            "en": "The year in '{value}' ({field}) is implausible (before 1850 or after 2199). "
            "Check that the date is typed correctly.",
        },
        "not_datetime": {
            "sv": "«{value}» i {field} är ingen giltig tidpunkt. Skriv ÅÅÅÅ-MM-DDTtt:mm "
            "(svensk tid) eller med tidszon, t.ex. {example}.",
            "en": "'{value}' in {field} is not a valid date-time. Write YYYY-MM-DDThh:mm "
            "(Swedish time) or with an offset, e.g. {example}.",
        },
        "not_bool": {
            "sv": "«{value}» i {field} är varken 0 eller 1. Skriv 1 för ja och 0 för nej.",
            "en": "'{value}' in {field} is neither 0 nor 1. Write 1 for yes and 0 for no.",
        },
        "not_week": {
            "sv": "«{value}» i {field} är ingen ISO-vecka. Skriv år och vecka som ÅÅÅÅ-Wvv, "
            "t.ex. {example}.",
            "en": "'{value}' in {field} is not an ISO week. Write year and week as YYYY-Www, "
            "e.g. {example}.",
        },
        "out_of_range": {
            "sv": "{value} i {field} ligger utanför det tillåtna {range}. Rätta värdet.",
            "en": "{value} in {field} is outside the allowed {range_en}. Correct the value.",
        },
        "not_allowed": {
            "sv": "«{value}» är inget tillåtet värde i {field}. Använd ett av: {allowed}.",
            "en": "'{value}' is not an allowed value of {field}. Use one of: {allowed}.",
        },
        "unknown_code": {
            "sv": "«{value}» i {field} är ingen känd {list_sv}. Använd en kod ur listan i "
            "docs/reference/import-format.md.",
            "en": "'{value}' in {field} is not a known {list_en}. Use a code from the list in "
            "docs/reference/import-format.md.",
        },
        "bad_format": {
            "sv": "«{value}» i {field} har fel form. Skriv det som t.ex. {expected}.",
            "en": "'{value}' in {field} has the wrong form. Write it like {expected}.",
        },
        "bad_identity": {
            "sv": "Identiteten {value} är inte ett giltigt personnummer, samordningsnummer eller "
            "reservnummer: {reason_sv}. Kontrollera numret i journalsystemet.",
            "en": "Identity {value} is not a valid personnummer, samordningsnummer or reserve "
            "number: {reason_en}. Check the number in the record system.",
        },
        # --- rules between cells and rows ------------------------------------------------
        "future_date": {
            "sv": "{field} {value} ligger efter dagens datum ({today}). Bara en bokning får "
            "ha ett framtida datum; rätta datumet.",
            "en": "{field} {value} lies after today ({today}). Only a booking may have a date "
            "in the future; correct the date.",
        },
        "before_clock_start": {
            "sv": "Avslutet {value} ligger före förloppets klockstart {clock_start} (rad "
            "{clock_start_row}). Rätta något av datumen.",
            "en": "The removal on {value} lies before the pathway's clock start {clock_start} "
            "(row {clock_start_row}). Correct one of the dates.",
        },
        "before_arrival": {
            "sv": "{field} {value} ligger före ankomsten {arrival}. Rätta tidpunkterna.",
            "en": "{field} {value} lies before the arrival {arrival}. Correct the times.",
        },
        "before_admitted": {
            "sv": "{field} {value} ligger före inskrivningen {admitted}. Rätta tidpunkterna.",
            "en": "{field} {value} lies before the admission {admitted}. Correct the times.",
        },
        "duplicate_key": {
            "sv": "Raden har samma nyckel ({key}) som rad {first_row}. En nyckel får bara "
            "finnas en gång per fil; ta bort dubbletten eller ge raden en egen nyckel.",
            "en": "The row has the same key ({key}) as row {first_row}. A key may appear only "
            "once per file; remove the duplicate or give the row its own key.",
        },
        "first_not_clock_start": {
            "sv": "Förloppets första händelse (händelse_nr 1) är {value}, men ett förlopp "
            "börjar med clock_start. Lägg till klockstarten eller numrera om händelserna.",
            "en": "The pathway's first event (event_seq 1) is {value}, but a pathway starts "
            "with clock_start. Add the clock start or renumber the events.",
        },
        "event_after_removal": {
            "sv": "Händelsen kommer efter förloppets avslut (händelse_nr {removal_seq}, rad "
            "{removal_row}). Efter ett avslut får bara en void eller rättelse av avslutet "
            "komma; lägg händelsen i ett nytt förlopp.",
            "en": "The event comes after the pathway's removal (event_seq {removal_seq}, row "
            "{removal_row}). Only a void or correction of the removal may follow it; put the "
            "event in a new pathway.",
        },
        "supersedes_later": {
            "sv": "ersätter_nr {value} måste peka på en tidigare händelse i förloppet (lägre "
            "än radens händelse_nr {event_seq}).",
            "en": "supersedes_seq {value} must name an earlier event of the pathway (lower than "
            "the row's event_seq {event_seq}).",
        },
        "supersedes_void": {
            "sv": "ersätter_nr {value} pekar på en void, och en void kan inte rättas. Skicka "
            "den händelse som ska gälla igen, med ett nytt händelse_nr.",
            "en": "supersedes_seq {value} names a void, and a void cannot be corrected. Send "
            "the event that should stand again, under a new event_seq.",
        },
        "pvv_without_offer": {
            "sv": "En PVV-paus ska i referens ange händelse_nr för det erbjudande inom "
            "gränsen som patienten tackade nej till; «{value}» är inget tidigare erbjudande i "
            "förloppet. Ange erbjudandets händelse_nr.",
            "en": "A PVV pause names in reference the event_seq of the in-limit offer the "
            "patient declined; '{value}' is no earlier offer of the pathway. Give the offer's "
            "event_seq.",
        },
        "pvv_offer_not_declined": {
            "sv": "Referensen {value} pekar på ett erbjudande (rad {target_row}) som patienten "
            "inte tackade nej till. PVV kräver ett avböjt erbjudande; rätta referensen eller "
            "erbjudandeutfall.",
            "en": "The reference {value} names an offer (row {target_row}) the patient did not "
            "decline. PVV needs a declined offer; correct the reference or offer_outcome.",
        },
        "mov_without_clinician": {
            "sv": "En MOV-paus ska ange den ansvariga klinikerns HSA-id som referens, inte "
            "«{value}». Fyll i klinikerns HSA-id.",
            "en": "A MOV pause names the responsible clinician's HSA id as reference, not "
            "'{value}'. Fill in the clinician's HSA id.",
        },
    }
)

_IDENTITY_REASONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "check_digit": (
            "kontrollsiffran (sista siffran) stämmer inte",
            "the check digit (last digit) does not match",
        ),
        "date": ("födelsedatumet finns inte", "the birth date does not exist"),
        "future": ("födelsedatumet ligger i framtiden", "the birth date lies in the future"),
        "day": (
            "dagen är 00 eller 60 (ogiltig även för samordningsnummer)",
            "the day is 00 or 60 (invalid even for a samordningsnummer)",
        ),
        "plus_century": (
            "'+' hör bara till den tiosiffriga formen ÅÅMMDD+NNNK",
            "'+' belongs only to the ten-digit form YYMMDD+NNNC",
        ),
        "reserve": (
            "ogiltigt reservnummer (sekel, bokstäver eller kontrollsiffra)",
            "an invalid reserve number (century field, letters or check digit)",
        ),
        "layout": (
            "formen känns inte igen; skriv ÅÅÅÅMMDD-NNNK eller ÅÅMMDD-NNNK",
            "the layout is not recognised; write YYYYMMDD-NNNC or YYMMDD-NNNC",
        ),
    }
)

_CODE_LISTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "region": ("länskod (två siffror, t.ex. 19)", "county code (two digits, e.g. 19)"),
        "municipality": (
            "kommunkod (fyra siffror, t.ex. 1980)",
            "municipality code (four digits, e.g. 1980)",
        ),
        "specialty": ("verksamhetsområdeskod (t.ex. orthopaedics)", "specialty code"),
    }
)

REPORT_HEADERS: Mapping[str, tuple[str, str, str, str, str]] = MappingProxyType(
    {
        "sv": ("fil", "rad", "fält", "värde", "orsak"),
        "en": ("file", "row", "field", "value", "reason"),
    }
)

_SV_NAMES: dict[str, str] = {c.name: c.sv for s in SCHEMAS.values() for c in s.columns}
_EXAMPLES: dict[str, str] = {c.name: c.example for s in SCHEMAS.values() for c in s.columns}


class _Defaults(dict[str, str]):
    """Leave an unknown placeholder visible rather than fail to render a problem."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def field_label(name: str, lang: str) -> str:
    """``händelsedatum (event_date)`` in Swedish, ``event_date`` in English."""
    sv = _SV_NAMES.get(name)
    if lang == "sv" and sv and sv != name:
        return f"{sv} ({name})"
    return name or "?"


def _range_text(low: str | None, high: str | None, lang: str) -> str:
    if low is not None and high is not None:
        return f"intervallet {low}–{high}" if lang == "sv" else f"range {low}–{high}"
    if low is not None:
        return f"intervallet ≥ {low}" if lang == "sv" else f"range ≥ {low}"
    return f"intervallet ≤ {high}" if lang == "sv" else f"range ≤ {high}"


def render(problem: RowProblem, lang: str = "sv") -> str:
    """The message of ``problem`` in ``lang`` ("sv" or "en")."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}; got {lang!r}.")
    params = _Defaults(problem.params)
    params.setdefault("value", problem.value if problem.value is not None else "")
    params["field"] = field_label(problem.field, lang)
    params["row"] = str(problem.row)
    params.setdefault("example", _EXAMPLES.get(problem.field, ""))
    params.setdefault("kind", "")
    suggestion = problem.params.get("suggestion")
    params["hint_sv"] = f" Menade du «{suggestion}»?" if suggestion else ""
    params["hint_en"] = f" Did you mean '{suggestion}'?" if suggestion else ""
    reason = _IDENTITY_REASONS.get(problem.params.get("reason", ""), _IDENTITY_REASONS["layout"])
    params["reason_sv"], params["reason_en"] = reason
    code_list = _CODE_LISTS.get(problem.params.get("list", ""), ("kod", "code"))
    params["list_sv"], params["list_en"] = code_list
    low, high = problem.params.get("min"), problem.params.get("max")
    if low is not None or high is not None:
        params["range"] = _range_text(low, high, "sv")
        params["range_en"] = _range_text(low, high, "en")
    template = CATALOGUE.get(problem.code)
    if template is None and problem.code.startswith("fhir_"):
        from vardkoll.ingest._fhir_messages import FHIR_CATALOGUE  # the FHIR reader's own codes

        template = FHIR_CATALOGUE.get(problem.code)
    if template is None:
        detail = problem.params.get("detail", problem.code)
        return f"{params['field']}: {detail}"
    return template[lang].format_map(params)
