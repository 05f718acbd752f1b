"""The coop's jobs pages and JSON progress: admin only for the list, 404 across coops."""

from __future__ import annotations

import datetime as dt
import os

from flask import Flask, render_template_string
from rq import Queue

from app import jobs
from app.jobrecords import JobRun
from tenants.context import tenant_context
from tenants.db import db, new_id
from tests.conftest import _csrf_from, login
from tests.jobs import tasks
from tests.jobs.conftest import audit_targets, run_of

UTC = dt.UTC


def _run(ref, title: str, status: str, **values) -> str:
    rq_id = f"{status}-{ref.slug}-{os.urandom(3).hex()}"
    with tenant_context(ref):
        db.session.add(JobRun(
            id=new_id(), rq_id=rq_id, func="tests.jobs.tasks.noop",
            payload={"args": [], "kwargs": {}}, title=title, queue="default", status=status,
            **{"timeout": 60, **values},
        ))
        db.session.commit()
    db.remove()
    return rq_id


def _admin(make_user, ref, role: str = "admin") -> str:
    email = f"{role}-{os.urandom(3).hex()}@example.id"
    make_user(ref, role, email=email)
    return email


def test_admin_sees_running_failed_and_recent_jobs(ctx, make_tenant, make_user, client) -> None:
    coop = make_tenant(timezone="Asia/Jakarta")
    started = dt.datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 07.30 in Jakarta
    _run(coop, "Impor peserta (berjalan)", "running", started_at=started,
         enqueued_at=started, progress_done=40, progress_total=100)
    _run(coop, "Impor peserta (menunggu)", "queued")
    failed = _run(coop, "Impor peserta (gagal)", "failed", error_code="job",
                  error="Berkas tidak dapat dibaca.", started_at=started,
                  ended_at=started + dt.timedelta(seconds=75))
    _run(coop, "Perawatan harian (macet)", "failed", error_code="timeout", timeout=600)
    _run(coop, "Perawatan harian", "done", started_at=started,
         ended_at=started + dt.timedelta(seconds=3))
    login(client, coop.slug, _admin(make_user, coop))

    page = client.get(f"/{coop.slug}/jobs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for title in ("Impor peserta (berjalan)", "Impor peserta (menunggu)", "Impor peserta (gagal)",
                  "Perawatan harian"):
        assert title in html
    assert "Sedang berjalan" in html and "40 / 100" in html and "25 Nov 2026 07.30" in html
    assert "Berkas tidak dapat dibaca." in html
    assert "melewati batas waktu 600 detik" in html  # the error in plain words
    assert f"/{coop.slug}/jobs/{failed}/retry" in html  # a retry button for the failed one
    assert "1 menit" in html or "75 detik" in html  # how long it took


def test_job_page_has_the_progress_component_and_works_without_js(
    ctx, make_tenant, make_user, client
) -> None:
    coop = make_tenant()
    rq_id = _run(coop, "Impor 100 baris", "running", started_at=dt.datetime.now(UTC),
                 progress_done=25, progress_total=100, progress_message="baris 25")
    login(client, coop.slug, _admin(make_user, coop, "cashier"))
    html = client.get(f"/{coop.slug}/jobs/{rq_id}").get_data(as_text=True)
    assert f'data-progress-url="/{coop.slug}/jobs/{rq_id}/progress"' in html
    assert 'value="25"' in html and "25 / 100" in html and "baris 25" in html
    assert "progress.js" in html and "Perbarui halaman" in html  # a plain link without JS
    assert "<script>" not in html  # no inline script (CSP)
    data = client.get(f"/{coop.slug}/jobs/{rq_id}/progress").get_json()
    assert data == {
        "id": rq_id, "title": "Impor 100 baris", "status": "running", "label": "Sedang berjalan",
        "done": 25, "total": 100, "count": "25 / 100", "percent": 25, "message": "baris 25",
        "error": None, "finished": False, "attempts": 0,
    }
    assert client.get(f"/{coop.slug}/jobs/").status_code == 403  # the list is for admins
    assert client.get("/static/progress.js").status_code == 200


def test_progress_component_is_reusable_from_other_templates(app: Flask, ctx, make_tenant) -> None:
    coop = make_tenant()
    rq_id = _run(coop, "Sapuan pengingat", "done")
    with app.test_request_context(f"/{coop.slug}/pengingat"), tenant_context(coop):
        from app.jobrecords import get_run

        html = render_template_string(
            '{% from "_progress.html" import job_progress %}{{ job_progress(run) }}',
            run=get_run(rq_id),
        )
        db.session.rollback()
    assert 'data-finished="true"' in html and "Selesai" in html and 'value="100"' in html


def test_another_coops_job_is_a_404(app, ctx, make_tenant, make_user, client) -> None:
    a, b = make_tenant(), make_tenant()
    theirs = _run(a, "Pekerjaan koperasi A", "failed", error_code="internal", error="KeyError")
    login(client, b.slug, _admin(make_user, b))
    token = _csrf_from(client.get(f"/{b.slug}/jobs/").get_data(as_text=True))
    assert client.get(f"/{b.slug}/jobs/{theirs}").status_code == 404
    assert client.get(f"/{b.slug}/jobs/{theirs}/progress").status_code == 404
    retried = client.post(f"/{b.slug}/jobs/{theirs}/retry", data={"csrf_token": token})
    assert retried.status_code == 404
    assert "Pekerjaan koperasi A" not in client.get(f"/{b.slug}/jobs/").get_data(as_text=True)
    # and B's session means nothing at A's address (a fresh app context: Flask-Login keeps the
    # loaded user in `g`, which the test's own app context would otherwise carry over)
    with app.app_context():
        assert client.get(f"/{a.slug}/jobs/{theirs}/progress").status_code == 302
    assert run_of(a, theirs).status == "failed"
    assert client.get(f"/{b.slug}/jobs/bad%20id").status_code == 404


def test_retry_button_queues_the_failed_job_again(
    ctx, make_tenant, make_user, client, procs, rconn, prefix
) -> None:
    coop = make_tenant()
    marker = f"retry-{os.urandom(3).hex()}"
    with tenant_context(coop):
        job_id = jobs.enqueue(tasks.flaky, marker, 1, tenant_id=coop.id, title="Impor ulang")
        db.session.commit()
    db.remove()
    procs.burst()
    assert run_of(coop, job_id).status == "failed"

    login(client, coop.slug, _admin(make_user, coop))
    token = _csrf_from(client.get(f"/{coop.slug}/jobs/{job_id}").get_data(as_text=True))
    answer = client.post(f"/{coop.slug}/jobs/{job_id}/retry", data={"csrf_token": token})
    assert answer.status_code == 302 and answer.location.endswith(f"/{coop.slug}/jobs/{job_id}")
    queued = run_of(coop, job_id)
    assert queued.status == "queued" and queued.error_code is None
    assert Queue(f"{prefix}.default", connection=rconn).job_ids == [job_id]
    assert audit_targets(coop, "jobs.retry") == ["Impor ulang"]

    procs.burst()
    done = run_of(coop, job_id)
    assert done.status == "done" and done.attempts == 2
    # a job that is not failed cannot be retried
    client.post(f"/{coop.slug}/jobs/{job_id}/retry", data={"csrf_token": token})
    assert run_of(coop, job_id).status == "done"
    assert Queue(f"{prefix}.default", connection=rconn).count == 0


def test_retry_in_process_mode(inproc_app, ctx, make_tenant, make_user) -> None:
    coop = make_tenant()
    marker = f"retry-inproc-{os.urandom(3).hex()}"
    with inproc_app.app_context():
        with tenant_context(coop):
            job_id = jobs.enqueue(tasks.flaky, marker, 1, tenant_id=coop.id, title="Impor")
            db.session.commit()
        assert run_of(coop, job_id).status == "failed"
        client = inproc_app.test_client()
        login(client, coop.slug, _admin(make_user, coop))
        token = _csrf_from(client.get(f"/{coop.slug}/jobs/").get_data(as_text=True))
        client.post(f"/{coop.slug}/jobs/{job_id}/retry", data={"csrf_token": token})
        done = run_of(coop, job_id)
    assert done.status == "done" and done.attempts == 2
