"""Test data for the CSV/XLSX import tests (a uniquely named module, put on sys.path by conftest).

Identities are built here with the Luhn rule of DOMAIN.md §11, written out independently of the
code under test, so a test never trusts the validator to make its own input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

TODAY = dt.date(2025, 6, 1)
SAMPLES = Path(__file__).resolve().parents[2] / "samples"

PATHWAY_COLUMNS = (
    "source_system",
    "pathway_id",
    "event_seq",
    "event_type",
    "event_date",
    "patient_id",
    "region_code",
    "unit_id",
    "home_municipality",
    "specialty",
    "entry_type",
    "priority",
    "pause_reason",
    "removal_reason",
    "offer_outcome",
    "offered_unit_id",
    "appointment_date",
    "reference",
    "supersedes_seq",
)


def luhn(digits: str) -> int:
    """Check digit by the textbook Luhn rule (written out here, not imported)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value // 10 + value % 10
    return (10 - total % 10) % 10


def pin(date8: str, birth: str) -> str:
    """A valid personnummer ``YYYYMMDD-NNNC`` for a date and a three-digit birth number."""
    return f"{date8}-{birth}{luhn(date8[2:] + birth)}"


PIN_A = pin("19510402", "224")
PIN_B = pin("19470916", "531")


def clock_start(pathway: str = "P1", day: str = "2025-03-05", **extra: str) -> dict[str, str]:
    row = {
        "source_system": "SYS",
        "pathway_id": pathway,
        "event_seq": "1",
        "event_type": "clock_start",
        "event_date": day,
        "patient_id": PIN_A,
        "region_code": "19",
        "unit_id": "U1",
        "home_municipality": "1980",
        "specialty": "orthopaedics",
        "entry_type": "treatment",
        "priority": "2",
    }
    row.update(extra)
    return row


def event(seq: int, event_type: str, day: str, pathway: str = "P1", **extra: str) -> dict[str, str]:
    row = {
        "source_system": "SYS",
        "pathway_id": pathway,
        "event_seq": str(seq),
        "event_type": event_type,
        "event_date": day,
        "patient_id": PIN_A,
        "region_code": "19",
        "unit_id": "U1",
    }
    row.update(extra)
    return row


def csv_text(
    rows: Sequence[Mapping[str, str]],
    columns: Sequence[str] = PATHWAY_COLUMNS,
    sep: str = ";",
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()
