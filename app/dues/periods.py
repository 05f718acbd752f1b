"""Calendar months ("periods") as values.

Dues are owed per calendar month, and every rule (rates, discount windows, overdue dates) is keyed
by the month being paid for, so a month is a first-class value here rather than a date or a string.
A `Period` is immutable, hashable and ordered, and its text form is the contract's `YYYY-MM`.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

__all__ = ["Period"]

_PERIOD_RE = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    """One calendar month; ordering is chronological because fields compare as (year, month)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        # Reject bools and out-of-range values early: a bad Period would silently misprice months.
        for name in ("year", "month"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"Period {name} must be an int, got {value!r}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"Period year must be between 1 and 9999, got {self.year}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"Period month must be between 1 and 12, got {self.month}")

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse exactly `YYYY-MM` (the API format); anything else is a ValueError saying why."""
        if not isinstance(text, str):
            raise ValueError(f"a period must be a string 'YYYY-MM', got {type(text).__name__}")
        match = _PERIOD_RE.fullmatch(text)
        if match is None:
            raise ValueError(f"a period must look like 'YYYY-MM' (e.g. '2026-11'), got {text!r}")
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"month must be 01..12 in period {text!r}")
        if year < 1:
            raise ValueError(f"year must be 0001..9999 in period {text!r}")
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Period:
        """The month a date falls in."""
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> Period:
        """Inverse of `index` (months since year 0); memoised, lists call it a lot."""
        return _from_index(index)

    @classmethod
    def range(cls, first: Period, last: Period) -> Iterator[Period]:
        """Every month from `first` to `last`, both included; empty when `last < first`."""
        for index in range(first.index, last.index + 1):
            yield cls.from_index(index)

    # --- text ---------------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    # --- arithmetic ---------------------------------------------------------------------------

    @property
    def index(self) -> int:
        """Months since January of year 0: makes month arithmetic plain integer arithmetic."""
        return self.year * 12 + (self.month - 1)

    def __add__(self, months: int) -> Period:
        if isinstance(months, bool) or not isinstance(months, int):
            return NotImplemented
        return Period.from_index(self.index + months)

    __radd__ = __add__

    def __sub__(self, other: object) -> Period | int:  # type: ignore[override]
        """`p - n` is a Period n months earlier; `q - p` is the number of months from p to q."""
        if isinstance(other, Period):
            return self.index - other.index
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return Period.from_index(self.index - other)

    def months_until(self, other: Period) -> int:
        """How many months from this one to `other` (negative if `other` is earlier)."""
        return other.index - self.index

    # --- days ---------------------------------------------------------------------------------

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def due_date(self, due_day: int) -> date:
        """The due date in this month; a due day past the month's end means its last day."""
        if isinstance(due_day, bool) or not isinstance(due_day, int) or not 1 <= due_day <= 31:
            raise ValueError(f"due day must be an int from 1 to 31, got {due_day!r}")
        days_in_month = calendar.monthrange(self.year, self.month)[1]
        return date(self.year, self.month, min(due_day, days_in_month))


@functools.lru_cache(maxsize=4096)
def _from_index(index: int) -> Period:
    year, month0 = divmod(index, 12)
    return Period(year, month0 + 1)
