"""The demo: KMP Sungai Lumpur (the mentor) and two partner village coops in Kabupaten Lingga."""

from __future__ import annotations

import os

import click
import sqlalchemy as sa

from app.auth import services
from app.participants.demo import seed_demo_participants
from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tenants.models import Tenant
from tenants.provision import create_tenant

DEMO_PASSWORD = "gerai-demo-2026"  # noqa: S105 - printed on purpose for the demo
COOPS = [
    ("kmp-sungai-lumpur", "KMP Sungai Lumpur", "kmp"),
    ("kopdes-merah-putih-penuba", "Koperasi Desa Merah Putih Penuba", "penuba"),
    ("kopdes-merah-putih-senayang", "Koperasi Desa Merah Putih Senayang", "senayang"),
]
ROLES = ("admin", "cashier", "pengawas", "mentor")


def _email(role: str, short: str) -> str:
    return f"{role}@{short}.example.id"


def seed() -> bool:
    """Create the demo coops and one user per role; False (and nothing written) if not empty."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Tenant)):
        return False
    refs = []
    for slug, name, _short in COOPS:
        refs.append(create_tenant(slug, name, "Asia/Jakarta").ref())
    db.session.commit()
    actor = services.Actor(label="demo")
    for ref, (_slug, _name, short) in zip(refs, COOPS, strict=True):
        with tenant_context(ref):
            users = {
                role: services.create_user(
                    _email(role, short),
                    role,
                    actor,
                    name=f"{role.title()} {short}",
                    password=DEMO_PASSWORD,
                )
                for role in ROLES
            }
            db.session.flush()
            seed_demo_participants()
            _demo_payments(services.Actor(user_id=users["cashier"].id, label="demo"))
            db.session.commit()
    return True


def _demo_payments(cashier: services.Actor, count: int = 5) -> None:
    """A few cash payments by the cashier, so receipts and the day's closing have something."""
    from app.payments.services import PaymentError, record_cash_payment

    people = db.session.scalars(
        sa.select(Participant.id).order_by(Participant.sort_name).limit(count * 3)
    ).all()
    taken = 0
    for person_id in people:
        if taken == count:
            break
        try:
            with db.session.begin_nested():
                record_cash_payment(person_id, 1 + taken % 3, cashier)
            taken += 1
        except PaymentError:
            continue  # fully sponsored: nothing to pay


def print_logins() -> None:
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for slug, name, short in COOPS:
        click.echo(f"  {name}: http://127.0.0.1:{os.environ.get('PORT', '5000')}/{slug}/login")
        for role in ROLES:
            click.echo(f"    {role:<9} {_email(role, short)}")
