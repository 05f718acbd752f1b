"""The SQLAlchemy base, engine and session, owned by the tenancy kernel.

Because the kernel owns the session, no query runs outside a tenant's scope:
- ``after_begin`` sets ``app.tenant_id`` for the transaction (PostgreSQL RLS reads it), always
  transaction-locally, so a pooled connection never carries a tenant into the next transaction;
- ``do_orm_execute`` refuses tenant-owned queries with no tenant and adds ORM criteria;
- ``before_flush`` stamps new tenant-owned rows with the current tenant and refuses a mismatch.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)
from uuid6 import uuid7

from tenants.context import NoTenantError, current_tenant_id
from tenants.scope import Found, scope_core, tenant_tables_in

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> uuid.UUID:
    """Time-ordered UUIDv7: sorts well in indexes and reveals no volumes in URLs.

    Returned as a plain ``uuid.UUID`` (not uuid6's subclass) so SQLAlchemy types it in every bind.
    """
    return uuid.UUID(int=uuid7().int)


def parse_id(raw: object) -> uuid.UUID | None:
    """An id from a URL, a form or JSON; None for anything malformed (a 404, never a 500)."""
    if isinstance(raw, uuid.UUID):
        return raw
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: sa.DateTime(timezone=True), uuid.UUID: sa.Uuid()}


class TenantOwned:
    """Mixin for every table that belongs to one cooperative.

    Primary key ``(tenant_id, id)``; references to other tenant-owned tables are composite foreign
    keys (see ``tenant_fk``), so the database itself refuses a row pointing into another coop.
    Migrations must enable and force RLS on every such table (a test checks the registry).
    """

    __tenant_owned__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(sa.ForeignKey("tenants.id"), primary_key=True)

    @declared_attr
    def id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(primary_key=True, default=new_id)


def tenant_fk(columns: list[str], target: str, **kw: Any) -> sa.ForeignKeyConstraint:
    """A composite foreign key ``(tenant_id, x_id) → target(tenant_id, id)``."""
    return sa.ForeignKeyConstraint(
        ["tenant_id", *columns], [f"{target}.tenant_id", f"{target}.id"], **kw
    )


def tenant_owned_tables() -> list[sa.Table]:
    """Every table in the model registry whose mapped class is tenant-owned."""
    tables = []
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tenant_owned__", False):
            tables.append(mapper.local_table)
    return sorted(set(tables), key=lambda t: t.name)


CONNECT_TIMEOUT_S = 5


class Database:
    """Engine plus a scoped session; one per process (re-created after fork)."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.url: str | None = None
        self.statement_timeout_ms = 0
        self.connection_timeout_ms: int | None = None  # set on every new PostgreSQL connection
        self.factory = sessionmaker(expire_on_commit=True, autoflush=True)
        self.scoped = scoped_session(self.factory)

    def configure(self, url: str, *, statement_timeout_ms: int = 0, **engine_kw: Any) -> Engine:
        if self.engine is not None:
            self.scoped.remove()
            self.engine.dispose()
        self.url = url
        self.statement_timeout_ms = statement_timeout_ms
        if url.startswith("sqlite"):
            engine_kw.setdefault("connect_args", {"check_same_thread": False})
        else:
            # The timeout every connection starts with, so that a transaction with no coop and the
            # default timeout needs no statement of its own (see ``_set_transaction_tenant``).
            connect_args = dict(engine_kw.get("connect_args", {}))
            option = f"-c statement_timeout={int(statement_timeout_ms)}"
            connect_args["options"] = " ".join(filter(None, (connect_args.get("options"), option)))
            # A database host that does not answer is an outage (a 503), not a request that hangs.
            connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
            engine_kw["connect_args"] = connect_args
            self.connection_timeout_ms = int(statement_timeout_ms)
        # SQL parameters (NIK, phones) never go into exception text, and so never into a log.
        engine_kw.setdefault("hide_parameters", True)
        self.engine = sa.create_engine(url, **engine_kw)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif not engine_kw.get("pool_pre_ping"):
            _ping_after_idle(self.engine)
        self.factory.configure(bind=self.engine)
        return self.engine

    @property
    def session(self) -> Session:
        return self.scoped()

    @property
    def is_postgres(self) -> bool:
        return self.engine is not None and self.engine.dialect.name == "postgresql"

    def begin_read_only(self) -> None:
        """Begin this unit of work's transaction READ ONLY (psycopg sends ``BEGIN READ ONLY``).

        PostgreSQL refuses every write in it, so ``end_read_only`` may end it with COMMIT: unlike
        ROLLBACK, a COMMIT keeps psycopg's prepared statements, which saves planning every query of
        the next request on this connection.
        """
        session = self.session
        if session.in_transaction():
            raise RuntimeError("begin_read_only must open the unit of work's transaction")
        session.connection(execution_options={"postgresql_readonly": True})
        session.info[READ_ONLY_KEY] = True

    def end_read_only(self) -> None:
        """Commit a transaction begun by ``begin_read_only`` (nothing can have been written).

        A transaction that failed is left to ``remove`` to roll back.
        """
        session = self.session
        tx = session.get_transaction()
        if session.info.get(READ_ONLY_KEY) and tx is not None and tx.is_active:
            session.commit()

    def remove(self) -> None:
        """End this unit of work's session (rolls back anything uncommitted)."""
        self.scoped.remove()

    def dispose(self) -> None:
        """Drop pooled connections: call in a forked child before it touches the database."""
        self.scoped.remove()
        if self.engine is not None:
            self.engine.dispose(close=False)


IDLE_PING_SECONDS = 10.0


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for ``IDLE_PING_SECONDS``.

    ``pool_pre_ping`` pings on every checkout: a round trip on every request. A connection in
    steady use is known to be alive; one that sat idle may have been cut (a database restart, a
    firewall), so it is pinged and, if dead, silently replaced by a new one. A restart under load
    still fails the requests already on the old connections once (``app.errors`` answers 503); the
    pool then replaces every older connection.
    """

    @event.listens_for(engine.pool, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["gerai_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("gerai_idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: this connection is gone
            raise sa.exc.DisconnectionError("pooled connection lost while idle") from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


db = Database()

TX_TENANT_KEY = "gerai_tx_tenant"
READ_ONLY_KEY = "gerai_read_only"


@event.listens_for(Session, "after_begin")
def _set_transaction_tenant(session: Session, _tx: Any, connection: sa.Connection) -> None:
    tenant_id = current_tenant_id()
    session.info[TX_TENANT_KEY] = tenant_id
    if connection.dialect.name != "postgresql":
        return
    timeout = int(session.info.get("statement_timeout_ms", db.statement_timeout_ms))
    if tenant_id is None and timeout == db.connection_timeout_ms:
        # Nothing to set: ``app.tenant_id`` is only ever set transaction-locally, so a new
        # transaction starts with none (fail closed), and the connection has this timeout.
        return
    connection.exec_driver_sql(
        "SELECT set_config('app.tenant_id', %s, true), set_config('statement_timeout', %s, true)",
        (str(tenant_id) if tenant_id else "", str(timeout)),
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_tenant(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(TX_TENANT_KEY, None)
        session.info.pop(READ_ONLY_KEY, None)


_UNSET = object()


def _guard_switch(session: Session) -> uuid.UUID | None:
    """Refuse to use a transaction begun for one coop after the context moved to another."""
    tenant_id = current_tenant_id()
    began_for = session.info.get(TX_TENANT_KEY, _UNSET)
    if began_for is not _UNSET and began_for != tenant_id:
        raise NoTenantError(
            "the cooperative changed inside a transaction; commit or roll back before switching"
        )
    return tenant_id


# Built once: the tenant is a bound parameter read when the statement runs (``callable_``), so the
# option has one cache key and SQLAlchemy does not analyse a closure on every query.
_TENANT_PARAM = sa.bindparam("gerai_tenant_id", callable_=current_tenant_id, type_=sa.Uuid())
_TENANT_CRITERIA = with_loader_criteria(
    TenantOwned,
    lambda cls: cls.tenant_id == _TENANT_PARAM,
    include_aliases=True,
    track_closure_variables=False,
)


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_execute(state: ORMExecuteState) -> None:
    """Scope every statement that touches a tenant-owned table, whatever its shape.

    ``tenants.scope`` walks the whole statement. Mapped classes get the loader criteria, which
    SQLAlchemy applies wherever the class appears; a Core statement on a mapped table is
    rewritten; a plain table that the criteria would miss inside an ORM statement is refused.
    """
    if state.is_column_load or state.is_relationship_load:
        return
    tenant_id = _guard_switch(state.session)
    statement = state.statement
    found, scoped = _walked(statement, state.is_orm_statement)
    if not found:
        return
    if tenant_id is None:
        raise NoTenantError("refusing a query on tenant-owned data with no cooperative set")
    if not (state.is_select or state.is_update or state.is_delete):
        return  # INSERT: stamped by ``before_flush`` (ORM), checked by RLS and composite keys
    if not state.is_orm_statement:
        if scoped is None:  # refused shapes raise here, at execution
            scoped = scope_core(statement, found, _TENANT_PARAM)
        state.statement = scoped
        return
    if found.unmapped():
        raise NoTenantError("a plain table of tenant-owned data in an ORM statement: use the class")
    state.statement = statement.options(_TENANT_CRITERIA)


# Statements built once (module constants) are executed again and again: their walk and their
# Core rewrite depend only on the statement (the coop is a bound parameter read at execution), so
# they are kept by identity. The entry holds the statement itself, so its id cannot be reused
# while the entry lives; the cache is emptied when full rather than grown.
_WALKED: dict[int, tuple[Any, Found, Any]] = {}
_WALKED_MAX = 512


def _walked(statement: Any, orm: bool) -> tuple[Found, Any]:
    """The tenant-owned tables of ``statement`` and, for a Core SELECT/UPDATE/DELETE, its scoped
    rewrite (None for ORM statements, and where it must be refused at execution)."""
    names = _tenant_table_names()  # first: it empties the cache when the models changed
    entry = _WALKED.get(id(statement))
    if entry is not None and entry[0] is statement:
        return entry[1], entry[2]
    found = tenant_tables_in(statement, names)
    scoped = None
    if found and not orm and isinstance(statement, (sa.Select, sa.Update, sa.Delete)):
        try:
            scoped = scope_core(statement, found, _TENANT_PARAM)
        except NoTenantError:
            scoped = None  # refused again when executed as Core
    if len(_WALKED) >= _WALKED_MAX:
        _WALKED.clear()
    _WALKED[id(statement)] = (statement, found, scoped)
    return found, scoped


_NAMES: dict[int, frozenset[str]] = {}


def _tenant_table_names() -> frozenset[str]:
    """Names of the tenant-owned tables (recomputed when a model module adds a mapper)."""
    key = len(Base.registry.mappers)
    names = _NAMES.get(key)
    if names is None:
        _NAMES.clear()
        _WALKED.clear()
        names = _NAMES[key] = frozenset(t.name for t in tenant_owned_tables())
    return names


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    touched = list(session.new) + list(session.dirty) + list(session.deleted)
    if not any(getattr(o, "__tenant_owned__", False) for o in touched):
        return
    tenant_id = _guard_switch(session)
    if tenant_id is None:
        raise NoTenantError("refusing to write tenant-owned data with no cooperative set")
    for obj in touched:
        if not getattr(obj, "__tenant_owned__", False):
            continue
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise NoTenantError("refusing to write another cooperative's row")
