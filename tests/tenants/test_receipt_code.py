"""Receipt codes are unique across the deployment, chosen at creation, and editable by the coop's
admin until its first receipt number is given."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.payments.receipts import next_receipt_no
from tenants import provision
from tenants.audit import AuditEvent
from tenants.context import tenant_context
from tenants.db import db
from tenants.door import resolve_slug
from tests.conftest import _csrf_from, login


def test_two_coops_never_print_the_same_receipt_number(backend) -> None:
    a, b = backend.tenant("coop-a"), backend.tenant("coop-b")
    assert a.code == "COOP" and b.code == "COOP2"

    def first_number() -> str:
        number = next_receipt_no(2026)
        db.session.commit()
        return number

    assert backend.in_coop(a, first_number) == "COOP-2026-000001"
    assert backend.in_coop(b, first_number) == "COOP2-2026-000001"


def test_the_code_is_set_until_the_first_receipt_and_never_to_anothers(backend) -> None:
    a, b = backend.tenant("kud-satu"), backend.tenant("kud-dua")

    def change(code: str) -> str:
        result = provision.set_receipt_code(code, actor="admin")
        db.session.commit()
        return result

    assert backend.in_coop(a, lambda: change("ks")) == "KS"
    with pytest.raises(provision.CodeTaken):
        backend.in_coop(b, lambda: change("KS"))
    with pytest.raises(provision.ProvisionError):
        backend.in_coop(b, lambda: change("K-S!"))
    backend.in_coop(a, lambda: (next_receipt_no(2026), db.session.commit()))
    with pytest.raises(provision.ReceiptsExist):
        backend.in_coop(a, lambda: change("KSATU"))
    with backend.app.app_context():
        assert resolve_slug("kud-satu").code == "KS"
        assert resolve_slug("kud-dua").code == "KUD2"
        db.remove()
    logged = backend.in_coop(a, lambda: db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.details).where(
            AuditEvent.action == "tenant.receipt_code")
    ).all())
    assert [(row.action, row.details) for row in logged] == [
        ("tenant.receipt_code", {"from": "KUD", "to": "KS"})
    ]


def test_the_database_refuses_a_taken_code_whatever_the_app_checks(ctx, make_tenant) -> None:
    a, b = make_tenant(), make_tenant()
    with tenant_context(a):
        with pytest.raises(DBAPIError, match="uq_tenants_code"):
            db.session.execute(
                sa.text("SELECT gerai_set_receipt_code(:a, :code, NULL, '')"),
                {"a": a.id, "code": b.code},
            )
        db.session.rollback()


def _post(client, slug: str, code: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/{slug}/settings/")
    return client.post(f"/{slug}/settings/receipt-code",
                       data={"code": code, "csrf_token": _csrf_from(page.get_data(as_text=True))})


def test_the_admin_sets_the_code_on_the_settings_page(
    app, client, make_tenant, make_user
) -> None:
    a, b = make_tenant("kud-maju"), make_tenant("kud-jaya")
    make_user(a, "admin", email="admin@a.id")
    make_user(a, "cashier", email="kasir@a.id")
    login(client, a.slug, "admin@a.id")
    assert "KUD" in client.get(f"/{a.slug}/settings/").get_data(as_text=True)
    assert _post(client, a.slug, "maju").status_code == 302
    taken = _post(client, a.slug, b.code)
    assert taken.status_code == 409
    assert "sudah dipakai koperasi lain" in taken.get_data(as_text=True)
    bad = _post(client, a.slug, "<b>x</b>")
    assert bad.status_code == 422 and "2 sampai 8 huruf" in bad.get_data(as_text=True)
    ref = resolve_slug(a.slug)
    db.session.rollback()
    with tenant_context(ref):
        assert next_receipt_no(2026) == "MAJU-2026-000001"
        db.session.commit()
    locked = _post(client, a.slug, "MJ")
    assert locked.status_code == 409
    assert "tidak bisa diubah lagi" in locked.get_data(as_text=True)
    assert "tidak bisa diubah lagi" in client.get(f"/{a.slug}/settings/").get_data(as_text=True)
    assert resolve_slug(a.slug).code == "MAJU"
    db.session.rollback()
    cashier = app.test_client()
    login(cashier, a.slug, "kasir@a.id")
    assert _post(cashier, a.slug, "KSR").status_code == 403
