"""A real worker process's log: a failing job's arguments and traceback carry no secrets."""

from __future__ import annotations

import os

from app import jobs
from tenants.context import tenant_context
from tenants.db import db
from tests.jobs import tasks
from tests.jobs.conftest import log_lines

NIK = "3201234567890002"
PHONE = "+6281234567890"


def test_worker_log_masks_a_failed_jobs_arguments_and_traceback(ctx, make_tenant, procs) -> None:
    coop = make_tenant()
    # The marker travels as the job's argument; RQ logs the arguments of a failed job as extra
    # fields of its error line, and the traceback in its message.
    marker = f"boom-{os.urandom(4).hex()}-{NIK}-{PHONE}"
    with tenant_context(coop):
        jobs.enqueue(tasks.boom, marker, tenant_id=coop.id, title="Gagal dengan data pribadi")
        db.session.commit()
    db.remove()
    out = procs.burst()
    failed = [line for line in log_lines(out) if "arguments" in line]
    assert failed, out  # the error line with the job's arguments is there ...
    assert "3201********0002" in str(failed[0]["arguments"])  # ... masked
    assert "Traceback" in out and "3201234567890001" not in out  # boom's own NIK, in the traceback
    for secret in (NIK, PHONE, "81234567890"):
        assert secret not in out, secret
