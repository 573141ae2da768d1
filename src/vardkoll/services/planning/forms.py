"""The planner's questions as typed by a person: goal defaults and scenario validation.

Why in services: the web form and the API ask the same questions, so the defaults (half a year
ahead, 90 %) and the rules a scenario must follow (capacity −100 … +300 %, closed weeks inside
the horizon, distinct names) live once, here, and both interfaces get the same answer and the
same problems. Every problem is a :class:`Problem`: a field, a stable code, an English message
id with its parameters, so an interface can show it in the user's language, and the English
text for the API's problem details. All problems of a form are reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from vardkoll.domain import InputError
from vardkoll.planning import Scenario
from vardkoll.services.planning.planner import PlanningCase

__all__ = [
    "DEFAULT_GOAL_WEEKS",
    "DEFAULT_TARGET_SHARE",
    "FIELDS",
    "GOAL_HOLD_MIN_WEEKS",
    "SCENARIO_DEFAULTS",
    "SLOTS",
    "Problem",
    "check_goal_week",
    "default_goal_date",
    "input_error",
    "parse_goal",
    "parse_scenarios",
    "scenario_fields",
]

Gettext = Callable[[str], str]
DEFAULT_GOAL_WEEKS = 26
"""The goal date without one given: half a year ahead (the Sunday ending week 26)."""
DEFAULT_TARGET_SHARE = 0.9
"""The share within the guarantee aimed at without one given (90 %)."""
GOAL_HOLD_MIN_WEEKS = 4
"""A goal must leave at least this many weeks of the horizon to show that it holds."""
SLOTS = (1, 2, 3)
FIELDS = ("name", "capacity", "extra", "extra_weeks", "closed", "redirect", "demand")
SCENARIO_DEFAULTS: dict[int, dict[str, str]] = {
    1: {"name": "Capacity +10 %", "capacity": "10"},
    2: {
        "name": "Extra sessions and another provider",
        "redirect": "3",
        "extra": "5",
        "extra_weeks": "12",
    },
}
"""What the scenario form starts with (names are English message ids, translated when shown)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form: ``template % params`` is the English message."""

    field: str
    template: str
    params: Mapping[str, object] = dataclass_field(default_factory=dict)
    code: str = "invalid_input"

    @property
    def message(self) -> str:
        return self.template % dict(self.params) if self.params else self.template

    def translated(self, _: Gettext) -> str:
        """The message in the language of ``_`` (the parameters are not translated)."""
        text = _(self.template)
        return text % dict(self.params) if self.params else text


def input_error(problems: list[Problem]) -> InputError:
    """One :class:`InputError` for every problem, with ``errors`` and the problems attached."""
    return InputError(
        " ".join(p.message for p in problems),
        errors=[{"field": p.field, "code": p.code, "message": p.message} for p in problems],
        problems=tuple(problems),
    )


def default_goal_date(case: PlanningCase) -> dt.date:
    """Half a year ahead: the Sunday ending week 26."""
    return case.week_start(DEFAULT_GOAL_WEEKS) - dt.timedelta(days=1)


def parse_goal(by: str | None, target: str | None, case: PlanningCase) -> tuple[dt.date, float]:
    """The goal as typed: a date (default half a year ahead) and a percentage (default 90)."""
    problems: list[Problem] = []
    by_date = default_goal_date(case)
    if by:
        try:
            by_date = dt.date.fromisoformat(by.strip())
        except ValueError:
            problems.append(
                Problem(
                    "by",
                    "The goal date must be a date such as %(example)s; got %(value)s.",
                    {"example": by_date.isoformat(), "value": repr(by)},
                )
            )
    share = DEFAULT_TARGET_SHARE
    if target:
        try:
            share = float(target.strip().replace(",", ".")) / 100
        except ValueError:
            problems.append(
                Problem(
                    "target",
                    "The target must be a percentage such as 90; got %(value)s.",
                    {"value": repr(target)},
                )
            )
    if not problems:
        problems.extend(_goal_range(case, by_date, share))
    if problems:
        raise input_error(problems)
    return by_date, share


def _goal_range(case: PlanningCase, by: dt.date, share: float) -> list[Problem]:
    problems = []
    if not 0 < share < 1:
        problems.append(
            Problem(
                "target",
                "The target share must be between 0 and 100 %%; got %(value)s %%.",
                {"value": f"{share * 100:g}"},
            )
        )
    by_week = case.week_of(by) + 1
    latest = case.weeks - GOAL_HOLD_MIN_WEEKS
    if not 1 <= by_week <= latest:
        problems.append(
            Problem(
                "by",
                "The goal date must lie between %(first)s and %(last)s (the planner looks "
                "%(weeks)d weeks ahead and holds the goal at least %(hold)d weeks); got %(value)s.",
                {
                    "first": case.start.isoformat(),
                    "last": case.week_start(latest - 1).isoformat(),
                    "weeks": case.weeks,
                    "hold": GOAL_HOLD_MIN_WEEKS,
                    "value": by.isoformat(),
                },
            )
        )
    return problems


def check_goal_week(case: PlanningCase, by: dt.date, share: float) -> int:
    """The simulated week the goal falls due (1 = after the first week), or the problems."""
    problems = _goal_range(case, by, share)
    if problems:
        raise input_error(problems)
    return case.week_of(by) + 1


def scenario_fields(query: Mapping[str, str], _: Gettext = str) -> dict[int, dict[str, str]]:
    """The typed fields per slot; with none given at all, the defaults (names via ``_``)."""
    given = any(k.startswith("s") and "_" in k for k in query)

    def default(i: int, f: str) -> str:
        value = SCENARIO_DEFAULTS.get(i, {}).get(f, "")
        return _(value) if f == "name" and value else value

    return {
        i: {f: query.get(f"s{i}_{f}", "") if given else default(i, f) for f in FIELDS}
        for i in SLOTS
    }


def _number(raw: str, name: str, problems: list[Problem], *, low: float, high: float) -> float:
    if not raw.strip():
        return 0.0
    try:
        value = float(raw.strip().replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also catches nan
        problems.append(
            Problem(
                name,
                "%(field)s must be a number from %(low)s to %(high)s; got %(value)s.",
                {"field": name, "low": f"{low:g}", "high": f"{high:g}", "value": repr(raw)},
            )
        )
        return 0.0
    return value


def _closed_weeks(
    raw: str, name: str, case: PlanningCase, problems: list[Problem]
) -> tuple[int, ...]:
    """ISO week labels (``2025-W29``) within the horizon → simulated week indices."""
    weeks: list[int] = []
    for label in (part.strip() for part in raw.replace(";", ",").split(",")):
        if not label:
            continue
        try:
            year, week = label.upper().split("-W")
            monday = dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            problems.append(
                Problem(
                    name,
                    "%(field)s: %(value)s is not an ISO week such as 2025-W29.",
                    {"field": name, "value": repr(label)},
                )
            )
            continue
        index = case.week_of(monday)
        if not 0 <= index < case.weeks:
            problems.append(
                Problem(
                    name,
                    "%(field)s: %(value)s is outside the planning horizon (%(first)s and "
                    "%(weeks)d weeks on).",
                    {
                        "field": name,
                        "value": label,
                        "first": case.start.isoformat(),
                        "weeks": case.weeks,
                    },
                )
            )
            continue
        weeks.append(index)
    return tuple(sorted(set(weeks)))


def parse_scenarios(
    values: Mapping[int, Mapping[str, str]], case: PlanningCase, _: Gettext = str
) -> list[Scenario]:
    """ "Current production" plus every filled-in slot; all problems reported at once.

    ``_`` translates the names and descriptions the planner writes itself.
    """
    problems: list[Problem] = []
    scenarios = [Scenario(name=_("Current production"), description=_("Recent production"))]
    for i in SLOTS:
        row = values[i]
        if not any(row.values()):
            continue
        f = f"s{i}_"
        capacity = _number(row["capacity"], f + "capacity", problems, low=-100, high=300)
        extra = _number(row["extra"], f + "extra", problems, low=0, high=10_000)
        extra_weeks = _number(
            row["extra_weeks"], f + "extra_weeks", problems, low=0, high=case.weeks
        )
        redirect = _number(row["redirect"], f + "redirect", problems, low=0, high=10_000)
        demand = _number(row["demand"], f + "demand", problems, low=-100, high=300)
        closed = _closed_weeks(row["closed"], f + "closed", case, problems)
        weeks = int(extra_weeks) if extra_weeks else (case.weeks if extra else 0)
        parts = [
            _("capacity %(pct)s %%") % {"pct": f"{capacity:+g}"} if capacity else "",
            _("%(extra)s extra per week for %(weeks)d weeks")
            % {"extra": f"{extra:g}", "weeks": weeks}
            if extra and weeks
            else "",
            _("closed %(n)d weeks") % {"n": len(closed)} if closed else "",
            _("%(n)s per week to another provider") % {"n": f"{redirect:g}"} if redirect else "",
            _("demand %(pct)s %%") % {"pct": f"{demand:+g}"} if demand else "",
        ]
        scenarios.append(
            Scenario(
                name=(row["name"].strip() or f"Scenario {i}")[:60],
                capacity_factor=1 + capacity / 100,
                extra_slots={w: extra for w in range(weeks)} if extra else {},
                closed_weeks=closed,
                redirected_per_week=redirect,
                demand_factor=1 + demand / 100,
                description=", ".join(p for p in parts if p),
            )
        )
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        problems.append(Problem("name", "Each scenario needs its own name."))
    if problems:
        raise input_error(problems)
    return scenarios
