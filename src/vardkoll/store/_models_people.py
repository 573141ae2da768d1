"""Patients and the links between their identities (*sammankoppling*).

Every file row that names a patient refers to one row here by the canonical 12-character
identity, so the same person is one row whatever layout each file used. The pseudonym is
the only form of the identity that ever leaves this store.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vardkoll.domain import IDENTITY_TYPES
from vardkoll.store._base import Base
from vardkoll.store._models_log import sql_in


class Patient(Base):
    """One identity as first seen in an import; ``protected`` once any file says so."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint(sql_in("identity_type", IDENTITY_TYPES), name="identity_type"),
        CheckConstraint("length(identity) = 12", name="identity_length"),
        Index("ix_patients_pseudonym", "pseudonym"),  # the web looks patients up by pseudonym
    )

    identity: Mapped[str] = mapped_column(String(12), primary_key=True)
    identity_type: Mapped[str] = mapped_column(String(32))
    protected: Mapped[bool] = mapped_column(Boolean)
    pseudonym: Mapped[str | None] = mapped_column(String(32))
    first_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class IdentityLinkRow(Base):
    """``from_identity`` was found to be the same person as ``to_identity`` on ``linked_on``.

    Links are only ever added; an identity links onward at most once per day.
    """

    __tablename__ = "identity_links"
    __table_args__ = (CheckConstraint("from_identity <> to_identity", name="not_self"),)

    from_identity: Mapped[str] = mapped_column(ForeignKey("patients.identity"), primary_key=True)
    linked_on: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    to_identity: Mapped[str] = mapped_column(ForeignKey("patients.identity"))
    reason: Mapped[str] = mapped_column(Text)
