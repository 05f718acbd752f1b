"""Sign-in throttle counters: one row per coop and counter (email + address, email, address),
keyed by a hash, bumped atomically by an upsert. Tenant-owned: RLS enabled and forced.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from tenants.rls import disable_rls, enable_rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "login_throttle"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_login_throttle_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_login_throttle")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_login_throttle_tenant_id_key")),
    )
    enable_rls(op, TABLE)


def downgrade() -> None:
    disable_rls(op, TABLE)
    op.drop_table(TABLE)
