"""Excel in and out, under ``/<tenant-slug>/participants/excel``: the import form and template,
an import's status page (progress and errors) with its error list as XLSX, and the participant
export (XLSX/CSV, masked; full only for ``export.full``). Routes only: the work is in ``imports``,
``excel_import`` (the job), ``excel_export`` and ``excel_template``. Another coop's import (or a
malformed id) is a 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from app import clock, jobrecords
from app.auth.access import actor_from_request, requires
from app.auth.services import can
from app.dues import Period
from app.participants import excel_export, excel_template, imports
from app.participants.excel_read import MAX_ROWS
from app.participants.imports_model import (
    ALL_OR_NOTHING,
    DONE,
    GOOD_ONLY,
    REJECTED,
    ParticipantImport,
)
from tenants.db import db

bp = Blueprint(
    "participant_excel",
    __name__,
    url_prefix="/<tenant_slug>/participants/excel",
    template_folder="templates",
)

ERRORS_SHOWN = 200


class ImportForm(FlaskForm):
    file = FileField(
        _l("Berkas Excel (.xlsx) atau CSV"),
        render_kw={"accept": ".xlsx,.csv,application/vnd.openxmlformats-officedocument"
                             ".spreadsheetml.sheet,text/csv"},
    )
    mode = RadioField(
        _l("Bila ada baris yang salah"),
        choices=[
            SelectChoice(
                ALL_OR_NOTHING, _l("Jangan simpan apa pun (semua atau tidak sama sekali)")
            ),
            SelectChoice(GOOD_ONLY, _l("Simpan baris yang benar saja, laporkan yang salah")),
        ],
        default=ALL_OR_NOTHING,
    )


def _load(import_id: uuid.UUID) -> ParticipantImport:
    record = imports.get_import(import_id)
    if record is None:
        abort(404)
    return record


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def status_text(record: ParticipantImport, run: jobrecords.RunView | None) -> str:
    if record.status == DONE:
        return _("Selesai")
    if record.status == REJECTED:
        return _("Ditolak: tidak ada yang disimpan")
    if run is not None and run.status == jobrecords.FAILED:
        return _("Gagal")
    if run is not None and run.status == jobrecords.RUNNING:
        return _("Sedang berjalan")
    return _("Menunggu")


def can_export_full() -> bool:
    """For the export buttons on the participant list (``_export_links.html``)."""
    return can(current_user, "export.full")


bp.add_app_template_global(can_export_full, "can_export_full")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "mode_labels": {
            ALL_OR_NOTHING: _("Semua atau tidak sama sekali"),
            GOOD_ONLY: _("Hanya baris yang benar"),
        },
        "status_text": status_text,
    }


def _render_upload(form: ImportForm, status: int = 200):  # type: ignore[no-untyped-def]
    return render_template(
        "participants/excel/upload.html",
        form=form,
        recent=imports.recent_imports(),
        max_rows=f"{MAX_ROWS:,}".replace(",", "."),
    ), status


@bp.get("/import")
@requires("participants.write")
def upload_form():  # type: ignore[no-untyped-def]
    return _render_upload(ImportForm(formdata=None))


@bp.post("/import")
@requires("participants.write")
def upload():  # type: ignore[no-untyped-def]
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_upload(form, 400 if form.csrf_token.errors else 422)
    storage = form.file.data
    if storage is None or not getattr(storage, "filename", ""):
        form.file.errors = [_("Pilih berkas Excel (.xlsx) atau CSV.")]
        return _render_upload(form, 422)
    try:
        record = imports.start_import(
            storage.filename, storage.read(), form.mode.data or ALL_OR_NOTHING,
            actor_from_request(),
        )
        import_id = record.id
        db.session.commit()  # queues the job (in-process mode: runs it now)
    except imports.UploadRefused as exc:
        db.session.rollback()
        form.file.errors = [exc.message]
        return _render_upload(form, 422)
    return redirect(url_for("participant_excel.status", import_id=import_id))


@bp.get("/template.xlsx")
@requires("participants.write")
def template():  # type: ignore[no-untyped-def]
    body = excel_template.template_bytes(Period.of(clock.today()))
    return _attachment(body, excel_export.MIMETYPES["xlsx"], "templat-impor-peserta.xlsx")


@bp.get("/imports/<uuid:import_id>")
@requires("read")
def status(import_id: uuid.UUID):  # type: ignore[no-untyped-def]
    record = _load(import_id)
    run = jobrecords.get_run(record.job_id) if record.job_id else None
    errors = imports.error_rows(record)
    return render_template(
        "participants/excel/status.html",
        record=record,
        run=run,
        notes=imports.notes(record),
        errors=errors[:ERRORS_SHOWN],
        more_errors=max(len(errors) - ERRORS_SHOWN, 0),
        can_write=can(current_user, "participants.write"),
    )


@bp.get("/imports/<uuid:import_id>/errors.xlsx")
@requires("read")
def errors_file(import_id: uuid.UUID):  # type: ignore[no-untyped-def]
    record = _load(import_id)
    body = excel_template.errors_bytes(record)
    return _attachment(
        body, excel_export.MIMETYPES["xlsx"], f"kesalahan-impor-{record.created_at:%Y%m%d}.xlsx"
    )


@bp.get("/export.<file_format>")
@requires("read")
def export(file_format: str):  # type: ignore[no-untyped-def]
    if file_format not in excel_export.FORMATS:
        abort(404)
    full = request.args.get("full") == "1"
    if full and not can(current_user, "export.full"):
        abort(403)
    result = excel_export.export(
        file_format,
        excel_export.parse_filters(request.args),
        full=full,
        actor=actor_from_request(),
        today=clock.today(),
    )
    db.session.commit()  # the audit event is written before the file leaves
    return _attachment(result.body, result.mimetype, result.filename)
