"""The demo participants, on PostgreSQL and on SQLite (the `make run` database), where the stored
coverage is read with SQLite's json_each instead of PostgreSQL's unnest."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from app.participants import listing, services
from app.participants.demo import PEOPLE, seed_demo_participants
from app.participants.models import Participant
from tenants.context import tenant_context
from tenants.db import db

TODAY = dt.date(2026, 11, 20)


def _check_all(today: dt.date) -> Counter:
    statuses: Counter = Counter()
    cursor = None
    seen = 0
    while True:
        page = listing.list_participants(today=today, limit=7, cursor=cursor)
        for row in page.rows:
            cov, _amount = services.coverage_of(row.participant, today)
            assert (row.status, row.arrears_months, row.paid_through) == (
                cov.status, cov.arrears_months, cov.paid_through
            ), row.participant.name
            assert row.participant.nik.startswith("2104")
            statuses[row.status] += 1
            seen += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == len(PEOPLE)
    return statuses


def test_demo_participants_on_postgres(app, make_tenant) -> None:
    ref = make_tenant()
    with app.app_context(), tenant_context(ref):
        assert seed_demo_participants(TODAY) == len(PEOPLE) >= 30
        db.session.commit()
        assert seed_demo_participants(TODAY) == 0  # safe to run twice
        statuses = _check_all(TODAY)
        assert set(statuses) == {"new", "active", "grace", "lapsed"}
        sponsored = db.session.scalar(
            sa.select(sa.func.count()).select_from(Participant).where(
                Participant.covered_from.is_not(None)))
        assert sponsored >= 9
        db.session.rollback()


def test_demo_participants_and_lists_on_sqlite(sqlite_app) -> None:
    from tenants.provision import create_tenant

    with sqlite_app.app_context():
        ref = create_tenant("kmp-demo", "KMP Demo").ref()
        db.session.commit()
        with tenant_context(ref):
            assert seed_demo_participants(TODAY) == len(PEOPLE)
            db.session.commit()
            for day in (TODAY, TODAY + dt.timedelta(days=45), TODAY + dt.timedelta(days=400)):
                _check_all(day)
            found = listing.list_participants(q="abdul", today=TODAY).rows
            assert [r.participant.name for r in found] == ["Abdul Rahman"]
            lapsed = listing.list_participants(status="lapsed", today=TODAY).rows
            assert {r.participant.name for r in lapsed} >= {"Yusnita", "Bujang", "Ramli"}
            owing = listing.list_participants(min_arrears=1, today=TODAY).rows
            assert all(r.arrears_months >= 1 for r in owing) and owing
            db.session.rollback()
