"""Participant imports: start one (store the file, queue the job), find one, read its errors.

``start_import`` works in the caller's transaction and leaves committing to the caller; the job is
queued through ``app.jobs.enqueue`` and so starts only once that transaction commits (in-process
mode: right after the commit, and the caller waits for it). The job (``tasks.import_participants``)
takes the record's id and does the work in ``excel_import.run``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app import clock, jobs
from app.auth.services import Actor
from app.jobrecords import ACTIVE, JobRun
from app.participants import tasks
from app.participants.imports_model import FORMATS, MODES, QUEUED, ParticipantImport
from app.participants.services import parse_id
from tenants.context import require_tenant
from tenants.db import db

MAX_ERRORS = 20_000  # entries kept; the counts stay exact beyond it
TIME_LIMIT = 300  # seconds an import may read, check and write before it stops (nothing saved)
JOB_TIMEOUT = TIME_LIMIT + 120  # RQ's kill, only if the import's own limit did not stop it
# Advisory lock keys (with the coop's hash): one upload deciding at a time; one import running.
START_LOCK, RUN_LOCK = 74_001, 74_002


class UploadRefused(ValueError):
    """The upload cannot become an import; ``message`` is for people (lazy)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# --- messages kept as msgids, so the error list reads in the viewer's language ------------------


def freeze(message: Any) -> dict[str, Any]:
    """A (lazy) message as JSON: its msgid and arguments, or plain text."""
    if (
        isinstance(message, LazyString)
        and len(message._args) == 1  # noqa: SLF001 - flask-babel keeps the msgid there
        and isinstance(message._args[0], str)  # noqa: SLF001
    ):
        args = {
            key: value if isinstance(value, int | float) and not isinstance(value, bool)
            else str(value)
            for key, value in message._kwargs.items()  # noqa: SLF001
        }
        return {"msg": message._args[0], "args": args}  # noqa: SLF001
    return {"text": str(message)}


def thaw(entry: dict[str, Any]) -> str:
    """The message of a frozen entry in the current language."""
    msgid = entry.get("msg")
    if not msgid:
        return str(entry.get("text", ""))
    args = entry.get("args") or {}
    try:
        return _(msgid, **args) if args else _(msgid)
    except (KeyError, ValueError, TypeError):
        return msgid


def error_entry(line: int, column: str, field: str, message: Any) -> dict[str, Any]:
    return {"line": line, "col": column, "field": field, **freeze(message)}


def note_entry(message: Any) -> dict[str, Any]:
    """Something the reader should know that is not an error (e.g. where reading stopped)."""
    return {"line": 0, "col": "", "field": "", "note": True, **freeze(message)}


@dataclass(frozen=True)
class ErrorRow:
    line: int  # 0: the file as a whole
    column: str
    message: str


def error_rows(record: ParticipantImport) -> list[ErrorRow]:
    return [
        ErrorRow(int(e.get("line") or 0), str(e.get("col") or ""), thaw(e))
        for e in record.errors or []
        if not e.get("note")
    ]


def notes(record: ParticipantImport) -> list[str]:
    return [thaw(e) for e in record.errors or [] if e.get("note")]


# --- one import at a time per coop ----------------------------------------------------------------


def coop_lock(key: int, *, wait: bool) -> bool:
    """Take this coop's transaction-level advisory lock ``key`` (PostgreSQL; SQLite has one writer
    anyway). ``wait=False``: only if free, saying whether it was taken."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    lock = sa.func.pg_advisory_xact_lock if wait else sa.func.pg_try_advisory_xact_lock
    taken = db.session.scalar(sa.select(lock(key, sa.func.hashtext(str(require_tenant().id)))))
    return wait or bool(taken)


def running_import() -> ParticipantImport | None:
    """This coop's import that is waiting or running (its job queued or running), if any."""
    query = (
        sa.select(ParticipantImport)
        .options(sa.orm.defer(ParticipantImport.content), sa.orm.defer(ParticipantImport.errors))
        .join(JobRun, JobRun.rq_id == ParticipantImport.job_id)
        .where(ParticipantImport.status == QUEUED, JobRun.status.in_(ACTIVE))
        .order_by(ParticipantImport.created_at)
        .limit(1)
    )
    return db.session.scalar(query)


# --- the upload -----------------------------------------------------------------------------------


def clean_filename(name: str | None) -> str:
    """The file's own name (no folders, no control characters), at most 200 characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[-200:] or "peserta"


def detect_format(filename: str, content: bytes) -> str:
    """``xlsx`` or ``csv`` from the content (the name only breaks a tie); UploadRefused else."""
    lower = filename.lower()
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) and not lower.endswith(".xlsx"):
        return "csv"  # UTF-16 text, as Excel saves "Unicode text"
    if content.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise UploadRefused(
            _l("Format .xls (Excel lama) tidak didukung. Simpan sebagai .xlsx lalu unggah lagi.")
        )
    if lower.endswith((".csv", ".txt")) or not re.search(rb"[\x00-\x08\x0e-\x1f]", content[:4096]):
        if lower.endswith(".xlsx"):
            raise UploadRefused(_l("Berkas ini bukan Excel (.xlsx) yang utuh."))
        return "csv"
    raise UploadRefused(_l("Unggah berkas Excel (.xlsx) atau CSV."))


def start_import(
    filename: str | None,
    content: bytes,
    mode: str,
    actor: Actor,
    *,
    today: dt.date | None = None,
) -> ParticipantImport:
    """Store the file and queue its import (after the caller commits); UploadRefused if unusable."""
    if mode not in MODES:
        raise UploadRefused(_l("Pilih cara impor."))
    if not content:
        raise UploadRefused(_l("Berkas kosong. Pilih berkas Excel (.xlsx) atau CSV."))
    name = clean_filename(filename)
    file_format = detect_format(name, content)
    assert file_format in FORMATS
    coop_lock(START_LOCK, wait=True)  # until the caller commits: two uploads cannot both pass
    busy = running_import()
    if busy is not None:
        raise UploadRefused(
            _l(
                "Impor lain (%(name)s) masih berjalan. Satu koperasi hanya menjalankan satu impor "
                "pada satu waktu: tunggu sampai selesai, lalu unggah lagi.",
                name=busy.filename,
            )
        )
    record = ParticipantImport(
        status=QUEUED,
        mode=mode,
        filename=name,
        file_format=file_format,
        size_bytes=len(content),
        content=content,
        as_of=today or clock.today(),
        created_by=actor.user_id,
        created_by_label=actor.label[:200],
        errors=[],
        ignored_columns=[],
    )
    db.session.add(record)
    db.session.flush()
    title = (
        "Impor peserta dari Excel" if file_format == "xlsx" else "Impor peserta dari CSV"
    )
    record.job_id = jobs.enqueue(
        tasks.import_participants, record.id, tenant_id=require_tenant().id, title=title,
        timeout=JOB_TIMEOUT,
    )
    return record


def get_import(import_id: uuid.UUID | str) -> ParticipantImport | None:
    """This coop's import, or None (unknown, malformed or another coop's → 404)."""
    iid = parse_id(import_id)
    if iid is None:
        return None
    return db.session.get(ParticipantImport, (require_tenant().id, iid))


def recent_imports(limit: int = 10) -> list[ParticipantImport]:
    query = (
        sa.select(ParticipantImport)
        .options(sa.orm.defer(ParticipantImport.content), sa.orm.defer(ParticipantImport.errors))
        .order_by(ParticipantImport.created_at.desc(), ParticipantImport.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
