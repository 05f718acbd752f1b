"""Excel in: the import template round trip, good and bad rows both ways, duplicates in the file
and in the coop, opening balances, CSV, a failure and its retry, the waiting page, a NIK registered
while the import runs, and the job running in its own coop — through the real pages, signed in,
with the job in-process (no REDIS_URL), on PostgreSQL as the application role."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from app.dues import Period
from app.jobrecords import JobRun
from app.participants.coverage_state import coverage_of
from app.participants.imports_model import ParticipantImport
from app.participants.models import Participant
from app.payments.models import Payment
from tenants.db import db
from tests.conftest import _csrf_from
from tests.participants.excel_support import (  # noqa: F401 - fixtures
    HEADERS,
    TODAY,
    audit_events,
    coop_fixture,
    error_lines,
    import_id_of,
    in_coop,
    inproc_fixture,
    mixed_file,
    participants,
    record_of,
    row,
    signed_in,
    upload,
    validator_message,
    web_fixture,
    xlsx,
)
from tests.participants.helpers import make_nik, person, register

# --- the template and the round trip --------------------------------------------------------------


def test_template_round_trip_download_fill_import(web, coop) -> None:
    client = signed_in(web, coop)
    response = client.get(f"/{coop.slug}/participants/excel/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Peserta", "Petunjuk"]
    sheet = book["Peserta"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet.max_row == 1  # no example rows to delete before filling it in
    guide = [r[0] for r in book["Petunjuk"].iter_rows(values_only=True)]
    assert "NIK" in guide and "Lunas sampai (YYYY-MM, opsional)" in guide

    a, b, c = person(), person(sex="P", birth_date="1990-02-03"), person()
    sheet.append([a["nik"], "Ahmad Nelayan", None, "Daik", dt.datetime(1980, 5, 15), "L",
                  "0812-3456-7001", None, "Jl. Pelabuhan 3", "Sungai Lumpur", "Lingga",
                  "Nelayan", "Perikanan/Nelayan", 1000000, "tidak", None, "Anggota",
                  "WhatsApp", "ya", None])
    sheet.append([b["nik"], "Siti Pedagang", "2104010101200001", "Dabo", "03-02-1990",
                  "Perempuan", "+62 813 4567 0002", "siti@example.id", None, None, None,
                  "Pedagang", "Perdagangan", "Rp1.000.000", "ya", "12345678901", "Pengurus",
                  "Email", "tidak", None])
    sheet.append([c["nik"], "Budi Ojek", None, None, "1980-05-15", "l", "081234567003",
                  None, None, None, None, "Ojek", "transport", "1000000", None, None, None,
                  None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)

    import_id = import_id_of(upload(client, coop.slug, buffer.getvalue()))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["total"] == 3 and rec["imported"] == 3
    assert rec["bad"] == 0 and rec["errors"] == [] and rec["content"] is None

    people = {p.name: p for p in participants(web, coop.ref)}
    ahmad, siti, budi = people["Ahmad Nelayan"], people["Siti Pedagang"], people["Budi Ojek"]
    assert ahmad.nik == a["nik"] and ahmad.birth_date == dt.date(1980, 5, 15)
    assert ahmad.phone == "+6281234567001" and ahmad.sector == "fishery" and not ahmad.jht
    assert (ahmad.birth_place, ahmad.kelurahan, ahmad.kecamatan) == ("Daik", "Sungai Lumpur",
                                                                      "Lingga")
    assert ahmad.coop_role == "anggota" and ahmad.whatsapp_consent is True
    assert siti.sex == "P" and siti.birth_date == dt.date(1990, 2, 3) and siti.jht is True
    assert siti.family_card_number == "2104010101200001" and siti.kpj == "12345678901"
    assert siti.preferred_channel == "email" and siti.email == "siti@example.id"
    assert siti.sector == "trade" and siti.coop_role == "pengurus"
    assert budi.sector == "transport" and budi.sex == "L"
    assert budi.coop_role == "bukan_anggota" and budi.preferred_channel == "whatsapp"
    for p in people.values():
        assert p.registered_on == TODAY and p.start_month == Period(2026, 11).index
        assert p.paid_months == [] and p.paid_through_month is None

    page = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}")
    assert page.status_code == 200 and "3 peserta disimpan" in page.get_data(as_text=True)


def test_import_pages_need_the_right_role(web, coop) -> None:
    client = signed_in(web, coop, "pengawas")
    assert client.get(f"/{coop.slug}/participants/excel/import").status_code == 403
    assert client.get(f"/{coop.slug}/participants/excel/template.xlsx").status_code == 403
    anonymous = web.test_client()
    response = anonymous.get(f"/{coop.slug}/participants/excel/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = signed_in(web, coop, "admin").get(f"/{coop.slug}/participants/excel/import")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Unduh templat" in html and 'type="file"' in html


# --- good and bad rows ----------------------------------------------------------------------------


def test_mixed_file_all_or_nothing_writes_nothing_and_reports_every_bad_line(web, coop) -> None:
    client = signed_in(web, coop)
    content, bad = mixed_file()
    import_id = import_id_of(upload(client, coop.slug, content, mode="all"))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "rejected" and rec["imported"] == 0
    assert rec["total"] == 5 and rec["bad"] == 3
    assert participants(web, coop.ref) == []
    lines = error_lines(rec)
    assert sorted(lines) == [3, 5, 6]
    # the register form's own words, from the one validator
    assert lines[3]["NIK"] == validator_message({"nik": "1234"}, "nik")
    assert lines[5]["No. HP"] == validator_message({}, "phone") == "Wajib diisi."
    assert lines[5]["Sektor"] == validator_message({"sector": "Perbintangan"}, "sector")
    assert set(lines[5]) == {"No. HP", "Sektor"}
    mismatch = {"nik": bad[6]["NIK"], "birth_date": "16-05-1980", "sex": "L"}
    assert lines[6]["NIK"] == validator_message(mismatch, "nik")

    page = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}")
    html = page.get_data(as_text=True)
    assert "Tidak ada yang disimpan" in html and "Wajib diisi." in html
    download = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}/errors.xlsx")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0] == ("Baris", "Kolom", "Kesalahan")
    assert sorted({r[0] for r in cells[1:]}) == [3, 5, 6]
    assert ("5", "No. HP", "Wajib diisi.") in {(str(r[0]), r[1], r[2]) for r in cells[1:]}


def test_mixed_file_only_good_rows_writes_the_good_ones(web, coop) -> None:
    client = signed_in(web, coop)
    content, _bad = mixed_file()
    import_id = import_id_of(upload(client, coop.slug, content, mode="good_only"))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["imported"] == 2 and rec["bad"] == 3
    assert sorted(error_lines(rec)) == [3, 5, 6]
    assert sorted(p.name for p in participants(web, coop.ref)) == ["Baik Dua", "Baik Satu"]
    html = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}").get_data(
        as_text=True
    )
    assert "2 peserta disimpan" in html


def test_duplicate_nik_in_the_file_and_in_the_coop(web, coop) -> None:
    existing = person()
    register(coop.ref, today=TODAY, nik=existing["nik"], name="Sudah Ada", kpj="11111111111")
    twin = row(Nama="Kembar Pertama")
    rows = [
        row(NIK=existing["nik"], Nama="NIK Koperasi"),  # line 2
        twin,  # line 3
        row(NIK=twin["NIK"], Nama="Kembar Kedua"),  # line 4
        row(Nama="KPJ Koperasi", KPJ="11111111111"),  # line 5
        row(Nama="KPJ Satu", KPJ="22222222222"),  # line 6
        row(Nama="KPJ Dua", KPJ="2222-2222-222"),  # line 7
    ]
    client = signed_in(web, coop)
    import_id = import_id_of(upload(client, coop.slug, xlsx(rows), mode="good_only"))
    rec = record_of(web, coop.ref, import_id)
    lines = error_lines(rec)
    assert sorted(lines) == [2, 4, 5, 7]
    assert lines[2] == {"NIK": "NIK ini sudah terdaftar di koperasi ini."}
    assert lines[4] == {"NIK": "NIK ini sama dengan baris 3 dalam berkas ini."}
    assert lines[5] == {"KPJ": "KPJ ini sudah terdaftar di koperasi ini."}
    assert lines[7] == {"KPJ": "KPJ ini sama dengan baris 6 dalam berkas ini."}
    names = {p.name for p in participants(web, coop.ref)}
    assert names == {"Kembar Pertama", "KPJ Satu", "Sudah Ada"}
    assert rec["imported"] == 2 and rec["bad"] == 4


def test_a_whole_file_problem_rejects_the_import(web, coop) -> None:
    client = signed_in(web, coop)
    content = xlsx([{"NIK": person()["nik"], "Nama": "X", "Pekerjaan": "Nelayan"}],
                   headers=["NIK", "Nama", "Pekerjaan", "Catatan"])
    rec = record_of(web, coop.ref, import_id_of(upload(client, coop.slug, content)))
    assert rec["status"] == "rejected" and rec["total"] == 0
    (entry,) = rec["errors"]
    assert entry["line"] == 0 and "Kolom wajib tidak ditemukan" in entry["msg"]
    assert "Tanggal lahir" in entry["args"]["columns"] and "Sektor" in entry["args"]["columns"]


def test_a_16_digit_number_cell_that_excel_rounded_is_refused(web, coop) -> None:
    # Serial 7: the exact NIK must not end in 0 (that would be ambiguous too, whatever the order
    # the tests ran in).
    exact = person(birth_date="1980-05-15", nik=make_nik(dt.date(1980, 5, 15), "L", serial=7))
    rounded = int(make_nik(dt.date(1980, 5, 15), "L", serial=10))  # ends in 0: ambiguous
    rows = [row(NIK=int(exact["nik"]), Nama="Angka Utuh"), row(NIK=rounded, Nama="Dibulatkan")]
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, xlsx(rows), mode="good_only")))
    lines = error_lines(rec)
    assert list(lines) == [3] and "Teks" in lines[3]["NIK"]
    assert [p.name for p in participants(web, coop.ref)] == ["Angka Utuh"]


def test_upload_refuses_what_cannot_be_a_participant_file(web, coop) -> None:
    client = signed_in(web, coop)
    old_excel = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    response = upload(client, coop.slug, old_excel, filename="lama.xls")
    assert response.status_code == 422 and ".xls" in response.get_data(as_text=True)
    assert upload(client, coop.slug, b"", filename="kosong.xlsx").status_code == 422
    with in_coop(web, coop.ref):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ParticipantImport)) == 0


# --- opening balances -----------------------------------------------------------------------------


def test_opening_paid_through_is_coverage_not_a_payment(web, coop) -> None:
    rows = [
        row(Nama="Lunas Oktober", **{"Lunas sampai (YYYY-MM, opsional)": "2026-10"}),
        row(Nama="Lunas Februari", **{"Lunas sampai (YYYY-MM, opsional)": "02-2027"}),
        row(Nama="Terlalu Jauh", **{"Lunas sampai (YYYY-MM, opsional)": "2028-06"}),
        row(Nama="Bulan Salah", **{"Lunas sampai (YYYY-MM, opsional)": "Oktober"}),
        row(Nama="Dua Salah", Pekerjaan=None, **{"Lunas sampai (YYYY-MM, opsional)": "2030-01"}),
    ]
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, xlsx(rows), mode="good_only")))
    lines = error_lines(rec)
    assert sorted(lines) == [4, 5, 6]
    assert lines[4] == {"Lunas sampai (YYYY-MM, opsional)":
                        "Lunas sampai paling jauh 12 bulan setelah bulan ini."}
    assert lines[6] == {"Pekerjaan": "Wajib diisi.", "Lunas sampai (YYYY-MM, opsional)":
                        "Lunas sampai paling jauh 12 bulan setelah bulan ini."}
    assert lines[5]["Lunas sampai (YYYY-MM, opsional)"] == "Tulis bulan seperti 2026-11."
    with in_coop(web, coop.ref):
        people = {p.name: p for p in db.session.scalars(sa.select(Participant))}
        october, february = people["Lunas Oktober"], people["Lunas Februari"]
        assert october.paid_through_month == Period(2026, 10).index
        assert february.paid_through_month == Period(2027, 2).index
        assert february.start_month == Period(2026, 11).index
        for p, through in ((october, Period(2026, 10)), (february, Period(2027, 2))):
            cov, arrears = coverage_of(p, TODAY)
            assert cov.status == "active" and cov.paid_through == through and arrears == 0
            assert p.registered_on == TODAY
        # the 16th: November is overdue for October's person, not for February's
        assert coverage_of(october, dt.date(2026, 11, 16))[0].status == "grace"
        assert coverage_of(february, dt.date(2026, 11, 16))[0].status == "active"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_import_with_header_variants_semicolons_and_windows_encoding(web, coop) -> None:
    a, b = person(), person(sex="P", birth_date="1985-12-01")
    text = (
        "nik;NAMA LENGKAP;Tgl. Lahir;JK;Nomor HP;pekerjaan;SEKTOR;penghasilan;Ikut JHT;Desa\r\n"
        f"{a['nik']};José Nelayan;15/05/1980;L;0812 3456 7010;Nelayan;fishery;1.000.000;ya;"
        "Sungai Lumpur\r\n"
        f"{b['nik']};Ani;01-12-1985;P;0812-3456-7011;Petani;Pertanian;1000000;tidak;\r\n"
    )
    client = signed_in(web, coop)
    import_id = import_id_of(upload(client, coop.slug, text.encode("cp1252"), "data.csv"))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["imported"] == 2, rec["errors"]
    people = {p.nik: p for p in participants(web, coop.ref)}
    jose, ani = people[a["nik"]], people[b["nik"]]
    assert jose.name == "José Nelayan" and jose.birth_date == dt.date(1980, 5, 15)
    assert jose.jht is True and jose.kelurahan == "Sungai Lumpur" and jose.sector == "fishery"
    assert ani.sex == "P" and ani.sector == "agriculture" and ani.jht is False
    assert ani.phone == "+6281234567011"


def test_unicode_text_as_excel_saves_it_utf16_and_tabs(web, coop) -> None:
    a = person(sex="P", birth_date="1991-07-09")
    text = (
        "NIK\tNama\tTanggal lahir\tJenis kelamin\tNo. HP\tPekerjaan\tSektor\tPenghasilan\n"
        f"{a['nik']}\tNur Ḥayati\t09-07-1991\tP\t081234567030\tPedagang\tPerdagangan\t1000000\n"
    )
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, text.encode("utf-16"), "data.txt")))
    assert rec["status"] == "done" and rec["imported"] == 1, rec["errors"]
    (p,) = participants(web, coop.ref)
    assert p.name == "Nur Ḥayati" and p.sector == "trade" and p.nik == a["nik"]


def test_csv_bad_rows_carry_their_line_numbers(web, coop) -> None:
    text = (
        "NIK,Nama,Tanggal lahir,Jenis kelamin,No. HP,Pekerjaan,Sektor,Penghasilan\n"
        f"{person()['nik']},Satu,15-05-1980,L,081234567020,Nelayan,fishery,1000000\n"
        "\n"
        f"{person()['nik']},Dua,15-05-1980,X,081234567021,Nelayan,fishery,1000000\n"
        f"{person()['nik']},Tiga,15-05-1980,L,081234567022,Nelayan,fishery,750000\n"
    )
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, text.encode(), "data.csv", mode="good_only")))
    lines = error_lines(rec)
    assert sorted(lines) == [4, 5]
    assert lines[4] == {"Jenis kelamin": validator_message({"sex": "X"}, "sex")}
    assert lines[5]["Penghasilan"] == validator_message({"declared_income": 750000},
                                                       "declared_income")
    assert [p.name for p in participants(web, coop.ref)] == ["Satu"]


def test_the_import_job_runs_in_its_own_coop(web, coop, make_coop) -> None:
    bystander = make_coop()
    client = signed_in(web, coop)
    import_id = import_id_of(upload(client, coop.slug, xlsx([row(Nama="Di Koperasi Ini")])))
    rec = record_of(web, coop.ref, import_id)
    with in_coop(web, coop.ref):
        run = db.session.scalar(sa.select(JobRun).where(JobRun.rq_id == rec["job_id"]))
        assert run is not None and run.status == "done" and run.tenant_id == coop.ref.id
        assert run.title == "Impor peserta dari Excel"
        assert run.payload["args"] == [{"$uuid": import_id}]  # only the id travels
        p = db.session.scalar(sa.select(Participant))
        assert p.name == "Di Koperasi Ini" and p.tenant_id == coop.ref.id
    with in_coop(web, bystander.ref):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Participant)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    (summary,) = audit_events(web, coop.ref, "participants.import")
    assert summary["actor"] == coop.emails["cashier"] and summary["imported"] == 1
    creates = audit_events(web, coop.ref, "participant.create")
    assert [e["source"] for e in creates] == ["import"] and creates[0]["import_id"] == import_id


# --- a failed import and its retry; a waiting import's page -------------------------------------


def test_a_failed_import_writes_nothing_keeps_its_file_and_can_be_retried(
    web, coop, monkeypatch
) -> None:
    from app.participants import excel_import

    def broken(*_args: Any, **_kw: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(excel_import, "write", broken)
    client = signed_in(web, coop, "admin")
    import_id = import_id_of(upload(client, coop.slug, xlsx([row(Nama="Coba Lagi")])))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "queued" and rec["content"] is not None
    assert participants(web, coop.ref) == []
    html = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}").get_data(
        as_text=True
    )
    assert "Gagal" in html and "kesalahan sistem" in html

    monkeypatch.undo()
    jobs_page = client.get(f"/{coop.slug}/jobs/{rec['job_id']}").get_data(as_text=True)
    retried = client.post(f"/{coop.slug}/jobs/{rec['job_id']}/retry",
                          data={"csrf_token": _csrf_from(jobs_page)})
    assert retried.status_code == 302
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["imported"] == 1 and rec["content"] is None
    assert [p.name for p in participants(web, coop.ref)] == ["Coba Lagi"]


def test_a_waiting_import_shows_the_progress_component(web, coop, monkeypatch) -> None:
    from app.jobs import queueing

    monkeypatch.setattr(queueing, "_dispatch", lambda pending: None)  # the queue never runs it
    client = signed_in(web, coop)
    import_id = import_id_of(upload(client, coop.slug, xlsx([row()])))
    page = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Menunggu" in html
    assert "data-progress-url" in html and "progress.js" in html
    assert "Perbarui halaman" in html  # without JavaScript: a link that refreshes
    assert "Hasil" not in html
    recent = client.get(f"/{coop.slug}/participants/excel/import").get_data(as_text=True)
    assert "peserta.xlsx" in recent and f"/imports/{import_id}" in recent


@pytest.mark.parametrize("mode", ["good_only", "all"])
def test_a_nik_registered_at_the_counter_while_the_import_runs(
    web, coop, monkeypatch, mode
) -> None:
    """The pre-loaded NIKs miss one registered meanwhile: its chunk fails on the unique key, the
    row is reported, and the rest is written (only good rows) or nothing is (all or nothing)."""
    from app.participants import excel_import

    taken = person()
    register(coop.ref, today=TODAY, nik=taken["nik"], name="Di Loket")
    monkeypatch.setattr(excel_import, "_existing", lambda: (set(), set()))
    rows = [row(Nama="Pertama"), row(NIK=taken["nik"], Nama="Bentrok"), row(Nama="Ketiga")]
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, xlsx(rows), mode=mode)))
    assert error_lines(rec) == {3: {"NIK": "NIK ini sudah terdaftar di koperasi ini."}}
    names = {p.name for p in participants(web, coop.ref)}
    if mode == "good_only":
        assert rec["status"] == "done" and rec["imported"] == 2
        assert names == {"Di Loket", "Pertama", "Ketiga"}
    else:
        assert rec["status"] == "rejected" and rec["imported"] == 0
        assert names == {"Di Loket"}
        assert audit_events(web, coop.ref, "participant.create") == [
            e for e in audit_events(web, coop.ref, "participant.create") if "source" not in e
        ]
