"""Finding every tenant-owned table a statement reads or writes, and scoping Core statements.

The session's ORM criteria (``with_loader_criteria``) reach a mapped class wherever it appears in
a statement, but only when the session knows the statement touches tenant-owned data, and never a
table named as a plain ``Table``. This module walks the whole statement tree — entities, columns,
``select_from``, joins, subqueries, CTEs, unions, UPDATE/DELETE targets — so that no shape slips
through: a ``select(func.count()).select_from(Model)`` names no entity yet reads the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import Alias, ColumnClause, Join, TableClause
from sqlalchemy.sql.util import ClauseAdapter

from tenants.context import NoTenantError

_SCOPES = (sa.Select, sa.Update, sa.Delete, sa.Insert)


@dataclass
class _Scope:
    """What one SELECT/UPDATE/DELETE reads directly (not through a nested statement)."""

    mapped: set[str] = field(default_factory=set)  # through a class (annotated elements)
    plain: set[str] = field(default_factory=set)  # through a plain Table, alias or column


@dataclass
class Found:
    """The tenant-owned tables of a statement; ``plain`` are the Table/alias objects named."""

    names: set[str] = field(default_factory=set)
    scopes: list[_Scope] = field(default_factory=list)
    plain: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.names)

    def unmapped(self) -> set[str]:
        """Tables some statement level reads only as plain tables: the ORM criteria miss them."""
        return {name for s in self.scopes for name in s.plain - s.mapped}


def _is_plain(element: Any) -> bool:
    return "parententity" not in element._annotations


def _table_name(element: Any, names: frozenset[str]) -> str | None:
    """The tenant-owned table ``element`` is (the table itself or an alias of it)."""
    if isinstance(element, Alias):
        element = element.element
    if isinstance(element, TableClause) and element.name in names:
        return element.name
    return None


def tenant_tables_in(statement: Any, names: frozenset[str]) -> Found:
    """Walk ``statement``; a plain table counts where it was named (FROM, join, target).

    A plain table also shows up as the derived FROM of a class's column (``select(M.x)``); that one
    is the class's and does not count as plain. A plain column always counts.
    """
    found = Found()
    if not isinstance(statement, sa.sql.ClauseElement):
        return found
    root = _Scope()
    found.scopes.append(root)
    stack: list[tuple[Any, Any, _Scope]] = [(statement, None, root)]
    while stack:
        element, parent, scope = stack.pop()
        if isinstance(element, _SCOPES) and element is not statement:
            scope = _Scope()
            found.scopes.append(scope)
        name = _table_name(element, names)
        if name is not None:
            found.names.add(name)
            if not _is_plain(element):
                scope.mapped.add(name)
            elif _named_from(element, parent):
                _add_plain(found, scope, name, element)
            continue
        if isinstance(element, ColumnClause):
            name = _table_name(element.table, names)
            if name is not None:
                found.names.add(name)
                if _is_plain(element):
                    _add_plain(found, scope, name, element.table)
                else:
                    scope.mapped.add(name)
        stack.extend((child, element, scope) for child in element.get_children())
    return found


def _named_from(element: Any, parent: Any) -> bool:
    if isinstance(parent, (Join, sa.Update, sa.Delete, sa.Insert)):
        return True
    return isinstance(parent, sa.Select) and any(f is element for f in parent._from_obj)


def _add_plain(found: Found, scope: _Scope, name: str, table: Any) -> None:
    scope.plain.add(name)
    if not any(t is table for t in found.plain):
        found.plain.append(table)


def scope_core(statement: Any, found: Found, tenant: sa.BindParameter[Any]) -> Any:
    """Scope a Core statement (no mapped class) on tenant-owned tables to the coop ``tenant``.

    A SELECT reads each table through ``(SELECT … WHERE tenant_id = :coop) AS <table>``; an
    UPDATE or DELETE gets the condition on its target table. A Core alias, or a bulk write that
    also reads another plain tenant-owned table, is refused rather than run unscoped.
    """
    tables: Iterable[Any] = found.plain
    if any(not isinstance(t, TableClause) or "tenant_id" not in t.c for t in tables):
        raise NoTenantError("a Core alias of a tenant-owned table cannot be scoped: use aliased()")
    if isinstance(statement, (sa.Update, sa.Delete)):
        target = statement.table
        if [t for t in tables if t is not target]:
            raise NoTenantError("a Core bulk write reading other tenant-owned tables: use classes")
        return statement.where(target.c.tenant_id == tenant)
    for table in tables:
        scoped = sa.select(table).where(table.c.tenant_id == tenant).subquery(table.name)
        statement = ClauseAdapter(scoped).traverse(statement)
    return statement
