"""Jobs: placeholder until the jobs issue adds its tables.

Revision ID: 0002
Revises: 0001
"""

from alembic import op  # noqa: F401

from tenants.rls import disable_rls, enable_rls  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
