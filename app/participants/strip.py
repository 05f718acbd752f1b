"""The 12-month coverage strip of the participant page: one state (and a word) per month.

States: ``paid`` (lunas), ``sponsored`` (every program paid by a sponsor), ``overdue`` (terlambat:
unpaid after its due date), ``unpaid`` (belum bayar, not due yet), ``before`` (before the start
month). A month is also marked ``discounted`` when PP 50/2025 lowers its price. Status is never
shown by colour alone: every cell carries a symbol and the page lists the words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.dues import Period, fully_sponsored, is_overdue, quote_month
from app.participants.coverage_state import covered_set, terms_of
from app.participants.models import Participant
from tenants.context import require_tenant

MONTHS_BEFORE = 8
MONTHS_AFTER = 3
CELL = 30


@dataclass(frozen=True)
class Cell:
    period: Period
    state: str
    discounted: bool
    amount: int
    x: int

    @property
    def label(self) -> Any:
        return state_labels()[self.state]

    @property
    def short(self) -> str:
        """The month's short name in the reader's language (``Nov``, ``Des``)."""
        return format_date(self.period.first_day(), "MMM").replace(".", "")

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.state]

    @property
    def fill(self) -> str:
        return FILLS[self.state]

    @property
    def ink(self) -> str:
        return "#ffffff" if self.state in ("paid", "sponsored", "overdue") else "#1a1a1a"


SYMBOLS = {"paid": "✓", "sponsored": "S", "overdue": "!", "unpaid": "○", "before": "–"}
FILLS = {
    "paid": "#0b6b2f",
    "sponsored": "#1d4ed8",
    "overdue": "#a1111b",
    "unpaid": "#ffffff",
    "before": "#e5e5e5",
}


def state_labels() -> dict[str, Any]:
    return {
        "paid": _l("Lunas"),
        "sponsored": _l("Dibayar sponsor"),
        "overdue": _l("Terlambat"),
        "unpaid": _l("Belum bayar"),
        "before": _l("Belum terdaftar"),
    }


def coverage_strip(p: Participant, today: dt.date) -> list[Cell]:
    """Twelve months around today: eight before the current month, the current one, three after."""
    ref = require_tenant()
    terms = terms_of(p)
    covered = covered_set(p, today)
    paid = {Period.from_index(i) for i in p.paid_months}
    start = Period.from_index(p.start_month)
    first = Period.of(today) - MONTHS_BEFORE
    cells = []
    for i, month in enumerate(Period.range(first, Period.of(today) + MONTHS_AFTER)):
        if month in paid:
            state = "paid"
        elif month in covered and fully_sponsored(month, terms):
            state = "sponsored"
        elif month in covered:
            state = "paid"
        elif month < start:
            state = "before"
        elif is_overdue(month, start, today, ref.due_day):
            state = "overdue"
        else:
            state = "unpaid"
        priced = quote_month(month, terms)
        cells.append(
            Cell(month, state, priced.discount > 0 and state != "before", priced.amount, i * CELL)
        )
    return cells
