"""The patient log extract as a PDF: the same rows as the CSV, for the patient to read.

Why a PDF beside the CSV: a patient who asks which units accessed their data (patient data
law, docs/explanation/patient-data-law.md) gets a document to read, not a spreadsheet. It lists
exactly the rows of :func:`vardkoll.services.access.audit.extract_rows` — the CSV's rows — in
Swedish by default or in English, and names the patient by pseudonym only: the identity number never
enters the file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm

from vardkoll.services.access.audit import EXTRACT_COLUMNS
from vardkoll.services.access.roles import role_spec
from vardkoll.services.reports.pdf import PdfDocument

__all__ = ["extract_pdf"]

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
_WIDTHS_MM = {  # landscape A4 less margins: 267 mm; paths and times do not wrap
    "time": 42,
    "user": 26,
    "role": 40,
    "acting_for": 45,
    "action": 24,
    "purpose": 30,
    "resource": 60,
}


def _role(name: str, lang: str) -> str:
    spec = role_spec(name)
    if spec is None:
        return name
    return spec.label_en if lang == "en" else spec.label_sv


def extract_pdf(
    rows: Sequence[Mapping[str, Any]],
    *,
    pseudonym: str,
    lang: str = "sv",
    generated_at: dt.datetime | None = None,
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
    body = [
        [_role(str(r[c]), lang) if c == "role" else str(r[c]) for c in EXTRACT_COLUMNS]
        for r in rows
    ]
    doc.table(
        [t[c] for c in EXTRACT_COLUMNS],
        body,
        col_widths=[_WIDTHS_MM[c] * mm for c in EXTRACT_COLUMNS],
    )
    return doc.render()
