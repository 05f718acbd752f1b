"""The coop's jobs: the admin's page of running, failed and recent jobs, one job's page, its
progress as JSON (polled by progress.js) and the retry button for a failed job.

The list and retry are for admins (``jobs.manage``); one job's page and its progress are for any
staff of the coop, so a feature (an import, a sweep) can link its staff to its job. Another coop's
job is a 404 (the lookup runs in this coop only).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from babel.dates import format_datetime, format_timedelta
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import jobrecords, jobs
from app.auth.access import actor_from_request, requires
from app.auth.forms import EmptyForm
from app.auth.services import can
from app.formatting import number
from tenants.context import require_tenant
from tenants.db import db

bp = Blueprint("jobs", __name__, url_prefix="/<tenant_slug>/jobs", template_folder="templates")

_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _locale() -> str:
    loc = get_locale()
    return str(loc) if loc else "id"


def status_label(run: jobrecords.RunView) -> str:
    if run.retry_pending:
        return _("Menunggu dicoba lagi")
    return {
        jobrecords.QUEUED: _("Menunggu"),
        jobrecords.RUNNING: _("Sedang berjalan"),
        jobrecords.DONE: _("Selesai"),
        jobrecords.FAILED: _("Gagal"),
    }.get(run.status, run.status)


def error_text(run: jobrecords.RunView) -> str | None:
    """What went wrong, in plain words for the coop's admin."""
    code = run.error_code
    if code is None:
        return None
    if code == jobrecords.ERR_JOB:
        return run.error or _("Pekerjaan tidak dapat diselesaikan.")
    if code == jobrecords.ERR_TIMEOUT:
        return _(
            "Pekerjaan dihentikan karena melewati batas waktu %(seconds)s detik.",
            seconds=run.timeout,
        )
    if code == jobrecords.ERR_WORKER_DIED:
        return _("Proses yang menjalankan pekerjaan ini berhenti mendadak di tengah jalan.")
    if code == jobrecords.ERR_QUEUE_UNAVAILABLE:
        return _("Antrean pekerjaan tidak dapat dihubungi saat pekerjaan ini dibuat.")
    if code == jobrecords.ERR_LOST:
        return _("Pekerjaan ini hilang dari antrean (misalnya server antrean dimulai ulang).")
    return _(
        "Terjadi kesalahan sistem. Tim teknis dapat menelusurinya dengan kode %(code)s.",
        code=run.rq_id,
    )


def when(value: dt.datetime | None) -> str:
    """A moment in the coop's own time zone: ``25 Nov 2026 07.00``."""
    if value is None:
        return "–"
    zone = zoneinfo.ZoneInfo(require_tenant().timezone)
    return format_datetime(value, "d MMM y HH.mm", tzinfo=zone, locale=_locale())


def how_long(run: jobrecords.RunView) -> str:
    duration = run.duration
    if duration is None:
        return "–"
    if duration < dt.timedelta(seconds=1):
        return _("kurang dari 1 detik")
    return format_timedelta(duration, threshold=1.5, locale=_locale())


def job_title(title: str) -> str:
    """A stored job title (Indonesian, as the code that queued it wrote it) in the reader's words.

    Titles are kept as written; the known ones are translated here, a dated one keeps its date.
    """
    if title == "Impor peserta dari Excel":
        return _("Impor peserta dari Excel")
    if title == "Impor peserta dari CSV":
        return _("Impor peserta dari CSV")
    head, _sep, date = title.rpartition(", ")
    if head == "Perawatan harian catatan pekerjaan":
        return _("Perawatan harian catatan pekerjaan, %(date)s", date=date)
    if head == "Hapus kunci idempotensi lama":
        return _("Hapus kunci idempotensi lama, %(date)s", date=date)
    return title


def progress_payload(run: jobrecords.RunView) -> dict[str, Any]:
    return {
        "id": run.rq_id,
        "title": job_title(run.title),
        "status": run.status,
        "label": status_label(run),
        "done": run.progress_done,
        "total": run.progress_total,
        "count": (
            f"{number(run.progress_done)} / {number(run.progress_total)}"
            if run.progress_total else ""
        ),
        "percent": run.percent,
        "message": run.progress_message,
        "error": error_text(run),
        "finished": run.finished,
        "attempts": run.attempts,
    }


# Globals (not context) so that ``_progress.html``'s macro works when imported without context.
bp.add_app_template_global(status_label, "job_status_label")
bp.add_app_template_global(error_text, "job_error_text")
bp.add_app_template_global(job_title, "job_title")


def _load(job_id: str) -> jobrecords.RunView:
    if not job_id or len(job_id) > 120 or not set(job_id) <= _ID_CHARS:
        abort(404)
    run = jobrecords.get_run(job_id)
    if run is None:
        abort(404)
    return run


@bp.context_processor
def _helpers() -> dict[str, Any]:
    """What both job pages use to show a run in plain words."""
    return {"status_label": status_label, "error_text": error_text, "when": when,
            "how_long": how_long}


@bp.get("/")
@requires("jobs.manage")
def index():  # type: ignore[no-untyped-def]
    return render_template(
        "jobs/index.html",
        overview=jobrecords.overview(),
        form=EmptyForm(),
    )


@bp.get("/<job_id>")
@requires("read")
def detail(job_id: str):  # type: ignore[no-untyped-def]
    run = _load(job_id)
    return render_template(
        "jobs/detail.html",
        run=run,
        can_manage=can(current_user, "jobs.manage"),
        form=EmptyForm(),
    )


@bp.get("/<job_id>/progress")
@requires("read")
def progress(job_id: str):  # type: ignore[no-untyped-def]
    response = jsonify(progress_payload(_load(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<job_id>/retry")
@requires("jobs.manage")
def retry(job_id: str):  # type: ignore[no-untyped-def]
    run = _load(job_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    actor = actor_from_request()
    if jobs.retry(
        run.rq_id, actor=actor.label, actor_user_id=actor.user_id, ip=actor.ip,
        request_id=actor.request_id,
    ):
        db.session.commit()
        flash(_("Pekerjaan dijadwalkan ulang."), "ok")
    else:
        db.session.rollback()
        flash(_("Hanya pekerjaan yang gagal yang dapat dicoba lagi."), "error")
    return redirect(url_for("jobs.detail", job_id=run.rq_id))
