"""One table per import file kind, every version of every row kept.

Each table holds the columns of docs/reference/import-format.md plus three bookkeeping
columns: ``version`` (1, 2, … per natural key), ``batch_id`` (the import that stored this
version) and ``superseded_by`` (the import that replaced it; NULL for the current version).
The database itself guarantees the history stays sound: at most one current version per
natural key (a partial unique index), a version is only superseded by a later batch, and
counts are never negative.

``pathways`` is the current state of each waiting-list pathway, derived from its current
events in the same transaction that stores them. Its partial unique index is the rule "one
open pathway per patient, unit, specialty and entry type".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vardkoll.store._base import Base
from vardkoll.store._models_log import sql_in
from vardkoll.store._types import UTCDateTime

OWNERSHIPS = ("public", "private")
EVENT_TYPES = (
    "clock_start",
    "priority_change",
    "pause_start",
    "pause_end",
    "offer",
    "booking",
    "transfer",
    "removal",
    "void",
)
ENTRY_TYPES = ("primary_contact", "primary_assessment", "first_visit", "examination", "treatment")
PAUSE_REASONS = ("PVV", "MOV")
REMOVAL_REASONS = (
    "treated",
    "no_longer_needed",
    "treated_elsewhere",
    "declined_offer",
    "deceased",
    "registered_in_error",
    "other",
)
OFFER_OUTCOMES = ("accepted", "declined")
CARE_TYPES = ("somatic", "psychiatric")
DISPOSITIONS = ("home", "admitted", "transferred", "left")
SEXES = ("M", "F")

CURRENT = "superseded_by IS NULL"


def _versioned(table: str, key: tuple[str, ...], *extra: Any) -> tuple[Any, ...]:
    """Table arguments shared by every versioned table."""
    return (
        PrimaryKeyConstraint(*key, "version"),
        Index(
            f"uq_{table}_current",
            *key,
            unique=True,
            sqlite_where=text(CURRENT),
            postgresql_where=text(CURRENT),
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id", name="superseded_later"
        ),
        *extra,
    )


class Versioned:
    """Bookkeeping columns of a versioned table."""

    version: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class UnitRow(Versioned, Base):
    __tablename__ = "units"
    __table_args__ = _versioned(
        "units",
        ("unit_id",),
        CheckConstraint(sql_in("ownership", OWNERSHIPS), name="ownership"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
    )

    unit_id: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[str] = mapped_column(Text)
    provider_name: Mapped[str] = mapped_column(Text)
    ownership: Mapped[str] = mapped_column(String(16))
    unit_name: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(String(2))
    municipality_code: Mapped[str] = mapped_column(String(4))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    specialties: Mapped[str] = mapped_column(Text)


class PathwayEventRow(Versioned, Base):
    __tablename__ = "pathway_events"
    __table_args__ = _versioned(
        "pathway_events",
        ("source_system", "pathway_id", "event_seq"),
        CheckConstraint("event_seq >= 1", name="event_seq_positive"),
        CheckConstraint(sql_in("event_type", EVENT_TYPES), name="event_type"),
        CheckConstraint(sql_in("patient_sex", SEXES), name="patient_sex"),
        CheckConstraint(sql_in("entry_type", ENTRY_TYPES), name="entry_type"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        CheckConstraint(sql_in("pause_reason", PAUSE_REASONS), name="pause_reason"),
        CheckConstraint(sql_in("removal_reason", REMOVAL_REASONS), name="removal_reason"),
        CheckConstraint(sql_in("offer_outcome", OFFER_OUTCOMES), name="offer_outcome"),
        CheckConstraint("supersedes_seq >= 1", name="supersedes_seq_positive"),
        Index("ix_pathway_events_patient", "patient_id"),
    )

    source_system: Mapped[str] = mapped_column(Text)
    pathway_id: Mapped[str] = mapped_column(Text)
    event_seq: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(32))
    event_date: Mapped[dt.date] = mapped_column(Date)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.identity"))
    protected_identity: Mapped[bool] = mapped_column(Boolean)
    patient_sex: Mapped[str | None] = mapped_column(String(1))
    patient_birth_date: Mapped[dt.date | None] = mapped_column(Date)
    home_municipality: Mapped[str | None] = mapped_column(String(4))
    region_code: Mapped[str] = mapped_column(String(2))
    unit_id: Mapped[str] = mapped_column(Text)
    specialty: Mapped[str | None] = mapped_column(String(64))
    entry_type: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int | None] = mapped_column(Integer)
    procedure_code: Mapped[str | None] = mapped_column(String(16))
    pause_reason: Mapped[str | None] = mapped_column(String(8))
    removal_reason: Mapped[str | None] = mapped_column(String(32))
    offer_outcome: Mapped[str | None] = mapped_column(String(16))
    offered_unit_id: Mapped[str | None] = mapped_column(Text)
    appointment_date: Mapped[dt.date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(Text)
    supersedes_seq: Mapped[int | None] = mapped_column(Integer)


class ProductionRow(Versioned, Base):
    __tablename__ = "production"
    __table_args__ = _versioned(
        "production",
        ("unit_id", "entry_type", "week"),
        CheckConstraint(sql_in("entry_type", ENTRY_TYPES), name="entry_type"),
        CheckConstraint("length(week) = 8", name="week_format"),
        CheckConstraint("planned >= 0", name="planned_nonneg"),
        CheckConstraint("performed >= 0", name="performed_nonneg"),
    )

    unit_id: Mapped[str] = mapped_column(Text)
    entry_type: Mapped[str] = mapped_column(String(32))
    week: Mapped[str] = mapped_column(String(8))
    planned: Mapped[int] = mapped_column(Integer)
    performed: Mapped[int | None] = mapped_column(Integer)


class BedsRow(Versioned, Base):
    __tablename__ = "beds"
    __table_args__ = _versioned(
        "beds",
        ("ward_id", "date"),
        CheckConstraint(sql_in("care_type", CARE_TYPES), name="care_type"),
        CheckConstraint(
            "available_beds >= 0 AND occupied_beds >= 0 AND overcrowded >= 0 AND outliers >= 0",
            name="counts_nonneg",
        ),
    )

    ward_id: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)
    unit_id: Mapped[str] = mapped_column(Text)
    hospital: Mapped[str] = mapped_column(Text)
    care_type: Mapped[str] = mapped_column(String(16))
    available_beds: Mapped[int] = mapped_column(Integer)
    occupied_beds: Mapped[int] = mapped_column(Integer)
    overcrowded: Mapped[int] = mapped_column(Integer)
    outliers: Mapped[int] = mapped_column(Integer)


class TheatreSessionRow(Versioned, Base):
    __tablename__ = "theatre_sessions"
    __table_args__ = _versioned(
        "theatre_sessions",
        ("session_id",),
        CheckConstraint("planned_minutes >= 0 AND used_minutes >= 0", name="minutes_nonneg"),
    )

    session_id: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[str] = mapped_column(Text)
    theatre_id: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)
    specialty: Mapped[str] = mapped_column(String(64))
    planned_minutes: Mapped[int] = mapped_column(Integer)
    used_minutes: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean)


class EdVisitRow(Versioned, Base):
    __tablename__ = "ed_visits"
    __table_args__ = _versioned(
        "ed_visits",
        ("visit_id",),
        CheckConstraint("triage BETWEEN 1 AND 5", name="triage"),
        CheckConstraint(sql_in("disposition", DISPOSITIONS), name="disposition"),
        CheckConstraint("departure >= arrival", name="departure_after_arrival"),
        Index("ix_ed_visits_patient", "patient_id"),
    )

    visit_id: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.identity"))
    arrival: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    triage: Mapped[int] = mapped_column(Integer)
    physician_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    departure: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    disposition: Mapped[str] = mapped_column(String(16))


class InpatientStayRow(Versioned, Base):
    __tablename__ = "inpatient_stays"
    __table_args__ = _versioned(
        "inpatient_stays",
        ("stay_id",),
        CheckConstraint(sql_in("care_type", CARE_TYPES), name="care_type"),
        CheckConstraint("discharged >= admitted", name="discharged_after_admitted"),
        Index("ix_inpatient_stays_patient", "patient_id"),
    )

    stay_id: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.identity"))
    unit_id: Mapped[str] = mapped_column(Text)
    ward_id: Mapped[str] = mapped_column(Text)
    care_type: Mapped[str] = mapped_column(String(16))
    municipality_code: Mapped[str] = mapped_column(String(4))
    admitted: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    admission_notice_sent: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ready_for_discharge: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    discharged: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    diagnoses: Mapped[str | None] = mapped_column(Text)


FILE_TABLES: dict[str, type[Versioned]] = {
    "units": UnitRow,
    "pathway_events": PathwayEventRow,
    "production": ProductionRow,
    "beds": BedsRow,
    "theatre_sessions": TheatreSessionRow,
    "ed_visits": EdVisitRow,
    "inpatient_stays": InpatientStayRow,
}


class PathwayState(Base):
    """The current state of one pathway, recomputed from its current events on every import."""

    __tablename__ = "pathways"
    __table_args__ = (
        PrimaryKeyConstraint("source_system", "pathway_id"),
        Index(
            "uq_pathways_open",
            "patient_id",
            "unit_id",
            "specialty",
            "entry_type",
            unique=True,
            sqlite_where=text("removed_on IS NULL"),
            postgresql_where=text("removed_on IS NULL"),
        ),
        CheckConstraint(sql_in("entry_type", ENTRY_TYPES), name="entry_type"),
        CheckConstraint("priority BETWEEN 1 AND 4", name="priority"),
        CheckConstraint("removed_on >= clock_start", name="removed_after_start"),
        CheckConstraint(
            "(removed_on IS NULL) = (removal_reason IS NULL)", name="removal_has_reason"
        ),
        CheckConstraint(sql_in("removal_reason", REMOVAL_REASONS), name="removal_reason"),
        CheckConstraint("last_event_seq >= 1", name="last_event_seq_positive"),
    )

    source_system: Mapped[str] = mapped_column(Text)
    pathway_id: Mapped[str] = mapped_column(Text)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.identity"))
    region_code: Mapped[str] = mapped_column(String(2))
    home_municipality: Mapped[str | None] = mapped_column(String(4))
    unit_id: Mapped[str] = mapped_column(Text)
    specialty: Mapped[str] = mapped_column(String(64))
    entry_type: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    procedure_code: Mapped[str | None] = mapped_column(String(16))
    clock_start: Mapped[dt.date] = mapped_column(Date)
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(String(32))
    paused: Mapped[bool] = mapped_column(Boolean)
    has_pvv: Mapped[bool] = mapped_column(Boolean)
    has_mov: Mapped[bool] = mapped_column(Boolean)
    last_event_seq: Mapped[int] = mapped_column(Integer)
