"""Reading an uploaded participant file (XLSX or CSV) into numbered rows of recognised cells.

``read(content, file_format)`` finds the header row (within the first rows of the first sheet that
has one), maps each header to a column (``excel_columns``), and returns every non-empty row below
it with its line number as the spreadsheet shows it. Problems with the file as a whole (not a
spreadsheet, no header row, a required column missing, too many rows) raise ``FileProblem``.

A sheet that is mostly empty costs little: reading stops after ``BLANK_RUN`` blank rows in a row
(Excel keeps thousands of formatted empty rows; a 9 MB file of them once held a worker for 88 s) and
says where it stopped (``Sheet.stopped_at``); at most ``MAX_LINES`` lines below the header are read,
blank ones included; only the first ``MAX_COLUMNS`` columns. ``tick`` is called for every line read
(the import's time limit).
``to_data(cells)`` turns one row into the validator's input plus the cell errors of conversion.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from app.participants.csv_cells import csv_restore
from app.participants.excel_columns import (
    BY_KEY,
    COLUMNS,
    READ_ONLY,
    REQUIRED,
    Column,
    column_for,
    header_key,
)
from app.participants.identifiers import FieldError

MAX_ROWS = 25_000  # participant rows per file
MAX_LINES = 2 * MAX_ROWS  # lines read below the header, blank ones included
BLANK_RUN = 1_000  # blank lines in a row after which the rest of the sheet is not read
MAX_COLUMNS = 100
MAX_UNPACKED = 200 * 1024 * 1024  # bytes of XML a workbook may unpack to
HEADER_SEARCH_ROWS = 10
MIN_HEADER_MATCHES = 3


class FileProblem(Exception):
    """The file as a whole cannot be imported; ``message`` is for people (lazy)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass
class Sheet:
    headers: dict[str, str]  # column key → the header as written in the file
    rows: list[tuple[int, dict[str, Any]]]  # (line, {column key: raw cell value})
    ignored: list[str] = field(default_factory=list)  # headers not recognised
    stopped_at: int | None = None  # first line of the blank run that stopped the reading


def count(n: int) -> str:
    """``25000`` → ``25.000`` (Indonesian digit grouping, for messages)."""
    return f"{n:,}".replace(",", ".")


def _nothing() -> None:
    return None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(values: tuple[Any, ...]) -> tuple[dict[int, Column], dict[str, str], list[str]]:
    positions: dict[int, Column] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, value in enumerate(values):
        if _blank(value):
            continue
        written = " ".join(str(value).split())[:100]
        if header_key(value) in READ_ONLY:
            continue  # the export's own read-only extras (status, arrears): not data to import
        column = column_for(value)
        if column is None:
            ignored.append(written)
            continue
        if column.key in headers:
            raise FileProblem(
                _l(
                    "Kolom “%(a)s” dan “%(b)s” berisi data yang sama "
                    "(%(column)s). Hapus salah satu.",
                    a=headers[column.key], b=written, column=column.header,
                )
            )
        positions[index] = column
        headers[column.key] = written
    return positions, headers, ignored


def _sheet(
    lines: Iterable[tuple[int, tuple[Any, ...]]], tick: Callable[[], None] = _nothing
) -> Sheet | None:
    """The header row and the rows below it, or None when no header row is found early on."""
    it = iter(lines)
    positions: dict[int, Column] | None = None
    headers: dict[str, str] = {}
    ignored: list[str] = []
    header_line = 0
    for header_line, values in it:
        if header_line > HEADER_SEARCH_ROWS:
            return None
        if all(_blank(v) for v in values):
            continue
        found = _map_header(values)
        if len(found[0]) >= MIN_HEADER_MATCHES:
            positions, headers, ignored = found
            break
    if positions is None:
        return None
    missing = [BY_KEY[key].header for key in REQUIRED if key not in headers]
    if missing:
        raise FileProblem(
            _l(
                "Kolom wajib tidak ditemukan: %(columns)s. Gunakan templat dari halaman impor.",
                columns=", ".join(missing),
            )
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    width = max(positions) + 1
    blank_run = 0
    stopped_at = None
    for line, values in it:
        tick()
        cells = {
            positions[i].key: values[i]
            for i in range(min(width, len(values)))
            if i in positions and not _blank(values[i])
        }
        if not cells:
            blank_run += 1
            if blank_run >= BLANK_RUN:
                stopped_at = line - BLANK_RUN + 1
                break
            continue
        blank_run = 0
        if len(rows) >= MAX_ROWS:
            raise FileProblem(
                _l(
                    "Berkas berisi lebih dari %(n)s baris peserta. Bagi menjadi beberapa berkas.",
                    n=count(MAX_ROWS),
                )
            )
        if line - header_line > MAX_LINES:
            raise FileProblem(
                _l(
                    "Berkas terlalu panjang: lebih dari %(n)s baris di bawah judul kolom (baris "
                    "kosong ikut dihitung). Hapus baris kosong atau bagi menjadi beberapa berkas.",
                    n=count(MAX_LINES),
                )
            )
        rows.append((line, cells))
    return Sheet(headers=headers, rows=rows, ignored=ignored, stopped_at=stopped_at)


def _xlsx_lines(worksheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    # Read-only sheets yield every row from the first, empty ones included: line = position.
    # Only the first MAX_COLUMNS columns: a sheet that claims 16.384 would give tuples that wide.
    rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    yield from enumerate(rows, start=1)


def _unreadable() -> Any:
    return _l("Berkas tidak dapat dibaca sebagai Excel (.xlsx). Simpan ulang sebagai .xlsx.")


def _check_unpacked_size(content: bytes) -> None:
    """Refuse a zip that would unpack to far more than any participant list (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(_unreadable()) from exc
    if unpacked > MAX_UNPACKED:
        raise FileProblem(_l("Isi berkas Excel terlalu besar. Bagi menjadi beberapa berkas."))


def read_xlsx(content: bytes, tick: Callable[[], None] = _nothing) -> Sheet:
    from openpyxl import load_workbook

    _check_unpacked_size(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever an untrusted file makes openpyxl raise
        raise FileProblem(_unreadable()) from exc
    try:
        for worksheet in book.worksheets:
            try:
                sheet = _sheet(_xlsx_lines(worksheet), tick)
            except FileProblem:
                raise
            except Exception as exc:  # noqa: BLE001 - a damaged sheet is the file's problem
                message = _l("Sebagian isi berkas Excel rusak dan tidak dapat dibaca.")
                raise FileProblem(message) from exc
            if sheet is not None:
                return sheet
    finally:
        book.close()
    raise FileProblem(_no_header())


def _no_header() -> Any:
    return _l(
        "Baris judul kolom (NIK, Nama, Tanggal lahir, …) tidak ditemukan. Gunakan templat dari "
        "halaman impor."
    )


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(content: bytes, tick: Callable[[], None] = _nothing) -> Sheet:
    text = _decode(content).replace("\x00", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))

    def lines() -> Iterator[tuple[int, tuple[Any, ...]]]:
        start = 1
        try:
            for values in reader:
                yield start, tuple(csv_restore(v) for v in values)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise FileProblem(
                _l("Baris %(line)s berkas CSV tidak dapat dibaca (tanda kutip?).", line=start)
            ) from exc

    sheet = _sheet(lines(), tick)
    if sheet is None:
        raise FileProblem(_no_header())
    return sheet


def read(content: bytes, file_format: str, tick: Callable[[], None] = _nothing) -> Sheet:
    if file_format == "xlsx":
        return read_xlsx(content, tick)
    if file_format == "csv":
        return read_csv(content, tick)
    raise FileProblem(_l("Format berkas tidak dikenal."))


def to_data(cells: dict[str, Any]) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """One row → (validator input, the ``Lunas sampai`` month or None, conversion errors)."""
    data: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    paid_through = None
    for column in COLUMNS:
        raw = cells.get(column.key)
        try:
            value = column.convert(raw)
        except FieldError as exc:
            errors[column.key] = exc.message
            continue
        if column.key == "jht":
            data["programs"] = ["JKK", "JKM", "JHT"] if value else ["JKK", "JKM"]
        elif column.key == "paid_through":
            paid_through = value
        elif value is not None:
            data[column.key] = value
    return data, paid_through, errors
