"""The home page per role: the coop's day from stored state, in a constant number of statements."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.auth.services import Actor
from app.payments import closing, services
from tenants.context import tenant_context
from tenants.db import db
from tests.participants.helpers import register, signed_in, sql_statements
from tests.payments.helpers import pay

ROLES = ("cashier", "admin", "pengawas", "mentor")


pytestmark = pytest.mark.usefixtures("counter_day")


def user_id(app, coop, role: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        uid = db.session.scalar(sa.select(User.id).where(User.email == coop.emails[role]))
        db.session.rollback()
    return uid


def as_user(app, coop, role: str):  # type: ignore[no-untyped-def]
    return Actor(user_id=user_id(app, coop, role), label=coop.emails[role])


def figure(page: str, key: str) -> int:
    match = re.search(rf'data-figure="{key}">(?:<a [^>]*>)?<strong>([\d.]+)</strong>', page)
    assert match, key
    return int(match.group(1).replace(".", ""))


def void(app, coop, payment_id: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        services.void_payment(payment_id, reason, as_user(app, coop, "admin"))
        db.session.commit()


def close(app, coop, role: str, counted_off: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), tenant_context(coop.ref):
        cashier = user_id(app, coop, role)
        expected = closing.open_drawer(cashier).expected
        closing.close_day(cashier, expected + counted_off, as_user(app, coop, "admin"))
        db.session.commit()


def rupiah(n: int) -> str:
    return "Rp" + f"{n:,}".replace(",", ".")


@pytest.fixture
def day(app, web):  # type: ignore[no-untyped-def]
    """A small coop's day: statuses of every kind, cash by two people, a void, a short closing."""
    register(web.ref, name="Lama Menunggak", registered_on=dt.date(2026, 6, 5))
    register(web.ref, name="Tenggang Habis", registered_on=dt.date(2026, 8, 5))
    register(web.ref, name="Tenggang", registered_on=dt.date(2026, 9, 5))
    register(web.ref, name="Baru Daftar")
    api = app.test_client()
    paid = {}
    for name, role in (("Bayar Kasir", "cashier"), ("Kedua Kasir", "cashier"),
                       ("Bayar Admin", "admin")):
        pid = str(register(web.ref, name=name))
        response = pay(api, web, pid, role=role)
        assert response.status_code == 201, response.get_json()
        paid[name] = response.get_json()
    void(app, web, paid["Kedua Kasir"]["id"], "Salah orang")
    close(app, web, "admin", -1000)
    return paid


def test_cashier_sees_own_cash_and_drawer_only(app, web, day) -> None:
    page = signed_in(app, web, "cashier").get(f"/{web.slug}/").get_data(as_text=True)
    mine = page[page.index('id="my-cash"'):]
    kept = day["Bayar Kasir"]["amount"]
    assert rupiah(kept) in mine and "1 pembayaran tunai" in mine
    # The drawer holds both payments; the voided one adds nothing to the expected cash.
    assert "2 pembayaran (1 dibatalkan)" in mine and "Belum pernah ditutup." in mine
    assert f'href="/{web.slug}/payments/closing"' in page  # Tutup kas: a cashier may
    assert 'id="home-q"' in page and f'action="/{web.slug}/participants"' in page
    # Nothing the cashier may not open, and no other people's cash.
    for absent in ('id="people"', 'id="cash"', 'id="voids"', "/staff", "/audit",
                   "Impor dari Excel", "Bayar Admin"):
        assert absent not in page, absent


def test_admin_sees_every_cashier_people_and_last_import(app, web, day) -> None:
    page = signed_in(app, web, "admin").get(f"/{web.slug}/").get_data(as_text=True)
    assert figure(page, "active") == 2 and figure(page, "new") == 2
    assert figure(page, "grace") == 2 and figure(page, "lapsing") == 1
    assert figure(page, "lapsed") == 1 and figure(page, "registered") == 4
    cash = page[page.index('id="cash"'):page.index('id="people"')]
    total = day["Bayar Kasir"]["amount"] + day["Bayar Admin"]["amount"]
    assert rupiah(total) in cash and "2 pembayaran tunai" in cash
    assert web.emails["cashier"] in cash and web.emails["admin"] in cash
    assert "sudah ditutup" in cash and "1 laci belum ditutup" in cash
    assert f'href="/{web.slug}/payments/closing"' in cash
    assert f'href="/{web.slug}/participants?status=grace&amp;arrears=3"' in page
    assert 'id="voids"' not in page and 'id="last-import"' not in page  # no import yet
    assert f'href="/{web.slug}/staff"' in page and f'href="/{web.slug}/audit"' in page


def test_pengawas_reads_the_same_plus_voids_and_differences(app, web, day) -> None:
    page = signed_in(app, web, "pengawas").get(f"/{web.slug}/").get_data(as_text=True)
    assert figure(page, "grace") == 2 and figure(page, "lapsed") == 1
    voids = page[page.index('id="voids"'):page.index('id="differences"')]
    assert day["Kedua Kasir"]["receipt_no"] in voids and "Salah orang" in voids
    differences = page[page.index('id="differences"'):]
    assert "-Rp1.000" in differences and web.emails["admin"] in differences
    # Read-only: no button for what a pengawas may not do.
    for absent in ('/payments/closing"', "/participants/new", "/participants/excel/import",
                   f'href="/{web.slug}/staff"'):
        assert absent not in page, absent
    assert f'href="/{web.slug}/payments/closings"' in page


def test_mentor_reads_figures_without_actions(app, web, day) -> None:
    page = signed_in(app, web, "mentor").get(f"/{web.slug}/").get_data(as_text=True)
    assert figure(page, "active") == 2
    for absent in ('/payments/closing"', "/participants/new", "/staff", "/audit", 'id="voids"',
                   web.emails["cashier"]):
        assert absent not in page, absent


def test_last_import_and_its_result(app, web) -> None:
    from app.participants.imports_model import ParticipantImport

    with app.app_context(), tenant_context(web.ref):
        db.session.add(ParticipantImport(
            status="done", mode="good_only", filename="anggota.xlsx", file_format="xlsx",
            size_bytes=10, as_of=dt.date(2026, 11, 10), total_rows=3001, imported_count=2999,
            error_rows=2,
        ))
        db.session.commit()
    page = signed_in(app, web, "admin").get(f"/{web.slug}/").get_data(as_text=True)
    section = page[page.index('id="last-import"'):]
    assert "anggota.xlsx" in section and "2.999 dari 3.001 baris disimpan, 2 baris salah" in section


def bulk_participants(app, coop, n: int) -> None:  # type: ignore[no-untyped-def]
    """``n`` participants in one INSERT … SELECT, their start months spread over eight months."""
    with app.app_context(), tenant_context(coop.ref):
        db.session.execute(
            sa.text(
                "INSERT INTO participants (tenant_id, id, nik, name, sort_name, birth_place,"
                " birth_date, sex, phone, address, kelurahan, kecamatan, occupation, sector,"
                " declared_income, jht, coop_role, preferred_channel, whatsapp_consent,"
                " registered_on, created_at, updated_at, registered_month, start_month,"
                " start_events, paid_months, covered_months, open_run)"
                " SELECT :tid, gen_random_uuid(), '31' || lpad(i::text, 14, '0'),"
                " 'Peserta ' || i, 'peserta ' || i, '', DATE '1980-01-01', 'L',"
                " '+62813' || lpad(i::text, 8, '0'), '', '', '', 'Nelayan', 'fishery', 1000000,"
                " false, 'anggota', 'whatsapp', false, DATE '2026-03-01', now(), now(),"
                " 24314 - i % 8, 24314 - i % 8, '[]', '[]', '{}', false"
                " FROM generate_series(1, :n) AS i"
            ),
            {"tid": coop.ref.id, "n": n},
        )
        db.session.commit()


def test_home_sends_the_same_statements_for_10_and_10000_participants(app, web, day) -> None:
    clients = {role: signed_in(app, web, role) for role in ROLES}

    def measure() -> dict[str, int]:
        counts = {}
        for role, client in clients.items():
            with sql_statements() as statements:
                assert client.get(f"/{web.slug}/").status_code == 200
            counts[role] = len(statements)
        return counts

    small = measure()
    bulk_participants(app, web, 10_000)
    api = app.test_client()
    more = [pay(api, web, str(register(web.ref, name=f"Lagi {i}")), role="cashier").get_json()
            for i in range(3)]
    void(app, web, more[0]["id"], "Uang kurang")
    close(app, web, "cashier", 500)
    assert measure() == small
    page = clients["admin"].get(f"/{web.slug}/").get_data(as_text=True)
    assert "10.010" in page  # 7 + 3 registered, 10.000 inserted
    assert max(small.values()) <= 12, small
