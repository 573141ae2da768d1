"""The generator's building blocks, each against an independent reference."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vardkoll.domain import luhn_check_digit, nrid_check_digit, parse_identity
from vardkoll.synth import AGE_SEX_PYRAMID, REGION_POPULATION, region_population
from vardkoll.synth._calendar import (
    civil_from_days,
    day_number,
    inflow_shape,
    is_christmas,
    is_summer,
    iso_weeks,
    weekday,
)
from vardkoll.synth._identities import draw_people, luhn_digits
from vardkoll.synth._pathways import shift_removals
from vardkoll.synth._population import municipality_places
from vardkoll.synth._queues import PRIORITY_FACTORS, PRIORITY_SHARES, solve_base, stock_weights
from vardkoll.synth._sampling import categorical_rows

DAYS = st.integers(
    min_value=day_number(dt.date(1920, 1, 1)), max_value=day_number(dt.date(2040, 12, 31))
)


@given(st.lists(DAYS, min_size=1, max_size=50))
def test_calendar_matches_the_standard_library(days: list[int]) -> None:
    arr = np.array(days, dtype=np.int64)
    year, month, day = civil_from_days(arr)
    iso_year, iso_week = iso_weeks(arr)
    for k, d in enumerate(days):
        date = dt.date(1970, 1, 1) + dt.timedelta(days=d)
        assert (year[k], month[k], day[k]) == (date.year, date.month, date.day)
        assert (iso_year[k], iso_week[k]) == date.isocalendar()[:2]
        assert weekday(arr)[k] == date.weekday()
        assert bool(is_summer(arr)[k]) == (27 <= date.isocalendar()[1] <= 32)
        holiday = (date.month == 12 and date.day >= 23) or (date.month == 1 and date.day <= 6)
        assert bool(is_christmas(arr)[k]) == holiday


@given(st.lists(DAYS, min_size=1, max_size=200), st.integers(0, 2**32 - 1))
def test_removals_only_move_later_and_onto_weekdays(days: list[int], seed: int) -> None:
    arr = np.array(days, dtype=np.int64)
    moved = shift_removals(arr, np.random.default_rng(seed))
    assert np.all(moved >= arr)
    assert np.all(weekday(moved) < 5)
    ordinary = ~is_summer(arr) & ~is_christmas(arr)
    assert np.all((moved - arr)[ordinary] <= 2)  # only a weekend is skipped
    assert np.all(moved - arr <= 6 * 7 + 9 + 2)  # at most past the summer weeks


def test_summer_and_christmas_removals_mostly_move() -> None:
    rng = np.random.default_rng(1)
    summer = np.full(10_000, day_number(dt.date(2025, 7, 9)))  # a Wednesday in week 28
    moved = shift_removals(summer, rng)
    assert 0.5 < float(np.mean(moved != summer)) < 0.6  # the 55 % summer dip
    assert iso_weeks(moved[moved != summer])[1].min() == 33


def test_inflow_shape_keeps_the_yearly_total() -> None:
    days = np.arange(day_number(dt.date(2023, 1, 2)), day_number(dt.date(2026, 1, 5)))
    shape = inflow_shape(days)
    assert shape.mean() == pytest.approx(1.0)
    assert shape[weekday(days) == 0].mean() > 10 * shape[weekday(days) == 6].mean()


@given(st.lists(st.integers(0, 9), min_size=1, max_size=15))
def test_vectorised_luhn_equals_the_domain_rule(digits: list[int]) -> None:
    ours = luhn_digits(np.array([digits]))[0]
    assert ours == luhn_check_digit("".join(map(str, digits)))


def test_generated_identities_parse_and_carry_birth_date_and_sex() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    birth = rng.integers(day_number(dt.date(1926, 1, 1)), day_number(dt.date(2026, 1, 1)), n)
    male = rng.random(n) < 0.5
    first_day = birth + 10_000
    people = draw_people(rng, birth, male, np.zeros(n, dtype=np.int64), first_day)
    seen = set()
    for k, (first, linked) in enumerate(
        zip(people.first_id.to_pylist(), people.linked_id.to_pylist(), strict=True)
    ):
        identity = parse_identity(first, today=dt.date(2026, 10, 31))
        seen.add(identity.type)
        assert identity.birth_date == dt.date(1970, 1, 1) + dt.timedelta(days=int(birth[k]))
        assert identity.sex == ("M" if male[k] else "F")
        if identity.type == "reservnummer":
            assert int(first[-1]) == nrid_check_digit(first[:11])
            assert parse_identity(linked, today=dt.date(2026, 10, 31)).type == "personnummer"
            assert first_day[k] < people.link_day[k] < first_day[k] + 200
        else:
            assert people.link_day[k] > 10**9  # never linked
    assert seen == {"personnummer", "samordningsnummer", "reservnummer"}
    assert 0 < people.protected.sum() < 0.02 * n


def test_categorical_rows_follow_their_weights() -> None:
    weights = np.array([[1.0, 3.0, 0.0, 6.0], [0.0, 0.0, 1.0, 0.0]])
    rows = np.r_[np.zeros(100_000, dtype=np.int64), np.ones(1000, dtype=np.int64)]
    drawn = categorical_rows(weights, rows, np.random.default_rng(3))
    first = np.bincount(drawn[:100_000], minlength=4) / 100_000
    assert first == pytest.approx([0.1, 0.3, 0.0, 0.6], abs=0.01)
    assert np.all(drawn[100_000:] == 2)


def test_stock_weights_equal_the_geometric_series() -> None:
    """Constant inflow, one specialty, no trend: stock = λ Σ_p π_p Σ_a exp(-(a+1)/m_p)."""
    days = np.arange(0, 3000, dtype=np.int64)
    inflow = np.full((1, days.size), 2.0)
    total, beyond = stock_weights(50.0, inflow, np.array([1.0]), np.array([0.0]), days, 2999)
    means = 50.0 * PRIORITY_FACTORS
    q = np.exp(-1 / means)
    expected = 2.0 * np.sum(PRIORITY_SHARES * q / (1 - q))
    expected_beyond = 2.0 * np.sum(PRIORITY_SHARES * q**92 / (1 - q))
    assert total == pytest.approx(expected, rel=1e-6)
    assert beyond == pytest.approx(expected_beyond, rel=1e-6)


def test_solved_queue_hits_its_targets_in_simulation() -> None:
    """Draw the waits the solver designed and count the stock by simulation."""
    days = np.arange(0, 1500, dtype=np.int64)
    inflow = np.full((2, days.size), 0.5)
    factor, trend = np.array([0.8, 1.3]), np.array([0.0, 0.3])
    design = solve_base(inflow, factor, trend, days, 1499, 0.41, 2000.0)
    rng = np.random.default_rng(11)
    counts = rng.poisson(design.level * inflow)
    spec = np.repeat(np.repeat([[0], [1]], days.size, axis=1).ravel(), counts.ravel())
    start = np.repeat(np.tile(days, 2), counts.ravel())
    priority = rng.choice(4, size=start.size, p=PRIORITY_SHARES)
    mean = design.base_days * factor[spec] * PRIORITY_FACTORS[priority]
    mean = mean * np.maximum(0.35, 1 + trend[spec] * (start - 1499) / 365)
    removal = start + np.floor(rng.exponential(mean))
    waiting = removal > 1499
    assert waiting.sum() == pytest.approx(2000, rel=0.05)
    assert np.mean(1499 - start[waiting] > 90) == pytest.approx(0.41, abs=0.02)


def test_population_tables() -> None:
    assert sum(REGION_POPULATION.values()) == pytest.approx(10_551_000, rel=0.01)
    assert sum(m + f for m, f in AGE_SEX_PYRAMID) == pytest.approx(10_510, rel=0.01)
    for code in REGION_POPULATION:
        places = municipality_places(code)
        assert sum(p.population for p in places) == region_population(code)
        assert all(p.population > 0 for p in places)
        assert all(54.9 < p.latitude < 69.1 and 10.5 < p.longitude < 24.2 for p in places)


def test_generated_region_page_examples_run() -> None:
    import doctest
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "explanation" / "generated-region.md"
    result = doctest.testfile(str(page), module_relative=False, verbose=False)
    assert result.attempted >= 4
    assert result.failed == 0
