"""Period: parsing, text form, month arithmetic, days and due dates."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.dues import Period

periods = st.builds(Period, st.integers(1900, 2200), st.integers(1, 12))


def test_parse_and_str_round_trip() -> None:
    p = Period.parse("2026-11")
    assert (p.year, p.month) == (2026, 11)
    assert str(p) == "2026-11"
    assert str(Period(987, 3)) == "0987-03"


@pytest.mark.parametrize(
    "text",
    [
        "2026-1",
        "2026-13",
        "2026-00",
        "26-11",
        "2026/11",
        " 2026-11",
        "2026-11 ",
        "",
        "2026-11-01",
        "abcd-ef",
        "0000-01",
        "٢٠٢٦-١١",
    ],
)
def test_parse_rejects_bad_text_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM|month must be|year must be"):
        Period.parse(text)


@pytest.mark.parametrize("value", [202611, None, 2026.11, ["2026-11"]])
def test_parse_rejects_non_strings(value: object) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        Period.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("year, month", [(2026, 0), (2026, 13), (0, 5), (2026, True), (2026.0, 1)])
def test_constructor_validates(year: object, month: object) -> None:
    with pytest.raises(ValueError):
        Period(year, month)  # type: ignore[arg-type]


def test_of_date() -> None:
    assert Period.of(date(2026, 2, 28)) == Period(2026, 2)


def test_arithmetic_across_year_ends() -> None:
    p = Period(2026, 11)
    assert p + 2 == Period(2027, 1)
    assert 2 + p == Period(2027, 1)
    assert p - 11 == Period(2025, 12)
    assert p + 0 == p
    assert Period(2027, 3) - p == 4
    assert p - Period(2027, 3) == -4
    assert p.months_until(Period(2027, 11)) == 12


def test_arithmetic_rejects_non_int() -> None:
    with pytest.raises(TypeError):
        Period(2026, 1) + 1.0  # type: ignore[operator]
    with pytest.raises(TypeError):
        Period(2026, 1) + True  # type: ignore[operator]


def test_days_and_due_dates() -> None:
    assert Period(2026, 2).first_day() == date(2026, 2, 1)
    assert Period(2026, 2).last_day() == date(2026, 2, 28)
    assert Period(2028, 2).last_day() == date(2028, 2, 29)
    assert Period(2026, 11).due_date(15) == date(2026, 11, 15)
    # A due day past the month's end is clamped to its last day.
    assert Period(2026, 2).due_date(31) == date(2026, 2, 28)
    assert Period(2028, 2).due_date(31) == date(2028, 2, 29)
    assert Period(2026, 4).due_date(31) == date(2026, 4, 30)
    with pytest.raises(ValueError, match="due day"):
        Period(2026, 4).due_date(0)
    with pytest.raises(ValueError, match="due day"):
        Period(2026, 4).due_date(32)


def test_range_is_inclusive_and_empty_when_reversed() -> None:
    got = list(Period.range(Period(2026, 11), Period(2027, 2)))
    assert [str(p) for p in got] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert list(Period.range(Period(2026, 11), Period(2026, 11))) == [Period(2026, 11)]
    assert list(Period.range(Period(2027, 1), Period(2026, 12))) == []


def test_ordering_and_hashing() -> None:
    assert Period(2025, 12) < Period(2026, 1) < Period(2026, 2)
    assert max(Period(2026, 1), Period(2025, 12)) == Period(2026, 1)
    assert {Period(2026, 1), Period.parse("2026-01")} == {Period(2026, 1)}


@given(periods)
def test_text_round_trip_property(p: Period) -> None:
    assert Period.parse(str(p)) == p


@given(periods, st.integers(-600, 600))
def test_add_then_subtract_property(p: Period, n: int) -> None:
    q = p + n
    assert q - p == n
    assert p.months_until(q) == n
    assert q - n == p
    assert (q > p) == (n > 0)
    assert len(list(Period.range(p, q))) == max(0, n + 1)


@given(periods, st.integers(1, 31))
def test_due_date_is_in_the_month_property(p: Period, due_day: int) -> None:
    due = p.due_date(due_day)
    assert Period.of(due) == p
    assert p.first_day() <= due <= p.last_day()
    assert due.day == min(due_day, p.last_day().day)
