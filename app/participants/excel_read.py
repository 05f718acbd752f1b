"""Reading an uploaded participant file (XLSX or CSV) into numbered rows of recognised cells.

``read(content, file_format)`` finds the header row (within the first rows of the first sheet that
has one), maps each header to a column (``excel_columns``), and returns every non-empty row below
it with its line number as the spreadsheet shows it. Problems with the file as a whole (not a
spreadsheet, no header row, a required column missing, too many rows) raise ``FileProblem``.
``to_data(cells)`` turns one row into the validator's input plus the cell errors of conversion.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from app.participants.csv_cells import csv_restore
from app.participants.excel_columns import BY_KEY, COLUMNS, REQUIRED, Column, column_for
from app.participants.identifiers import FieldError

MAX_ROWS = 25_000
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


def _sheet(lines: Iterable[tuple[int, tuple[Any, ...]]]) -> Sheet | None:
    """The header row and the rows below it, or None when no header row is found early on."""
    it = iter(lines)
    positions: dict[int, Column] | None = None
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for _line, values in it:
        if all(_blank(v) for v in values):
            continue
        found = _map_header(values)
        if len(found[0]) >= MIN_HEADER_MATCHES:
            positions, headers, ignored = found
            break
        if _line >= HEADER_SEARCH_ROWS:
            return None
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
    for line, values in it:
        cells = {
            positions[i].key: values[i]
            for i in range(min(width, len(values)))
            if i in positions and not _blank(values[i])
        }
        if not cells:
            continue
        if len(rows) >= MAX_ROWS:
            raise FileProblem(
                _l(
                    "Berkas berisi lebih dari %(n)s baris peserta. Bagi menjadi beberapa berkas.",
                    n=f"{MAX_ROWS:,}".replace(",", "."),
                )
            )
        rows.append((line, cells))
    return Sheet(headers=headers, rows=rows, ignored=ignored)


def _xlsx_lines(worksheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    # Read-only sheets yield every row from the first, empty ones included: line = position.
    yield from enumerate(worksheet.iter_rows(values_only=True), start=1)


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


def read_xlsx(content: bytes) -> Sheet:
    from openpyxl import load_workbook

    _check_unpacked_size(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - whatever an untrusted file makes openpyxl raise
        raise FileProblem(_unreadable()) from exc
    try:
        for worksheet in book.worksheets:
            try:
                sheet = _sheet(_xlsx_lines(worksheet))
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


def read_csv(content: bytes) -> Sheet:
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

    sheet = _sheet(lines())
    if sheet is None:
        raise FileProblem(_no_header())
    return sheet


def read(content: bytes, file_format: str) -> Sheet:
    if file_format == "xlsx":
        return read_xlsx(content)
    if file_format == "csv":
        return read_csv(content)
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
