"""the outbox keeps notifications given up for good (D-057: ``mark_failed``; a failed
notification is no longer pending, its time and reason are kept)

Two nullable columns: the rows already there stay as they were (pending or sent).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("failed_at", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("failure", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failure")
        batch.drop_column("failed_at")
