"""What the home page shows each role: the figures it may see and the actions it may take.

The figures come from ``app.figures`` (one statement each); this module only picks them per role,
so the page sends a constant number of statements for a coop of any size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app import figures
from app.auth.models import User
from app.auth.services import can


@dataclass
class Home:
    """Everything ``web/home.html`` renders; ``None`` means "not for this role"."""

    role: str
    day: figures.Day
    mine: figures.Cash | None = None
    cash: list[figures.Cash] | None = None
    people: figures.People | None = None
    empty: bool = False
    last_import: Any = None
    voids: list[figures.Void] | None = None
    differences: list[figures.Closing] | None = None
    actions: dict[str, bool] = field(default_factory=dict)

    @property
    def cash_today_total(self) -> int:
        return sum(c.today_total for c in self.cash or [])

    @property
    def cash_today_count(self) -> int:
        return sum(c.today_count for c in self.cash or [])

    @property
    def open_drawers(self) -> list[figures.Cash]:
        return [c for c in self.cash or [] if c.drawer_open]


def _mine(user: User, day: figures.Day) -> figures.Cash:
    rows = figures.cash_by_cashier(day, cashier_id=user.id)
    if rows:
        return rows[0]
    return figures.Cash(user.id, user.name or user.email, 0, 0, 0, 0, 0, None)


def build(user: User) -> Home:
    """The home of ``user``'s role: cashier, admin, pengawas or mentor."""
    day = figures.coop_day()
    home = Home(role=user.role, day=day)
    home.actions = {
        "register": can(user, "participants.write"),
        "import": can(user, "participants.write"),
        "close": can(user, "payments.write"),
        "staff": can(user, "staff.manage"),
        "closings": user.role in ("admin", "pengawas"),
        "audit": user.role in ("admin", "pengawas"),
    }
    if user.role == "cashier":
        home.mine = _mine(user, day)
        home.empty = not figures.any_participants()
        return home
    home.people = figures.people()
    home.empty = home.people.total == 0
    home.cash = figures.cash_by_cashier(day)
    if user.role in ("admin", "pengawas"):
        home.last_import = figures.last_import()
    if user.role == "pengawas":
        home.voids = figures.voids_today(day)
        home.differences = figures.closings_with_difference(day)
    return home
