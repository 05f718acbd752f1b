"""Pricing one participant's months: full charges, PP 50/2025 discount, sponsor share, remainder.

Every month is priced under the rules in force for *that* month (the month paid for, never the
payment date), so a quote for old arrears or months far ahead is right without special cases.

Decisions (kept here so code and docs agree):
- The discount is all-or-nothing per month: if any sponsor of an excluded type (APBN/APBD)
  covers JKK or JKM that month, no program gets the discount, even one the person pays.
- `sponsored` counts each chosen program once, however many sponsors cover it, at its charge net
  of that program's discount; a sponsor's program the person did not choose (JHT) is ignored.
- The declared income is not checked against the income levels here: levels are checked when a
  participant registers, and the rate formulas apply to whatever level was chosen.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.dues.periods import Period
from app.dues.rules import (
    PROGRAMS,
    REQUIRED_PROGRAMS,
    SECTORS,
    SPONSOR_TYPES,
    Rules,
    load_rules,
)

__all__ = [
    "MonthQuote",
    "Sponsor",
    "Terms",
    "fully_sponsored",
    "quote",
    "quote_month",
    "sponsored_programs",
]

_PROGRAM_ORDER = ("JKK", "JKM", "JHT")


def _programs(value: Iterable[str], what: str) -> frozenset[str]:
    if isinstance(value, str):
        raise ValueError(f"{what} must be a collection of program codes, not a string")
    programs = frozenset(value)
    unknown = sorted(programs - PROGRAMS)
    if unknown:
        raise ValueError(f"{what}: unknown program(s) {unknown}; expected {sorted(PROGRAMS)}")
    return programs


@dataclass(frozen=True, slots=True)
class Sponsor:
    """Someone who pays some programs for the person for a range of months (inclusive)."""

    name: str
    type: str
    programs: frozenset[str]
    from_period: Period | None = None
    until_period: Period | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("sponsor name must be a non-empty string")
        if self.type not in SPONSOR_TYPES:
            raise ValueError(
                f"sponsor type must be one of {sorted(SPONSOR_TYPES)}, got {self.type!r}"
            )
        programs = _programs(self.programs, "sponsor programs")
        if not programs:
            raise ValueError("a sponsor must pay at least one program")
        object.__setattr__(self, "programs", programs)
        if (
            self.from_period is not None
            and self.until_period is not None
            and self.until_period < self.from_period
        ):
            raise ValueError(
                f"sponsor 'until' ({self.until_period}) is before 'from' ({self.from_period})"
            )

    def covers(self, period: Period) -> bool:
        """True when this sponsor pays for that month (open ends are unbounded)."""
        if self.from_period is not None and period < self.from_period:
            return False
        return self.until_period is None or period <= self.until_period

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sponsor:
        """Build from the API shape {"name", "type", "programs", "from"?, "until"?}."""
        unknown = sorted(set(data) - {"name", "type", "programs", "from", "until"})
        if unknown:
            raise ValueError(f"unknown sponsor field(s) {unknown}")
        programs = data.get("programs")
        if not isinstance(programs, list) or not all(isinstance(p, str) for p in programs):
            raise ValueError("sponsor programs must be a list of program codes")
        start = data.get("from")
        until = data.get("until")
        return cls(
            name=data.get("name"),  # type: ignore[arg-type]  # validated in __post_init__
            type=data.get("type"),  # type: ignore[arg-type]
            programs=frozenset(programs),
            from_period=Period.parse(start) if start is not None else None,
            until_period=Period.parse(until) if until is not None else None,
        )

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "programs": [p for p in _PROGRAM_ORDER if p in self.programs],
        }
        if self.from_period is not None:
            data["from"] = str(self.from_period)
        if self.until_period is not None:
            data["until"] = str(self.until_period)
        return data


@dataclass(frozen=True, slots=True)
class Terms:
    """What a participant is insured for: the inputs of every quote."""

    declared_income: int
    programs: frozenset[str]
    sector: str
    sponsors: tuple[Sponsor, ...] = field(default=())

    def __post_init__(self) -> None:
        income = self.declared_income
        if isinstance(income, bool) or not isinstance(income, int) or income <= 0:
            raise ValueError(f"declared income must be a positive int (rupiah), got {income!r}")
        programs = _programs(self.programs, "programs")
        if not REQUIRED_PROGRAMS <= programs:
            raise ValueError("programs must include JKK and JKM (the minimum package)")
        object.__setattr__(self, "programs", programs)
        if self.sector not in SECTORS:
            raise ValueError(f"sector must be one of {sorted(SECTORS)}, got {self.sector!r}")
        sponsors = tuple(self.sponsors)
        if not all(isinstance(s, Sponsor) for s in sponsors):
            raise ValueError("sponsors must be Sponsor objects")
        object.__setattr__(self, "sponsors", sponsors)


@dataclass(frozen=True, slots=True)
class MonthQuote:
    """One month priced: full charges, then what the discount and the sponsors take off."""

    period: Period
    jkk: int
    jkm: int
    jht: int
    discount: int
    sponsored: int
    amount: int

    @property
    def full(self) -> int:
        """The undiscounted total of the chosen programs."""
        return self.jkk + self.jkm + self.jht

    def as_dict(self) -> dict[str, Any]:
        """The contract's quote row."""
        return {
            "period": str(self.period),
            "jkk": self.jkk,
            "jkm": self.jkm,
            "jht": self.jht,
            "discount": self.discount,
            "sponsored": self.sponsored,
            "amount": self.amount,
        }


def sponsored_programs(period: Period, terms: Terms) -> frozenset[str]:
    """The chosen programs some sponsor pays that month."""
    paid: set[str] = set()
    for sponsor in terms.sponsors:
        if sponsor.covers(period):
            paid |= sponsor.programs
    return frozenset(paid) & terms.programs


def fully_sponsored(period: Period, terms: Terms) -> bool:
    """Every chosen program is sponsor-paid that month: the month counts as covered."""
    return sponsored_programs(period, terms) == terms.programs


def quote_month(period: Period, terms: Terms, rules: Rules | None = None) -> MonthQuote:
    """Price one month for one participant under the rules in force for that month.

    With the platform's own rules the answer depends only on (period, terms), both immutable, so
    it is memoised: lists price the same few months for thousands of people.
    """
    if rules is None:
        return _quote_with_platform_rules(period, terms)
    return _quote_month(period, terms, rules)


@functools.lru_cache(maxsize=65536)
def _quote_with_platform_rules(period: Period, terms: Terms) -> MonthQuote:
    return _quote_month(period, terms, load_rules())


def _quote_month(period: Period, terms: Terms, rules: Rules) -> MonthQuote:
    charges = {
        program: rules.charge(program, terms.declared_income, period)
        if program in terms.programs
        else 0
        for program in _PROGRAM_ORDER
    }
    covered = sponsored_programs(period, terms)

    discounts: dict[str, int] = {}
    for program in sorted(terms.programs):
        rule = rules.discount_for(program, terms.sector, period)
        if rule is None:
            continue
        # Lost for the whole month when a budget sponsor pays any program this discount is on.
        budget_paid = any(
            sponsor.covers(period)
            and sponsor.type in rule.not_with_sponsor_types
            and sponsor.programs & rule.programs & terms.programs
            for sponsor in terms.sponsors
        )
        if not budget_paid:
            discounts[program] = rule.amount_off(charges[program])

    discount = sum(discounts.values())
    sponsored = sum(charges[p] - discounts.get(p, 0) for p in covered)
    amount = max(0, sum(charges.values()) - discount - sponsored)
    return MonthQuote(
        period=period,
        jkk=charges["JKK"],
        jkm=charges["JKM"],
        jht=charges["JHT"],
        discount=discount,
        sponsored=sponsored,
        amount=amount,
    )


def quote(
    periods: Iterable[Period], terms: Terms, rules: Rules | None = None
) -> tuple[list[MonthQuote], int]:
    """Price several months; the total is what the person pays for all of them."""
    rows = [quote_month(period, terms, rules) for period in periods]
    return rows, sum(row.amount for row in rows)
