"""Jobs: per-coop job records (RLS) and the schedule's per-coop daily claims (platform table).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tenants.rls import disable_rls, enable_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("rq_id", sa.String(length=120), nullable=False),
        sa.Column("func", sa.String(length=200), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("timeout", sa.Integer(), nullable=False),
        sa.Column("retry_max", sa.SmallInteger(), nullable=False),
        sa.Column("retry_intervals", JSON, nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("progress_message", sa.String(length=200), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_job_runs_status")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_job_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("tenant_id", "rq_id", name=op.f("uq_job_runs_tenant_id_rq_id")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_tenant_enqueued", ["tenant_id", "enqueued_at"])
        batch_op.create_index(
            "ix_job_runs_tenant_status_enqueued", ["tenant_id", "status", "enqueued_at"]
        )
    enable_rls(op, "job_runs")

    op.create_table(
        "scheduled_runs",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("job_id", sa.String(length=120), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_scheduled_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("kind", "tenant_id", "local_date", name=op.f("pk_scheduled_runs")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
    disable_rls(op, "job_runs")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_tenant_status_enqueued")
        batch_op.drop_index("ix_job_runs_tenant_enqueued")
    op.drop_table("job_runs")
