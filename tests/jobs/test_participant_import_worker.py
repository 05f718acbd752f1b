"""The Excel import job on a real worker process (``python -m worker``), through Redis, as the
application role: the stored file becomes participants, the job record and the import say done.
The other import tests run the same job in-process; this one proves the worker path."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.auth import services as auth
from app.participants import imports
from app.participants.imports_model import ParticipantImport
from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db
from tests.jobs.conftest import log_lines, run_of
from tests.participants.excel_support import row, xlsx


def test_an_excel_import_runs_on_a_real_worker(ctx, make_tenant, procs) -> None:
    coop, other = make_tenant(), make_tenant()
    rows = [row(Nama="Ahmad Nelayan"), row(Nama="Siti Pedagang", **{"Jenis kelamin (L/P)": "L"}),
            row(NIK="123", Nama="Salah")]
    with tenant_context(coop):
        record = imports.start_import("peserta.xlsx", xlsx(rows), "good_only", auth.SYSTEM,
                                      today=dt.date(2026, 11, 10))
        import_id, job_id = record.id, record.job_id
        db.session.commit()
    db.remove()
    assert job_id

    out = procs.burst()

    assert any(line.get("job") == job_id and line.get("tenant") == coop.slug
               for line in log_lines(out))
    run = run_of(coop, job_id)
    assert run is not None and run.status == "done" and run.attempts == 1
    assert run.progress_done == run.progress_total == 3  # rows, not steps
    with tenant_context(coop):
        saved = db.session.get(ParticipantImport, (coop.id, import_id))
        assert saved is not None
        assert (saved.status, saved.total_rows, saved.imported_count, saved.error_rows) == (
            "done", 3, 2, 1)
        assert saved.content is None and [e["line"] for e in saved.errors] == [4]
        people = db.session.execute(
            sa.select(Participant.name, Participant.nik, Participant.registered_on)
            .order_by(Participant.name)
        ).all()
        db.session.rollback()
    db.remove()
    assert [(p.name, p.nik) for p in people] == [
        ("Ahmad Nelayan", rows[0]["NIK"]), ("Siti Pedagang", rows[1]["NIK"])]
    assert {p.registered_on for p in people} == {dt.date(2026, 11, 10)}
    with tenant_context(other):  # the job wrote in its own coop only
        assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 0
        db.session.rollback()
    db.remove()
