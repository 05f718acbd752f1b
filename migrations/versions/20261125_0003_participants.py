"""Participants and their sponsors, with coverage as stored state.

Months are integers (``year * 12 + month - 1``). ``covered_months`` is ``integer[]`` on PostgreSQL
(counted with ``unnest`` in set-based SQL) and a JSON list on SQLite. Both tables are tenant-owned:
RLS enabled and forced, one policy per command.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tenants.rls import disable_rls, enable_rls

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TENANT_OWNED = ("participants", "participant_sponsors")
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MonthList = sa.JSON().with_variant(postgresql.ARRAY(sa.Integer()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "participants",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("kpj", sa.String(length=11), nullable=True),
        sa.Column("family_card_number", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sort_name", sa.String(length=200), nullable=False),
        sa.Column("birth_place", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("kelurahan", sa.String(length=100), nullable=False),
        sa.Column("kecamatan", sa.String(length=100), nullable=False),
        sa.Column("occupation", sa.String(length=100), nullable=False),
        sa.Column("sector", sa.String(length=16), nullable=False),
        sa.Column("declared_income", sa.BigInteger(), nullable=False),
        sa.Column("jht", sa.Boolean(), nullable=False),
        sa.Column("coop_role", sa.String(length=16), nullable=False),
        sa.Column("preferred_channel", sa.String(length=16), nullable=False),
        sa.Column("whatsapp_consent", sa.Boolean(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_month", sa.Integer(), nullable=False),
        sa.Column("start_month", sa.Integer(), nullable=False),
        sa.Column("start_events", JSONType, nullable=False),
        sa.Column("paid_months", JSONType, nullable=False),
        sa.Column("covered_months", MonthList, nullable=False),
        sa.Column("covered_from", sa.Integer(), nullable=True),
        sa.Column("paid_through_month", sa.Integer(), nullable=True),
        sa.Column("open_run", sa.Boolean(), nullable=False),
        sa.Column("last_covered_month", sa.Integer(), nullable=True),
        sa.CheckConstraint("sex IN ('L', 'P')", name=op.f("ck_participants_sex")),
        sa.CheckConstraint(
            "sector IN ('fishery', 'agriculture', 'trade', 'transport', 'labour', 'services',"
            " 'other')",
            name=op.f("ck_participants_sector"),
        ),
        sa.CheckConstraint(
            "coop_role IN ('pengurus', 'pengawas', 'anggota', 'bukan_anggota')",
            name=op.f("ck_participants_coop_role"),
        ),
        sa.CheckConstraint(
            "preferred_channel IN ('whatsapp', 'sms', 'email')",
            name=op.f("ck_participants_preferred_channel"),
        ),
        sa.CheckConstraint("declared_income > 0", name=op.f("ck_participants_declared_income")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_participants_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_participants")),
        sa.UniqueConstraint("tenant_id", "nik", name=op.f("uq_participants_tenant_id_nik")),
        sa.UniqueConstraint("tenant_id", "kpj", name=op.f("uq_participants_tenant_id_kpj")),
    )
    op.create_index(
        "ix_participants_tenant_sort", "participants", ["tenant_id", "sort_name", "id"]
    )
    op.create_index("ix_participants_tenant_phone", "participants", ["tenant_id", "phone"])

    op.create_table(
        "participant_sponsors",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("programs", JSONType, nullable=False),
        sa.Column("from_month", sa.Integer(), nullable=True),
        sa.Column("until_month", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "type IN ('apbn', 'apbd', 'csr', 'coop')", name=op.f("ck_participant_sponsors_type")
        ),
        sa.CheckConstraint(
            "until_month IS NULL OR from_month IS NULL OR until_month >= from_month",
            name=op.f("ck_participant_sponsors_window"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "participant_id"],
            ["participants.tenant_id", "participants.id"],
            name=op.f("fk_participant_sponsors_tenant_id_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_participant_sponsors_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_participant_sponsors")),
    )
    op.create_index(
        "ix_participant_sponsors_participant",
        "participant_sponsors",
        ["tenant_id", "participant_id"],
    )
    for table in TENANT_OWNED:
        enable_rls(op, table)


def downgrade() -> None:
    for table in TENANT_OWNED:
        disable_rls(op, table)
    op.drop_index("ix_participant_sponsors_participant", table_name="participant_sponsors")
    op.drop_table("participant_sponsors")
    op.drop_index("ix_participants_tenant_phone", table_name="participants")
    op.drop_index("ix_participants_tenant_sort", table_name="participants")
    op.drop_table("participants")
