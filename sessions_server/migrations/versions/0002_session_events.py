"""Create the session_events log and the session_event_pruning table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# BIGINT on PostgreSQL; on SQLite only a column of type INTEGER is the 64-bit rowid.
EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "session_events",
        sa.Column("id", EVENT_ID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("session_public_id", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_session_events_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_events")),
        # AUTOINCREMENT: SQLite never issues an id again, even after the newest row is deleted.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_session_events_account_id_id", "session_events", ["account_id", "id"])

    op.create_table(
        "session_event_pruning",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pruned_through_id", EVENT_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_session_event_pruning_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_session_event_pruning")),
    )


def downgrade() -> None:
    op.drop_table("session_event_pruning")
    op.drop_index("ix_session_events_account_id_id", table_name="session_events")
    op.drop_table("session_events")
