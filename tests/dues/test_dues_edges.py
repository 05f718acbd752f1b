"""Edges the mutation run (``make mutate``) found unguarded: each test kills a surviving mutant.

Sponsors and discounts in the same month, custom rules passed to ``quote``, sponsor end months,
the bounds of a period, booleans where counts are expected, the default due day, and the rules
loader's boundaries (a rate of 1, a 100 % discount, a one-month window, min/max on a rate).
"""

from __future__ import annotations

import datetime as dt

import pytest

from app.dues import (
    Period,
    RulesError,
    Sponsor,
    Terms,
    coverage,
    is_overdue,
    parse_rules,
    payable_months,
    quote,
    quote_month,
)
from tests.dues.test_dues_rules import BASE, DISCOUNT

P = Period.parse
BASIC = frozenset({"JKK", "JKM"})
WITH_JHT = frozenset({"JKK", "JKM", "JHT"})


def _terms(programs: frozenset[str] = BASIC, *sponsors: Sponsor) -> Terms:
    return Terms(declared_income=1000000, programs=programs, sector="fishery", sponsors=sponsors)


def _sponsor(kind: str, programs: frozenset[str], start: str | None = None) -> Sponsor:
    return Sponsor(f"{kind} sponsor", kind, programs, P(start) if start else None)


def _money(period: str, terms: Terms) -> tuple[int, int, int]:
    q = quote_month(P(period), terms)
    return q.discount, q.sponsored, q.amount


# --- sponsors and discounts in one month (Nov 2026: JKK 10.000, JKM 6.800, half off) -----------


def test_a_csr_sponsor_keeps_the_discount_and_pays_the_discounted_price() -> None:
    # Only budget sponsors (APBN/APBD) cost the discount; a CSR pays JKK after the discount.
    assert _money("2026-11", _terms(BASIC, _sponsor("csr", frozenset({"JKK"})))) == (
        8400, 5000, 3400,
    )


def test_a_budget_sponsor_costs_the_discount_only_in_its_own_months() -> None:
    later = _sponsor("apbd", BASIC, start="2027-01")
    assert _money("2026-11", _terms(BASIC, later)) == (8400, 0, 8400)
    assert _money("2027-01", _terms(BASIC, later)) == (0, 16800, 0)


def test_a_budget_sponsor_of_jht_only_keeps_the_discount_on_jkk_and_jkm() -> None:
    jht_only = _sponsor("apbd", frozenset({"JHT"}))
    # JHT (2 % = 20.000) is paid by the sponsor; JKK and JKM keep their half-price discount.
    assert _money("2026-11", _terms(WITH_JHT, jht_only)) == (8400, 20000, 8400)
    # With JHT and no sponsor, the discount still applies to JKK and JKM (JHT has none).
    assert _money("2026-11", _terms(WITH_JHT)) == (8400, 0, 28400)


def test_quote_uses_the_rules_it_is_given() -> None:
    dearer = parse_rules(BASE.replace("flat = 6800", "flat = 9000"))
    rows, total = quote([P("2020-05"), P("2020-06")], _terms(), dearer)
    assert [r.jkm for r in rows] == [9000, 9000] and total == 2 * (10000 + 9000)


def test_a_sponsor_end_month_survives_the_api_shape_both_ways() -> None:
    data = {"name": "Pemkab", "type": "apbd", "programs": ["JKM", "JKK"],
            "from": "2026-01", "until": "2026-06"}
    sponsor = Sponsor.from_dict(data)
    assert (sponsor.from_period, sponsor.until_period) == (P("2026-01"), P("2026-06"))
    assert sponsor.covers(P("2026-06")) and not sponsor.covers(P("2026-07"))
    assert sponsor.as_dict() == {**data, "programs": ["JKK", "JKM"]}
    with pytest.raises(ValueError, match="list of program codes"):
        Sponsor.from_dict({**data, "programs": "JKK"})


# --- periods and counts -------------------------------------------------------------------------


def test_period_bounds() -> None:
    assert str(Period(1, 1)) == "0001-01" and str(Period(9999, 12)) == "9999-12"
    assert P("0001-01") == Period(1, 1)
    for year, month in ((0, 1), (10000, 1), (2026, 0), (2026, 13)):
        with pytest.raises(ValueError):
            Period(year, month)
    for text in ("0000-01", "2026-13", "2026-00"):
        with pytest.raises(ValueError):
            P(text)


def test_booleans_are_not_counts() -> None:
    start, today = P("2026-01"), dt.date(2026, 3, 20)
    cov = coverage(start, frozenset(), today)
    with pytest.raises(ValueError):
        payable_months(cov, frozenset(), True, today)
    with pytest.raises(TypeError):
        P("2026-03") - True  # noqa: B018 - the subtraction itself must refuse
    with pytest.raises(ValueError):
        P("2026-03").due_date(True)
    for settings in ({"due_day": True}, {"grace_months": True}, {"due_day": 32}):
        with pytest.raises(ValueError):
            coverage(start, frozenset(), today, **settings)


def test_the_default_due_day_is_the_15th() -> None:
    start = P("2026-01")
    assert not is_overdue(P("2026-02"), start, dt.date(2026, 2, 15))
    assert is_overdue(P("2026-02"), start, dt.date(2026, 2, 16))


# --- the rules loader's boundaries ---------------------------------------------------------------


def test_rate_windows_min_and_max_are_honoured() -> None:
    text = BASE.replace('program = "JHT"\nfrom = "2015-07"\nrate = "0.02"',
                        'program = "JHT"\nfrom = "2015-07"\nuntil = "2019-12"\nrate = "0.02"\n'
                        'min = 25000\n\n[[rate]]\nprogram = "JHT"\nfrom = "2020-01"\nrate = "1"\n'
                        'max = 50000')
    assert text != BASE
    rules = parse_rules(text)
    assert rules.charge("JHT", 1000000, P("2019-12")) == 25000  # 2 % is 20.000: the minimum
    assert rules.charge("JHT", 1000000, P("2020-01")) == 50000  # 100 % is capped
    assert rules.charge("JHT", 40000, P("2020-01")) == 40000


def test_income_level_until_is_honoured() -> None:
    text = BASE.replace('amount = 1000000\nfrom = "2015-07"',
                        'amount = 1000000\nfrom = "2015-07"\nuntil = "2020-12"')
    rules = parse_rules(text)
    assert rules.is_income_level(1000000, P("2020-12"))
    assert not rules.is_income_level(1000000, P("2021-01"))
    assert not rules.is_income_level(True, P("2020-12"))  # type: ignore[arg-type]


def test_loader_boundaries() -> None:
    whole = parse_rules(BASE + DISCOUNT.replace('fraction = "0.5"', 'fraction = "1"'))
    assert whole.discounts[0].amount_off(6800) == 6800
    one_month = DISCOUNT.replace('until = "2026-12"', 'until = "2026-04"')
    assert parse_rules(BASE + one_month).discounts[0].until_period == P("2026-04")
    bare = DISCOUNT.replace('not_with_sponsor_types = ["apbn", "apbd"]\n', "")
    assert parse_rules(BASE + bare).discounts[0].not_with_sponsor_types == frozenset()
    refused = [
        (DISCOUNT.replace('fraction = "0.5"', 'fraction = "1.5"'), "0 < f <= 1"),
        (DISCOUNT.replace('until = "2026-12"', 'until = "2026-03"'), "before 'from'"),
        # Windows sharing one month overlap.
        (DISCOUNT + DISCOUNT.replace('from = "2026-04"', 'from = "2026-12"').replace(
            'until = "2026-12"', 'until = "2027-03"'), "overlap"),
    ]
    for extra, message in refused:
        with pytest.raises(RulesError, match=message):
            parse_rules(BASE + extra)
    flat_with_min = BASE.replace("flat = 6800", "flat = 6800\nmin = 1")
    with pytest.raises(RulesError, match="only make sense with 'rate'"):
        parse_rules(flat_with_min)
    equal = BASE.replace("max = 207000", "max = 10000")
    assert parse_rules(equal).charge("JKK", 30000000, P("2020-05")) == 10000


def test_loader_windows_and_numbers_second_pass() -> None:
    """Survivors of the second run: window order, a missing 'from', negative or infinite rates."""
    earlier_ending_on_start = DISCOUNT.replace('from = "2026-04"', 'from = "2026-01"').replace(
        'until = "2026-12"', 'until = "2026-04"')
    with pytest.raises(RulesError, match="overlap"):
        parse_rules(BASE + DISCOUNT + earlier_ending_on_start)
    a_year_before = DISCOUNT.replace('from = "2026-04"', 'from = "2025-01"').replace(
        'until = "2026-12"', 'until = "2025-12"')
    assert len(parse_rules(BASE + DISCOUNT + a_year_before).discounts) == 2
    no_from = DISCOUNT.replace('from = "2026-04"\n', "")
    with pytest.raises(RulesError, match="'from'"):
        parse_rules(BASE + no_from)
    for bad in ('"-0.01"', '"Infinity"', '"NaN"'):
        with pytest.raises(RulesError, match="'rate'"):
            parse_rules(BASE.replace('rate = "0.01"', f"rate = {bad}"))
    with pytest.raises(RulesError, match="only make sense with 'rate'"):
        parse_rules(BASE.replace("flat = 6800", "flat = 6800\nmax = 1"))
    open_start = Sponsor.from_dict({"name": "CSR", "type": "csr", "programs": ["JKK"]})
    assert open_start.from_period is None and open_start.covers(P("2015-07"))
