"""Excel out: the export in the Perisai form's order, masked unless an admin asks for the full file,
audited, filtered like the list; the list's export buttons; and another coop's import being a 404
on every route while exports never hold another coop's rows."""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa

from app.participants.imports_model import ParticipantImport
from tenants.db import db
from tests.participants.excel_support import (  # noqa: F401 - fixtures
    EXPORT_HEADERS,
    TODAY,
    audit_events,
    coop_fixture,
    exported,
    import_id_of,
    in_coop,
    inproc_fixture,
    mixed_file,
    record_of,
    row,
    signed_in,
    upload,
    web_fixture,
    xlsx,
)
from tests.participants.helpers import make_nik, person, register


def test_export_in_the_template_order_masked_and_audited(web, coop) -> None:
    nik = make_nik(dt.date(1980, 5, 15), "L", serial=1)
    register(coop.ref, today=TODAY, nik=nik, name="Ahmad Nelayan", phone="081234567890",
             family_card_number="2104010101200007", birth_place="Daik", address="Jl. Laut 1",
             kelurahan="Sungai Lumpur", kecamatan="Lingga", kpj="12345678901")
    register(coop.ref, today=TODAY, name="=HYPERLINK(\"x\")")
    client = signed_in(web, coop, "cashier")
    cells = exported(client.get(f"/{coop.slug}/participants/excel/export.xlsx"))
    assert list(cells[0]) == EXPORT_HEADERS
    assert len(cells) == 3
    by_name = {r[1]: r for r in cells[1:]}
    ahmad = by_name["Ahmad Nelayan"]
    assert ahmad == (
        "2104********0001", "Ahmad Nelayan", "2104********0007", "Daik", "15-05-1980", "L",
        "0812-3456-7890", None, "Jl. Laut 1", "Sungai Lumpur", "Lingga", "Nelayan",
        "Perikanan/Nelayan", 1000000, "tidak", "12345678901", "Bukan anggota", "WhatsApp",
        "tidak", None, "Baru", 0, "10-11-2026",
    )
    assert '=HYPERLINK("x")' in by_name  # text, never a formula
    (event,) = audit_events(web, coop.ref, "participants.export")
    assert event["actor"] == coop.emails["cashier"] and event["rows"] == 2
    assert event["masked"] is True and event["file_format"] == "xlsx"

    response = client.get(f"/{coop.slug}/participants/excel/export.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert lines[0] == EXPORT_HEADERS and lines[1:] == [
        ["'=HYPERLINK(\"x\")" if v == '=HYPERLINK("x")' else "" if v is None else str(v)
         for v in r]
        for r in cells[1:]
    ]  # the same rows; CSV injection defused
    assert [e["file_format"] for e in audit_events(web, coop.ref, "participants.export")] == [
        "xlsx", "csv"]


def test_full_export_only_for_the_admin_and_audited_as_full(web, coop) -> None:
    nik = make_nik(dt.date(1980, 5, 15), "L", serial=2)
    register(coop.ref, today=TODAY, nik=nik, family_card_number="2104010101200008")
    for role in ("cashier", "pengawas", "mentor"):
        client = signed_in(web, coop, role)
        assert client.get(f"/{coop.slug}/participants/excel/export.xlsx?full=1").status_code == 403
    assert audit_events(web, coop.ref, "participants.export") == []
    admin = signed_in(web, coop, "admin")
    cells = exported(admin.get(f"/{coop.slug}/participants/excel/export.xlsx?full=1"))
    assert cells[1][0] == nik and cells[1][2] == "2104010101200008"
    csv_full = admin.get(f"/{coop.slug}/participants/excel/export.csv?full=1")
    assert nik in csv_full.data.decode("utf-8-sig")
    events = audit_events(web, coop.ref, "participants.export")
    assert [(e["actor"], e["masked"], e["rows"]) for e in events] == [
        (coop.emails["admin"], False, 1), (coop.emails["admin"], False, 1)]
    pengawas = signed_in(web, coop, "pengawas")  # reads everything, masked
    assert exported(pengawas.get(f"/{coop.slug}/participants/excel/export.xlsx"))[1][0] == (
        "2104********0002")


def test_export_applies_the_list_filters(web, coop) -> None:
    rows = [
        row(Nama="Ani Aktif", **{"Lunas sampai (YYYY-MM, opsional)": "2026-12"}),
        row(Nama="Budi Baru"),
        row(Nama="Cici Baru"),
    ]
    client = signed_in(web, coop, "admin")
    assert record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, xlsx(rows))))["imported"] == 3
    base = f"/{coop.slug}/participants/excel/export.xlsx"
    names = [r[1] for r in exported(client.get(f"{base}?status=active"))[1:]]
    assert names == ["Ani Aktif"]
    assert exported(client.get(f"{base}?status=active"))[1][19:22] == ("2026-12", "Aktif", 0)
    names = [r[1] for r in exported(client.get(f"{base}?status=new&q=baru"))[1:]]
    assert names == ["Budi Baru", "Cici Baru"]
    assert [r[1] for r in exported(client.get(f"{base}?q=cici"))[1:]] == ["Cici Baru"]
    assert exported(client.get(f"{base}?status=lapsed")) == [tuple(EXPORT_HEADERS)]
    events = audit_events(web, coop.ref, "participants.export")
    assert [e["rows"] for e in events] == [1, 1, 2, 1, 0]
    assert events[2]["status"] == "new" and events[2]["search"] is True
    assert "baru" not in str(events)  # what was searched for is not logged


# --- the list's buttons and tenancy ---------------------------------------------------------------


def test_export_links_for_the_participant_list_carry_its_filters(web, coop) -> None:
    from flask import render_template_string
    from flask_login import login_user

    from app.auth.models import User

    include = '{% include "participants/excel/_export_links.html" %}'
    for role, full in (("admin", True), ("cashier", False)):
        with web.test_request_context(f"/{coop.slug}/participants?q=ani&status=active"):
            web.preprocess_request()  # enters the coop from the URL
            user = db.session.scalar(sa.select(User).where(User.email == coop.emails[role]))
            login_user(user)
            html = render_template_string(include, q="ani", status="active", arrears="")
        base = f"/{coop.slug}/participants/excel/export"
        assert f'href="{base}.xlsx?q=ani&amp;status=active"' in html
        assert f'href="{base}.csv?q=ani&amp;status=active"' in html
        assert ("full=1" in html) is full


def test_another_coops_import_is_a_404_on_every_route_and_exports_stay_home(
    web, coop, make_coop
) -> None:
    other = make_coop(passwords=True)
    content, _bad = mixed_file()
    import_id = import_id_of(upload(signed_in(web, coop), coop.slug, content))
    mine = person()
    register(other.ref, today=TODAY, nik=mine["nik"], name="Orang Koperasi Lain")

    intruder = signed_in(web, other, "admin")
    base = f"/{other.slug}/participants/excel/imports"
    for path in (f"{base}/{import_id}", f"{base}/{import_id}/errors.xlsx"):
        assert intruder.get(path).status_code == 404
    assert intruder.get(f"{base}/not-a-uuid").status_code == 404
    # the owner sees it; the other coop's export never holds the first coop's rows
    owner = signed_in(web, coop, "admin")
    assert owner.get(f"/{coop.slug}/participants/excel/imports/{import_id}").status_code == 200
    cells = exported(intruder.get(f"/{other.slug}/participants/excel/export.xlsx?full=1"))
    assert [r[0] for r in cells[1:]] == [mine["nik"]]
    with in_coop(web, other.ref):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ParticipantImport)) == 0
