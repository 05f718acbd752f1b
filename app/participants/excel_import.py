"""The participant import itself, run by the job: read, check every row, then write in chunks.

1. Read the file (``excel_read``): a problem with the whole file rejects the import.
2. Check every row in Python with the register form's own validator
   (``validation.clean_participant``) and the same duplicate messages; duplicates against the coop
   come from one query that loads its NIKs and KPJs, duplicates within the file from a dict.
   An optional ``Lunas sampai`` becomes an opening balance (``set_opening_balance``), not a payment.
3. All-or-nothing (the default): any bad row rejects the import and nothing is written.
   Only-good-rows: the good rows are written, the bad ones reported.
4. Write the good rows in chunks of ``CHUNK``, one flush per chunk inside a savepoint: a NIK or KPJ
   registered at the counter meanwhile fails its chunk, the rows that collided are reported and the
   rest of the chunk is written again.

Limits, said to the user in plain words: one import runs per coop at a time (an advisory lock held
for the job's transaction; ``imports.start_import`` refuses a second upload meanwhile), at most
``imports.TIME_LIMIT`` seconds for reading, checking and writing (then nothing is saved), and the
reading limits of ``excel_read`` (rows, lines, a long run of blank rows ends the reading).

Everything happens in the job's transaction, which the job wrapper commits together with the
job's "done"; the import's row stays locked (``FOR UPDATE``) until then, so a second run of the
same import (a retry racing a slow first attempt) waits and then finds it finished. While it runs
the status page reads the job record's status and progress (written in short transactions of
their own by ``app.jobs.report_progress``). With all-or-nothing the rows go in under a savepoint
that is rolled back if a duplicate turns up while writing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import jobs
from app.dues import Period
from app.formatting import number
from app.participants import excel_read, imports, services, validation
from app.participants.coverage_state import (
    CoverageStateError,
    horizon,
    init_state,
    set_opening_balance,
)
from app.participants.excel_columns import BY_KEY, COLUMNS
from app.participants.excel_outcome import Good, Outcome, TooSlow, deadline, stopped
from app.participants.imports_model import (
    ALL_OR_NOTHING,
    DONE,
    REJECTED,
    ParticipantImport,
)
from app.participants.models import Participant
from tenants import audit
from tenants.context import require_tenant
from tenants.db import db, new_id, utcnow

CHUNK = 1000
_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}


# --- building one participant (the register service's steps, without its per-row queries) -------


def build(values: dict[str, Any], paid_through: Period | None, as_of: dt.date) -> Participant:
    """A new participant from checked values; CoverageStateError for an impossible opening."""
    p = Participant(id=new_id(), registered_on=as_of)
    services.assign(p, values)  # exactly what register() assigns
    init_state(p, Period.of(as_of))
    if paid_through is not None:
        start = min(paid_through, Period.of(as_of))
        set_opening_balance(p, start, paid_through, as_of)
    return p


def _too_far() -> Any:
    """``set_opening_balance``'s rule for a month up to now or ahead: 12 months ahead at most."""
    return _l("Lunas sampai paling jauh 12 bulan setelah bulan ini.")


def _duplicate(key: str) -> Any:
    """The register form's own words for a NIK or KPJ already in the coop."""
    return services.DuplicateParticipant(key, uuid.UUID(int=0), "").message


# --- checking -----------------------------------------------------------------------------------


def _existing() -> tuple[set[str], set[str]]:
    """The coop's NIKs and KPJs, in one query."""
    niks: set[str] = set()
    kpjs: set[str] = set()
    for nik, kpj in db.session.execute(sa.select(Participant.nik, Participant.kpj)):
        niks.add(nik)
        if kpj:
            kpjs.add(kpj)
    return niks, kpjs


def _column_of(field_name: str) -> str:
    return "jht" if field_name == "programs" else field_name


def check(sheet: excel_read.Sheet, as_of: dt.date, outcome: Outcome,
          progress: Callable[[int], None], tick: Callable[[], None] = lambda: None) -> None:
    niks, kpjs = _existing()
    seen: dict[str, dict[str, int]] = {"nik": {}, "kpj": {}}
    taken = {"nik": niks, "kpj": kpjs}
    for i, (line, cells) in enumerate(sheet.rows, start=1):
        tick()
        data, paid_through, problems = excel_read.to_data(cells)
        values, errors = validation.clean_participant(data, as_of)
        for key, message in errors.items():
            problems.setdefault(_column_of(key), message)
        for key in ("nik", "kpj"):
            value = values.get(key)
            if not value or key in problems:
                continue
            if value in taken[key]:
                problems[key] = _duplicate(key)
            elif value in seen[key]:
                problems[key] = _l(
                    "%(field)s ini sama dengan baris %(line)s dalam berkas ini.",
                    field=BY_KEY[key].header, line=seen[key][value],
                )
            else:
                seen[key][value] = line
        participant = None
        if paid_through is not None and paid_through.index > horizon(as_of):
            problems["paid_through"] = _too_far()  # said now, with the row's other problems
        if not problems:
            try:
                participant = build(values, paid_through, as_of)
            except CoverageStateError:
                problems["paid_through"] = _too_far()
        if problems:
            for key in sorted(problems, key=lambda k: _ORDER.get(k, 99)):
                outcome.add(line, key, problems[key])
        else:
            outcome.good.append(Good(line, values, paid_through, participant))
        progress(i)


# --- writing --------------------------------------------------------------------------------------


def _chunks(items: list[Good], size: int) -> Iterator[list[Good]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _audit_create(p: Participant, record: ParticipantImport) -> None:
    audit.record(
        "participant.create",
        actor_user_id=record.created_by,
        actor=record.created_by_label,
        target=f"participant:{p.id}",
        nik_masked=validation.mask_number(p.nik),
        sponsored=False,
        source="import",
        import_id=str(record.id),
    )


def _collisions(rows: list[Good]) -> dict[int, str]:
    """Rows whose NIK or KPJ exists in the coop now (registered while the import ran)."""
    niks = [g.values["nik"] for g in rows]
    kpjs = [g.values["kpj"] for g in rows if g.values.get("kpj")]
    found_nik = set(db.session.scalars(sa.select(Participant.nik).where(Participant.nik.in_(niks))))
    found_kpj = set(
        db.session.scalars(sa.select(Participant.kpj).where(Participant.kpj.in_(kpjs)))
    ) if kpjs else set()
    out: dict[int, str] = {}
    for g in rows:
        if g.values["nik"] in found_nik:
            out[g.line] = "nik"
        elif g.values.get("kpj") and g.values["kpj"] in found_kpj:
            out[g.line] = "kpj"
    return out


def write(record: ParticipantImport, outcome: Outcome, progress: Callable[[int], None],
          tick: Callable[[], None] = lambda: None) -> None:
    for chunk in _chunks(outcome.good, CHUNK):
        rows = chunk
        while rows:
            tick()
            for g in rows:
                if g.participant is None:
                    g.participant = build(g.values, g.paid_through, record.as_of)
            try:
                with db.session.begin_nested():
                    db.session.add_all([g.participant for g in rows])
                    for g in rows:
                        _audit_create(g.participant, record)  # type: ignore[arg-type]
                    db.session.flush()
            except IntegrityError:
                collided = _collisions(rows)
                if not collided:
                    raise
                for g in rows:
                    g.participant = None
                    key = collided.get(g.line)
                    if key:
                        outcome.add(g.line, key, _duplicate(key))
                rows = [g for g in rows if g.line not in collided]
                continue
            outcome.written += len(rows)
            progress(outcome.written)
            rows = []


# --- the job --------------------------------------------------------------------------------------


def _load(
    import_id: uuid.UUID, lock: bool = False, content: bool = False
) -> ParticipantImport | None:
    query = sa.select(ParticipantImport).where(ParticipantImport.id == import_id)
    if not content:
        query = query.options(sa.orm.defer(ParticipantImport.content))
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


def _finish(import_id: uuid.UUID, outcome: Outcome, status: str) -> dict[str, Any]:
    record = _load(import_id)
    assert record is not None
    record.status = status
    record.total_rows = outcome.total
    record.imported_count = outcome.written if status == DONE else 0
    record.error_rows = len(outcome.bad_lines) if outcome.total else 0
    record.errors = outcome.errors
    record.errors_truncated = outcome.truncated
    record.ignored_columns = outcome.ignored
    record.content = None  # the outcome stays; the copy of the members' data goes
    record.finished_at = utcnow()
    audit.record(
        "participants.import",
        actor_user_id=record.created_by,
        actor=record.created_by_label,
        target=f"participant_import:{record.id}",
        status=status,
        mode=record.mode,
        rows=record.total_rows,
        imported=record.imported_count,
        bad_rows=record.error_rows,
        file_format=record.file_format,
    )
    rows = max(outcome.total, 1)
    jobs.report_progress(rows, rows, _("Selesai."))
    return summary(record)


def summary(record: ParticipantImport) -> dict[str, Any]:
    return {
        "id": str(record.id),
        "status": record.status,
        "rows": record.total_rows,
        "imported": record.imported_count,
        "bad_rows": record.error_rows,
    }


def run(import_id: uuid.UUID) -> dict[str, Any]:
    """Import the stored file of ``import_id`` (current coop); safe to run again after a failure."""
    require_tenant()
    record = _load(import_id, lock=True, content=True)
    if record is None:
        raise jobs.JobError(_("Data impor tidak ditemukan."))
    if record.finished:
        return summary(record)
    if record.content is None:
        raise jobs.JobError(_("Berkas impor sudah tidak tersimpan. Unggah lagi."))
    if not imports.coop_lock(imports.RUN_LOCK, wait=False):
        raise jobs.JobError(
            _("Impor lain sedang berjalan di koperasi ini. Coba lagi setelah impor itu selesai.")
        )
    tick = deadline(imports.TIME_LIMIT)
    record.started_at = utcnow()
    content, file_format, mode, as_of = (
        record.content, record.file_format, record.mode, record.as_of
    )

    outcome = Outcome()
    jobs.report_progress(0, 0, _("Membaca berkas…"))
    try:
        sheet = excel_read.read(content, file_format, tick)
        if sheet.stopped_at is not None:
            outcome.note(stopped(sheet.stopped_at))
        if not sheet.rows:
            raise excel_read.FileProblem(_l("Tidak ada baris peserta di bawah judul kolom."))
    except excel_read.FileProblem as exc:
        outcome.fail(exc.message)
        return _finish(import_id, outcome, REJECTED)
    del content
    outcome.total = len(sheet.rows)
    outcome.headers = sheet.headers
    outcome.ignored = sheet.ignored
    total = outcome.total

    def checking(done: int) -> None:
        jobs.report_progress(
            done, total,
            _("Memeriksa baris %(done)s dari %(total)s", done=number(done), total=number(total)),
        )

    try:
        check(sheet, as_of, outcome, checking, tick)
    except TooSlow as exc:
        outcome.fail(exc.message)
        return _finish(import_id, outcome, REJECTED)
    if mode == ALL_OR_NOTHING and outcome.bad_lines:
        return _finish(import_id, outcome, REJECTED)

    good = len(outcome.good)

    def writing(done: int) -> None:
        jobs.report_progress(
            done, good,
            _("Menyimpan peserta %(done)s dari %(total)s", done=number(done), total=number(good)),
        )

    record = _load(import_id)
    assert record is not None
    everything = db.session.begin_nested()
    try:
        write(record, outcome, writing, tick)
    except TooSlow as exc:
        everything.rollback()
        outcome.fail(exc.message)
        return _finish(import_id, outcome, REJECTED)
    if mode == ALL_OR_NOTHING and outcome.bad_lines:
        # a NIK registered at the counter while this ran: all or nothing means nothing
        everything.rollback()
        outcome.written = 0
        return _finish(import_id, outcome, REJECTED)
    everything.commit()
    return _finish(import_id, outcome, DONE)
