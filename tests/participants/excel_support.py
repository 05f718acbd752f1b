"""Shared by the Excel tests: the in-process app (no REDIS_URL: the import job runs right after the
commit), a coop with passwords, signing in, building files, uploading, and reading results back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.participants import validation
from app.participants.excel_columns import COLUMNS
from app.participants.imports_model import ParticipantImport
from app.participants.models import Participant
from tenants.audit import AuditEvent
from tenants.context import TenantRef, tenant_context
from tenants.db import db
from tests.conftest import _csrf_from, login, make_settings
from tests.participants.helpers import person

TODAY = dt.date(2026, 11, 10)
HEADERS = [c.header for c in COLUMNS]
EXPORT_HEADERS = [*HEADERS, "Status", "Tunggakan (bulan)", "Terdaftar"]


@pytest.fixture(name="inproc", scope="module")
def inproc_fixture(database: dict[str, str], app: Flask) -> Flask:
    """The same app with no REDIS_URL: the import job runs in-process right after the commit."""
    return create_app(make_settings(database, redis_url=None))


@pytest.fixture(name="web")
def web_fixture(inproc: Flask, set_today) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    set_today(TODAY)  # the shared app (helpers) …
    original = inproc.config["GERAI"]
    inproc.config["GERAI"] = dataclasses.replace(original, today_override=TODAY)  # … and this one
    assert inproc.config["GERAI"].redis_url is None
    yield inproc
    inproc.config["GERAI"] = original


@pytest.fixture(name="coop")
def coop_fixture(make_coop):  # type: ignore[no-untyped-def]
    return make_coop(passwords=True)


def signed_in(web: Flask, coop, role: str = "cashier"):  # type: ignore[no-untyped-def]
    client = web.test_client()
    assert login(client, coop.slug, coop.emails[role]).status_code == 302
    return client


@contextmanager
def in_coop(app: Flask, ref: TenantRef) -> Iterator[None]:
    with app.app_context(), tenant_context(ref):
        try:
            yield
        finally:
            db.session.rollback()
            db.remove()


# --- building files -------------------------------------------------------------------------------


def row(**overrides: Any) -> dict[str, Any]:
    """One template row (keys are template headers) for a valid new person."""
    data = person()
    values: dict[str, Any] = {
        "NIK": data["nik"], "Nama": data["name"], "Tanggal lahir": "15-05-1980",
        "Jenis kelamin (L/P)": "L", "No. HP": data["phone"], "Pekerjaan": "Nelayan",
        "Sektor": "Perikanan/Nelayan", "Penghasilan": 1000000,
    }
    values.update(overrides)
    return values


def xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    headers = headers or HEADERS
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, slug: str, content: bytes, filename: str = "peserta.xlsx",
           mode: str = "all"):  # type: ignore[no-untyped-def]
    url = f"/{slug}/participants/excel/import"
    token = _csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "mode": mode, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def import_id_of(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/imports/([0-9a-f-]{36})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def record_of(app: Flask, ref: TenantRef, import_id: str) -> dict[str, Any]:
    with in_coop(app, ref):
        rec = db.session.get(ParticipantImport, (ref.id, uuid.UUID(import_id)))
        assert rec is not None
        return {
            "status": rec.status, "total": rec.total_rows, "imported": rec.imported_count,
            "bad": rec.error_rows, "errors": list(rec.errors), "content": rec.content,
            "job_id": rec.job_id, "ignored": list(rec.ignored_columns),
        }


def participants(app: Flask, ref: TenantRef) -> list[Participant]:
    with in_coop(app, ref):
        rows = list(db.session.scalars(sa.select(Participant).order_by(Participant.nik)))
        for p in rows:
            db.session.expunge(p)
        return rows


def error_lines(rec: dict[str, Any]) -> dict[int, dict[str, str]]:
    """{line: {column header: message text}} from an import record's stored errors."""
    out: dict[int, dict[str, str]] = {}
    for e in rec["errors"]:
        text = e["msg"] % e["args"] if e.get("args") else e.get("msg") or e.get("text")
        out.setdefault(e["line"], {})[e["col"]] = text
    return out


def validator_message(data: dict[str, Any], field: str) -> str:
    _values, errors = validation.clean_participant(data, TODAY)
    return str(errors[field])


def mixed_file() -> tuple[bytes, dict[int, dict[str, Any]]]:
    good1, good2 = row(Nama="Baik Satu"), row(Nama="Baik Dua")
    bad_nik = row(NIK="1234", Nama="NIK Pendek")
    bad_many = row(**{"No. HP": None, "Sektor": "Perbintangan", "Nama": "Banyak Salah"})
    mismatch = row(Nama="Tidak Cocok", **{"Tanggal lahir": "16-05-1980"})
    rows = [good1, bad_nik, good2, bad_many, mismatch]  # lines 2..6
    return xlsx(rows), {3: bad_nik, 5: bad_many, 6: mismatch}


def exported(response) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    return [tuple(r) for r in book.active.iter_rows(values_only=True)]


def audit_events(app: Flask, ref: TenantRef, action: str) -> list[dict[str, Any]]:
    with in_coop(app, ref):
        return [
            {"actor": e.actor, **e.details}
            for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at)
            )
        ]


def with_blank_rows(content: bytes, blanks: int, after: tuple[dict[str, Any], ...] = ()) -> bytes:
    """``content`` (from ``xlsx``) with ``blanks`` rows of one space each appended to the sheet —
    Excel's formatted empty rows — then the rows ``after``. The sheet's XML is written directly:
    openpyxl would take minutes to write a million rows."""
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    source = zipfile.ZipFile(io.BytesIO(content))
    name = "xl/worksheets/sheet1.xml"
    sheet = source.read(name).decode()
    last = max(int(n) for n in re.findall(r'<row r="(\d+)"', sheet))
    parts = [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t xml:space="preserve"> </t></is></c></row>'
        for n in range(last + 1, last + blanks + 1)
    ]
    line = last + blanks
    for r in after:
        line += 1
        cells = "".join(
            f'<c r="{get_column_letter(i)}{line}" t="inlineStr"><is><t>{escape(str(r[h]))}</t>'
            "</is></c>"
            for i, h in enumerate(HEADERS, start=1) if r.get(h) is not None
        )
        parts.append(f'<row r="{line}">{cells}</row>')
    sheet = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:T{line}"/>', sheet)
    sheet = sheet.replace("</sheetData>", "".join(parts) + "</sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet.encode() if item.filename == name else source.read(item.filename)
            target.writestr(item, data)
    return out.getvalue()
