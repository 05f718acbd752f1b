"""Receipt numbers: per coop and per year (in the coop's time zone), gapless.

The counter row is incremented with one upsert in the transaction that records the payment; its row
lock serialises concurrent cashiers of the same coop, and a rolled-back payment rolls the number
back with it, so no number is skipped or given twice.
"""

from __future__ import annotations

from app.payments.models import ReceiptCounter
from app.payments.upsert import insert
from tenants.context import require_tenant
from tenants.db import db, new_id


def next_receipt_no(year: int) -> str:
    tenant = require_tenant()
    stmt = insert(ReceiptCounter).values(tenant_id=tenant.id, id=new_id(), year=year, last_number=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant_id", "year"],
        set_={"last_number": ReceiptCounter.last_number + 1},
    ).returning(ReceiptCounter.last_number)
    number = db.session.execute(stmt).scalar_one()
    return format_receipt_no(tenant.code or tenant.slug[:3].upper(), year, number)


def format_receipt_no(code: str, year: int, number: int) -> str:
    return f"{code}-{year}-{number:06d}"
