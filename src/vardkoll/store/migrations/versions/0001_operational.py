"""Operational store: import log, patients and identity links, file tables, pathways.

Revision ID: 0001_operational
Revises:
Create Date: 2026-11-25

Every file kind of docs/reference/import-format.md gets a versioned table (natural key +
``version``; at most one current version per key by a partial unique index). ``pathways``
holds each pathway's current state; its partial unique index allows one open pathway per
patient, unit, specialty and entry type.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_operational"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accept_valid", sa.Boolean(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_stored", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("rows_superseded", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "kind IN ('units', 'pathway_events', 'production', 'beds', 'theatre_sessions', "
            "'ed_visits', 'inpatient_stays')",
            name=op.f("ck_import_batches_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('running', 'stored', 'stored_with_quarantine')",
            name=op.f("ck_import_batches_status"),
        ),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_import_batches_sha256_length")),
        sa.CheckConstraint(
            "rows_read >= 0 AND rows_stored >= 0 AND rows_unchanged >= 0 AND rows_superseded >= "
            "0 AND rows_quarantined >= 0",
            name=op.f("ck_import_batches_counts_nonneg"),
        ),
        sa.CheckConstraint(
            "rows_stored + rows_unchanged + rows_quarantined <= rows_read",
            name=op.f("ck_import_batches_counts_add_up"),
        ),
        sa.CheckConstraint(
            "rows_superseded <= rows_stored",
            name=op.f("ck_import_batches_superseded_within_stored"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_table(
        "beds",
        sa.Column("ward_id", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("hospital", sa.Text(), nullable=False),
        sa.Column("care_type", sa.String(length=16), nullable=False),
        sa.Column("available_beds", sa.Integer(), nullable=False),
        sa.Column("occupied_beds", sa.Integer(), nullable=False),
        sa.Column("overcrowded", sa.Integer(), nullable=False),
        sa.Column("outliers", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "care_type IN ('somatic', 'psychiatric')", name=op.f("ck_beds_care_type")
        ),
        sa.CheckConstraint(
            "available_beds >= 0 AND occupied_beds >= 0 AND overcrowded >= 0 AND outliers >= 0",
            name=op.f("ck_beds_counts_nonneg"),
        ),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_beds_superseded_later"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_beds_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_beds_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_beds_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint("ward_id", "date", "version", name=op.f("pk_beds")),
    )
    op.create_index(
        "uq_beds_current",
        "beds",
        ["ward_id", "date"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "patients",
        sa.Column("identity", sa.String(length=12), nullable=False),
        sa.Column("identity_type", sa.String(length=32), nullable=False),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=True),
        sa.Column("first_batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "identity_type IN ('personnummer', 'samordningsnummer', 'reservnummer')",
            name=op.f("ck_patients_identity_type"),
        ),
        sa.CheckConstraint("length(identity) = 12", name=op.f("ck_patients_identity_length")),
        sa.ForeignKeyConstraint(
            ["first_batch_id"],
            ["import_batches.id"],
            name=op.f("fk_patients_first_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("identity", name=op.f("pk_patients")),
    )
    op.create_index("ix_patients_pseudonym", "patients", ["pseudonym"], unique=False)
    op.create_table(
        "production",
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("entry_type", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("performed", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "entry_type IN ('primary_contact', 'primary_assessment', 'first_visit', "
            "'examination', 'treatment')",
            name=op.f("ck_production_entry_type"),
        ),
        sa.CheckConstraint("length(week) = 8", name=op.f("ck_production_week_format")),
        sa.CheckConstraint("performed >= 0", name=op.f("ck_production_performed_nonneg")),
        sa.CheckConstraint("planned >= 0", name=op.f("ck_production_planned_nonneg")),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_production_superseded_later"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_production_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_production_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_production_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint(
            "unit_id", "entry_type", "week", "version", name=op.f("pk_production")
        ),
    )
    op.create_index(
        "uq_production_current",
        "production",
        ["unit_id", "entry_type", "week"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "quarantined_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("row >= 0", name=op.f("ck_quarantined_rows_row_nonneg")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_quarantined_rows_batch_id_import_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_rows")),
    )
    op.create_index(
        "ix_quarantined_rows_batch", "quarantined_rows", ["batch_id", "row"], unique=False
    )

    op.create_table(
        "theatre_sessions",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("theatre_id", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("used_minutes", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "planned_minutes >= 0 AND used_minutes >= 0",
            name=op.f("ck_theatre_sessions_minutes_nonneg"),
        ),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_theatre_sessions_superseded_later"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_theatre_sessions_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_theatre_sessions_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_theatre_sessions_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint("session_id", "version", name=op.f("pk_theatre_sessions")),
    )
    op.create_index(
        "uq_theatre_sessions_current",
        "theatre_sessions",
        ["session_id"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "units",
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("provider_name", sa.Text(), nullable=False),
        sa.Column("ownership", sa.String(length=16), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("specialties", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint("ownership IN ('public', 'private')", name=op.f("ck_units_ownership")),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_units_latitude")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_units_longitude")),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_units_superseded_later"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_units_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_units_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_units_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint("unit_id", "version", name=op.f("pk_units")),
    )
    op.create_index(
        "uq_units_current",
        "units",
        ["unit_id"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "ed_visits",
        sa.Column("visit_id", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.String(length=12), nullable=False),
        sa.Column("arrival", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triage", sa.Integer(), nullable=False),
        sa.Column("physician_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("departure", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "disposition IN ('home', 'admitted', 'transferred', 'left')",
            name=op.f("ck_ed_visits_disposition"),
        ),
        sa.CheckConstraint(
            "departure >= arrival", name=op.f("ck_ed_visits_departure_after_arrival")
        ),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_ed_visits_superseded_later"),
        ),
        sa.CheckConstraint("triage BETWEEN 1 AND 5", name=op.f("ck_ed_visits_triage")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_ed_visits_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_ed_visits_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.identity"], name=op.f("fk_ed_visits_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_ed_visits_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint("visit_id", "version", name=op.f("pk_ed_visits")),
    )
    op.create_index("ix_ed_visits_patient", "ed_visits", ["patient_id"], unique=False)
    op.create_index(
        "uq_ed_visits_current",
        "ed_visits",
        ["visit_id"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "identity_links",
        sa.Column("from_identity", sa.String(length=12), nullable=False),
        sa.Column("linked_on", sa.Date(), nullable=False),
        sa.Column("to_identity", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("from_identity <> to_identity", name=op.f("ck_identity_links_not_self")),
        sa.ForeignKeyConstraint(
            ["from_identity"],
            ["patients.identity"],
            name=op.f("fk_identity_links_from_identity_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["to_identity"],
            ["patients.identity"],
            name=op.f("fk_identity_links_to_identity_patients"),
        ),
        sa.PrimaryKeyConstraint("from_identity", "linked_on", name=op.f("pk_identity_links")),
    )
    op.create_table(
        "inpatient_stays",
        sa.Column("stay_id", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("ward_id", sa.Text(), nullable=False),
        sa.Column("care_type", sa.String(length=16), nullable=False),
        sa.Column("municipality_code", sa.String(length=4), nullable=False),
        sa.Column("admitted", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admission_notice_sent", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ready_for_discharge", sa.DateTime(timezone=True), nullable=True),
        sa.Column("discharged", sa.DateTime(timezone=True), nullable=True),
        sa.Column("diagnoses", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "care_type IN ('somatic', 'psychiatric')", name=op.f("ck_inpatient_stays_care_type")
        ),
        sa.CheckConstraint(
            "discharged >= admitted", name=op.f("ck_inpatient_stays_discharged_after_admitted")
        ),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_inpatient_stays_superseded_later"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_inpatient_stays_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_inpatient_stays_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.identity"],
            name=op.f("fk_inpatient_stays_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_inpatient_stays_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint("stay_id", "version", name=op.f("pk_inpatient_stays")),
    )
    op.create_index("ix_inpatient_stays_patient", "inpatient_stays", ["patient_id"], unique=False)
    op.create_index(
        "uq_inpatient_stays_current",
        "inpatient_stays",
        ["stay_id"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "pathway_events",
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("pathway_id", sa.Text(), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("patient_id", sa.String(length=12), nullable=False),
        sa.Column("protected_identity", sa.Boolean(), nullable=False),
        sa.Column("patient_sex", sa.String(length=1), nullable=True),
        sa.Column("patient_birth_date", sa.Date(), nullable=True),
        sa.Column("home_municipality", sa.String(length=4), nullable=True),
        sa.Column("region_code", sa.String(length=2), nullable=False),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=True),
        sa.Column("entry_type", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("procedure_code", sa.String(length=16), nullable=True),
        sa.Column("pause_reason", sa.String(length=8), nullable=True),
        sa.Column("removal_reason", sa.String(length=32), nullable=True),
        sa.Column("offer_outcome", sa.String(length=16), nullable=True),
        sa.Column("offered_unit_id", sa.Text(), nullable=True),
        sa.Column("appointment_date", sa.Date(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("supersedes_seq", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "entry_type IN ('primary_contact', 'primary_assessment', 'first_visit', "
            "'examination', 'treatment')",
            name=op.f("ck_pathway_events_entry_type"),
        ),
        sa.CheckConstraint(
            "event_type IN ('clock_start', 'priority_change', 'pause_start', 'pause_end', "
            "'offer', 'booking', 'transfer', 'removal', 'void')",
            name=op.f("ck_pathway_events_event_type"),
        ),
        sa.CheckConstraint(
            "offer_outcome IN ('accepted', 'declined')",
            name=op.f("ck_pathway_events_offer_outcome"),
        ),
        sa.CheckConstraint("patient_sex IN ('M', 'F')", name=op.f("ck_pathway_events_patient_sex")),
        sa.CheckConstraint(
            "pause_reason IN ('PVV', 'MOV')", name=op.f("ck_pathway_events_pause_reason")
        ),
        sa.CheckConstraint(
            "removal_reason IN ('treated', 'no_longer_needed', 'treated_elsewhere', "
            "'declined_offer', 'deceased', 'registered_in_error', 'other')",
            name=op.f("ck_pathway_events_removal_reason"),
        ),
        sa.CheckConstraint("event_seq >= 1", name=op.f("ck_pathway_events_event_seq_positive")),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_pathway_events_priority")),
        sa.CheckConstraint(
            "superseded_by IS NULL OR superseded_by > batch_id",
            name=op.f("ck_pathway_events_superseded_later"),
        ),
        sa.CheckConstraint(
            "supersedes_seq >= 1", name=op.f("ck_pathway_events_supersedes_seq_positive")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_pathway_events_version_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batches.id"],
            name=op.f("fk_pathway_events_batch_id_import_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.identity"],
            name=op.f("fk_pathway_events_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["import_batches.id"],
            name=op.f("fk_pathway_events_superseded_by_import_batches"),
        ),
        sa.PrimaryKeyConstraint(
            "source_system", "pathway_id", "event_seq", "version", name=op.f("pk_pathway_events")
        ),
    )
    op.create_index("ix_pathway_events_patient", "pathway_events", ["patient_id"], unique=False)
    op.create_index(
        "uq_pathway_events_current",
        "pathway_events",
        ["source_system", "pathway_id", "event_seq"],
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    )

    op.create_table(
        "pathways",
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("pathway_id", sa.Text(), nullable=False),
        sa.Column("patient_id", sa.String(length=12), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=False),
        sa.Column("home_municipality", sa.String(length=4), nullable=True),
        sa.Column("unit_id", sa.Text(), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("entry_type", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=True),
        sa.Column("clock_start", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.String(length=32), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("has_pvv", sa.Boolean(), nullable=False),
        sa.Column("has_mov", sa.Boolean(), nullable=False),
        sa.Column("last_event_seq", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "entry_type IN ('primary_contact', 'primary_assessment', 'first_visit', "
            "'examination', 'treatment')",
            name=op.f("ck_pathways_entry_type"),
        ),
        sa.CheckConstraint(
            "removal_reason IN ('treated', 'no_longer_needed', 'treated_elsewhere', "
            "'declined_offer', 'deceased', 'registered_in_error', 'other')",
            name=op.f("ck_pathways_removal_reason"),
        ),
        sa.CheckConstraint(
            "(removed_on IS NULL) = (removal_reason IS NULL)",
            name=op.f("ck_pathways_removal_has_reason"),
        ),
        sa.CheckConstraint("last_event_seq >= 1", name=op.f("ck_pathways_last_event_seq_positive")),
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name=op.f("ck_pathways_priority")),
        sa.CheckConstraint(
            "removed_on >= clock_start", name=op.f("ck_pathways_removed_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.identity"], name=op.f("fk_pathways_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("source_system", "pathway_id", name=op.f("pk_pathways")),
    )
    op.create_index(
        "uq_pathways_open",
        "pathways",
        ["patient_id", "unit_id", "specialty", "entry_type"],
        unique=True,
        sqlite_where=sa.text("removed_on IS NULL"),
        postgresql_where=sa.text("removed_on IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("pathways")
    op.drop_table("pathway_events")
    op.drop_table("inpatient_stays")
    op.drop_table("identity_links")
    op.drop_table("ed_visits")
    op.drop_table("units")
    op.drop_table("theatre_sessions")
    op.drop_table("quarantined_rows")
    op.drop_table("production")
    op.drop_table("patients")
    op.drop_table("beds")
    op.drop_table("import_batches")
