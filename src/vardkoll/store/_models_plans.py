"""Saved production plans: what a unit meant to produce, week by week, and why.

Why in the operational store: a plan is a decision someone made and must be able to follow up
(plan vs actual), so it is kept with who saved it and when, next to the accounts — not in the
analytics file, which is rebuilt from scratch. A plan holds counts per week only, never
patients.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vardkoll.store._base import Base
from vardkoll.store._types import UTCDateTime


class ProductionPlan(Base):
    """One saved plan for a unit, specialty and entry type, from a planner scenario."""

    __tablename__ = "production_plans"
    __table_args__ = (CheckConstraint("length(unit_id) > 0", name="unit_given"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region_code: Mapped[str] = mapped_column(String(2))
    unit_id: Mapped[str] = mapped_column(String(64), index=True)
    specialty: Mapped[str] = mapped_column(String(64))
    entry_type: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[dt.date] = mapped_column(Date)
    scenario: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    weeks: Mapped[list[ProductionPlanWeek]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="ProductionPlanWeek.week_start",
    )


class ProductionPlanWeek(Base):
    """The planned production (treated patients) of one ISO week of a saved plan."""

    __tablename__ = "production_plan_weeks"
    __table_args__ = (CheckConstraint("planned >= 0", name="planned_non_negative"),)

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("production_plans.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working_days: Mapped[int] = mapped_column(Integer)
    planned: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(200), default="")
    plan: Mapped[ProductionPlan] = relationship(back_populates="weeks")
