"""Excel round trip: a full export has the import template's columns (plus read-only extras) and
re-imports into a fresh coop as the same people; the job pages count rows, the Indonesian way."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from app.participants import excel_columns
from app.participants.excel_columns import WORDS_OUT
from tests.participants.excel_support import (  # noqa: F401 - fixtures
    EXPORT_HEADERS,
    HEADERS,
    coop_fixture,
    import_id_of,
    inproc_fixture,
    participants,
    record_of,
    row,
    signed_in,
    upload,
    web_fixture,
    xlsx,
)
from tests.participants.helpers import make_nik

FIELDS = (
    "nik", "name", "family_card_number", "birth_place", "birth_date", "sex", "phone", "email",
    "address", "kelurahan", "kecamatan", "occupation", "sector", "declared_income", "jht", "kpj",
    "coop_role", "preferred_channel", "whatsapp_consent", "paid_through_month", "start_month",
    "paid_months", "registered_on",
)


def _people(web, ref) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return sorted(tuple(getattr(p, f) for f in FIELDS) for p in participants(web, ref))


def _cells(data: bytes, file_format: str) -> list[tuple[object, ...]]:
    if file_format == "csv":
        return [tuple(line.split('","')) for line in data.decode("utf-8-sig").splitlines()]
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(r) for r in book.active.iter_rows(values_only=True)]


def _varied_rows() -> list[dict[str, object]]:
    paid = "Lunas sampai (YYYY-MM, opsional)"
    return [
        row(Nama="Ahmad Nelayan", **{"No. KK": "2104010101200001", "Tempat lahir": "Daik",
            "Alamat": "Jl. Pelabuhan 3, RT 01", "Kelurahan": "Sungai Lumpur",
            "Kecamatan": "Lingga", "Setuju WhatsApp": "ya", paid: "2026-08"}),
        row(Nama="Siti Pedagang", **{"Jenis kelamin (L/P)": "P",
            "NIK": make_nik(dt.date(1990, 2, 3), "P", serial=4321), "Tanggal lahir": "03-02-1990",
            "Email": "siti@example.id", "Saluran": "Email", "Sektor": "Perdagangan",
            "JHT (ya/tidak)": "ya", "KPJ": "12345678901", "Peran di koperasi": "Pengurus",
            "Pekerjaan": "Pedagang", paid: "2027-01"}),
        row(Nama="Budi Ojek", **{"Sektor": "Transportasi", "Saluran": "SMS",
            "Peran di koperasi": "Anggota", "Pekerjaan": "Ojek"}),
        row(Nama="@Cek; Rumus", **{"Sektor": "Buruh/Pekerja harian", "Alamat": "-2+3",
            "Pekerjaan": "Buruh", "Peran di koperasi": "Pengawas"}),
        row(Nama="Dewi Jasa", **{"Sektor": "Jasa", "Pekerjaan": "Penjahit",
            "Peran di koperasi": "Bukan anggota"}),
        row(Nama="Eko Tani", **{"Sektor": "Pertanian", "Pekerjaan": "Petani"}),
        row(Nama="Fitri Lain", **{"Sektor": "Lainnya", "Pekerjaan": "Lain-lain"}),
    ]


def test_every_word_the_export_writes_reads_back_as_its_code() -> None:
    for code, word in WORDS_OUT["sector"].items():
        assert excel_columns.sector(word) == code
    for code, word in WORDS_OUT["coop_role"].items():
        assert excel_columns.coop_role(word) == code
    for code, word in WORDS_OUT["preferred_channel"].items():
        assert excel_columns.channel(word) == code
    for value, word in WORDS_OUT["yes_no"].items():
        assert excel_columns.yes_no(word) is value


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_a_full_export_reimports_into_a_fresh_coop_as_the_same_people(
    web, coop, make_coop, file_format
) -> None:
    source = signed_in(web, coop, "admin")
    rec = record_of(web, coop.ref, import_id_of(upload(source, coop.slug, xlsx(_varied_rows()))))
    assert rec["status"] == "done" and rec["imported"] == 7, rec["errors"]
    export = source.get(f"/{coop.slug}/participants/excel/export.{file_format}?full=1")
    assert export.status_code == 200

    fresh = make_coop(passwords=True)
    target = signed_in(web, fresh, "admin")
    again = record_of(web, fresh.ref, import_id_of(
        upload(target, fresh.slug, export.data, filename=f"ekspor.{file_format}")))
    assert again["status"] == "done" and again["imported"] == 7
    assert again["errors"] == [] and again["ignored"] == []  # the extras are skipped silently
    assert _people(web, fresh.ref) == _people(web, coop.ref)
    second = target.get(f"/{fresh.slug}/participants/excel/export.{file_format}?full=1")
    assert _cells(second.data, file_format) == _cells(export.data, file_format)  # the same file


def test_the_export_has_the_template_columns_then_read_only_extras(web, coop) -> None:
    import openpyxl

    client = signed_in(web, coop, "admin")
    import_id_of(upload(client, coop.slug, xlsx([row(Nama="Ahmad")])))
    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/{coop.slug}/participants/excel/export.xlsx?full=1").data))
    header = [c.value for c in book.active[1]]
    assert header[:len(HEADERS)] == HEADERS and header == EXPORT_HEADERS
    assert len(HEADERS) == 20


def test_the_job_pages_count_rows_the_indonesian_way(web, coop) -> None:
    rows = [
        row(NIK=make_nik(dt.date(1980, 5, 15), "L", region="217101", serial=i),
            **{"No. HP": f"0813{i:08d}"})
        for i in range(1, 3002)
    ]
    client = signed_in(web, coop, "admin")
    import_id = import_id_of(upload(client, coop.slug, xlsx(rows)))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["imported"] == 3001
    progress = client.get(f"/{coop.slug}/jobs/{rec['job_id']}/progress").get_json()
    assert (progress["done"], progress["total"], progress["count"]) == (3001, 3001, "3.001 / 3.001")
    job_page = client.get(f"/{coop.slug}/jobs/{rec['job_id']}").get_data(as_text=True)
    assert "3.001 / 3.001" in job_page and "6002" not in job_page
    status = client.get(f"/{coop.slug}/participants/excel/imports/{import_id}").get_data(
        as_text=True)
    assert "3.001 peserta disimpan" in status and "Dari 3.001 baris di berkas" in status
