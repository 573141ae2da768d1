"""Weekly forecasts: accuracy on series of known structure, honest intervals, the trust rule,
MASE and coverage recomputed independently, and clear errors for bad input."""

from __future__ import annotations

import datetime as dt
import pickle
import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from vardkoll.domain import InputError
from vardkoll.planning import Forecast, forecast_series, week_calendar

START = dt.date(2023, 1, 2)  # a Monday
FloatArray = npt.NDArray[np.float64]


def mondays(n: int, start: dt.date = START) -> list[dt.date]:
    return [start + dt.timedelta(weeks=k) for k in range(n)]


def structured(seed: int, n: int, *, level: float = 40.0, start: dt.date = START) -> FloatArray:
    """Seasonal + trend + working-day effect + Poisson noise: structure a model can learn."""
    rng = np.random.default_rng(seed)
    cal = week_calendar(mondays(n, start))
    t = np.arange(n)
    phase = rng.uniform(0, 2 * np.pi)
    mean = (
        level
        * (1 + 0.10 * t / 52 + 0.20 * np.sin(2 * np.pi * t / 52.18 + phase))
        * cal["working_days"].to_numpy()
        / 5
        * np.where(cal["summer"].to_numpy(), 0.7, 1.0)
    )
    counts: FloatArray = rng.poisson(mean).astype(np.float64)
    return counts


def seasonal_naive_scale(y: FloatArray) -> float:
    return float(np.mean(np.abs(y[52:] - y[:-52])))


# --- accuracy on series of known structure --------------------------------------------------


@pytest.fixture(scope="module")
def held_out() -> list[tuple[Forecast, FloatArray, FloatArray]]:
    """12 structured series: 156 weeks to fit, the next 26 held out."""
    out = []
    for seed in range(12):
        y = structured(seed, 156 + 26, level=30 + 5 * seed)
        f = forecast_series(y[:156], weeks=START, horizon=26)
        out.append((f, y[:156], y[156:]))
    return out


def test_chosen_model_beats_seasonal_naive_on_held_out_weeks(
    held_out: list[tuple[Forecast, FloatArray, FloatArray]],
) -> None:
    mases = [float(np.mean(np.abs(a - f.mean))) / seasonal_naive_scale(y) for f, y, a in held_out]
    assert np.mean(mases) < 0.85
    assert sum(m < 1 for m in mases) >= 10
    # ... and the models the backtest prefers are the fitted ones, not the baseline.
    assert all(f.model in {"ets", "regression", "ensemble"} for f, _, _ in held_out)
    assert all(f.accuracy.mase < 1 for f, _, _ in held_out)


def test_intervals_cover_about_their_level_on_held_out_weeks(
    held_out: list[tuple[Forecast, FloatArray, FloatArray]],
) -> None:
    inside_95 = np.concatenate([(f.lower_95 <= a) & (a <= f.upper_95) for f, _, a in held_out])
    inside_80 = np.concatenate([(f.lower_80 <= a) & (a <= f.upper_80) for f, _, a in held_out])
    assert inside_95.size == 12 * 26
    assert 0.85 <= inside_95.mean() <= 1.0
    assert 0.65 <= inside_80.mean() <= 0.95
    # The backtest's own coverage estimate tells the same story.
    assert 0.80 <= np.mean([f.accuracy.coverage_95 for f, _, _ in held_out]) <= 1.0


def test_forecasts_are_ordered_bounds(
    held_out: list[tuple[Forecast, FloatArray, FloatArray]],
) -> None:
    for f, _, _ in held_out:
        assert (f.lower_95 <= f.lower_80).all()
        assert (f.lower_80 <= f.mean).all()
        assert (f.mean <= f.upper_80).all()
        assert (f.upper_80 <= f.upper_95).all()
        assert f.weeks[0] == START + dt.timedelta(weeks=156)
        assert len(f.weeks) == len(f.mean) == 26


def test_holiday_weeks_are_forecast_low() -> None:
    """Easter moves (2026-04-05); the working-day regressor knows, seasonal naive cannot."""
    y = structured(99, 167, level=200.0)  # the forecast starts on 2026-03-16
    f = forecast_series(y, weeks=START, horizon=8, method="regression")
    by_week = dict(zip(f.weeks, f.mean, strict=True))
    easter = [by_week[dt.date(2026, 3, 30)], by_week[dt.date(2026, 4, 6)]]  # 4 days each
    ordinary = [by_week[dt.date(2026, 3, 23)], by_week[dt.date(2026, 4, 13)]]
    assert max(easter) < 0.9 * min(ordinary)


# --- the backtest, recomputed independently -------------------------------------------------


def test_seasonal_naive_backtest_matches_an_independent_computation() -> None:
    y = structured(3, 156)
    f = forecast_series(y, weeks=START, horizon=12, method="seasonal_naive")
    assert f.model == "seasonal_naive"
    origins = list(range(104, 145, 4))  # every 4 weeks over the last year, last one n - h
    errors, observed, inside_80, inside_95 = [], [], [], []
    for o in origins:
        resid = np.array([y[t] - y[t - 52] for t in range(52, o)])
        sd = np.sqrt(np.mean(resid**2))
        for k in range(12):
            actual, point = y[o + k], y[o + k - 52]
            errors.append(abs(actual - point))
            observed.append(actual)
            inside_80.append(max(point - 1.2815516 * sd, 0) <= actual <= point + 1.2815516 * sd)
            inside_95.append(max(point - 1.959964 * sd, 0) <= actual <= point + 1.959964 * sd)
    scale = np.mean([abs(y[t] - y[t - 52]) for t in range(52, 156)])
    assert f.accuracy.origins == len(origins)
    assert f.accuracy.points == len(errors)
    assert f.accuracy.mase == pytest.approx(np.mean(errors) / scale, rel=1e-12)
    assert f.accuracy.coverage_80 == pytest.approx(np.mean(inside_80))
    assert f.accuracy.coverage_95 == pytest.approx(np.mean(inside_95))
    assert f.accuracy.wape == pytest.approx(np.sum(errors) / np.sum(observed))
    assert f.accuracy.scale == "seasonal naive (lag 52)"
    # Its point forecast is last year's same weeks.
    np.testing.assert_array_equal(f.mean, y[156 - 52 : 156 - 40])


def test_every_candidate_is_scaled_by_the_same_in_sample_seasonal_naive_error() -> None:
    y = structured(4, 156)
    f = forecast_series(y, weeks=START)
    scale = seasonal_naive_scale(y)
    assert {c.model for c in f.candidates} == {"seasonal_naive", "ets", "regression", "ensemble"}
    for c in f.candidates:
        assert c.mase == pytest.approx(c.mae / scale)
    best = min(f.candidates, key=lambda c: c.mae)
    assert f.model == best.model
    assert f.accuracy == best
    assert f.baseline.model == "seasonal_naive"


@pytest.mark.parametrize("model", ["ets", "regression"])
def test_backtest_forecasts_never_see_the_weeks_they_are_judged_on(model: str) -> None:
    """Changing the weeks after an origin leaves every forecast from that origin unchanged."""
    from vardkoll.planning._forecast_backtest import backtest_origins
    from vardkoll.planning._forecast_models import MODELS, FitLog, make_design

    y = structured(5, 156)
    weeks = tuple(mondays(156))
    origins = backtest_origins(156, 12, 4)

    def run(values: FloatArray) -> FloatArray:
        design = make_design(values, weeks, tuple(mondays(12, weeks[-1])), origins, 12, True)
        return MODELS[model].backtest(design, FitLog()).mean

    base = run(y)
    for i, o in enumerate(origins):
        changed = y.copy()
        changed[o:] = changed[o:] * 3 + 50
        np.testing.assert_allclose(run(changed)[: i + 1], base[: i + 1], rtol=1e-9)


# --- trust, clipping, short history ----------------------------------------------------------


def test_pure_noise_is_not_trusted_highly() -> None:
    for seed in range(4):
        rng = np.random.default_rng(100 + seed)
        f = forecast_series(rng.poisson(6.0, size=156).astype(float), weeks=START)
        assert f.trust in {"low", "medium"}
        assert f.trust_reasons


def test_a_large_structured_series_can_be_trusted_highly() -> None:
    """The rule is not vacuous: clear structure at a large volume earns ``high``."""
    f = forecast_series(structured(7, 156, level=400.0), weeks=START)
    assert f.trust == "high", f.trust_reasons
    assert f.trust_reasons == ()


def test_forecasts_are_never_negative_and_clipping_is_said() -> None:
    rng = np.random.default_rng(11)
    t = np.arange(104)
    y = rng.poisson(np.maximum(60 - 0.55 * t, 0.5)).astype(float)  # falling to almost none
    f = forecast_series(y, weeks=START, horizon=26, method="regression")
    for arr in (f.mean, f.lower_80, f.upper_80, f.lower_95, f.upper_95):
        assert (arr >= 0).all()
    assert any("below zero" in n and "shown as 0" in n for n in f.notes)
    assert (f.mean == 0).any()


def test_short_history_uses_the_naive_baseline_and_says_so() -> None:
    y = structured(8, 80)
    f = forecast_series(y, weeks=START)
    assert f.baseline.model == "naive"
    assert f.accuracy.scale == "naive (lag 1)"
    assert any("less than two years" in n for n in f.notes)
    assert f.trust != "high"
    scale = float(np.mean(np.abs(np.diff(y))))
    assert f.accuracy.mase == pytest.approx(f.accuracy.mae / scale)
    assert "seasonal_naive" not in {c.model for c in f.candidates}


def test_a_forced_model_is_still_shown_beside_the_baseline() -> None:
    f = forecast_series(structured(10, 156), weeks=START, method="naive")
    assert f.model == "naive"
    assert f.baseline.model == "seasonal_naive"
    assert {c.model for c in f.candidates} == {"seasonal_naive", "naive"}


def test_the_shortest_history_still_forecasts_with_low_trust() -> None:
    y = structured(9, 38)
    f = forecast_series(y, weeks=START, horizon=12)
    assert f.accuracy.points == 12
    assert f.trust == "low"
    assert any("backtest weeks" in r for r in f.trust_reasons)


def test_a_series_without_variation_gets_a_flat_forecast_and_low_trust() -> None:
    f = forecast_series(np.zeros(120), weeks=START)
    assert (f.mean == 0).all()
    assert f.trust == "low"


@pytest.mark.parametrize(("weeks", "seasonal"), [(104, True), (70, False)])
def test_ets_weights_reach_statsmodels_own_maximum_likelihood(weeks: int, seasonal: bool) -> None:
    """The fast search over the smoothing weights against statsmodels' L-BFGS fit."""
    from vardkoll.planning._forecast_models import _ets_estimate, _ets_model

    for seed in range(3):
        model = _ets_model(structured(20 + seed, weeks), seasonal)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # statsmodels' own fit may warn; we only compare
            reference = model.fit(disp=False)
        ours = _ets_estimate(model, seasonal)
        assert model.loglike(ours) >= reference.llf - 1e-3


def test_convergence_warnings_become_notes_not_errors() -> None:
    """Under ``filterwarnings = error`` a ConvergenceWarning must not escape the fit."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    from vardkoll.planning._forecast_models import FitLog, _listening

    log = FitLog()
    with _listening(log, "ets"):
        warnings.warn("optimiser gave up", ConvergenceWarning, stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert log.converged is False
    assert "ets: the parameter estimation did not converge" in log.notes
    assert any("something else" in n for n in log.notes)


# --- inputs ------------------------------------------------------------------------------------


def test_a_pandas_series_with_week_labels_gives_the_same_forecast() -> None:
    y = structured(12, 120)
    by_array = forecast_series(y, weeks=mondays(120), horizon=6)
    labels = [f"{d.isocalendar().year}-W{d.isocalendar().week:02d}" for d in mondays(120)]
    by_iso = forecast_series(pd.Series(y, index=labels, name="ortopedi"), horizon=6)
    by_dates = forecast_series(pd.Series(y, index=pd.DatetimeIndex(mondays(120))), horizon=6)
    for other in (by_iso, by_dates):
        np.testing.assert_array_equal(other.mean, by_array.mean)
        np.testing.assert_array_equal(other.upper_95, by_array.upper_95)
        assert other.weeks == by_array.weeks
    assert by_iso.name == "ortopedi"


def test_the_record_is_frozen_and_survives_pickling() -> None:
    f = forecast_series(structured(13, 60), weeks=START, horizon=4)
    with pytest.raises(ValueError, match="read-only"):
        f.mean[0] = 1.0
    back = pickle.loads(pickle.dumps(f))
    np.testing.assert_array_equal(back.mean, f.mean)
    assert not back.upper_95.flags.writeable
    frame = f.to_frame()
    assert list(frame["week_start"]) == list(f.weeks)
    assert set(frame["trust"]) == {f.trust}


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        (np.ones(37), {}, "at least 38 weeks"),
        (np.ones(55), {"horizon": 30}, "at least 56 weeks"),
        (np.r_[np.ones(50), np.nan, np.ones(9)], {}, "week of 2023-12-18 is nan"),
        (np.r_[np.ones(50), -2, np.ones(9)], {}, "is -2; counts of referrals cannot be negative"),
        (np.ones((60, 2)), {}, "one-dimensional"),
        (["a"] * 60, {}, "must be numbers"),
        (np.ones(60), {"horizon": 0}, "`horizon` must be"),
        (np.ones(60), {"horizon": 53}, "`horizon` must be"),
        (np.ones(60), {"method": "prophet"}, "`method` must be one of"),
        (np.ones(60), {"method": "seasonal_naive"}, "needs two years"),
        (np.ones(60), {"backtest_step": 0}, "`backtest_step`"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    values: object, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        forecast_series(values, weeks=START, **kwargs)  # type: ignore[arg-type]


def test_bad_week_labels_are_refused() -> None:
    with pytest.raises(InputError, match="needs `weeks=`"):
        forecast_series(np.ones(60))
    with pytest.raises(InputError, match="is a Tuesday"):
        forecast_series(np.ones(60), weeks=dt.date(2023, 1, 3))
    gap = mondays(61)
    del gap[30]
    with pytest.raises(InputError, match="leaves a gap"):
        forecast_series(np.ones(60), weeks=gap)
    twice = mondays(60)
    twice[31] = twice[30]
    with pytest.raises(InputError, match="repeats"):
        forecast_series(np.ones(60), weeks=twice)
    with pytest.raises(InputError, match="59 labels for 60"):
        forecast_series(np.ones(60), weeks=mondays(59))
