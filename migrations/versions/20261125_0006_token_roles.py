"""API tokens carry their holder's role, so an API request needs no read of the user.

Existing tokens take their user's current role; a token whose user is gone or inactive is revoked
(deactivation already revoked those). ``users`` is read here as its owner with FORCE lifted for
this one statement's transaction: RLS would otherwise hide every coop's users from a migration.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ROLES = "role IN ('admin', 'cashier', 'pengawas', 'mentor')"


def upgrade() -> None:
    op.add_column("api_tokens", sa.Column("role", sa.String(length=16), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE users NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "UPDATE api_tokens SET role = (SELECT u.role FROM users u WHERE u.tenant_id ="
        " api_tokens.tenant_id AND u.id = api_tokens.user_id AND u.active)"
    )
    if postgres:
        op.execute("ALTER TABLE users FORCE ROW LEVEL SECURITY")
    op.execute(
        "UPDATE api_tokens SET role = 'pengawas', revoked_at = coalesce(revoked_at,"
        " CURRENT_TIMESTAMP) WHERE role IS NULL"
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("role", existing_type=sa.String(length=16), nullable=False)
        batch.create_check_constraint(op.f("ck_api_tokens_role"), ROLES)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_role"), type_="check")
        batch.drop_column("role")
