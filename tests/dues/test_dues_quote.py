"""Quotes: DOMAIN.md check rows, discount windows and rounding, sponsors, invariants."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.dues import (
    SECTORS,
    SPONSOR_TYPES,
    MonthQuote,
    NoRuleError,
    Period,
    Sponsor,
    Terms,
    fully_sponsored,
    parse_rules,
    quote,
    quote_month,
    sponsored_programs,
)

P = Period.parse
BASIC = frozenset({"JKK", "JKM"})
WITH_JHT = frozenset({"JKK", "JKM", "JHT"})


def terms(
    sector: str = "fishery",
    programs: frozenset[str] = BASIC,
    sponsors: tuple[Sponsor, ...] = (),
    income: int = 1000000,
) -> Terms:
    return Terms(declared_income=income, programs=programs, sector=sector, sponsors=sponsors)


def sponsor(
    kind: str, programs: frozenset[str] = BASIC, start: str | None = None, until: str | None = None
) -> Sponsor:
    return Sponsor(
        name=f"{kind} sponsor",
        type=kind,
        programs=programs,
        from_period=P(start) if start else None,
        until_period=P(until) if until else None,
    )


def row(period: str, t: Terms) -> dict[str, object]:
    return quote_month(P(period), t).as_dict()


# --- DOMAIN.md check rows ------------------------------------------------------------------------


def test_fisher_november_2026_pays_half() -> None:
    assert row("2026-11", terms()) == {
        "period": "2026-11",
        "jkk": 10000,
        "jkm": 6800,
        "jht": 0,
        "discount": 8400,
        "sponsored": 0,
        "amount": 8400,
    }


def test_fisher_january_2027_pays_full_again() -> None:
    assert row("2027-01", terms()) == {
        "period": "2027-01",
        "jkk": 10000,
        "jkm": 6800,
        "jht": 0,
        "discount": 0,
        "sponsored": 0,
        "amount": 16800,
    }


def test_with_jht_the_discount_never_touches_jht() -> None:
    q = quote_month(P("2026-11"), terms(programs=WITH_JHT))
    assert (q.jkk, q.jkm, q.jht) == (10000, 6800, 20000)
    assert q.full == 36800
    assert q.discount == 8400
    assert q.amount == 28400
    # Outside the window the full Rp36.800 is due.
    assert quote_month(P("2027-01"), terms(programs=WITH_JHT)).amount == 36800


def test_transport_february_2027_still_discounted() -> None:
    q = quote_month(P("2027-02"), terms(sector="transport"))
    assert q.discount == 8400 and q.amount == 8400


def test_apbd_sponsor_loses_the_discount_and_pays_everything() -> None:
    q = quote_month(P("2026-11"), terms(sponsors=(sponsor("apbd"),)))
    assert (q.discount, q.sponsored, q.amount) == (0, 16800, 0)


def test_csr_sponsor_pays_the_discounted_price() -> None:
    q = quote_month(P("2026-11"), terms(sponsors=(sponsor("csr"),)))
    assert (q.discount, q.sponsored, q.amount) == (8400, 8400, 0)


def test_apbd_sponsor_with_jht_leaves_jht_to_the_person() -> None:
    q = quote_month(P("2026-11"), terms(programs=WITH_JHT, sponsors=(sponsor("apbd"),)))
    assert (q.discount, q.sponsored, q.amount) == (0, 16800, 20000)


# --- discount windows ----------------------------------------------------------------------------


@pytest.mark.parametrize("sector", sorted(SECTORS - {"transport"}))
@pytest.mark.parametrize(
    "period, discount",
    [
        ("2025-12", 0),
        ("2026-01", 0),
        ("2026-03", 0),
        ("2026-04", 8400),
        ("2026-12", 8400),
        ("2027-01", 0),
        ("2027-03", 0),
    ],
)
def test_most_sectors_window_april_to_december_2026(
    sector: str, period: str, discount: int
) -> None:
    q = quote_month(P(period), terms(sector=sector))
    assert q.discount == discount
    assert q.amount == 16800 - discount


@pytest.mark.parametrize(
    "period, discount",
    [
        ("2025-12", 0),
        ("2026-01", 8400),
        ("2026-03", 8400),
        ("2026-12", 8400),
        ("2027-03", 8400),
        ("2027-04", 0),
    ],
)
def test_transport_window_january_2026_to_march_2027(period: str, discount: int) -> None:
    assert quote_month(P(period), terms(sector="transport")).discount == discount


# --- rounding ------------------------------------------------------------------------------------

ODD_RULES = """
[[income_level]]
amount = 1000100
from = "2015-07"

[[rate]]
program = "JKK"
from = "2015-07"
rate = "0.01"
min = 10000

[[rate]]
program = "JKM"
from = "2015-07"
flat = 6801

[[rate]]
program = "JHT"
from = "2015-07"
rate = "0.02"

[[discount]]
name = "half"
programs = ["JKK", "JKM"]
fraction = "0.5"
sectors = ["fishery"]
from = "2026-04"
until = "2026-12"
not_with_sponsor_types = ["apbn", "apbd"]
"""


def test_discounted_price_is_rounded_half_up_per_program() -> None:
    rules = parse_rules(ODD_RULES)
    q = quote_month(P("2026-11"), terms(income=1000100), rules)
    # JKK 10.001 -> pays 5.000,5 rounded half up = 5.001 (discount 5.000);
    # JKM 6.801  -> pays 3.400,5 rounded half up = 3.401 (discount 3.400).
    assert (q.jkk, q.jkm) == (10001, 6801)
    assert q.discount == 5000 + 3400
    assert q.amount == 5001 + 3401
    # Per program, not on the sum: half of 16.802 would have been exactly 8.401.
    assert q.amount != 8401


def test_even_charges_halve_exactly() -> None:
    q = quote_month(P("2026-11"), terms(income=2000000))
    assert (q.jkk, q.discount, q.amount) == (20000, 10000 + 3400, 13400)


# --- sponsors ------------------------------------------------------------------------------------


def test_sponsor_window_is_inclusive_and_open_ends_are_unbounded() -> None:
    s = sponsor("csr", start="2026-05", until="2026-10")
    assert not s.covers(P("2026-04"))
    assert s.covers(P("2026-05")) and s.covers(P("2026-10"))
    assert not s.covers(P("2026-11"))
    assert sponsor("csr").covers(P("2015-07"))
    assert sponsor("csr", start="2026-05").covers(P("2099-12"))
    assert sponsor("csr", until="2026-05").covers(P("2016-01"))
    t = terms(sponsors=(s,))
    assert quote_month(P("2026-10"), t).amount == 0
    assert quote_month(P("2026-11"), t).amount == 8400


def test_budget_sponsor_of_only_jkk_still_loses_the_whole_discount() -> None:
    q = quote_month(P("2026-11"), terms(sponsors=(sponsor("apbn", frozenset({"JKK"})),)))
    assert (q.discount, q.sponsored, q.amount) == (0, 10000, 6800)
    assert not fully_sponsored(P("2026-11"), terms(sponsors=(sponsor("apbn", frozenset({"JKK"})),)))


def test_partial_csr_sponsor_pays_its_program_at_the_discounted_price() -> None:
    q = quote_month(P("2026-11"), terms(sponsors=(sponsor("coop", frozenset({"JKM"})),)))
    assert (q.discount, q.sponsored, q.amount) == (8400, 3400, 5000)


def test_budget_sponsor_outside_its_window_does_not_cancel_the_discount() -> None:
    t = terms(sponsors=(sponsor("apbd", until="2026-10"),))
    assert quote_month(P("2026-10"), t).discount == 0
    assert quote_month(P("2026-11"), t).discount == 8400


def test_sponsor_of_an_unchosen_program_is_ignored() -> None:
    t = terms(sponsors=(sponsor("csr", frozenset({"JHT"})),))
    q = quote_month(P("2026-11"), t)
    assert (q.jht, q.sponsored, q.amount) == (0, 0, 8400)
    assert sponsored_programs(P("2026-11"), t) == frozenset()


def test_two_sponsors_of_the_same_program_are_not_counted_twice() -> None:
    t = terms(sponsors=(sponsor("csr"), sponsor("coop")))
    q = quote_month(P("2026-11"), t)
    assert (q.sponsored, q.amount) == (8400, 0)


def test_fully_sponsored_needs_every_chosen_program() -> None:
    p = P("2026-11")
    assert fully_sponsored(p, terms(sponsors=(sponsor("apbd"),)))
    assert not fully_sponsored(p, terms(programs=WITH_JHT, sponsors=(sponsor("apbd"),)))
    two = (sponsor("apbd"), sponsor("csr", frozenset({"JHT"})))
    assert fully_sponsored(p, terms(programs=WITH_JHT, sponsors=two))
    assert not fully_sponsored(p, terms())
    assert not fully_sponsored(P("2026-11"), terms(sponsors=(sponsor("apbd", until="2026-10"),)))


def test_sponsor_validation_and_api_shape() -> None:
    s = Sponsor.from_dict(
        {"name": "Pemkab Lingga", "type": "apbd", "programs": ["JKM", "JKK"], "from": "2026-01"}
    )
    assert s.programs == BASIC and s.from_period == P("2026-01") and s.until_period is None
    assert s.as_dict() == {
        "name": "Pemkab Lingga",
        "type": "apbd",
        "programs": ["JKK", "JKM"],
        "from": "2026-01",
    }
    assert Sponsor.from_dict(s.as_dict()) == s
    with pytest.raises(ValueError, match="sponsor type"):
        Sponsor("x", "bank", BASIC)
    with pytest.raises(ValueError, match="at least one program"):
        Sponsor("x", "csr", frozenset())
    with pytest.raises(ValueError, match="unknown program"):
        Sponsor("x", "csr", frozenset({"JP"}))
    with pytest.raises(ValueError, match="before 'from'"):
        sponsor("csr", start="2026-05", until="2026-04")
    with pytest.raises(ValueError, match="name"):
        Sponsor(" ", "csr", BASIC)
    with pytest.raises(ValueError, match="unknown sponsor field"):
        Sponsor.from_dict({"name": "x", "type": "csr", "programs": ["JKK"], "form": "2026-01"})
    with pytest.raises(ValueError, match="YYYY-MM"):
        Sponsor.from_dict({"name": "x", "type": "csr", "programs": ["JKK"], "from": "Jan 2026"})


def test_terms_validation() -> None:
    with pytest.raises(ValueError, match="JKK and JKM"):
        Terms(1000000, frozenset({"JKK"}), "fishery")
    with pytest.raises(ValueError, match="JKK and JKM"):
        Terms(1000000, frozenset({"JKK", "JHT"}), "fishery")
    with pytest.raises(ValueError, match="sector"):
        Terms(1000000, BASIC, "fishing")
    with pytest.raises(ValueError, match="declared income"):
        Terms(1000000.0, BASIC, "fishery")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="declared income"):
        Terms(0, BASIC, "fishery")
    with pytest.raises(ValueError, match="not a string"):
        Terms(1000000, "JKK,JKM", "fishery")  # type: ignore[arg-type]
    assert Terms(1000000, {"JKK", "JKM"}, "trade").programs == BASIC  # type: ignore[arg-type]


def test_quote_several_months_and_total() -> None:
    rows, total = quote(Period.range(P("2026-11"), P("2027-02")), terms())
    assert [r.amount for r in rows] == [8400, 8400, 16800, 16800]
    assert total == 50400
    assert [str(r.period) for r in rows] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert quote([], terms()) == ([], 0)


def test_months_without_rules_cannot_be_priced() -> None:
    assert quote_month(P("2015-07"), terms()).amount == 16800
    with pytest.raises(NoRuleError):
        quote_month(P("2015-06"), terms())


# --- invariants ----------------------------------------------------------------------------------

periods = st.builds(Period.from_index, st.integers(P("2015-07").index, P("2029-12").index))


@st.composite
def sponsors(draw: st.DrawFn) -> Sponsor:
    start = draw(st.none() | periods)
    until = draw(st.none() | periods)
    if start is not None and until is not None and until < start:
        start, until = until, start
    return Sponsor(
        name=draw(st.sampled_from(["Pemkab Lingga", "Pemprov Kepri", "CSR", "Koperasi"])),
        type=draw(st.sampled_from(sorted(SPONSOR_TYPES))),
        programs=draw(st.frozensets(st.sampled_from(["JKK", "JKM", "JHT"]), min_size=1)),
        from_period=start,
        until_period=until,
    )


all_terms = st.builds(
    Terms,
    declared_income=st.integers(1, 60_000_000) | st.just(1000000),
    programs=st.sampled_from([BASIC, WITH_JHT]),
    sector=st.sampled_from(sorted(SECTORS)),
    sponsors=st.lists(sponsors(), max_size=3).map(tuple),
)


@given(periods, all_terms)
def test_quote_invariants(period: Period, t: Terms) -> None:
    q = quote_month(period, t)
    assert isinstance(q, MonthQuote)
    for value in (q.jkk, q.jkm, q.jht, q.discount, q.sponsored, q.amount):
        assert type(value) is int and value >= 0
    assert q.amount + q.discount + q.sponsored == q.jkk + q.jkm + q.jht
    assert q.discount <= q.jkk + q.jkm  # never on JHT
    assert q.sponsored <= q.full
    assert q.jkk >= 10000 and q.jkm == 6800
    if "JHT" not in t.programs:
        assert q.jht == 0
    if fully_sponsored(period, t):
        assert q.amount == 0
    if not any(s.covers(period) for s in t.sponsors):
        assert q.sponsored == 0
    budget = any(
        s.covers(period) and s.type in {"apbn", "apbd"} and s.programs & BASIC for s in t.sponsors
    )
    if budget:
        assert q.discount == 0
    # A sponsor never makes the person pay more, unless a budget sponsor cancels the discount
    # on a program it does not pay (e.g. APBD pays only JKM: JKK is then due in full).
    alone = quote_month(period, Terms(t.declared_income, t.programs, t.sector))
    if not budget:
        assert q.amount <= alone.amount
    if budget and sponsored_programs(period, t) >= BASIC:
        assert q.amount == q.jht - (q.jht if "JHT" in sponsored_programs(period, t) else 0)
    assert q.as_dict()["period"] == str(period)


@given(st.lists(periods, max_size=14), all_terms)
def test_quote_total_is_sum_of_rows(months: list[Period], t: Terms) -> None:
    rows, total = quote(months, t)
    assert [r.period for r in rows] == months
    assert total == sum(quote_month(p, t).amount for p in months)
