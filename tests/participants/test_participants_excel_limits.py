"""What keeps one import from holding a worker: a long run of blank rows ends the reading (and the
page says where), row and line limits, a time limit (nothing saved), and one running import per
coop — each said in plain words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from app.jobrecords import JobRun
from tenants.db import db
from tests.conftest import _csrf_from
from tests.participants.excel_support import (  # noqa: F401 - fixtures
    TODAY,
    coop_fixture,
    error_lines,
    import_id_of,
    in_coop,
    inproc_fixture,
    participants,
    record_of,
    row,
    signed_in,
    upload,
    web_fixture,
    with_blank_rows,
    xlsx,
)


def _status_page(client, slug: str, import_id: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/{slug}/participants/excel/imports/{import_id}").get_data(as_text=True)


# --- a sheet that is mostly empty -----------------------------------------------------------------


def test_a_sheet_of_blank_rows_stops_early_and_says_where(web, coop) -> None:
    """300.000 formatted empty rows (Excel keeps them) below two people, one more person below:
    the reading stops after the blank run, fast, and the page says so in words."""
    late = row(Nama="Di Bawah Baris Kosong")
    content = with_blank_rows(xlsx([row(Nama="Satu"), row(Nama="Dua")]), 300_000, (late,))
    client = signed_in(web, coop)
    started = time.monotonic()
    import_id = import_id_of(upload(client, coop.slug, content, mode="good_only"))
    elapsed = time.monotonic() - started
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "done" and rec["total"] == 2 and rec["imported"] == 2
    assert {p.name for p in participants(web, coop.ref)} == {"Satu", "Dua"}
    assert elapsed < 15, f"the import of a mostly empty sheet took {elapsed:.1f} s"
    html = _status_page(client, coop.slug, import_id)
    assert "Pembacaan berhenti di baris 4" in html and "1.000 baris kosong berturut-turut" in html
    assert "Baris yang salah" not in html  # a note, not an error
    assert "2 peserta disimpan" in html


def test_a_file_of_nothing_but_blank_rows_is_rejected_with_the_note(web, coop) -> None:
    content = with_blank_rows(xlsx([]), 50_000)
    client = signed_in(web, coop)
    import_id = import_id_of(upload(client, coop.slug, content))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "rejected" and rec["total"] == 0
    html = _status_page(client, coop.slug, import_id)
    assert "Tidak ada baris peserta di bawah judul kolom." in html
    assert "Pembacaan berhenti di baris 2" in html


def test_blank_rows_before_a_late_header_do_not_read_the_whole_sheet(web, coop) -> None:
    from app.participants import excel_read

    calls = []
    lines = ((n, ()) for n in range(1, 1_000_000))

    def counted() -> Iterator[tuple[int, tuple[Any, ...]]]:
        for item in lines:
            calls.append(item[0])
            yield item

    assert excel_read._sheet(counted()) is None  # noqa: SLF001
    assert len(calls) == excel_read.HEADER_SEARCH_ROWS + 1


# --- row, line and time limits -----------------------------------------------------------------


def test_more_rows_than_the_limit_are_refused_in_words(web, coop, monkeypatch) -> None:
    from app.participants import excel_read

    monkeypatch.setattr(excel_read, "MAX_ROWS", 3)
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, xlsx([row() for _ in range(4)]), mode="good_only")))
    assert rec["status"] == "rejected" and participants(web, coop.ref) == []
    assert error_lines(rec) == {
        0: {"": "Berkas berisi lebih dari 3 baris peserta. Bagi menjadi beberapa berkas."}
    }


def test_a_sheet_too_long_with_blank_rows_is_refused(web, coop, monkeypatch) -> None:
    from app.participants import excel_read

    monkeypatch.setattr(excel_read, "MAX_LINES", 50)
    content = with_blank_rows(xlsx([row()]), 60, (row(),))
    client = signed_in(web, coop)
    rec = record_of(web, coop.ref, import_id_of(upload(client, coop.slug, content)))
    assert rec["status"] == "rejected"
    (message,) = error_lines(rec)[0].values()
    assert message.startswith("Berkas terlalu panjang: lebih dari 50 baris di bawah judul kolom")


@pytest.mark.parametrize("mode", ["all", "good_only"])
def test_an_import_past_its_time_limit_saves_nothing_and_says_why(
    web, coop, monkeypatch, mode
) -> None:
    from app.participants import imports

    monkeypatch.setattr(imports, "TIME_LIMIT", 0)
    client = signed_in(web, coop)
    import_id = import_id_of(upload(client, coop.slug, xlsx([row(), row()]), mode=mode))
    rec = record_of(web, coop.ref, import_id)
    assert rec["status"] == "rejected" and rec["imported"] == 0 and rec["total"] == 0
    assert participants(web, coop.ref) == []
    assert rec["content"] is None
    html = _status_page(client, coop.slug, import_id)
    assert "Impor dihentikan karena lebih dari 1 menit; tidak ada yang disimpan." in html


def test_time_running_out_while_writing_rolls_back_what_was_written(
    web, coop, monkeypatch
) -> None:
    """The limit strikes between chunks of the write: the chunks already flushed go too."""
    from app.participants import excel_import

    real = excel_import.deadline
    monkeypatch.setattr(excel_import, "CHUNK", 1)

    def late_deadline(seconds: int):  # type: ignore[no-untyped-def]
        expired = real(-1)
        count = {"n": 0}

        def tick() -> None:
            count["n"] += 1
            if count["n"] > 3 + 3 + 2:  # read 3 lines, check 3 rows, write 2 chunks
                expired()

        return tick

    monkeypatch.setattr(excel_import, "deadline", late_deadline)
    client = signed_in(web, coop)
    rows = [row(Nama="Satu"), row(Nama="Dua"), row(Nama="Tiga")]
    rec = record_of(web, coop.ref, import_id_of(
        upload(client, coop.slug, xlsx(rows), mode="good_only")))
    assert rec["status"] == "rejected" and rec["imported"] == 0
    assert participants(web, coop.ref) == []
    assert "Impor dihentikan" in error_lines(rec)[0][""]


# --- one running import per coop -----------------------------------------------------------------


def test_a_second_upload_waits_for_the_running_import(web, coop, make_coop, monkeypatch) -> None:
    from app.jobs import queueing

    monkeypatch.setattr(queueing, "_dispatch", lambda pending: None)  # the queue never runs it
    client = signed_in(web, coop)
    first = import_id_of(upload(client, coop.slug, xlsx([row()]), filename="pertama.xlsx"))
    refused = upload(client, coop.slug, xlsx([row()]), filename="kedua.xlsx")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Impor lain (pertama.xlsx) masih berjalan." in html
    assert "hanya menjalankan satu impor" in html

    other = make_coop(passwords=True)  # another coop is not held up
    import_id_of(upload(signed_in(web, other), other.slug, xlsx([row()])))

    job_id = record_of(web, coop.ref, first)["job_id"]
    with in_coop(web, coop.ref):  # the first import's job failed: it no longer runs
        db.session.execute(
            sa.update(JobRun).where(JobRun.rq_id == job_id).values(status="failed")
        )
        db.session.commit()
    import_id_of(upload(client, coop.slug, xlsx([row()]), filename="kedua.xlsx"))


def test_an_import_job_does_not_run_beside_another_of_its_coop(
    web, coop, database, monkeypatch
) -> None:
    """A retry started while another import of the coop runs (it holds the run lock) fails with a
    plain message and a retry; once the other is done it runs."""
    from app.participants import imports

    url = database["app"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as other:
        other.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            (imports.RUN_LOCK, str(coop.ref.id)),
        )
        client = signed_in(web, coop, "admin")
        import_id = import_id_of(upload(client, coop.slug, xlsx([row(Nama="Tunggu")])))
        rec = record_of(web, coop.ref, import_id)
        assert rec["status"] == "queued" and participants(web, coop.ref) == []
        html = _status_page(client, coop.slug, import_id)
        assert "Impor lain sedang berjalan di koperasi ini." in html and "Gagal" in html
        other.rollback()
    jobs_page = client.get(f"/{coop.slug}/jobs/{rec['job_id']}").get_data(as_text=True)
    retried = client.post(f"/{coop.slug}/jobs/{rec['job_id']}/retry",
                          data={"csrf_token": _csrf_from(jobs_page)})
    assert retried.status_code == 302
    assert record_of(web, coop.ref, import_id)["status"] == "done"
    assert [p.name for p in participants(web, coop.ref)] == ["Tunggu"]
