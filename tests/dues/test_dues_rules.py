"""Rules data: the packaged file, strict validation, and rounding."""

from decimal import Decimal
from pathlib import Path

import pytest

from app.dues import (
    DEFAULT_RULES_PATH,
    NoRuleError,
    Period,
    Rules,
    RulesError,
    load_rules,
    parse_rules,
    round_half_up,
)

P = Period.parse


def test_packaged_rules_load_and_are_cached() -> None:
    rules = load_rules()
    assert isinstance(rules, Rules)
    assert load_rules() is rules
    assert load_rules(DEFAULT_RULES_PATH) == rules


def test_income_level_one_million_from_july_2015() -> None:
    rules = load_rules()
    assert 1000000 in rules.income_levels(P("2015-07"))
    assert 1000000 in rules.income_levels(P("2026-11"))
    assert rules.income_levels(P("2015-06")) == ()
    assert rules.is_income_level(1000000, P("2026-11"))
    assert not rules.is_income_level(1000000, P("2015-06"))
    assert not rules.is_income_level(1000001, P("2026-11"))
    assert not rules.is_income_level("1000000", P("2026-11"))  # type: ignore[arg-type]


def test_rates_are_decimals_and_charges_follow_the_formulas() -> None:
    rules = load_rules()
    may = P("2020-05")
    jkk = rules.rate_for("JKK", may)
    assert jkk.rate == Decimal("0.01") and isinstance(jkk.rate, Decimal)
    assert rules.charge("JKK", 1000000, may) == 10000
    assert rules.charge("JKM", 1000000, may) == 6800
    assert rules.charge("JHT", 1000000, may) == 20000
    # Floor and cap of JKK.
    assert rules.charge("JKK", 500000, may) == 10000
    assert rules.charge("JKK", 30000000, may) == 207000
    assert rules.charge("JKK", 20700000, may) == 207000
    assert rules.charge("JKK", 15000000, may) == 150000
    # JHT has no cap.
    assert rules.charge("JHT", 30000000, may) == 600000


def test_no_rule_before_july_2015() -> None:
    rules = load_rules()
    assert rules.charge("JKM", 1000000, P("2015-07")) == 6800
    with pytest.raises(NoRuleError, match="no JKK rate is in force for 2015-06"):
        rules.charge("JKK", 1000000, P("2015-06"))
    with pytest.raises(ValueError, match="unknown program"):
        rules.rate_for("JP", P("2020-01"))


def test_round_half_up_is_not_bankers_rounding() -> None:
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("3.5")) == 4
    assert round_half_up(Decimal("5000.5")) == 5001
    assert round_half_up(Decimal("5000.4999")) == 5000
    assert round_half_up(Decimal("0")) == 0


BASE = """
[[income_level]]
amount = 1000000
from = "2015-07"

[[rate]]
program = "JKK"
from = "2015-07"
rate = "0.01"
min = 10000
max = 207000

[[rate]]
program = "JKM"
from = "2015-07"
flat = 6800

[[rate]]
program = "JHT"
from = "2015-07"
rate = "0.02"
"""


def test_a_rate_change_takes_effect_from_its_month() -> None:
    text = (
        BASE.replace("flat = 6800", 'flat = 6800\nuntil = "2029-12"')
        + """
[[rate]]
program = "JKM"
from = "2030-01"
flat = 7000
"""
    )
    rules = parse_rules(text)
    assert rules.charge("JKM", 1000000, P("2029-12")) == 6800
    assert rules.charge("JKM", 1000000, P("2030-01")) == 7000


def test_percentage_charge_rounds_half_up() -> None:
    rules = parse_rules(BASE)
    # 1% of 1.000.050 is 10.000,5: half up gives 10.001 (banker's rounding would give 10.000).
    assert rules.charge("JKK", 1000050, P("2020-01")) == 10001
    assert rules.charge("JKK", 1000049, P("2020-01")) == 10000


@pytest.mark.parametrize(
    "text, message",
    [
        ("this is = = not toml", "not valid TOML"),
        (BASE + "\n[[colour]]\nx = 1\n", "unknown top-level key"),
        (
            BASE.replace('from = "2015-07"\nrate = "0.02"', 'form = "2015-07"\nrate = "0.02"'),
            r"rate #3 \(JHT\): unknown key\(s\) \['form'\]",
        ),
        (BASE.replace('rate = "0.01"', "rate = 0.01"), "decimal string"),
        (BASE.replace('rate = "0.01"', 'rate = "one percent"'), "not a decimal number"),
        (BASE.replace('rate = "0.01"', 'rate = "1.5"'), "share of income"),
        (BASE.replace("flat = 6800", 'flat = 6800\nrate = "0.01"'), "exactly one of"),
        (BASE.replace("flat = 6800", "flat = 6800.5"), "whole number of rupiah"),
        (BASE.replace("max = 207000", "max = 5000"), "below 'min'"),
        (BASE.replace('program = "JHT"', 'program = "JP"'), "unknown program 'JP'"),
        (BASE.replace('from = "2015-07"\nflat', 'from = "2015-7"\nflat'), "YYYY-MM"),
        (BASE.replace("flat = 6800", 'flat = 6800\nuntil = "2015-01"'), "before 'from'"),
        (BASE + '[[rate]]\nprogram = "JKM"\nfrom = "2020-01"\nflat = 7000\n', "overlap"),
        (BASE.replace("amount = 1000000", "amount = 0"), "more than 0"),
        (
            BASE.replace('[[income_level]]\namount = 1000000\nfrom = "2015-07"\n', ""),
            "at least one",
        ),
        (BASE.split('[[rate]]\nprogram = "JHT"')[0], r"no \[\[rate\]\] for program\(s\) \['JHT'\]"),
    ],
)
def test_bad_rules_fail_at_load_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(text, "test.toml")


DISCOUNT = """
[[discount]]
name = "D"
programs = ["JKK", "JKM"]
fraction = "0.5"
sectors = ["fishery"]
from = "2026-04"
until = "2026-12"
not_with_sponsor_types = ["apbn", "apbd"]
"""


@pytest.mark.parametrize(
    "change, message",
    [
        (('sectors = ["fishery"]', 'sectors = ["fishing"]'), r"unknown value\(s\) \['fishing'\]"),
        (('programs = ["JKK", "JKM"]', "programs = []"), "must not be empty"),
        (('fraction = "0.5"', 'fraction = "0"'), "0 < f <= 1"),
        (('["apbn", "apbd"]', '["apbn", "state"]'), "unknown value"),
        (('name = "D"', 'name = ""'), "non-empty string"),
    ],
)
def test_bad_discounts_fail_at_load(change: tuple[str, str], message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(BASE + DISCOUNT.replace(*change))


def test_overlapping_discounts_for_the_same_sector_are_refused() -> None:
    second = DISCOUNT.replace('from = "2026-04"', 'from = "2026-12"').replace(
        'until = "2026-12"', 'until = "2027-03"'
    )
    with pytest.raises(RulesError, match="JKK/fishery overlap"):
        parse_rules(BASE + DISCOUNT + second)
    # Adjacent windows are fine.
    adjacent = second.replace('from = "2026-12"', 'from = "2027-01"')
    assert len(parse_rules(BASE + DISCOUNT + adjacent).discounts) == 2


def test_packaged_discount_windows() -> None:
    rules = load_rules()
    for sector in ["fishery", "agriculture", "trade", "labour", "services", "other"]:
        assert rules.discount_for("JKK", sector, P("2026-03")) is None
        assert rules.discount_for("JKK", sector, P("2026-04")) is not None
        assert rules.discount_for("JKM", sector, P("2026-12")) is not None
        assert rules.discount_for("JKM", sector, P("2027-01")) is None
        assert rules.discount_for("JHT", sector, P("2026-11")) is None
    assert rules.discount_for("JKK", "transport", P("2025-12")) is None
    assert rules.discount_for("JKK", "transport", P("2026-01")) is not None
    assert rules.discount_for("JKK", "transport", P("2027-03")) is not None
    assert rules.discount_for("JKK", "transport", P("2027-04")) is None


def test_load_rules_from_a_path_and_missing_file(tmp_path: Path) -> None:
    file = tmp_path / "rules.toml"
    file.write_text(BASE.replace("flat = 6800", "flat = 7100"), encoding="utf-8")
    assert load_rules(file).charge("JKM", 1000000, P("2020-01")) == 7100
    with pytest.raises(RulesError, match="cannot read rules file"):
        load_rules(tmp_path / "missing.toml")


def test_rules_are_immutable() -> None:
    rules = load_rules()
    with pytest.raises(AttributeError):
        rules.levels = ()  # type: ignore[misc]
    assert isinstance(rules.rates, tuple) and isinstance(rules.discounts, tuple)
