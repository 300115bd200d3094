"""verification codes and send logs keyed by owner too (D-045: one member can neither
replace another's code nor use up another's quota)

Codes live for minutes, so the two tables are made anew: an upgrade ends the codes in flight
(their holders ask for another), and a downgrade does the same.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mariadb").with_variant(mysql.MEDIUMTEXT(), "mysql")


def _create(owned: bool) -> None:
    owner = [sa.Column("owner", sa.String(length=64), nullable=False)] if owned else []
    op.create_table(
        "code_sends",
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        *owner,
        sa.Column("body", _TEXT, nullable=False),
        sa.PrimaryKeyConstraint("phone_hash", *(["owner"] if owned else [])),
    )
    owner = [sa.Column("owner", sa.String(length=64), nullable=False)] if owned else []
    op.create_table(
        "codes",
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        *owner,
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.String(length=40), nullable=True),
        sa.Column("body", _TEXT, nullable=False),
        sa.PrimaryKeyConstraint("phone_hash", "purpose", *(["owner"] if owned else [])),
    )


def upgrade() -> None:
    op.drop_table("codes")
    op.drop_table("code_sends")
    _create(owned=True)


def downgrade() -> None:
    op.drop_table("codes")
    op.drop_table("code_sends")
    _create(owned=False)
