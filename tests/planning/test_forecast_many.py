"""Many series at once: gaps, totals, skipped series, bad tables, and workers agreeing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from vardkoll.domain import InputError
from vardkoll.planning import ForecastSet, forecast_many, forecast_series

START = dt.date(2023, 1, 2)


def long_table(seed: int = 0) -> pd.DataFrame:
    """Two units × two specialties × one entry type, some weeks missing, one row split."""
    rng = np.random.default_rng(seed)
    rows = []
    for unit, weeks in (("U1", 120), ("U2", 60)):
        for specialty, level in (("ortopedi", 25.0), ("ögon", 12.0)):
            first = START + dt.timedelta(weeks=120 - weeks)
            for k in range(weeks):
                count = int(rng.poisson(level))
                if k > 0 and count < level * 0.6:
                    continue  # a week nobody wrote a row for: it counts as 0
                rows.append((unit, specialty, "besök", first + dt.timedelta(weeks=k), count))
    rows.append(("U1", "ortopedi", "besök", START + dt.timedelta(weeks=119), 5))  # split row
    rows.append(("U9", "ortopedi", "besök", START + dt.timedelta(weeks=115), 3))  # new unit
    return pd.DataFrame(
        rows, columns=["unit_id", "specialty", "entry_type", "week_start", "inflow"]
    )


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return long_table()


@pytest.fixture(scope="module")
def result(table: pd.DataFrame) -> ForecastSet:
    return forecast_many(table, horizon=6, totals=((), ("specialty",)))


def _weekly(table: pd.DataFrame, mask: pd.Series[bool]) -> pd.Series[float]:
    part = table[mask].groupby("week_start")["inflow"].sum()
    part.index = pd.DatetimeIndex(part.index)
    span = pd.date_range(part.index.min(), table["week_start"].max(), freq="7D")
    return part.reindex(span, fill_value=0).astype(float)


def test_keys_cover_series_and_totals(result: ForecastSet) -> None:
    assert set(result.forecasts) == {
        ("U1", "ortopedi", "besök"),
        ("U1", "ögon", "besök"),
        ("U2", "ortopedi", "besök"),
        ("U2", "ögon", "besök"),
        ("*", "*", "*"),
        ("*", "ortopedi", "*"),
        ("*", "ögon", "*"),
    }
    assert set(result.skipped) == {("U9", "ortopedi", "besök")}
    assert "at least 32 weeks" in result.skipped[("U9", "ortopedi", "besök")]


def test_each_series_equals_forecasting_it_alone_with_gaps_as_zero(
    table: pd.DataFrame, result: ForecastSet
) -> None:
    cases = {
        ("U2", "ögon", "besök"): (table["unit_id"] == "U2") & (table["specialty"] == "ögon"),
        ("*", "*", "*"): table["unit_id"] != "",
        ("*", "ortopedi", "*"): table["specialty"] == "ortopedi",
    }
    for key, mask in cases.items():
        alone = forecast_series(_weekly(table, mask), horizon=6)
        got = result.forecasts[key]
        np.testing.assert_allclose(got.mean, alone.mean)
        np.testing.assert_allclose(got.upper_95, alone.upper_95)
        assert got.model == alone.model
        assert got.name == " × ".join(key)
    # The region total includes the split row and the new unit's week.
    region = _weekly(table, table["unit_id"] != "")
    assert result.forecasts[("*", "*", "*")].history_weeks == len(region) == 120


def test_frames_for_the_planner(result: ForecastSet) -> None:
    long = result.to_frame()
    assert list(long.columns[:4]) == ["unit_id", "specialty", "entry_type", "week_start"]
    assert len(long) == 6 * len(result.forecasts)
    assert (long["forecast"] >= 0).all()
    summary = result.summary()
    assert len(summary) == len(result.forecasts) + len(result.skipped)
    assert set(summary["trust"].dropna()) <= {"high", "medium", "low"}
    skipped = summary[summary["unit_id"] == "U9"]
    assert skipped["trust"].isna().all()
    assert "weeks of history" in skipped["notes"].iloc[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop(columns="inflow"), "lacks the column"),
        (lambda t: t.assign(inflow=t["inflow"].where(t.index != 3, -1)), "negative"),
        (lambda t: t.assign(inflow=t["inflow"].astype(float).where(t.index != 3)), "missing"),
        (
            lambda t: t.assign(week_start=t["week_start"].where(t.index != 5, dt.date(2023, 1, 4))),
            "not Mondays",
        ),
        (lambda t: t.assign(week_start="soon"), "must hold dates"),
    ],
)
def test_bad_tables_are_refused(table: pd.DataFrame, change: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        forecast_many(change(table))  # type: ignore[operator]


def test_bad_options_are_refused(table: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="`totals` entry"):
        forecast_many(table, totals=(("region",),))
    with pytest.raises(InputError, match="`workers`"):
        forecast_many(table, workers=0)
    with pytest.raises(InputError, match="`method`"):
        forecast_many(table, method="magic")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="DataFrame"):
        forecast_many([1, 2, 3])  # type: ignore[arg-type]


@pytest.mark.slow
def test_worker_processes_give_the_same_forecasts(table: pd.DataFrame, result: ForecastSet) -> None:
    parallel = forecast_many(table, horizon=6, totals=((), ("specialty",)), workers=2)
    assert list(parallel.forecasts) == list(result.forecasts)
    for key, f in result.forecasts.items():
        np.testing.assert_array_equal(parallel.forecasts[key].mean, f.mean)
        np.testing.assert_array_equal(parallel.forecasts[key].lower_95, f.lower_95)
        assert parallel.forecasts[key].accuracy == f.accuracy
        assert not parallel.forecasts[key].mean.flags.writeable
    assert dict(parallel.skipped) == dict(result.skipped)
