"""The ORM tenant criteria cover every statement shape, on PostgreSQL and on SQLite (where they
are the only guard): coop B sees none of coop A's rows however the statement names the table."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.participants.demo import seed_demo_participants
from app.participants.models import Participant
from tenants.context import NoTenantError
from tenants.db import db
from tenants.models import Tenant

P = Participant
T = Participant.__table__
TT = Tenant.__table__


def _shapes() -> dict[str, sa.Executable]:
    """Every way a statement can read the participants table."""
    return {
        "entity": sa.select(P),
        "column": sa.select(P.name),
        "count select_from": sa.select(sa.func.count()).select_from(P),
        "count of a column": sa.select(sa.func.count(P.id)),
        "join": sa.select(Tenant.slug).join(P, P.tenant_id == Tenant.id),
        "select_from + join": sa.select(Tenant.slug).select_from(Tenant).join(
            P, P.tenant_id == Tenant.id
        ),
        "outer join": sa.select(Tenant.slug, P.id).outerjoin(P, P.tenant_id == Tenant.id).where(
            P.id.is_not(None)
        ),
        "IN subquery": sa.select(Tenant.slug).where(Tenant.id.in_(sa.select(P.tenant_id))),
        "EXISTS": sa.select(Tenant.slug).where(sa.exists().where(P.tenant_id == Tenant.id)),
        "FROM subquery": sa.select(sa.func.count()).select_from(sa.select(P.id).subquery()),
        "CTE": sa.select(sa.func.count()).select_from(sa.select(P.id).cte()),
        "UNION": sa.union_all(sa.select(P.name), sa.select(P.name)),
        "aliased": sa.select(aliased(P).name),
        "Core columns": sa.select(T.c.name),
        "Core count": sa.select(sa.func.count()).select_from(T),
        "Core join": sa.select(TT.c.slug).select_from(TT.join(T, T.c.tenant_id == TT.c.id)),
        "Core UNION": sa.union_all(sa.select(T.c.name), sa.select(T.c.name)),
    }


def _rows(statement: sa.Executable) -> list:
    rows = db.session.execute(statement).all()
    return [] if rows == [(0,)] else rows


def test_coop_b_sees_none_of_coop_as_rows_in_any_shape(backend) -> None:
    a, b = backend.tenant(), backend.tenant()
    backend.in_coop(a, lambda: (seed_demo_participants(), db.session.commit()))
    seen = backend.in_coop(b, lambda: {name: _rows(s) for name, s in _shapes().items()})
    assert seen == {name: [] for name in _shapes()}
    own = backend.in_coop(a, lambda: {name: _rows(s) for name, s in _shapes().items()})
    assert all(own.values()), own  # the same statements do see the coop's own rows


def test_statements_built_once_are_scoped_to_each_coop_that_runs_them(backend) -> None:
    """The walk and the Core rewrite are kept per statement object (module constants run again and
    again): the kept rewrite must read the coop of each execution, not of the first."""
    a, b = backend.tenant(), backend.tenant()
    backend.in_coop(a, lambda: (seed_demo_participants(), db.session.commit()))
    built_once = _shapes()

    def run() -> dict[str, list]:  # entities compared by id: each session loads its own objects
        return {
            name: [tuple(getattr(v, "id", v) for v in row) for row in _rows(s)]
            for name, s in built_once.items()
        }

    first = backend.in_coop(a, run)
    seen = backend.in_coop(b, run)
    again = backend.in_coop(a, run)
    assert all(first.values()), first
    assert seen == {name: [] for name in built_once}
    assert again == first


def test_bulk_writes_in_coop_b_touch_none_of_coop_as_rows(backend) -> None:
    a, b = backend.tenant(), backend.tenant()
    backend.in_coop(a, lambda: (seed_demo_participants(), db.session.commit()))

    def write() -> list[int]:
        counts = [
            db.session.execute(sa.update(P).values(phone="0")).rowcount,
            db.session.execute(
                sa.update(P).where(P.id.in_(sa.select(P.id))).values(phone="0")
            ).rowcount,
            db.session.execute(sa.update(T).values(phone="0")).rowcount,
            db.session.execute(sa.delete(T)).rowcount,
            db.session.execute(sa.delete(P)).rowcount,
        ]
        db.session.commit()
        return counts

    assert backend.in_coop(b, write) == [0, 0, 0, 0, 0]
    phones = backend.in_coop(a, lambda: set(db.session.scalars(sa.select(P.phone))))
    assert phones and "0" not in phones


@pytest.mark.parametrize(
    "statement",
    [
        sa.select(T.alias("p").c.name),
        sa.select(P).where(P.id.in_(sa.select(T.c.id))),
        sa.update(P).where(T.c.name == "x").values(phone="0"),
        sa.select(Tenant.slug).join(T, T.c.tenant_id == Tenant.id),
    ],
    ids=["Core alias", "Core subquery in ORM", "ORM write filtered on Core", "Core join in ORM"],
)
def test_shapes_the_criteria_cannot_scope_are_refused(backend, statement) -> None:
    b = backend.tenant()

    def run() -> None:
        with pytest.raises(NoTenantError):
            db.session.execute(statement)

    backend.in_coop(b, run)


def test_no_coop_refuses_every_shape(backend) -> None:
    a = backend.tenant()
    backend.in_coop(a, lambda: (seed_demo_participants(), db.session.commit()))
    with backend.app.app_context():
        for name, statement in _shapes().items():
            with pytest.raises(NoTenantError):
                db.session.execute(statement)
                pytest.fail(name)
            db.session.rollback()
        db.remove()


def test_fresh_sqlite_demo_gives_every_coop_its_participants(sqlite_app) -> None:
    from app import demo

    with sqlite_app.app_context():
        assert demo.seed() is True
        refs = [t.ref() for t in db.session.scalars(sa.select(Tenant))]
        db.session.rollback()
    counts = {}
    for ref in refs:
        with sqlite_app.app_context():
            from tenants.context import tenant_context

            with tenant_context(ref):
                counts[ref.slug] = len(db.session.scalars(sa.select(P.id)).all())
                db.session.rollback()
            db.remove()
    assert len(counts) == 3 and all(n >= 30 for n in counts.values()), counts
