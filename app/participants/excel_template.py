"""The import template (.xlsx) and the downloadable error list of an import.

The template has two sheets: "Peserta" with the header row (the import's file format, the same in
every language), number-like and date columns formatted as Text (so Excel neither drops a leading
zero nor rounds a 16-digit NIK nor reads 05-06 as 6 May), and drop-down lists where a column has
fixed choices; and "Petunjuk" with what each column takes.
"""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _

from app.dues import Period, load_rules
from app.participants import imports
from app.participants.excel_columns import COLUMNS
from app.participants.excel_export import xlsx_bytes
from app.participants.imports_model import ParticipantImport

DATA_ROWS = 5000  # rows with drop-down lists (more can be typed below)

CHOICES = {
    "sex": ("L", "P"),
    "sector": (
        "Perikanan/Nelayan", "Pertanian", "Perdagangan", "Transportasi", "Buruh/Pekerja harian",
        "Jasa", "Lainnya",
    ),
    "jht": ("ya", "tidak"),
    "coop_role": ("Pengurus", "Pengawas", "Anggota", "Bukan anggota"),
    "preferred_channel": ("WhatsApp", "SMS", "Email"),
    "whatsapp_consent": ("ya", "tidak"),
}


def template_bytes(period: Period) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Peserta"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    levels = tuple(str(v) for v in load_rules().income_levels(period))
    choices = {**CHOICES, "declared_income": levels}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        width = max(len(column.header) + 2, 14)
        sheet.column_dimensions[letter].width = width
        cells = f"{letter}2:{letter}{DATA_ROWS + 1}"
        if column.text_format:
            # a column style: what Excel itself stores when a whole column is formatted
            sheet.column_dimensions[letter].number_format = "@"
        options = choices.get(column.key)
        if options:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
            )
            validation.error = _("Pilih dari daftar.")
            validation.showErrorMessage = False  # a warning only: other spellings are accepted
            sheet.add_data_validation(validation)
            validation.add(cells)
    sheet.freeze_panes = "A2"

    guide = book.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 80
    guide.column_dimensions["D"].width = 22
    lines = [
        _("Cara mengisi templat impor peserta"),
        _("1. Isi satu peserta per baris di lembar “Peserta”, mulai baris 2. "
          "Jangan mengubah baris judul."),
        _("2. Kolom berwarna kuning wajib diisi; kolom lain boleh kosong."),
        _("3. NIK, No. KK, No. HP, KPJ dan tanggal sudah berformat Teks: ketik apa adanya."),
        _("4. Simpan sebagai .xlsx (atau CSV), lalu unggah di halaman Impor peserta."),
        _("5. Pilih “semua atau tidak sama sekali” (bawaan) atau “hanya baris yang "
          "benar”. Setiap baris yang salah dilaporkan dengan nomor barisnya."),
    ]
    for line in lines:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([])
    guide.append([_("Kolom"), _("Wajib"), _("Keterangan"), _("Contoh")])
    for cell in guide[guide.max_row]:
        cell.font = bold
    wrap = Alignment(wrap_text=True, vertical="top")
    for column in COLUMNS:
        guide.append([
            column.header, _("ya") if column.required else _("tidak"), str(column.help),
            column.example,
        ])
        for cell in guide[guide.max_row]:
            cell.alignment = wrap
            cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def errors_bytes(record: ParticipantImport) -> bytes:
    """The import's error list: line, column, message (in the reader's language)."""
    body: list[list[Any]] = [
        [row.line if row.line else "–", row.column or _("Berkas"), row.message]
        for row in imports.error_rows(record)
    ]
    return xlsx_bytes(
        _("Kesalahan"), [_("Baris"), _("Kolom"), _("Kesalahan")], body, (8, 28, 90)
    )
