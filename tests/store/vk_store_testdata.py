"""Test data for the store tests: pathway histories, typed Arrow tables shaped like the
validated files of ``vardkoll.ingest``, and a stand-in ``ValidatedFile``.

Imported by the tests (``tests/store/conftest.py`` puts this folder on ``sys.path``) and by
the import worker that the kill tests run in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import pyarrow as pa

from vardkoll.domain import PathwayEvent, luhn_check_digit
from vardkoll.store._kinds import kind_spec

UTC = dt.UTC
BACKENDS = ("sqlite", "postgresql")
SPECIALTIES = ("orthopaedics", "ent", "ophthalmology", "urology")
ENTRY_TYPES = ("first_visit", "treatment", "examination")


def personnummer(rng: random.Random) -> str:
    """A valid canonical personnummer (12 digits) with a random birth date and number."""
    born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 30_000))
    nnn = f"{rng.randrange(0, 1000):03d}"
    short = born.strftime("%y%m%d") + nnn
    return born.strftime("%Y") + short[2:] + str(luhn_check_digit(short))


def samordningsnummer(rng: random.Random) -> str:
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 25_000))
    short = born.strftime("%y%m") + f"{born.day + 60:02d}" + f"{rng.randrange(0, 1000):03d}"
    return born.strftime("%Y") + short[2:] + str(luhn_check_digit(short))


# --- pathway histories ----------------------------------------------------------------------


@dataclass
class _Gen:
    rng: random.Random
    source: str
    pathway_id: str
    patient: str
    unit: str
    day: dt.date
    events: list[PathwayEvent] = field(default_factory=list)

    def add(self, kind: str, **kw: Any) -> PathwayEvent:
        base: dict[str, Any] = {
            "source_system": self.source,
            "pathway_id": self.pathway_id,
            "event_seq": len(self.events) + 1,
            "event_type": kind,
            "event_date": self.day,
            "patient_id": self.patient,
            "region_code": "19",
            "unit_id": self.unit,
        }
        base.update(kw)
        event = PathwayEvent(**base)
        self.events.append(event)
        return event

    def step(self, lo: int = 0, hi: int = 20) -> None:
        self.day += dt.timedelta(days=self.rng.randint(lo, hi))


def random_history(
    rng: random.Random,
    *,
    source: str = "COSMIC-VMD",
    pathway_id: str = "P1",
    patient: str | None = None,
    start: dt.date | None = None,
    unit: str = "SE2321000198-E0101",
    specialty: str | None = None,
    entry_type: str | None = None,
    complex_events: bool = True,
) -> list[PathwayEvent]:
    """A plausible (mostly valid) history: pauses, offers, transfers, corrections, voids."""
    g = _Gen(
        rng,
        source,
        pathway_id,
        patient or personnummer(rng),
        unit,
        start or dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 400)),
    )

    def clock_start() -> None:
        g.add(
            "clock_start",
            specialty=specialty or rng.choice(SPECIALTIES),
            entry_type=entry_type or rng.choice(ENTRY_TYPES),
            priority=rng.randint(1, 4),
            home_municipality="1980",
            procedure_code=rng.choice([None, "NGB49", "NFB29"]),
        )

    clock_start()
    for _ in range(rng.randint(0, 8 if complex_events else 4)):
        g.step()
        choice = rng.random()
        if choice < 0.15:
            g.add("priority_change", priority=rng.randint(1, 4))
        elif choice < 0.3:
            # PVV: an in-limit offer the patient declines, then a pause naming it.
            appointment = g.day + dt.timedelta(days=rng.randint(1, 20))
            offer = g.add(
                "offer",
                offer_outcome="declined",
                offered_unit_id=g.unit,
                appointment_date=appointment,
            )
            g.step(0, 3)
            g.add("pause_start", pause_reason="PVV", reference=str(offer.event_seq))
            if rng.random() < 0.8:
                g.step(1, 40)
                g.add("pause_end")
        elif choice < 0.42:
            g.add("pause_start", pause_reason="MOV", reference="SE2321000198-H0042")
            if rng.random() < 0.8:
                g.step(1, 60)
                g.add("pause_end")
        elif choice < 0.55:
            g.add(
                "offer",
                offer_outcome=rng.choice(["accepted", "declined"]),
                offered_unit_id=rng.choice([g.unit, "SE5565-E0007"]),
                appointment_date=g.day + dt.timedelta(days=rng.randint(1, 30)),
            )
        elif choice < 0.65:
            g.add("booking", appointment_date=g.day + dt.timedelta(days=rng.randint(1, 60)))
        elif choice < 0.75:
            g.unit = rng.choice(["SE2321000198-E0102", "SE2321000198-E0103", unit])
            g.add("transfer")
        elif choice < 0.85 and complex_events:
            # Breach, then a redress offer elsewhere that the patient declines; maybe a new clock.
            g.step(95, 130)
            g.add(
                "offer",
                offer_outcome="declined",
                offered_unit_id="SE5565-E0007",
                appointment_date=g.day + dt.timedelta(days=5),
            )
            if rng.random() < 0.5:
                g.step(1, 30)
                clock_start()
        elif choice < 0.93 and complex_events and len(g.events) > 1:
            # Correct or void a plain earlier event (not a clock_start, pause or offer).
            targets = [
                e
                for e in g.events
                if e.event_type in {"priority_change", "booking", "transfer"}
                and e.supersedes_seq is None
                and not any(x.supersedes_seq == e.event_seq for x in g.events)
            ]
            if targets:
                target = rng.choice(targets)
                if rng.random() < 0.5:
                    g.add("void", supersedes_seq=target.event_seq)
                elif target.event_type == "priority_change":
                    g.add(
                        "priority_change",
                        event_date=target.event_date,
                        priority=rng.randint(1, 4),
                        supersedes_seq=target.event_seq,
                    )
                elif target.event_type == "booking":
                    g.add(
                        "booking",
                        event_date=target.event_date,
                        appointment_date=target.event_date + dt.timedelta(days=9),
                        supersedes_seq=target.event_seq,
                    )
        # else: nothing happens in this step
    if rng.random() < 0.6:
        # Close a running pause first; then remove.
        running = False
        for e in g.events:
            if e.event_type == "pause_start":
                running = True
            elif e.event_type == "pause_end":
                running = False
        g.step(0, 30)
        if running and rng.random() < 0.5:
            g.add("pause_end")
        g.add(
            "removal",
            removal_reason=rng.choice(["treated", "no_longer_needed", "treated_elsewhere"]),
        )
    return g.events


# --- Arrow tables shaped like vardkoll.ingest's validated files -------------------------------


def events_table(events: Iterable[PathwayEvent], *, first_row: int = 2) -> pa.Table:
    """``pathway_events`` rows as the validated file would carry them."""
    rows = [{f.name: getattr(e, f.name) for f in fields(PathwayEvent)} for e in events]
    return typed_table("pathway_events", rows, first_row=first_row)


def typed_table(kind: str, rows: list[Mapping[str, Any]], *, first_row: int = 2) -> pa.Table:
    """Rows of ``kind`` as a typed Arrow table with ``_row`` (and ``patient_id_type``)."""
    spec = kind_spec(kind)
    schema = spec.schema
    data: dict[str, list[Any]] = {name: [r.get(name) for r in rows] for name in schema.names}
    if "protected_identity" in data:
        data["protected_identity"] = [bool(v) for v in data["protected_identity"]]
    table = pa.table(data, schema=schema)
    if spec.patient_column:
        types = [identity_type(r[spec.patient_column]) for r in rows]
        table = table.append_column("patient_id_type", pa.array(types, pa.string()))
    return table.append_column(
        "_row", pa.array(range(first_row, first_row + len(rows)), pa.int64())
    )


def identity_type(canonical: str) -> str:
    if canonical[:2].isdigit() and int(canonical[:2]) >= 22 and not canonical[8:10].isdigit():
        return "reservnummer"
    return "samordningsnummer" if int(canonical[6:8]) > 60 else "personnummer"


@dataclass(frozen=True)
class Problem:
    """A stand-in for ``vardkoll.ingest.RowProblem``."""

    file: str
    row: int
    field: str
    value: str | None
    code: str
    params: Mapping[str, str] = field(default_factory=dict)

    def message(self, lang: str = "sv") -> str:
        return f"{self.field}: {self.code} ({lang})"


@dataclass(frozen=True)
class Validated:
    """A stand-in for ``vardkoll.ingest.ValidatedFile``."""

    source: str
    kind: str
    sha256: str
    n_read: int
    valid: pa.Table
    problems: tuple[Problem, ...] = ()

    @property
    def rejected_rows(self) -> frozenset[int]:
        return frozenset(p.row for p in self.problems)


def validated(
    kind: str, table: pa.Table, *, source: str = "file.csv", problems: tuple[Problem, ...] = ()
) -> Validated:
    """Wrap ``table`` (valid rows) as a validated file; ``problems`` add rejected rows."""
    digest = hashlib.sha256(repr(table.to_pylist()).encode()).hexdigest()
    n_read = table.num_rows + len({p.row for p in problems})
    return Validated(source, kind, digest, n_read, table, problems)


def region_events(
    n_pathways: int, *, seed: int = 1, complex_events: bool = True, prefix: str = "P"
) -> list[PathwayEvent]:
    """Many pathways with distinct patients (so no two open pathways collide)."""
    rng = random.Random(seed)
    out: list[PathwayEvent] = []
    for i in range(n_pathways):
        out += random_history(
            rng, pathway_id=f"{prefix}{i:07d}", complex_events=complex_events, patient=None
        )
    return out


def second_delivery(n_pathways: int, *, seed: int = 1) -> list[PathwayEvent]:
    """A later file: the first file's events with some priorities changed, plus new pathways."""
    first = region_events(n_pathways, seed=seed)
    changed = [
        replace(e, priority=(e.priority % 4) + 1)
        if e.event_type == "priority_change" and e.event_seq % 2 == 0
        else e
        for e in first
    ]
    return changed + region_events(n_pathways // 2, seed=seed + 1000, prefix="N")


def unit_rows(n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "provider_id": "SE2321000198-P01",
            "provider_name": "Region Västmanland",
            "ownership": "public",
            "unit_id": f"SE2321000198-E010{i + 1}",
            "unit_name": f"Mottagning {i + 1}",
            "region_code": "19",
            "municipality_code": "1980",
            "latitude": 59.6099 + i / 1000,
            "longitude": 16.5448,
            "specialties": "orthopaedics|general_surgery",
        }
        for i in range(n)
    ]


def ed_rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        arrival = dt.datetime(2025, 3, 1, 8, 0, tzinfo=UTC) + dt.timedelta(minutes=37 * i)
        out.append(
            {
                "visit_id": f"AKM-2025-{i:06d}",
                "unit_id": "SE2321000198-E0900",
                "patient_id": personnummer(rng),
                "arrival": arrival,
                "triage": rng.randint(1, 5),
                "physician_seen": arrival + dt.timedelta(minutes=50) if i % 3 else None,
                "departure": arrival + dt.timedelta(hours=3, microseconds=123),
                "disposition": rng.choice(["home", "admitted", "transferred", "left"]),
            }
        )
    return out


def stay_rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        admitted = dt.datetime(2025, 3, 1, 14, 20, tzinfo=UTC) + dt.timedelta(hours=5 * i)
        out.append(
            {
                "stay_id": f"VT-2025-{i:06d}",
                "patient_id": samordningsnummer(rng) if i % 5 == 0 else personnummer(rng),
                "unit_id": "SE2321000198-E0300",
                "ward_id": "SE2321000198-A0311",
                "care_type": "somatic",
                "municipality_code": "1980",
                "admitted": admitted,
                "admission_notice_sent": admitted + dt.timedelta(hours=3),
                "ready_for_discharge": admitted + dt.timedelta(days=4) if i % 2 else None,
                "discharged": admitted + dt.timedelta(days=6) if i % 4 else None,
                "diagnoses": "S72|W19|F00" if i % 2 else None,
            }
        )
    return out


def other_rows(kind: str, n: int) -> list[dict[str, Any]]:
    """Rows of production, beds or theatre_sessions."""
    start = dt.date(2025, 3, 3)
    if kind == "production":
        return [
            {
                "unit_id": "SE2321000198-E0101",
                "entry_type": "treatment",
                "week": f"2025-W{(i % 52) + 1:02d}",
                "planned": 40 + i,
                "performed": None if i % 7 == 0 else 38 + i,
            }
            for i in range(n)
        ]
    if kind == "beds":
        return [
            {
                "ward_id": f"SE2321000198-A03{i % 3}",
                "unit_id": "SE2321000198-E0300",
                "hospital": "Västmanlands sjukhus Västerås",
                "care_type": "somatic",
                "date": start + dt.timedelta(days=i // 3),
                "available_beds": 24,
                "occupied_beds": 20 + i % 6,
                "overcrowded": i % 2,
                "outliers": i % 3,
            }
            for i in range(n)
        ]
    if kind == "theatre_sessions":
        return [
            {
                "session_id": f"OP-VS-{i:05d}",
                "unit_id": "SE2321000198-E0101",
                "theatre_id": f"VS-OP{i % 4}",
                "date": start + dt.timedelta(days=i // 4),
                "specialty": "orthopaedics",
                "planned_minutes": 480,
                "used_minutes": 400 + i % 80,
                "cancelled": i % 9 == 0,
            }
            for i in range(n)
        ]
    raise ValueError(kind)
