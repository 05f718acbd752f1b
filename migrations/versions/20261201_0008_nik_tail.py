"""Participants keep the NIK's last four digits as a generated column with a (tenant_id, …) index.

The list shows ``2104********0001``, so people search by those last digits. Under row-level
security only leakproof operators may use an index, and ``right(nik, 4)`` or ``LIKE '%0001'``
are not, so the search compares this stored column with ``=`` (leakproof) and stays an index
lookup inside the coop. On SQLite (the demo) the column is virtual: SQLite cannot add a stored
generated column to an existing table.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stored = op.get_bind().dialect.name != "sqlite"
    op.add_column(
        "participants",
        sa.Column(
            "nik_tail", sa.String(length=4),
            sa.Computed("substr(nik, 13, 4)", persisted=stored), nullable=True,
        ),
    )
    op.create_index(
        "ix_participants_tenant_nik_tail", "participants", ["tenant_id", "nik_tail"]
    )


def downgrade() -> None:
    op.drop_index("ix_participants_tenant_nik_tail", table_name="participants")
    op.drop_column("participants", "nik_tail")
