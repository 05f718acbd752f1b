"""Participant imports: the uploaded XLSX/CSV (kept until the import finishes), its mode, counts
and error list. Tenant-owned: RLS enabled and forced, one policy per command.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tenants.rls import disable_rls, enable_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "participant_imports"
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("job_id", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("imported_count", sa.Integer(), nullable=False),
        sa.Column("error_rows", sa.Integer(), nullable=False),
        sa.Column("errors", JSONType, nullable=False),
        sa.Column("errors_truncated", sa.Boolean(), nullable=False),
        sa.Column("ignored_columns", JSONType, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'done', 'rejected')",
            name=op.f("ck_participant_imports_status"),
        ),
        sa.CheckConstraint(
            "mode IN ('all', 'good_only')", name=op.f("ck_participant_imports_mode")
        ),
        sa.CheckConstraint(
            "file_format IN ('xlsx', 'csv')", name=op.f("ck_participant_imports_file_format")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_participant_imports_tenant_id_created_by_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_participant_imports_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_participant_imports")),
    )
    op.create_index(
        "ix_participant_imports_tenant_created", TABLE, ["tenant_id", "created_at"]
    )
    enable_rls(op, TABLE)


def downgrade() -> None:
    disable_rls(op, TABLE)
    op.drop_index("ix_participant_imports_tenant_created", table_name=TABLE)
    op.drop_table(TABLE)
