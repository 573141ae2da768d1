"""Scenarios side by side: the form, the fan charts, the comparison table and its export.

A scenario is read from the query string (``s1_name``, ``s1_capacity`` …, up to three), so
the fragment, the chart spec and the Excel file of one comparison share one URL's parameters
and the planner service's cache. "Current production" is always the first column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from vardkoll.domain import InputError, NotFound
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.i18n import N_
from vardkoll.planning import Scenario, ScenarioOutcome
from vardkoll.services.planning.planner import PlanningCase
from vardkoll.services.planning.questions import scenario_outcomes
from vardkoll.web.planning_request import is_fragment, pick_case
from vardkoll.web.planning_views import comparison_table, fan_spec, queue_label, queue_value
from vardkoll.web.routes.overview import cell_formatter
from vardkoll.web.tables import download
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)
Gettext = Callable[[str], str]

SLOTS = (1, 2, 3)
FIELDS = ("name", "capacity", "extra", "extra_weeks", "closed", "redirect", "demand")
DEFAULTS: dict[int, dict[str, str]] = {
    1: {"name": N_("Capacity +10 %"), "capacity": "10"},
    2: {
        "name": N_("Extra sessions and another provider"),
        "redirect": "3",
        "extra": "5",
        "extra_weeks": "12",
    },
}
"""What the form starts with, so a first click compares two scenarios with the base."""


@dataclass(frozen=True)
class ScenarioForm:
    """The scenario fields as typed (strings), per slot."""

    values: dict[int, dict[str, str]]

    @classmethod
    def from_query(cls, query: Mapping[str, str], _: Gettext) -> ScenarioForm:
        """The typed fields; without any, the defaults (names in the user's language)."""
        given = any(k.startswith("s") and "_" in k for k in query)

        def default(i: int, f: str) -> str:
            value = DEFAULTS.get(i, {}).get(f, "")
            return _(value) if f == "name" and value else value

        values = {
            i: {f: query.get(f"s{i}_{f}", "" if given else default(i, f)) for f in FIELDS}
            for i in SLOTS
        }
        return cls(values)

    def params(self) -> dict[str, str]:
        return {f"s{i}_{f}": v for i, row in self.values.items() for f, v in row.items() if v}


def _number(
    raw: str, field: str, problems: list[dict[str, str]], *, low: float, high: float
) -> float:
    if not raw.strip():
        return 0.0
    try:
        value = float(raw.strip().replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also catches nan
        problems.append(
            {
                "field": field,
                "code": "invalid_input",
                "message": f"{field} must be a number from {low:g} to {high:g}; got {raw!r}.",
            }
        )
        return 0.0
    return value


def _closed_weeks(
    raw: str, field: str, case: PlanningCase, problems: list[dict[str, str]]
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
                {
                    "field": field,
                    "code": "invalid_input",
                    "message": f"{field}: {label!r} is not an ISO week such as 2025-W29.",
                }
            )
            continue
        index = case.week_of(monday)
        if not 0 <= index < case.weeks:
            problems.append(
                {
                    "field": field,
                    "code": "invalid_input",
                    "message": f"{field}: {label} is outside the planning horizon "
                    f"({case.start.isoformat()} and {case.weeks} weeks on).",
                }
            )
            continue
        weeks.append(index)
    return tuple(sorted(set(weeks)))


def parse_scenarios(form: ScenarioForm, case: PlanningCase, _: Gettext) -> list[Scenario]:
    """The base plus every filled-in slot; all problems reported at once."""
    problems: list[dict[str, str]] = []
    scenarios = [Scenario(name=_("Current production"), description=_("Recent production"))]
    for i in SLOTS:
        row = form.values[i]
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
        problems.append(
            {
                "field": "name",
                "code": "invalid_input",
                "message": "Each scenario needs its own name.",
            }
        )
    if problems:
        raise InputError(" ".join(p["message"] for p in problems), errors=problems)
    return scenarios


def _compare(
    ctx: Ctx, queue: str | None
) -> tuple[PlanningCase, list[ScenarioOutcome], ScenarioForm]:
    case = pick_case(ctx, queue)
    form = ScenarioForm.from_query(ctx.request.query_params, ctx._)
    scenarios = parse_scenarios(form, case, ctx._)
    case, outcomes = scenario_outcomes(ctx.settings, ctx.scope, case.key, scenarios)
    return case, outcomes, form


@router.get("/planning/scenarios")
def scenarios_fragment(ctx: CtxDep, queue: str | None = None) -> Response:
    """Fan charts and the comparison table of the base and the scenarios of the form."""
    try:
        case, outcomes, form = _compare(ctx, queue)
    except InputError as exc:
        status = 200 if is_fragment(ctx) else 422
        return render(ctx, "_planning_scenarios.html", status=status, error=exc.message)
    params = urlencode({"queue": queue_value(case.key), **form.params()})
    return render(
        ctx,
        "_planning_scenarios.html",
        error=None,
        table=comparison_table(outcomes, ctx._),
        cell=cell_formatter(ctx.lang),
        params=params,
        outcomes=outcomes,
        case=case,
    )


@router.get("/planning/scenarios/chart.json")
def scenarios_chart(ctx: CtxDep, queue: str | None = None) -> JSONResponse:
    """The fan charts' Vega-Lite spec (same parameters as the fragment)."""
    case, outcomes, _form = _compare(ctx, queue)
    return JSONResponse(fan_spec(case, outcomes, ctx._))


@router.get("/planning/scenarios/export.{fmt}")
def scenarios_export(ctx: CtxDep, fmt: str, queue: str | None = None) -> Response:
    """The comparison table as Excel or CSV."""
    if fmt not in ("xlsx", "csv"):
        raise NotFound("Export formats are xlsx and csv.")
    case, outcomes, _form = _compare(ctx, queue)
    table = comparison_table(outcomes, ctx._)
    name = f"vardkoll-scenarier-{case.key.unit_id}-{case.key.entry_type}-{case.start}"
    about = [
        (ctx._("Queue"), queue_label(case.key, case.choice.unit_name, ctx._, ctx.lang)),
        (ctx._("Data as of"), case.as_of.isoformat()),
        (ctx._("First simulated week"), case.start.isoformat()),
        (ctx._("Weeks simulated"), str(case.weeks)),
        (ctx._("Replications"), str(outcomes[0].result.replications)),
    ]
    return download(
        table,
        fmt,
        name=name,
        sheet=ctx._("Scenarios"),
        about=about,
        formatter=cell_formatter(ctx.lang),
    )
