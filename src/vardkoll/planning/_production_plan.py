"""The week-by-week production plan per unit and entry type, and its follow-up.

:func:`production_plan` spreads a weekly capacity plan (for example
:attr:`CapacityGoal.plan`) over ISO weeks, units and entry types by the Swedish calendar
(public holidays, the summer period); :func:`plan_vs_actual` sets the plan against what was
produced and explains each week's deviation with a code the interface translates.

Why the calendar moves capacity around: the simulation's capacity plan is slots per week, but a
clinic produces per *working day*, and Easter, Christmas and the summer weeks have fewer. By
default the plan keeps the capacity plan's total and lays it out in proportion to each week's
level times its effective working days, so a week with a holiday gets less, the other weeks a
little more, and the total the goal needs is still delivered.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal, cast

import numpy as np
import numpy.typing as npt

from vardkoll.domain import InputError
from vardkoll.planning._holidays import SUMMER_WEEKS, week_calendar

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEVIATION_CODES",
    "DeviationCode",
    "PlanDeviation",
    "PlanUnit",
    "PlanWeek",
    "plan_to_frame",
    "plan_vs_actual",
    "production_plan",
]

FloatArray = npt.NDArray[np.float64]
EntryType = Literal["visit", "operation"]
ENTRY_TYPES: tuple[str, ...] = ("visit", "operation")
DeviationCode = Literal[
    "no_actual_yet", "not_in_data", "on_plan", "holiday", "summer", "below_plan", "above_plan"
]
DEVIATION_CODES: tuple[str, ...] = (
    "no_actual_yet",
    "not_in_data",
    "on_plan",
    "holiday",
    "summer",
    "below_plan",
    "above_plan",
)
"""Every explanation code :func:`plan_vs_actual` gives, in order of precedence."""


@dataclass(frozen=True)
class PlanUnit:
    """One line of the plan: a unit's share of the capacity for one entry type.

    ``share`` is a relative weight: the shares of all lines are scaled to sum to 1.
    ``entry_type`` is ``"visit"`` (*besök*) or ``"operation"``.
    """

    unit: str
    entry_type: EntryType = "visit"
    share: float = 1.0


@dataclass(frozen=True)
class PlanWeek:
    """Planned production for one ISO week, unit and entry type.

    ``planned`` is patients (visits or operations) that week, ``working_days`` the weekdays
    that are not holidays, ``note`` the reasons the week differs from a normal one
    (``"holiday"``, ``"summer"``, ``"extra"``, joined by ``","``; empty for a normal week),
    ``holidays`` the names of the week's holidays.
    """

    week_start: dt.date
    iso_week: str
    planned: float
    working_days: int
    note: str
    unit: str = ""
    entry_type: str = "visit"
    summer: bool = False
    holidays: str = ""


@dataclass(frozen=True)
class PlanDeviation:
    """Plan against actual for one ISO week, unit and entry type.

    ``deviation`` is ``actual - planned`` and ``deviation_share`` that over ``planned``
    (``None`` when there is no actual yet, or nothing was planned); ``code`` is one of
    :data:`DEVIATION_CODES`.
    """

    week_start: dt.date
    iso_week: str
    unit: str
    entry_type: str
    planned: float
    actual: float | None
    deviation: float | None
    deviation_share: float | None
    code: DeviationCode
    working_days: int
    summer: bool


def _base(base_per_week: float | Sequence[float] | FloatArray, weeks: int) -> FloatArray:
    base = np.asarray(base_per_week, dtype=np.float64)
    if base.ndim == 0:
        base = np.full(weeks, float(base))
    if base.ndim != 1 or base.size != weeks:
        raise InputError(
            f"`base_per_week` must be one number or one value per week ({weeks}); got shape "
            f"{base.shape}.",
            field="base_per_week",
        )
    if not np.all(np.isfinite(base)) or (base.size and base.min() < 0):
        raise InputError(
            "`base_per_week` must be finite, non-negative patients per week.",
            field="base_per_week",
        )
    return base


def _check_plan_args(
    weeks: int,
    units: Sequence[PlanUnit],
    summer_factor: float,
    extra: Mapping[int, float],
    full_week_days: int,
) -> None:
    problems = []
    if weeks < 1:
        problems.append(f"`weeks` must be at least 1; got {weeks}.")
    if not units:
        problems.append("`units` must hold at least one PlanUnit.")
    bad = [u.entry_type for u in units if u.entry_type not in ENTRY_TYPES]
    if bad:
        problems.append(f"`PlanUnit.entry_type` must be 'visit' or 'operation'; got {bad}.")
    shares = [u.share for u in units]
    if any(not math.isfinite(s) or s < 0 for s in shares) or (units and sum(shares) <= 0):
        problems.append(f"`PlanUnit.share` must be non-negative with a positive sum; got {shares}.")
    if not (math.isfinite(summer_factor) and summer_factor >= 0):
        problems.append(f"`summer_factor` must be 0 or more; got {summer_factor}.")
    outside = sorted(w for w in extra if not 0 <= w < weeks)
    if outside:
        problems.append(f"`extra_sessions` weeks must be 0 to {weeks - 1}; got {outside}.")
    if any(not math.isfinite(v) or v < 0 for v in extra.values()):
        problems.append("`extra_sessions` must be non-negative patients per week.")
    if not 1 <= full_week_days <= 7:
        problems.append(f"`full_week_days` must be 1 to 7; got {full_week_days}.")
    if problems:
        raise InputError(" ".join(problems), field="production_plan")


def production_plan(
    *,
    start: dt.date,
    weeks: int,
    base_per_week: float | Sequence[float] | FloatArray,
    units: Sequence[PlanUnit] = (PlanUnit("", "visit", 1.0),),
    summer_factor: float = 1.0,
    summer_weeks: tuple[int, int] = SUMMER_WEEKS,
    extra_sessions: Mapping[int, float] | None = None,
    keep_total: bool = True,
    full_week_days: int = 5,
) -> list[PlanWeek]:
    """A week-by-week plan per unit and entry type from a weekly capacity plan.

    ``start`` is any day of the first ISO week; ``base_per_week`` is patients per week, one
    number or one per week (such as :attr:`CapacityGoal.plan`). Each week's *effective days*
    are its working days (Monday to Friday, Swedish holidays off; see ``week_calendar``), times
    ``summer_factor`` in ISO weeks ``summer_weeks`` (27–32 by default; 0.6 for a summer at 60 %
    staffing). Then:

    * ``keep_total=True`` (default): ``planned_w = base_w × days_w × K`` with one ``K`` so the
      plan's total equals ``sum(base_per_week)``: the capacity plan, laid out over working days;
    * ``keep_total=False``: ``planned_w = base_w × days_w / full_week_days``: the base is what a
      normal full week produces, and short weeks simply produce less.

    ``extra_sessions`` (week index → patients) is added on top, as is. Every week is split
    between ``units`` by their shares. Rows come week by week, units in the given order.

    >>> import datetime as dt
    >>> rows = production_plan(start=dt.date(2026, 3, 30), weeks=3, base_per_week=50.0,
    ...                        units=[PlanUnit("Mottagning", "visit", 0.6),
    ...                               PlanUnit("Operation", "operation", 0.4)])
    >>> [(r.iso_week, r.working_days, round(r.planned, 1), r.note)
    ...  for r in rows if r.unit == "Mottagning"]     # Easter: Good Friday, Easter Monday
    [('2026-W14', 4, 27.7, 'holiday'), ('2026-W15', 4, 27.7, 'holiday'), ('2026-W16', 5, 34.6, '')]
    >>> round(sum(r.planned for r in rows), 6)
    150.0
    """
    extra = dict(extra_sessions or {})
    _check_plan_args(weeks, units, summer_factor, extra, full_week_days)
    base = _base(base_per_week, weeks)
    monday = start - dt.timedelta(days=start.weekday())
    mondays = [monday + dt.timedelta(weeks=w) for w in range(weeks)]
    calendar = week_calendar(mondays)
    working = calendar["working_days"].to_numpy(dtype=np.float64)
    iso = [m.isocalendar().week for m in mondays]
    summer = np.array([summer_weeks[0] <= w <= summer_weeks[1] for w in iso])
    days = working * np.where(summer, summer_factor, 1.0)
    if keep_total:
        weighted = float(np.sum(base * days))
        if weighted == 0.0 and base.sum() > 0:
            raise InputError(
                "The capacity plan has patients only in weeks with no effective working days; "
                "raise `summer_factor` or move the plan's start.",
                field="production_plan",
            )
        total = base * days * (float(base.sum()) / weighted if weighted else 0.0)
    else:
        total = base * days / full_week_days
    extras = np.array([float(extra.get(w, 0.0)) for w in range(weeks)])
    total = total + extras
    shares = np.array([u.share for u in units], dtype=np.float64)
    shares = shares / shares.sum()
    rows = []
    for w, m in enumerate(mondays):
        reasons = []
        if working[w] < full_week_days:
            reasons.append("holiday")
        if summer[w] and summer_factor != 1.0:
            reasons.append("summer")
        if extras[w] > 0:
            reasons.append("extra")
        for unit, share in zip(units, shares, strict=True):
            rows.append(
                PlanWeek(
                    week_start=m,
                    iso_week=str(calendar["iso_week"].iloc[w]),
                    planned=float(total[w] * share),
                    working_days=int(working[w]),
                    note=",".join(reasons),
                    unit=unit.unit,
                    entry_type=unit.entry_type,
                    summer=bool(summer[w]),
                    holidays=str(calendar["holidays"].iloc[w]),
                )
            )
    return rows


def plan_to_frame(plan: Sequence[PlanWeek] | Sequence[PlanDeviation]) -> pd.DataFrame:
    """The plan (or its follow-up) as a tidy table, one row per week, unit and entry type."""
    import pandas as pd

    if not plan:
        return pd.DataFrame(columns=[f.name for f in fields(PlanWeek)])
    names = [f.name for f in fields(plan[0])]
    return pd.DataFrame([[getattr(r, n) for n in names] for r in plan], columns=names)


def _code(row: PlanWeek, deviation: float, planned: float, tolerance: float) -> DeviationCode:
    if abs(deviation) <= tolerance * planned or (planned == 0 and deviation == 0):
        return "on_plan"
    if deviation > 0:
        return "above_plan"
    if row.working_days < 5:
        return "holiday"
    iso = row.week_start.isocalendar().week
    if row.summer or SUMMER_WEEKS[0] <= iso <= SUMMER_WEEKS[1]:
        return "summer"
    return "below_plan"


def plan_vs_actual(
    plan: Sequence[PlanWeek],
    actual: Mapping[tuple[str, str, dt.date], float] | Mapping[dt.date, float],
    *,
    tolerance: float = 0.05,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
) -> list[PlanDeviation]:
    """Plan against actual per week, with the deviation and a code that explains it.

    ``actual`` maps ``(unit, entry_type, week_start)`` — or, for a plan of one unit and entry
    type, just ``week_start`` (the Monday) — to what was produced that week. The code, first
    match wins: ``no_actual_yet`` (the week is not over on ``today``, its Sunday being today or
    later; without ``today``, also a week with no actual or ending after ``as_of``);
    ``not_in_data`` (with ``today``: the week is over, but the data, complete up to ``as_of``,
    do not hold it yet); ``on_plan``
    (deviation within ``tolerance`` × planned); ``above_plan``; for a week below plan,
    ``holiday`` (a week with fewer than 5 working days), ``summer`` (a summer week), else
    ``below_plan``. The codes are stable ids; the interface translates them.

    >>> import datetime as dt
    >>> plan = production_plan(start=dt.date(2026, 3, 30), weeks=3, base_per_week=50.0)
    >>> got = plan_vs_actual(plan, {dt.date(2026, 3, 30): 30.0, dt.date(2026, 4, 13): 55.0})
    >>> [(d.iso_week, d.code) for d in got]
    [('2026-W14', 'holiday'), ('2026-W15', 'no_actual_yet'), ('2026-W16', 'on_plan')]
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise InputError(f"`tolerance` must be 0 or more; got {tolerance}.", field="tolerance")
    lookup: Mapping[object, float] = cast("Mapping[object, float]", actual)
    out = []
    for row in plan:
        value = lookup.get((row.unit, row.entry_type, row.week_start))
        if value is None:
            value = lookup.get(row.week_start)
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise InputError(
                f"The actual of {row.iso_week} ({row.unit or 'all'}, {row.entry_type}) must be "
                f"a non-negative number; got {value}.",
                field="actual",
            )
        ended = as_of is None or row.week_start + dt.timedelta(days=7) <= as_of + dt.timedelta(1)
        planned = float(row.planned)
        code: DeviationCode
        over = today is None or row.week_start + dt.timedelta(days=6) < today
        if value is None or not ended or not over:
            deviation = share = None
            value, code = None, ("not_in_data" if today is not None and over else "no_actual_yet")
        else:
            deviation = float(value) - planned
            share = deviation / planned if planned > 0 else None
            code = _code(row, deviation, planned, tolerance)
        out.append(
            PlanDeviation(
                week_start=row.week_start,
                iso_week=row.iso_week,
                unit=row.unit,
                entry_type=row.entry_type,
                planned=planned,
                actual=None if value is None else float(value),
                deviation=deviation,
                deviation_share=share,
                code=code,
                working_days=row.working_days,
                summer=row.summer,
            )
        )
    return out
