"""Planner: saved production plans, week by week, for plan-vs-actual follow-up.

Revision ID: 0003_production_plans
Revises: 0002_auth_audit
Create Date: 2026-11-25

``production_plans`` holds who saved which plan for which unit, specialty and entry type, and
the scenario it came from; ``production_plan_weeks`` the planned count per ISO week (its
Monday), with the working days and the calendar note shown when it was saved.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_production_plans"
down_revision: str | Sequence[str] | None = "0002_auth_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "production_plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("region_code", sa.String(2), nullable=False),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("specialty", sa.String(64), nullable=False),
        sa.Column("entry_type", sa.String(32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(unit_id) > 0", name=op.f("ck_production_plans_unit_given")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_plans")),
    )
    op.create_index(
        op.f("ix_production_plans_unit_id"), "production_plans", ["unit_id"], unique=False
    )
    op.create_table(
        "production_plan_weeks",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=False),
        sa.Column("planned", sa.Float(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.CheckConstraint(
            "planned >= 0", name=op.f("ck_production_plan_weeks_planned_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["production_plans.id"],
            name=op.f("fk_production_plan_weeks_plan_id_production_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "week_start", name=op.f("pk_production_plan_weeks")),
    )


def downgrade() -> None:
    op.drop_table("production_plan_weeks")
    op.drop_index(op.f("ix_production_plans_unit_id"), table_name="production_plans")
    op.drop_table("production_plans")
