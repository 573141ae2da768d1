"""Forecast → simulation hand-off: the mean is kept, the interval becomes the spread."""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import pytest

from vardkoll.domain import InputError
from vardkoll.planning import (
    Forecast,
    InitialList,
    WaitingListModel,
    arrivals_from_forecast,
    arrivals_from_forecasts,
    forecast_series,
    level_cv_from_forecast,
    simulate,
)
from vardkoll.planning._handoff import Z80

FloatArray = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def forecast() -> Forecast:
    rng = np.random.default_rng(11)
    weeks = np.arange(156)
    history = rng.poisson(40 + 6 * np.sin(2 * np.pi * weeks / 52)).astype(float)
    return forecast_series(history, weeks="2023-01-02", horizon=26, method="naive")


def with_interval(fc: Forecast, sd: FloatArray) -> Forecast:
    """The same forecast with a symmetric 80 % interval of the given standard deviation."""
    lower = np.maximum(fc.mean - Z80 * sd, 0.0)
    return dataclasses.replace(
        fc,
        lower_80=lower,
        upper_80=fc.mean + Z80 * sd,
        lower_95=np.maximum(fc.mean - 1.96 * sd, 0.0),
        upper_95=fc.mean + 1.96 * sd,
    )


def paths_of(fc: Forecast, replications: int, seed: int = 0) -> FloatArray:
    arrivals = arrivals_from_forecast(fc)
    model = WaitingListModel(
        initial=InitialList.empty(),
        arrivals=arrivals,
        capacity=np.zeros((arrivals.mean_per_week.shape[0], 1)),
    )
    result = simulate(model, replications=replications, seed=seed, keep_paths=True)
    assert result.paths is not None
    return result.paths.arrivals[:, :, 0].astype(np.float64)


def test_the_mean_is_kept_exactly_and_split_over_priorities(forecast: Forecast) -> None:
    arrivals = arrivals_from_forecast(forecast, priority_shares=[0.1, 0.3, 0.6])
    assert arrivals.mean_per_week.shape == (26, 1, 3)
    np.testing.assert_allclose(arrivals.mean_per_week.sum(axis=(1, 2)), forecast.mean)
    np.testing.assert_allclose(
        arrivals.mean_per_week[:, 0, :], np.outer(forecast.mean, [0.1, 0.3, 0.6])
    )
    assert arrivals_from_forecast(forecast, horizon_weeks=8).mean_per_week.shape == (8, 1, 1)


def test_simulated_arrivals_have_the_forecast_mean(forecast: Forecast) -> None:
    counts = paths_of(forecast, replications=2000, seed=3)
    totals = counts.sum(axis=1)
    error = abs(totals.mean() - forecast.mean.sum())
    assert error < 4 * totals.std(ddof=1) / np.sqrt(totals.size)
    weekly = counts.mean(axis=0)
    sem = counts.std(axis=0, ddof=1) / np.sqrt(counts.shape[0])
    assert np.all(np.abs(weekly - forecast.mean) < 4.5 * sem)


def test_simulated_weekly_spread_matches_the_interval(forecast: Forecast) -> None:
    sd = 0.3 * forecast.mean  # well beyond Poisson noise (sd ≈ 6 at a mean of 36)
    wide = with_interval(forecast, sd)
    counts = paths_of(wide, replications=3000, seed=5)
    # The fitted variance, summed over weeks, is the interval's (the documented criterion).
    assert counts.var(axis=0, ddof=1).sum() == pytest.approx(float((sd**2).sum()), rel=0.1)
    # And, independently of that algebra, the interval covers about 80 % of simulated weeks.
    inside = (counts >= wide.lower_80) & (counts <= wide.upper_80)
    assert 0.74 < inside.mean() < 0.88


def test_a_wider_interval_gives_a_wider_fan(forecast: Forecast) -> None:
    narrow = with_interval(forecast, 0.2 * forecast.mean)
    wide = with_interval(forecast, 0.4 * forecast.mean)
    assert level_cv_from_forecast(wide) > level_cv_from_forecast(narrow) > 0
    spans = []
    for fc in (narrow, wide):
        model = WaitingListModel(
            initial=InitialList.from_arrays(queue=[0] * 200, waited_weeks=np.arange(200) % 10),
            arrivals=arrivals_from_forecast(fc),
            capacity=np.full((26, 1), 40.0),
            booking="fifo",
        )
        result = simulate(model, replications=600, seed=2, percentiles=(10, 90))
        spans.append(float(result.queue_size[1, -1, 0] - result.queue_size[0, -1, 0]))
    assert spans[1] > 1.5 * spans[0]


def test_an_interval_no_wider_than_poisson_noise_adds_no_level_spread(forecast: Forecast) -> None:
    poisson_only = with_interval(forecast, 0.9 * np.sqrt(forecast.mean))
    assert level_cv_from_forecast(poisson_only) == 0.0
    assert arrivals_from_forecast(poisson_only).level_cv == 0.0


def test_a_clipped_lower_bound_uses_the_upper_half() -> None:
    rng = np.random.default_rng(1)
    fc = forecast_series(rng.poisson(2, 120).astype(float), weeks="2023-01-02", horizon=6)
    sd = np.full(6, 3.0)
    clipped = with_interval(fc, sd)
    assert np.all(clipped.lower_80 == 0.0)
    mean = clipped.mean
    expected = np.sqrt(np.maximum(sd**2 - mean, 0).sum() / (mean**2).sum())
    assert level_cv_from_forecast(clipped) == pytest.approx(expected)


def test_many_queues_one_forecast_each(forecast: Forecast) -> None:
    double = dataclasses.replace(
        forecast,
        name="double",
        mean=forecast.mean * 2,
        lower_80=forecast.lower_80 * 2,
        upper_80=forecast.upper_80 * 2,
    )
    arrivals = arrivals_from_forecasts(
        [forecast, double], priority_shares=[[0.5, 0.5], [0.2, 0.8]], horizon_weeks=10
    )
    assert arrivals.mean_per_week.shape == (10, 2, 2)
    np.testing.assert_allclose(arrivals.mean_per_week[:, 1, 1], 0.8 * 2 * forecast.mean[:10])


def test_bad_hand_offs_are_refused(forecast: Forecast) -> None:
    with pytest.raises(InputError, match="priority_shares"):
        arrivals_from_forecast(forecast, priority_shares=[0.5, 0.6])
    with pytest.raises(InputError, match="priority_shares"):
        arrivals_from_forecast(forecast, priority_shares=[-0.5, 1.5])
    with pytest.raises(InputError, match="horizon_weeks"):
        arrivals_from_forecast(forecast, horizon_weeks=27)
    later = dataclasses.replace(forecast, weeks=forecast.weeks[1:] + forecast.weeks[:1])
    with pytest.raises(InputError, match="different weeks"):
        arrivals_from_forecasts([forecast, later])
    with pytest.raises(InputError, match="one per queue"):
        arrivals_from_forecasts([forecast, forecast], priority_shares=[[1.0]])
