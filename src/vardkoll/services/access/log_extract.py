"""The patient log extract as a PDF: the same rows as the CSV, for the patient to read.

Why a PDF beside the CSV: a patient who asks which units accessed their data (patient data
law, docs/explanation/patient-data-law.md) gets a document to read, not a spreadsheet. It lists
exactly the rows of :func:`vardkoll.services.access.audit.extract_rows` — the CSV's rows — in
Swedish by default or in English, and names the patient by pseudonym only: the identity number never
enters the file.

The log stores codes (role, action, purpose, ``waiting_list:SE2321000198-E0001``) because codes
stay stable while names change; a person reads names. :func:`readable_rows` turns a row's codes
into the roles', actions', purposes' and units' names, for the PDF, the CSV and the review page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm

from vardkoll.domain import MUNICIPALITIES, REGIONS
from vardkoll.services.access.audit import EXTRACT_COLUMNS
from vardkoll.services.access.roles import role_spec
from vardkoll.services.reports.pdf import PdfDocument

__all__ = [
    "acting_for_label",
    "action_label",
    "column_titles",
    "extract_pdf",
    "purpose_label",
    "readable_rows",
    "role_label",
]

_ACTIONS: dict[str, tuple[str, str]] = {
    "list": ("Visade väntelista", "Viewed a waiting list"),
    "export": ("Exporterade väntelista", "Exported a waiting list"),
    "read": ("Öppnade patientens uppgifter", "Opened the patient's record"),
    "read_protected": (
        "Öppnade uppgifter med skyddad identitet",
        "Opened a record with protected identity",
    ),
    "log_extract": ("Tog fram loggutdrag", "Produced a log extract"),
}
_PURPOSES: dict[str, tuple[str, str]] = {
    "waiting-list follow-up": ("Uppföljning av väntelista", "Waiting-list follow-up"),
    "patient log extract": ("Loggutdrag för patient", "Patient log extract"),
    "patient log extract (PDF)": ("Loggutdrag för patient (PDF)", "Patient log extract (PDF)"),
}
_PROCESSES: dict[str, tuple[str, str]] = {
    "waiting_list": ("Väntelistor", "Waiting lists"),
    "discharge": ("Utskrivningsplanering", "Discharge planning"),
    "audit": ("Granskning av loggen", "Audit log review"),
}
_NAMED_PARTS: dict[str, tuple[str, str]] = {
    "log extract": ("loggutdrag", "log extract"),
}

_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Loggutdrag för patient",
        "subtitle": "Patient (pseudonym): {pseudonym}",
        "intro": "Varje åtkomst till patientens uppgifter i Vårdkoll enligt åtkomstloggen: vem, "
        "i vilken roll, för vilken enhet eller process, vad och när (svensk tid). "
        "Antal åtkomster: {n}.",
        "none": "Loggen visar ingen åtkomst till patientens uppgifter.",
        "time": "Tid",
        "user": "Användare",
        "role": "Roll",
        "acting_for": "Enhet eller process",
        "action": "Åtgärd",
        "purpose": "Ändamål",
        "resource": "Resurs",
    },
    "en": {
        "title": "Patient log extract",
        "subtitle": "Patient (pseudonym): {pseudonym}",
        "intro": "Every access to the patient's data in Vårdkoll according to the access log: "
        "who, in which role, for which unit or process, what and when (Swedish time). "
        "Accesses: {n}.",
        "none": "The log shows no access to the patient's data.",
        "time": "Time",
        "user": "User",
        "role": "Role",
        "acting_for": "Unit or process",
        "action": "Action",
        "purpose": "Purpose",
        "resource": "Resource",
    },
}
_WIDTHS_MM = {  # landscape A4 less margins: 267 mm; times do not wrap, names and paths may
    "time": 42,
    "user": 24,
    "role": 38,
    "acting_for": 55,
    "action": 32,
    "purpose": 30,
    "resource": 46,
}


def _pick(pair: tuple[str, str] | None, lang: str, fallback: str) -> str:
    if pair is None:
        return fallback
    return pair[1] if lang == "en" else pair[0]


def role_label(name: str, lang: str) -> str:
    """The role's name (an unknown code stays as it is: it is all the log knows)."""
    spec = role_spec(name)
    if spec is None:
        return name
    return spec.label_en if lang == "en" else spec.label_sv


def action_label(code: str, lang: str) -> str:
    """What the user did, in words."""
    return _pick(_ACTIONS.get(code), lang, code)


def purpose_label(purpose: str, lang: str) -> str:
    """A standard purpose by its name; a purpose the user wrote stays in their words."""
    return _pick(_PURPOSES.get(purpose), lang, purpose)


def acting_for_label(acting_for: str, lang: str, unit_names: Mapping[str, str]) -> str:
    """``process:scope`` as the process's name and the units', municipality's or region's names.

    >>> acting_for_label("waiting_list:SE1-E1,SE1-E2", "sv", {"SE1-E1": "Ortopeden"})
    'Väntelistor – Ortopeden, SE1-E2'
    >>> acting_for_label("waiting_list:region 19", "en", {})
    'Waiting lists – Region Västmanland'
    """
    process, _, rest = acting_for.partition(":")
    title = _pick(_PROCESSES.get(process), lang, process)
    if not rest:
        return title
    if rest in _NAMED_PARTS:
        where = _pick(_NAMED_PARTS[rest], lang, rest)
    elif rest.startswith("kommun "):
        code = rest.removeprefix("kommun ")
        municipality = MUNICIPALITIES.get(code)
        where = municipality.name if municipality is not None else rest
    elif rest.startswith("region "):
        code = rest.removeprefix("region ")
        region = REGIONS.get(code)
        where = f"Region {region.short_name}" if region is not None else rest
    else:
        where = ", ".join(unit_names.get(u, u) for u in rest.split(",") if u)
    return f"{title} – {where}"


def column_titles(lang: str) -> list[str]:
    """The extract's column headings in ``lang`` (the CSV's and the PDF's)."""
    t = _TEXT["en" if lang == "en" else "sv"]
    return [t[c] for c in EXTRACT_COLUMNS]


def readable_rows(
    rows: Sequence[Mapping[str, Any]], lang: str, unit_names: Mapping[str, str] | None = None
) -> list[list[str]]:
    """The rows of ``audit.extract_rows`` with names for codes, in column order."""
    names = unit_names or {}
    render = {
        "role": lambda v: role_label(v, lang),
        "action": lambda v: action_label(v, lang),
        "purpose": lambda v: purpose_label(v, lang),
        "acting_for": lambda v: acting_for_label(v, lang, names),
    }
    return [
        [render[c](str(r[c])) if c in render else str(r[c]) for c in EXTRACT_COLUMNS] for r in rows
    ]


def extract_pdf(
    rows: Sequence[Mapping[str, Any]],
    *,
    pseudonym: str,
    lang: str = "sv",
    generated_at: dt.datetime | None = None,
    unit_names: Mapping[str, str] | None = None,
) -> bytes:
    """The extract's ``rows`` (from ``audit.extract_rows``) as a landscape A4 PDF."""
    lang = "en" if lang == "en" else "sv"
    t = _TEXT[lang]
    doc = PdfDocument(
        t["title"],
        subtitle=t["subtitle"].format(pseudonym=pseudonym),
        lang=lang,
        generated_at=generated_at,
        landscape=True,
    )
    if not rows:
        doc.paragraph(t["none"])
        return doc.render()
    doc.paragraph(t["intro"].format(n=len(rows)))
    doc.table(
        column_titles(lang),
        readable_rows(rows, lang, unit_names),
        col_widths=[_WIDTHS_MM[c] * mm for c in EXTRACT_COLUMNS],
    )
    return doc.render()
