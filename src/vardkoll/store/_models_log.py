"""The import log: one row per stored file, and the rows it quarantined.

A batch row is written inside the import's own transaction, so a killed or rejected import
leaves no trace at all; a batch that exists is a batch that was stored. Its counters are
checked by the database: they cannot be negative, and stored + unchanged + quarantined rows
never exceed the rows read.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vardkoll.store._base import Base
from vardkoll.store._types import UTCDateTime

FILE_KINDS = (
    "units",
    "pathway_events",
    "production",
    "beds",
    "theatre_sessions",
    "ed_visits",
    "inpatient_stays",
)
BATCH_STATUSES = ("running", "stored", "stored_with_quarantine")


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK expression ``column IN ('a', 'b')`` for a fixed list of codes."""
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"{column} IN ({quoted})"


class ImportBatch(Base):
    """One file stored in one transaction."""

    __tablename__ = "import_batches"
    __table_args__ = (
        CheckConstraint(sql_in("kind", FILE_KINDS), name="kind"),
        CheckConstraint(sql_in("status", BATCH_STATUSES), name="status"),
        CheckConstraint(
            "rows_read >= 0 AND rows_stored >= 0 AND rows_unchanged >= 0 "
            "AND rows_superseded >= 0 AND rows_quarantined >= 0",
            name="counts_nonneg",
        ),
        CheckConstraint("rows_superseded <= rows_stored", name="superseded_within_stored"),
        CheckConstraint(
            "rows_stored + rows_unchanged + rows_quarantined <= rows_read", name="counts_add_up"
        ),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    accept_valid: Mapped[bool] = mapped_column(Boolean)
    rows_read: Mapped[int] = mapped_column(Integer)
    rows_stored: Mapped[int] = mapped_column(Integer)
    rows_unchanged: Mapped[int] = mapped_column(Integer)
    rows_superseded: Mapped[int] = mapped_column(Integer)
    rows_quarantined: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32))


class QuarantinedRow(Base):
    """A problem found in a row that was set aside (``accept_valid``), with its reason.

    ``value`` is masked: an identity never reaches the quarantine in clear text.
    """

    __tablename__ = "quarantined_rows"
    __table_args__ = (
        CheckConstraint("row >= 0", name="row_nonneg"),
        Index("ix_quarantined_rows_batch", "batch_id", "row"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"))
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
