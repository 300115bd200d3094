"""batch runs and their chunks (issue #16, D-059): a run per (job, period), chunked by
account range, each chunk's checkpoint written with its effects

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_runs",
        sa.Column("run_id", sa.String(length=96), nullable=False),
        sa.Column("job", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("params", sa.String(length=2000), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("account_count", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.String(length=40), nullable=False),
        sa.Column("finished_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
    )
    op.create_table(
        "batch_chunks",
        sa.Column("run_id", sa.String(length=96), nullable=False),
        sa.Column("chunk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_account", sa.String(length=64), nullable=False),
        sa.Column("last_account", sa.String(length=64), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("refused", sa.String(length=500), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.Column("done_at", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("run_id", "chunk"),
    )


def downgrade() -> None:
    op.drop_table("batch_chunks")
    op.drop_table("batch_runs")
