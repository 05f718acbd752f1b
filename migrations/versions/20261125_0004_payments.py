"""Payments: cash payments, voids, gapless receipt counters, receipt prints, cash closings,
idempotency keys, and the coop's short code for receipt numbers.

On PostgreSQL a trigger keeps a payment's person, months and amount unchanged and lets its status
only move forward (pending → paid | failed | expired, paid → voided).

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from tenants.rls import disable_rls, enable_rls

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TENANT_OWNED = (
    "idempotency_keys", "receipt_counters", "cash_closings", "payments", "payment_voids",
    "receipt_prints",
)

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION payments_guard() RETURNS trigger AS $$
BEGIN
  IF NEW.tenant_id <> OLD.tenant_id OR NEW.participant_id <> OLD.participant_id
     OR NEW.amount <> OLD.amount OR NEW.months <> OLD.months OR NEW.method <> OLD.method
     OR NEW.periods::text <> OLD.periods::text OR NEW.first_month <> OLD.first_month
     OR NEW.last_month <> OLD.last_month
     OR NEW.receipt_no IS DISTINCT FROM OLD.receipt_no AND OLD.receipt_no IS NOT NULL THEN
    RAISE EXCEPTION 'a payment''s person, months, amount and receipt number never change';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'pending' AND NEW.status IN ('paid', 'failed', 'expired'))
       OR (OLD.status = 'paid' AND NEW.status = 'voided')) THEN
    RAISE EXCEPTION 'payment status may only move forward (% to %)', OLD.status, NEW.status;
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
GUARD_TRIGGER = (
    "CREATE TRIGGER payments_guard BEFORE UPDATE ON payments "
    "FOR EACH ROW EXECUTE FUNCTION payments_guard()"
)


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('resource_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_idempotency_keys_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('tenant_id', 'scope', 'key', name=op.f('uq_idempotency_keys_tenant_id_scope_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index('ix_idempotency_keys_created', ['tenant_id', 'created_at'], unique=False)

    op.create_table('receipt_counters',
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('last_number', sa.BigInteger(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_receipt_counters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_receipt_counters')),
    sa.UniqueConstraint('tenant_id', 'year', name=op.f('uq_receipt_counters_tenant_id_year'))
    )
    op.create_table('cash_closings',
    sa.Column('cashier_id', sa.Uuid(), nullable=False),
    sa.Column('closed_by', sa.Uuid(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expected_amount', sa.BigInteger(), nullable=False),
    sa.Column('counted_amount', sa.BigInteger(), nullable=False),
    sa.Column('difference', sa.BigInteger(), nullable=False),
    sa.Column('payments_count', sa.Integer(), nullable=False),
    sa.Column('voided_count', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'cashier_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_cash_closings_tenant_id_cashier_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'closed_by'], ['users.tenant_id', 'users.id'], name=op.f('fk_cash_closings_tenant_id_closed_by_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cash_closings_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_cash_closings'))
    )
    with op.batch_alter_table('cash_closings', schema=None) as batch_op:
        batch_op.create_index('ix_cash_closings_tenant_closed', ['tenant_id', 'closed_at'], unique=False)

    op.create_table('payments',
    sa.Column('participant_id', sa.Uuid(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('months', sa.SmallInteger(), nullable=False),
    sa.Column('periods', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('first_month', sa.Integer(), nullable=False),
    sa.Column('last_month', sa.Integer(), nullable=False),
    sa.Column('restart_month', sa.Integer(), nullable=True),
    sa.Column('receipt_no', sa.String(length=32), nullable=True),
    sa.Column('cashier_id', sa.Uuid(), nullable=False),
    sa.Column('cash_received', sa.BigInteger(), nullable=True),
    sa.Column('closing_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("method IN ('cash', 'xendit', 'midtrans')", name=op.f('ck_payments_method')),
    sa.CheckConstraint("status IN ('pending', 'paid', 'failed', 'expired', 'voided')", name=op.f('ck_payments_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount')),
    sa.CheckConstraint('months BETWEEN 1 AND 13', name=op.f('ck_payments_months')),
    sa.ForeignKeyConstraint(['tenant_id', 'cashier_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_payments_tenant_id_cashier_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'closing_id'], ['cash_closings.tenant_id', 'cash_closings.id'], name=op.f('fk_payments_tenant_id_closing_id_cash_closings')),
    sa.ForeignKeyConstraint(['tenant_id', 'participant_id'], ['participants.tenant_id', 'participants.id'], name=op.f('fk_payments_tenant_id_participant_id_participants')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payments_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_payments')),
    sa.UniqueConstraint('tenant_id', 'receipt_no', name=op.f('uq_payments_tenant_id_receipt_no'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_open_cash', ['tenant_id', 'cashier_id', 'closing_id'], unique=False)
        batch_op.create_index('ix_payments_tenant_created', ['tenant_id', 'created_at'], unique=False)
        batch_op.create_index('ix_payments_tenant_participant', ['tenant_id', 'participant_id', 'created_at'], unique=False)

    op.create_table('payment_voids',
    sa.Column('payment_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('voided_by', sa.Uuid(), nullable=False),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('refund_due', sa.Boolean(), nullable=False),
    sa.Column('after_closing', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'payment_id'], ['payments.tenant_id', 'payments.id'], name=op.f('fk_payment_voids_tenant_id_payment_id_payments')),
    sa.ForeignKeyConstraint(['tenant_id', 'voided_by'], ['users.tenant_id', 'users.id'], name=op.f('fk_payment_voids_tenant_id_voided_by_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payment_voids_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_payment_voids')),
    sa.UniqueConstraint('tenant_id', 'payment_id', name=op.f('uq_payment_voids_tenant_id_payment_id'))
    )
    op.create_table('receipt_prints',
    sa.Column('payment_id', sa.Uuid(), nullable=False),
    sa.Column('printed_by', sa.Uuid(), nullable=True),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'payment_id'], ['payments.tenant_id', 'payments.id'], name=op.f('fk_receipt_prints_tenant_id_payment_id_payments')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_receipt_prints_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_receipt_prints'))
    )
    with op.batch_alter_table('receipt_prints', schema=None) as batch_op:
        batch_op.create_index('ix_receipt_prints_payment', ['tenant_id', 'payment_id'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=8), nullable=False, server_default=''))

    for table in TENANT_OWNED:
        enable_rls(op, table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_FUNCTION)
        op.execute(GUARD_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS payments_guard ON payments")
        op.execute("DROP FUNCTION IF EXISTS payments_guard()")
    for table in TENANT_OWNED:
        disable_rls(op, table)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('code')

    with op.batch_alter_table('receipt_prints', schema=None) as batch_op:
        batch_op.drop_index('ix_receipt_prints_payment')

    op.drop_table('receipt_prints')
    op.drop_table('payment_voids')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_tenant_participant')
        batch_op.drop_index('ix_payments_tenant_created')
        batch_op.drop_index('ix_payments_open_cash')

    op.drop_table('payments')
    with op.batch_alter_table('cash_closings', schema=None) as batch_op:
        batch_op.drop_index('ix_cash_closings_tenant_closed')

    op.drop_table('cash_closings')
    op.drop_table('receipt_counters')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_idempotency_keys_created')

    op.drop_table('idempotency_keys')
