"""The planner's workflow: from the analytics store to a forecast, a model, goals and scenarios.

One :class:`PlanningCase` per queue (unit × specialty × entry type) and date holds what the
store says — weekly clock starts, the list at the end of the last complete week, measured
rates, recent production — and the forecast made from it. Every planner question is then a
function of the case: the base :class:`~vardkoll.planning.WaitingListModel` (today's list,
arrivals from the forecast with its uncertainty, capacity from recent production shaped by
the calendar), the capacity that reaches the guarantee by a date, and scenarios side by side
(:mod:`vardkoll.services.planning.questions`).

Why cached: a forecast and a few hundred replications take seconds, and the page, its charts
and its exports ask for the same answer several times; results are keyed by the analytics
file's modification time, so a rebuilt store invalidates them.

Scope: a queue the user may not see is :class:`~vardkoll.domain.NotFound` (a 404 that does not
tell whether it exists). Only counts leave this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from vardkoll.domain import InputError, NotFound, PermissionDenied
from vardkoll.planning import (
    ArrivalForecast,
    Forecast,
    WaitingListModel,
    arrivals_from_forecast,
    forecast_series,
    week_calendar,
)
from vardkoll.services.access.scope import Scope
from vardkoll.services.followup.overview import cached_per_version, open_analytics, store_facts
from vardkoll.services.planning.calibration import BACKCAST_WEEKS, BookingFit, fit_booking
from vardkoll.services.planning.data import (
    PlanningChoice,
    PlanningKey,
    PlanningRates,
    WaitingSnapshot,
    last_complete_monday,
    planning_keys,
    planning_rates,
    waiting_snapshot,
    weekly_inflow,
    weekly_treated,
)
from vardkoll.settings import Settings

__all__ = [
    "HORIZON_WEEKS",
    "UI_REPLICATIONS",
    "PlanningCase",
    "base_model",
    "plan_kind",
    "planning_case",
    "planning_choices",
]

FloatArray = npt.NDArray[np.float64]
HORIZON_WEEKS = 52
"""How far the planner looks ahead: a year, the forecasts' longest horizon."""
UI_REPLICATIONS = 200
"""Replications the web pages ask for: bands steady to a percent or so, answers in seconds."""
_MIN_HORIZON = 12
NATIONAL_PLANNING = (
    "Planning works on one region's own queues; national follow-up of all regions is under "
    "Follow-up, where small counts are masked."
)


def _where(scope: Scope) -> tuple[str, list[object]]:
    """Region- and unit-reaching roles plan; a national role follows up instead.

    Why not national analysts: the planner shows a unit's weekly counts unmasked (a forecast of
    masked counts is no forecast), and aggregates leaving the region must mask small cells.
    """
    if not scope.plans:
        raise PermissionDenied(
            NATIONAL_PLANNING
            if scope.reach("aggregates") == "all"
            else "Your role does not include planning (aggregates)."
        )
    return scope.duckdb_where("aggregates", table="p")


def planning_choices(
    settings: Settings, scope: Scope, *, as_of: dt.date | None = None
) -> list[PlanningChoice]:
    """The queues the user may plan (clock starts in the last year), by unit and specialty."""
    where, params = _where(scope)
    on = as_of or store_facts(settings)[0]
    key = ("planning-keys", where, tuple(map(str, params)), on)

    def compute() -> list[PlanningChoice]:
        with open_analytics(settings) as con:
            return planning_keys(con, where, list(params), as_of=on)

    result: list[PlanningChoice] = cached_per_version(settings, key, compute)
    return result


@dataclass(frozen=True)
class PlanningCase:
    """Everything the planner knows about one queue on one date.

    ``start`` is the Monday of simulated week 0, the week after the last complete one;
    ``snapshot`` is the list at the end of the day before it. ``per_working_day`` is recent
    production (treated patients) per working day and ``summer_factor`` how much of it the
    summer weeks kept last year; ``capacity`` is both applied to the calendar of the horizon.
    ``forecast`` is ``None`` when the history is too short, and ``forecast_problem`` says why
    (the arrivals are then the recent mean, with a wide level uncertainty). ``booking_fit`` is
    the booking rule that best replays the last 26 weeks (``None`` without 26 weeks of history;
    the rule is then "priority").
    """

    choice: PlanningChoice
    as_of: dt.date
    start: dt.date
    history: pd.DataFrame
    forecast: Forecast | None
    forecast_problem: str | None
    snapshot: WaitingSnapshot
    rates: PlanningRates
    recent: pd.DataFrame
    per_working_day: float
    summer_factor: float
    calendar: pd.DataFrame
    capacity: FloatArray
    arrivals: ArrivalForecast
    booking_fit: BookingFit | None = None

    @property
    def key(self) -> PlanningKey:
        return self.choice.key

    @property
    def weeks(self) -> int:
        return int(self.capacity.shape[0])

    def week_start(self, week: int) -> dt.date:
        """The Monday of simulated week ``week``."""
        return self.start + dt.timedelta(weeks=week)

    def week_of(self, day: dt.date) -> int:
        """The simulated week a date falls in (0 = ``start``'s week)."""
        return (day - self.start).days // 7


def _find(settings: Settings, scope: Scope, key: PlanningKey, on: dt.date) -> PlanningChoice:
    for choice in planning_choices(settings, scope, as_of=on):
        if choice.key == key:
            return choice
    raise NotFound(
        "No such queue in your scope (unit, specialty and entry type with clock starts "
        "in the last year)."
    )


def _as_of(settings: Settings, as_of: dt.date | None) -> dt.date:
    latest = store_facts(settings)[0]
    if as_of is None:
        return latest
    if as_of > latest:
        raise InputError(
            f"as_of must be on or before the analytics store's date {latest.isoformat()}; "
            f"got {as_of.isoformat()}.",
            field="as_of",
        )
    return as_of


def planning_case(
    settings: Settings, scope: Scope, key: PlanningKey, *, as_of: dt.date | None = None
) -> PlanningCase:
    """The case of ``key`` on ``as_of`` (default: the store's date), if it is in scope."""
    on = _as_of(settings, as_of)
    choice = _find(settings, scope, key, on)
    where, params = _where(scope)
    cache_key = ("planning-case", key, on)

    def compute() -> PlanningCase:
        with open_analytics(settings) as con:
            return _build_case(con, choice, where, list(params), on)

    result: PlanningCase = cached_per_version(settings, cache_key, compute)
    return result


def _build_case(
    con: object, choice: PlanningChoice, where: str, params: list[object], on: dt.date
) -> PlanningCase:
    key = choice.key
    last = last_complete_monday(on)
    start = last + dt.timedelta(weeks=1)
    snapshot_day = start - dt.timedelta(days=1)
    history = weekly_inflow(con, key, where, params, as_of=on)
    snapshot = waiting_snapshot(con, key, where, params, on=snapshot_day)
    rates = planning_rates(con, key, where, params, on=start)
    recent = weekly_treated(con, key, where, params, first=last - dt.timedelta(weeks=51), last=last)
    per_day, summer_factor = _production_rate(recent)
    booking_fit = _fit_booking(con, choice, where, params, start, history, recent, snapshot, rates)
    forecast: Forecast | None = None
    problem: str | None = None
    horizon = min(HORIZON_WEEKS, len(history) - 26)
    if horizon < _MIN_HORIZON:
        problem = (
            f"only {len(history)} weeks of clock starts: a forecast needs at least "
            f"{26 + _MIN_HORIZON}; arrivals are the mean of the last 13 weeks"
        )
    else:
        series = pd.Series(
            history["inflow"].to_numpy(dtype=float),
            index=pd.Index(list(history["week_start"])),
            name=f"{key.unit_id} {key.specialty} {key.entry_type}",
        )
        try:
            forecast = forecast_series(series, horizon=horizon)
        except InputError as exc:
            problem = str(exc)
    weeks = HORIZON_WEEKS
    calendar = week_calendar([start + dt.timedelta(weeks=k) for k in range(weeks)])
    working = calendar["working_days"].to_numpy(dtype=float)
    summer = calendar["summer"].to_numpy(dtype=bool)
    capacity = per_day * working * np.where(summer, summer_factor, 1.0)
    if forecast is not None:
        arrivals = _arrivals_for(forecast, rates.priority_shares, weeks)
    else:
        mean = float(history["inflow"].tail(13).mean()) if len(history) else 0.0
        shares = np.asarray(rates.priority_shares)
        arrivals = ArrivalForecast.constant((mean * shares)[None, :], weeks, level_cv=0.2)
    return PlanningCase(
        choice=choice,
        as_of=on,
        start=start,
        history=history,
        forecast=forecast,
        forecast_problem=problem,
        snapshot=snapshot,
        rates=rates,
        recent=recent,
        per_working_day=per_day,
        summer_factor=summer_factor,
        calendar=calendar,
        capacity=capacity[:, None],
        arrivals=arrivals,
        booking_fit=booking_fit,
    )


def _fit_booking(
    con: object,
    choice: PlanningChoice,
    where: str,
    params: list[object],
    start: dt.date,
    history: pd.DataFrame,
    recent: pd.DataFrame,
    snapshot: WaitingSnapshot,
    rates: PlanningRates,
) -> BookingFit | None:
    """Replay the last 26 weeks from the list as it was then (see :mod:`.planner_calibration`)."""
    first = start - dt.timedelta(weeks=BACKCAST_WEEKS)
    inflow = history[history["week_start"] >= first]["inflow"].to_numpy(dtype=float)
    treated = recent[recent["week_start"] >= first]["treated"].to_numpy(dtype=float)
    if len(inflow) != BACKCAST_WEEKS or len(treated) != BACKCAST_WEEKS:
        return None
    then = waiting_snapshot(con, choice.key, where, params, on=first - dt.timedelta(days=1))
    return fit_booking(
        initial=then.initial,
        inflow=inflow,
        treated=treated,
        priority_shares=rates.priority_shares,
        actual_share=snapshot.share_within,
        guarantee_weeks=snapshot.guarantee_weeks,
        removal_rate=rates.removal_rate,
        decline_share=rates.decline_share,
        pause_weeks=rates.pause_weeks,
    )


def _production_rate(recent: pd.DataFrame) -> tuple[float, float]:
    """Treated per working day over the last 26 non-summer weeks, and last summer's share.

    The summer factor compares treated per working day in last year's summer weeks with the
    rest of the year; without summer weeks in the data it is 1.
    """
    if recent.empty:
        return 0.0, 1.0
    cal = week_calendar(list(recent["week_start"]))
    treated = recent["treated"].to_numpy(dtype=float)
    working = cal["working_days"].to_numpy(dtype=float)
    summer = cal["summer"].to_numpy(dtype=bool)
    last26 = np.arange(len(recent)) >= len(recent) - 26
    normal = last26 & ~summer
    days = working[normal].sum()
    per_day = float(treated[normal].sum() / days) if days else 0.0
    year_normal = working[~summer].sum()
    if summer.any() and year_normal and working[summer].sum():
        normal_rate = treated[~summer].sum() / year_normal
        summer_rate = treated[summer].sum() / working[summer].sum()
        factor = float(np.clip(summer_rate / normal_rate, 0.0, 1.5)) if normal_rate else 1.0
    else:
        factor = 1.0
    return per_day, factor


def base_model(case: PlanningCase, *, capacity: FloatArray | None = None) -> WaitingListModel:
    """Today's list, forecast arrivals and ``capacity`` (default: recent production)."""
    rates = case.rates
    return WaitingListModel(
        initial=case.snapshot.initial,
        arrivals=case.arrivals,
        capacity=case.capacity if capacity is None else capacity,
        guarantee_weeks=case.snapshot.guarantee_weeks,
        booking=case.booking_fit.booking if case.booking_fit is not None else "priority",
        removal_rate=rates.removal_rate,
        decline_share=rates.decline_share,
        pause_weeks=rates.pause_weeks,
    )


def plan_kind(entry_type: str) -> Literal["visit", "operation"]:
    """The production plan's kind of work: operations for treatments, visits otherwise."""
    return "operation" if entry_type == "treatment" else "visit"


def _arrivals_for(forecast: Forecast, shares: Sequence[float], weeks: int) -> ArrivalForecast:
    """The forecast's arrivals over ``weeks``; past a short forecast, its mean level holds.

    A queue with under ``26 + 52`` weeks of history gets a shorter forecast (the backtest needs
    its horizon in hand); the plan still runs a year, so the later weeks repeat the forecast's
    average week rather than inventing a seasonal shape the history cannot support.
    """
    covered = min(weeks, len(forecast.mean))
    head = arrivals_from_forecast(forecast, priority_shares=shares, horizon_weeks=covered)
    if covered == weeks:
        return head
    tail = np.repeat(head.mean_per_week.mean(axis=0, keepdims=True), weeks - covered, axis=0)
    return ArrivalForecast(np.concatenate([head.mean_per_week, tail]), head.level_cv)
