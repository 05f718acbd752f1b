"""Contribution rules (income levels, program rates, discounts) loaded from data.

Rates and discounts change by regulation, so they live in `rules.toml` with effective months and
the code only interprets them: pricing a month means finding the entries in force *for that
month*. The file is validated strictly at load (unknown keys, overlapping windows, floats where a
decimal string is expected, unknown programs/sectors all fail) so a typo can never misprice
contributions silently. The default file is parsed once per process and cached.

Rounding: a percentage charge is rounded half up to whole rupiah before its floor/cap is applied;
a discounted price is rounded half up per program and the discount is what that takes off
(`charge - round_half_up(charge * (1 - fraction))`).
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.dues.periods import Period

__all__ = [
    "DEFAULT_RULES_PATH",
    "PROGRAMS",
    "REQUIRED_PROGRAMS",
    "SECTORS",
    "SPONSOR_TYPES",
    "Discount",
    "IncomeLevel",
    "NoRuleError",
    "ProgramRate",
    "Rules",
    "RulesError",
    "load_rules",
    "parse_rules",
    "round_half_up",
]

PROGRAMS: frozenset[str] = frozenset({"JKK", "JKM", "JHT"})
REQUIRED_PROGRAMS: frozenset[str] = frozenset({"JKK", "JKM"})
SECTORS: frozenset[str] = frozenset(
    {"fishery", "agriculture", "trade", "transport", "labour", "services", "other"}
)
SPONSOR_TYPES: frozenset[str] = frozenset({"apbn", "apbd", "csr", "coop"})

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.toml")


class RulesError(ValueError):
    """The rules file is wrong; the message names the file, the entry and the problem."""


class NoRuleError(ValueError):
    """No rule is in force for the month asked about (e.g. before July 2015)."""


def round_half_up(value: Decimal) -> int:
    """Round to whole rupiah, halves up (the regulation's rounding, not banker's rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _in_window(period: Period, start: Period, until: Period | None) -> bool:
    return start <= period and (until is None or period <= until)


def _overlap(
    a_from: Period, a_until: Period | None, b_from: Period, b_until: Period | None
) -> bool:
    return (a_until is None or b_from <= a_until) and (b_until is None or a_from <= b_until)


def _window_text(start: Period, until: Period | None) -> str:
    return f"{start}..{until if until is not None else 'open'}"


@dataclass(frozen=True, slots=True)
class IncomeLevel:
    """A declared monthly income a participant may choose, valid for a range of months."""

    amount: int
    from_period: Period
    until_period: Period | None = None

    def in_force(self, period: Period) -> bool:
        return _in_window(period, self.from_period, self.until_period)


@dataclass(frozen=True, slots=True)
class ProgramRate:
    """How one program is charged during a range of months: a share of income or a flat sum."""

    program: str
    from_period: Period
    until_period: Period | None = None
    rate: Decimal | None = None
    flat: int | None = None
    minimum: int | None = None
    maximum: int | None = None

    def in_force(self, period: Period) -> bool:
        return _in_window(period, self.from_period, self.until_period)

    def charge(self, declared_income: int) -> int:
        """The full monthly charge for this program at the given declared income."""
        if self.flat is not None:
            return self.flat
        assert self.rate is not None  # guaranteed by the loader: exactly one of rate/flat
        amount = round_half_up(Decimal(declared_income) * self.rate)
        if self.minimum is not None:
            amount = max(amount, self.minimum)
        if self.maximum is not None:
            amount = min(amount, self.maximum)
        return amount


@dataclass(frozen=True, slots=True)
class Discount:
    """A regulated discount on some programs, for some sectors, for the months it covers."""

    name: str
    programs: frozenset[str]
    sectors: frozenset[str]
    fraction: Decimal
    from_period: Period
    until_period: Period | None
    not_with_sponsor_types: frozenset[str] = frozenset()

    def in_force(self, period: Period) -> bool:
        return _in_window(period, self.from_period, self.until_period)

    def applies(self, sector: str, period: Period) -> bool:
        """True when the month paid for is in the window and the sector is eligible."""
        return sector in self.sectors and self.in_force(period)

    def amount_off(self, charge: int) -> int:
        """What the discount takes off one program's charge (the price left is rounded half up)."""
        return charge - round_half_up(Decimal(charge) * (Decimal(1) - self.fraction))


@dataclass(frozen=True, slots=True)
class Rules:
    """All contribution rules, immutable; ask it about a month, never about "now"."""

    levels: tuple[IncomeLevel, ...]
    rates: tuple[ProgramRate, ...]
    discounts: tuple[Discount, ...]
    source: str = "<rules>"

    def income_levels(self, period: Period) -> tuple[int, ...]:
        """The declared incomes that may be chosen for that month, ascending."""
        return tuple(sorted({lvl.amount for lvl in self.levels if lvl.in_force(period)}))

    def is_income_level(self, amount: int, period: Period) -> bool:
        if isinstance(amount, bool) or not isinstance(amount, int):
            return False
        return any(lvl.amount == amount and lvl.in_force(period) for lvl in self.levels)

    def rate_for(self, program: str, period: Period) -> ProgramRate:
        """The rate in force for a program that month; NoRuleError when there is none."""
        if program not in PROGRAMS:
            raise ValueError(f"unknown program {program!r}; expected one of {sorted(PROGRAMS)}")
        for rate in self.rates:
            if rate.program == program and rate.in_force(period):
                return rate
        raise NoRuleError(f"no {program} rate is in force for {period} (rules: {self.source})")

    def charge(self, program: str, declared_income: int, period: Period) -> int:
        """Full charge of one program for one month, before any discount or sponsor."""
        return self.rate_for(program, period).charge(declared_income)

    def discount_for(self, program: str, sector: str, period: Period) -> Discount | None:
        """The discount on that program for that sector and month, if any (at most one)."""
        for discount in self.discounts:
            if program in discount.programs and discount.applies(sector, period):
                return discount
        return None


# --- loading -------------------------------------------------------------------------------------

_TOP_KEYS = {"income_level", "rate", "discount"}
_LEVEL_KEYS = {"amount", "from", "until"}
_RATE_KEYS = {"program", "from", "until", "rate", "flat", "min", "max"}
_DISCOUNT_KEYS = {
    "name",
    "programs",
    "fraction",
    "sectors",
    "from",
    "until",
    "not_with_sponsor_types",
}


class _Entry:
    """Reads one TOML table with error messages that say where the problem is."""

    def __init__(
        self, source: str, label: str, table: Any, allowed: set[str], name_key: str = ""
    ) -> None:
        self.where = f"{source}: {label}"
        if not isinstance(table, Mapping):
            raise RulesError(f"{self.where}: expected a table, got {type(table).__name__}")
        if isinstance(table.get(name_key), str):
            self.where += f" ({table[name_key]})"
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise RulesError(
                f"{self.where}: unknown key(s) {unknown}; allowed keys are {sorted(allowed)}"
            )
        self.table = table

    def fail(self, message: str) -> RulesError:
        return RulesError(f"{self.where}: {message}")

    def has(self, key: str) -> bool:
        return key in self.table

    def string(self, key: str) -> str:
        value = self.table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a non-empty string, got {value!r}")
        return value

    def money(self, key: str) -> int:
        value = self.table.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"'{key}' must be a whole number of rupiah >= 0, got {value!r}")
        return value

    def decimal(self, key: str) -> Decimal:
        value = self.table.get(key)
        if not isinstance(value, str):
            raise self.fail(f"'{key}' must be a decimal string such as \"0.01\", got {value!r}")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(f"'{key}' is not a decimal number: {value!r}") from None
        if not number.is_finite() or number < 0:
            raise self.fail(f"'{key}' must be a finite number >= 0, got {value!r}")
        return number

    def period(self, key: str, required: bool = True) -> Period | None:
        if key not in self.table and not required:
            return None
        value = self.table.get(key)
        try:
            return Period.parse(value)
        except ValueError as exc:
            raise self.fail(f"'{key}': {exc}") from None

    def window(self) -> tuple[Period, Period | None]:
        start = self.period("from")
        until = self.period("until", required=False)
        assert start is not None
        if until is not None and until < start:
            raise self.fail(f"'until' ({until}) is before 'from' ({start})")
        return start, until

    def names(
        self, key: str, vocabulary: frozenset[str], allow_empty: bool = False
    ) -> frozenset[str]:
        value = self.table.get(key, [] if allow_empty else None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{key}' must be a list of strings, got {value!r}")
        if not value and not allow_empty:
            raise self.fail(f"'{key}' must not be empty")
        unknown = sorted(set(value) - vocabulary)
        if unknown:
            raise self.fail(
                f"'{key}' has unknown value(s) {unknown}; expected {sorted(vocabulary)}"
            )
        return frozenset(value)


def _tables(data: Mapping[str, Any], key: str, source: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise RulesError(f"{source}: '{key}' must be an array of tables ([[{key}]])")
    return value


def _check_no_overlap(
    source: str, what: str, items: Iterable[tuple[str, Period, Period | None]]
) -> None:
    """Entries with the same key must not be in force in the same month: which would win?"""
    seen: dict[str, list[tuple[Period, Period | None]]] = {}
    for key, start, until in items:
        for other_start, other_until in seen.get(key, []):
            if _overlap(start, until, other_start, other_until):
                raise RulesError(
                    f"{source}: two {what} entries for {key} overlap: "
                    f"{_window_text(other_start, other_until)} and {_window_text(start, until)}"
                )
        seen.setdefault(key, []).append((start, until))


def _build(data: Mapping[str, Any], source: str) -> Rules:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise RulesError(
            f"{source}: unknown top-level key(s) {unknown}; expected [[income_level]], "
            "[[rate]] and [[discount]] tables"
        )

    levels: list[IncomeLevel] = []
    for i, table in enumerate(_tables(data, "income_level", source), start=1):
        entry = _Entry(source, f"income_level #{i}", table, _LEVEL_KEYS)
        amount = entry.money("amount")
        if amount == 0:
            raise entry.fail("'amount' must be more than 0")
        start, until = entry.window()
        levels.append(IncomeLevel(amount, start, until))
    if not levels:
        raise RulesError(f"{source}: at least one [[income_level]] is required")
    _check_no_overlap(
        source,
        "income_level",
        ((f"Rp{lvl.amount}", lvl.from_period, lvl.until_period) for lvl in levels),
    )

    rates: list[ProgramRate] = []
    for i, table in enumerate(_tables(data, "rate", source), start=1):
        entry = _Entry(source, f"rate #{i}", table, _RATE_KEYS, name_key="program")
        program = entry.string("program")
        if program not in PROGRAMS:
            raise entry.fail(f"unknown program {program!r}; expected one of {sorted(PROGRAMS)}")
        start, until = entry.window()
        if entry.has("rate") == entry.has("flat"):
            raise entry.fail("give exactly one of 'rate' (share of income) or 'flat' (rupiah)")
        if entry.has("flat"):
            if entry.has("min") or entry.has("max"):
                raise entry.fail("'min'/'max' only make sense with 'rate', not with 'flat'")
            rates.append(ProgramRate(program, start, until, flat=entry.money("flat")))
            continue
        rate = entry.decimal("rate")
        if rate > 1:
            raise entry.fail(f"'rate' is a share of income (0.01 = 1%), got {rate}")
        minimum = entry.money("min") if entry.has("min") else None
        maximum = entry.money("max") if entry.has("max") else None
        if minimum is not None and maximum is not None and maximum < minimum:
            raise entry.fail(f"'max' ({maximum}) is below 'min' ({minimum})")
        rates.append(ProgramRate(program, start, until, rate, None, minimum, maximum))
    missing = sorted(PROGRAMS - {rate.program for rate in rates})
    if missing:
        raise RulesError(f"{source}: no [[rate]] for program(s) {missing}")
    _check_no_overlap(source, "rate", ((r.program, r.from_period, r.until_period) for r in rates))

    discounts: list[Discount] = []
    for i, table in enumerate(_tables(data, "discount", source), start=1):
        entry = _Entry(source, f"discount #{i}", table, _DISCOUNT_KEYS, name_key="name")
        name = entry.string("name")
        fraction = entry.decimal("fraction")
        if not 0 < fraction <= 1:
            raise entry.fail(f"'fraction' is the share taken off, 0 < f <= 1, got {fraction}")
        start, until = entry.window()
        discounts.append(
            Discount(
                name=name,
                programs=entry.names("programs", PROGRAMS),
                sectors=entry.names("sectors", SECTORS),
                fraction=fraction,
                from_period=start,
                until_period=until,
                not_with_sponsor_types=entry.names(
                    "not_with_sponsor_types", SPONSOR_TYPES, allow_empty=True
                ),
            )
        )
    _check_no_overlap(
        source,
        "discount",
        (
            (f"{program}/{sector}", d.from_period, d.until_period)
            for d in discounts
            for program in sorted(d.programs)
            for sector in sorted(d.sectors)
        ),
    )

    return Rules(tuple(levels), tuple(rates), tuple(discounts), source)


def parse_rules(text: str, source: str = "<string>") -> Rules:
    """Build Rules from TOML text (used by tests and by operators checking an edited file)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from None
    return _build(data, source)


@functools.cache
def load_rules(path: str | os.PathLike[str] | None = None) -> Rules:
    """The rules from `path` (default: the packaged rules.toml), parsed once and cached.

    The cache means an edited file takes effect on restart (or `load_rules.cache_clear()`).
    """
    file = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read rules file {file}: {exc.strerror or exc}") from None
    return parse_rules(text, str(file))
