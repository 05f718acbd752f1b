"""Participant export (XLSX or CSV) in the import template's columns, so a full export re-imports.

Columns: the template's (``excel_columns.COLUMNS``: NIK, name, family-card number, place and date of
birth, sex, phone, email, address, kelurahan, kecamatan, occupation — the Perisai form's order —
then sector, income, JHT, KPJ, coop role, channel, consent and "Lunas sampai", the paid-through
month, which a re-import takes as the opening balance), then read-only extras the import skips:
status, months in arrears, registration date. NIK and family-card number are masked
(``2104********0001``) unless the export is a full one, which needs ``export.full`` (the caller
checks it). Dates read ``DD-MM-YYYY``, phones as people write them (``0812-3456-7890``). The
participant list's filters (search, status, arrears) apply. Every export goes to the audit log:
who, how many rows, masked or full — in the caller's transaction, before the file is handed out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.auth.services import Actor, record_audit
from app.dues import STATUSES, Period
from app.formatting import phone_display
from app.participants import listing
from app.participants.coverage_state import coverage_columns
from app.participants.csv_cells import csv_safe
from app.participants.excel_columns import COLUMNS, EXPORT_EXTRAS, WORDS_OUT
from app.participants.identifiers import mask_number
from app.participants.labels import status_labels
from app.participants.models import Participant
from tenants.context import require_tenant
from tenants.db import db

FORMATS = ("xlsx", "csv")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def headers() -> list[str]:
    """The import template's headers in its order, then the read-only extras."""
    return [c.header for c in COLUMNS] + list(EXPORT_EXTRAS)


WIDTHS = (20, 28, 20, 16, 14, 8, 16, 24, 36, 18, 18, 18, 18, 12, 8, 14, 14, 10, 10, 12, 14, 10, 12)


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    status: str | None = None
    min_arrears: int | None = None


@dataclass(frozen=True)
class Export:
    body: bytes
    rows: int
    filename: str
    mimetype: str


def rows(filters: Filters, *, full: bool, today: dt.date) -> list[list[Any]]:
    """The export's rows, sorted by name like the participant list: every template column written
    the way the import reads it back (a full export re-imports as the same people), then status,
    months in arrears and the registration date."""
    cols = coverage_columns(today)
    query = sa.select(
        *(getattr(Participant, name) for name in _FIELDS),
        cols["status"].label("status"),
        cols["paid_through"].label("paid_through"),
        cols["arrears_months"].label("arrears_months"),
    )
    if filters.q and filters.q.strip():
        query = query.where(listing.search_condition(filters.q))
    if filters.status is not None:
        query = query.where(cols["status"] == filters.status)
    if filters.min_arrears is not None:
        query = query.where(cols["arrears_months"] >= filters.min_arrears)
    query = query.order_by(Participant.sort_name, Participant.id)
    labels = {key: str(label) for key, label in status_labels().items()}  # one text per file
    mask = (lambda v: v or "") if full else mask_number
    yes_no = WORDS_OUT["yes_no"]
    out = []
    for r in db.session.execute(query):
        out.append([
            mask(r.nik), r.name, mask(r.family_card_number), r.birth_place or "",
            r.birth_date.strftime("%d-%m-%Y"), r.sex, phone_display(r.phone), r.email or "",
            r.address or "", r.kelurahan or "", r.kecamatan or "", r.occupation,
            WORDS_OUT["sector"].get(r.sector, r.sector), int(r.declared_income),
            yes_no[bool(r.jht)],
            r.kpj or "", WORDS_OUT["coop_role"].get(r.coop_role, r.coop_role),
            WORDS_OUT["preferred_channel"].get(r.preferred_channel, r.preferred_channel),
            yes_no[bool(r.whatsapp_consent)],
            str(Period.from_index(r.paid_through)) if r.paid_through is not None else "",
            labels.get(r.status, r.status), int(r.arrears_months or 0),
            r.registered_on.strftime("%d-%m-%Y"),
        ])
    return out


_FIELDS = (
    "nik", "name", "family_card_number", "birth_place", "birth_date", "sex", "phone", "email",
    "address", "kelurahan", "kecamatan", "occupation", "sector", "declared_income", "jht", "kpj",
    "coop_role", "preferred_channel", "whatsapp_consent", "registered_on",
)


# --- writers --------------------------------------------------------------------------------------


def _clean_cell(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def xlsx_bytes(
    sheet_title: str, header: Sequence[Any], body: Iterable[Sequence[Any]],
    widths: Sequence[int] = (),
) -> bytes:
    """One sheet: a bold, frozen header row, then every value as text (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in body:
        values: list[Any] = []
        for value in row:
            if isinstance(value, str):
                value = _clean_cell(value)
                if value.startswith("="):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"  # text that looks like a formula stays text
                    value = cell
            values.append(value)
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(header: Sequence[Any], body: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow([csv_safe(h) for h in header])
    for row in body:
        writer.writerow([csv_safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8


# --- the export -----------------------------------------------------------------------------------


def parse_filters(args: Any) -> Filters:
    """The participant list's query string (``q``, ``status``, ``arrears``), checked like it."""
    q = (args.get("q") or "").strip()[: listing.MAX_QUERY] or None
    status = args.get("status") or None
    arrears = args.get("arrears") or ""
    return Filters(
        q=q,
        status=status if status in STATUSES else None,
        min_arrears=int(arrears) if arrears in ("1", "2", "3", "4") else None,
    )


def export(
    file_format: str, filters: Filters, *, full: bool, actor: Actor, today: dt.date
) -> Export:
    """Build the file and write the audit event (the caller commits, then hands the file out)."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    body = rows(filters, full=full, today=today)
    if file_format == "xlsx":
        data = xlsx_bytes(str(_l("Peserta")), headers(), body, WIDTHS)
    else:
        data = csv_bytes(headers(), body)
    record_audit(
        "participants.export",
        actor,
        target="participants",
        rows=len(body),
        masked=not full,
        file_format=file_format,
        status=filters.status,
        arrears=filters.min_arrears,
        search=bool(filters.q),
    )
    slug = require_tenant().slug
    suffix = "-lengkap" if full else ""
    return Export(
        body=data,
        rows=len(body),
        filename=f"peserta-{slug}-{today:%Y%m%d}{suffix}.{file_format}",
        mimetype=MIMETYPES[file_format],
    )
