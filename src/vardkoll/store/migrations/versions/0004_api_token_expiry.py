"""API tokens end on their own: ``api_tokens.expires_at``.

Revision ID: 0004_api_token_expiry
Revises: 0003_production_plans
Create Date: 2026-11-25

A forgotten token on a decommissioned integration server should stop working by itself, so
every token now has an expiry next to its (optional) revocation; the two are kept apart so the
log of a token's life says whether it ran out or was withdrawn. Rows from before have no expiry
and keep working until revoked.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_api_token_expiry"
down_revision: str | Sequence[str] | None = "0003_production_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
