"""What the planning pages show, built once for the page, its charts and its exports.

Why here and not in the routes: the page, the Vega-Lite specs and the Excel/CSV files all read
the same rows (a table exported is the table shown), and the routes stay thin. Vega-Lite specs
carry their data inline and are rendered in the browser from the vendored scripts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from babel.numbers import format_decimal

from vardkoll.http.i18n import BABEL_LOCALE, N_
from vardkoll.planning import PlanDeviation, PlanWeek, ScenarioOutcome
from vardkoll.services.planning import GoalAnswer, PlanningCase, PlanningKey
from vardkoll.web.labels import entry_label, specialty_label
from vardkoll.web.tables import Column, Table

Gettext = Callable[[str], str]
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
HISTORY_SHOWN = 104
"""Weeks of history drawn before the forecast: two years, enough to see the season."""

DEVIATION_LABELS: dict[str, str] = {
    "no_actual_yet": N_("No actual yet: the week is not over"),
    "not_in_data": N_("No actual yet: the week is over but its data are not in yet"),
    "on_plan": N_("On plan"),
    "holiday": N_("Below plan in a week with a public holiday"),
    "summer": N_("Below plan in the summer period"),
    "below_plan": N_("Below plan: fewer treated than planned"),
    "above_plan": N_("Above plan: more treated than planned"),
}
"""The explanation of each plan-vs-actual code (English message ids; translated when shown)."""

TRUST_LABELS: dict[str, str] = {
    "high": N_("High"),
    "medium": N_("Medium"),
    "low": N_("Low"),
}

MODEL_LABELS: dict[str, str] = {
    "seasonal_naive": N_("same week last year (seasonal naive)"),
    "naive": N_("the latest level (naive)"),
    "ets": N_("exponential smoothing (ETS)"),
    "regression": N_("regression on season and trend"),
    "ensemble": N_("average of several models (ensemble)"),
}
"""The forecast models in words (the codes are ``FORECAST_METHODS``)."""

FORMULA_LABELS: dict[str, str] = {
    "relief_capacity": N_("relief capacity"),
    "target_capacity": N_("target capacity"),
}
"""The queueing formulas of DOMAIN.md §6 by their names in the user's language."""

NOTE_LABELS: dict[str, str] = {
    "holiday": N_("Public holiday"),
    "summer": N_("Summer period"),
    "extra": N_("Extra sessions"),
}


def fmt_one(value: float | None, lang: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals in the language's format (Swedish: ``20,9``)."""
    if value is None or not math.isfinite(value):
        return "–"
    pattern = "#,##0." + "0" * digits
    return format_decimal(round(value, digits), format=pattern, locale=BABEL_LOCALE[lang])


def queue_value(key: PlanningKey) -> str:
    """The selector's value for a queue (``unit|specialty|entry_type``)."""
    return f"{key.unit_id}|{key.specialty}|{key.entry_type}"


def queue_label(key: PlanningKey, unit_name: str, _: Gettext, lang: str) -> str:
    return (
        f"{unit_name} · {specialty_label(key.specialty, lang)} · {entry_label(key.entry_type, _)}"
    )


def model_label(model: str, _: Gettext) -> str:
    """A forecast model's name for people (an unknown code is shown as it is)."""
    return _(MODEL_LABELS[model]) if model in MODEL_LABELS else model


def formula_label(method: str, _: Gettext) -> str:
    """``relief_capacity+target_capacity`` as the formulas' names, joined by " + "."""
    return " + ".join(_(FORMULA_LABELS[f]) if f in FORMULA_LABELS else f for f in method.split("+"))


def note_label(note: str, _: Gettext) -> str:
    """A plan week's note codes (``holiday,summer``) in words."""
    return ", ".join(_(NOTE_LABELS.get(code, code)) for code in note.split(",") if code)


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 2)


def forecast_spec(case: PlanningCase, _: Gettext) -> dict[str, Any]:
    """History, forecast and its 80 %/95 % prediction intervals, weekly."""
    history = case.history.tail(HISTORY_SHOWN)
    values: list[dict[str, Any]] = [
        {"week": w.isoformat(), "series": _("Clock starts"), "value": int(v)}
        for w, v in zip(history["week_start"], history["inflow"], strict=True)
    ]
    f = case.forecast
    if f is not None:
        for i, week in enumerate(f.weeks):
            values.append(
                {
                    "week": week.isoformat(),
                    "series": _("Forecast"),
                    "value": _num(f.mean[i]),
                    "lo80": _num(f.lower_80[i]),
                    "hi80": _num(f.upper_80[i]),
                    "lo95": _num(f.lower_95[i]),
                    "hi95": _num(f.upper_95[i]),
                }
            )
    x = {"field": "week", "type": "temporal", "title": _("Week")}
    y_title = _("Clock starts per week")
    band = {"filter": "datum.lo95 != null"}
    return {
        "$schema": SCHEMA,
        "description": _("Clock starts per week and the forecast with its prediction intervals"),
        "width": "container",
        "height": 300,
        "data": {"values": values},
        "layer": [
            {
                "transform": [band],
                "mark": {"type": "area", "opacity": 0.25, "color": "#6b8fc7"},
                "encoding": {
                    "x": x,
                    "y": {"field": "lo95", "type": "quantitative", "title": y_title},
                    "y2": {"field": "hi95"},
                },
            },
            {
                "transform": [band],
                "mark": {"type": "area", "opacity": 0.35, "color": "#2f5fa8"},
                "encoding": {
                    "x": x,
                    "y": {"field": "lo80", "type": "quantitative"},
                    "y2": {"field": "hi80"},
                },
            },
            {
                "mark": {"type": "line"},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "title": y_title},
                    "color": {
                        "field": "series",
                        "type": "nominal",
                        "title": None,
                        "scale": {"range": ["#555555", "#0b3d91"]},
                    },
                },
            },
        ],
    }


def fan_spec(case: PlanningCase, outcomes: Sequence[ScenarioOutcome], _: Gettext) -> dict[str, Any]:
    """Fan charts side by side: list size and share within the guarantee, p10–p90 and median."""
    rows: list[dict[str, Any]] = []
    for o in outcomes:
        for w in range(len(o.queue_p50)):
            week = case.week_start(w).isoformat()
            rows.append(
                {
                    "scenario": o.scenario.name,
                    "week": week,
                    "metric": "queue",
                    "p10": _num(o.queue_p10[w]),
                    "p50": _num(o.queue_p50[w]),
                    "p90": _num(o.queue_p90[w]),
                    "target": None,
                }
            )
            rows.append(
                {
                    "scenario": o.scenario.name,
                    "week": week,
                    "metric": "share",
                    "p10": _num(o.share_p10[w]),
                    "p50": _num(o.share_p50[w]),
                    "p90": _num(o.share_p90[w]),
                    "target": o.target_share,
                }
            )
    order = [o.scenario.name for o in outcomes]
    x = {"field": "week", "type": "temporal", "title": _("Week")}
    column = {
        "field": "scenario",
        "type": "nominal",
        "title": None,
        "sort": order,
        "header": {"labelFontSize": 13, "labelFontWeight": "bold"},
    }

    def panel(metric: str, title: str, fmt: str | None, domain: list[float] | None) -> Any:
        y: dict[str, Any] = {"field": "p10", "type": "quantitative", "title": title}
        if fmt:
            y["axis"] = {"format": fmt}
        if domain:
            y["scale"] = {"domain": domain}
        layers: list[dict[str, Any]] = [
            {
                "mark": {"type": "area", "opacity": 0.3, "color": "#2f5fa8"},
                "encoding": {"x": x, "y": y, "y2": {"field": "p90"}},
            },
            {
                "mark": {"type": "line", "color": "#0b3d91"},
                "encoding": {"x": x, "y": {"field": "p50", "type": "quantitative"}},
            },
        ]
        if metric == "share":
            layers.append(
                {
                    "mark": {"type": "rule", "color": "#b3261e", "strokeDash": [6, 4]},
                    "encoding": {
                        "y": {"aggregate": "max", "field": "target", "type": "quantitative"}
                    },
                }
            )
        return {
            "transform": [{"filter": f"datum.metric === '{metric}'"}],
            "facet": {"column": column},
            "spec": {"width": 260, "height": 180, "layer": layers},
            "resolve": {"scale": {"y": "shared"}},
        }

    return {
        "$schema": SCHEMA,
        "description": _("Fan charts of the scenarios: list size and share within the guarantee"),
        "data": {"values": rows},
        "vconcat": [
            panel("queue", _("Waiting (10th–90th percentile, median)"), None, None),
            panel("share", _("Share within the guarantee"), ".0%", [0, 1]),
        ],
    }


def comparison_table(outcomes: Sequence[ScenarioOutcome], _: Gettext) -> Table:
    """One row per scenario: where the list ends, and when the median reaches the target."""
    columns = [
        Column("scenario", _("Scenario name")),
        Column("description", _("Change")),
        Column("end_queue_p50", _("Waiting at the end (median)"), "int"),
        Column("end_queue_p10", _("Waiting at the end (10th percentile)"), "int"),
        Column("end_queue_p90", _("Waiting at the end (90th percentile)"), "int"),
        Column("end_beyond_p50", _("Beyond the guarantee at the end (median)"), "int"),
        Column("end_share_p50", _("Share within the guarantee at the end (median)"), "share"),
        Column(
            "end_share_p10", _("Share within the guarantee at the end (10th percentile)"), "share"
        ),
        Column("weeks_to_target", _("Weeks until 90 % within (median)"), "int"),
    ]
    rows = []
    for o in outcomes:
        s = o.summary()
        rows.append(
            {
                "scenario": o.scenario.name,
                "description": o.scenario.description,
                "end_queue_p50": round(s["end_queue_p50"]),
                "end_queue_p10": round(s["end_queue_p10"]),
                "end_queue_p90": round(s["end_queue_p90"]),
                "end_beyond_p50": round(s["end_beyond_p50"]),
                "end_share_p50": s["end_share_p50"],
                "end_share_p10": s["end_share_p10"],
                "weeks_to_target": (int(s["weeks_to_target"]) if "weeks_to_target" in s else None),
            }
        )
    return Table(columns, rows)


def _week_note(week: PlanWeek) -> str:
    """The week's note codes, with the summer period named even when it changes nothing."""
    codes = [c for c in week.note.split(",") if c]
    if week.summer and "summer" not in codes:
        codes.append("summer")
    return ",".join(codes)


def plan_table(weeks: Sequence[PlanWeek], _: Gettext) -> Table:
    """The production plan week by week, as shown and exported."""
    columns = [
        Column("iso_week", _("ISO week")),
        Column("week_start", _("Monday"), "date"),
        Column("working_days", _("Working days"), "int"),
        Column("note", _("Calendar")),
        Column("planned", _("Planned"), "int"),
    ]
    rows = [
        {
            "iso_week": w.iso_week,
            "week_start": w.week_start,
            "working_days": w.working_days,
            "note": ", ".join(p for p in (note_label(_week_note(w), _), w.holidays) if p),
            "planned": round(w.planned),
        }
        for w in weeks
    ]
    return Table(columns, rows)


def follow_up_table(rows: Sequence[PlanDeviation], _: Gettext) -> Table:
    """Plan against actual per week, with the deviation explained in words."""
    columns = [
        Column("iso_week", _("ISO week")),
        Column("working_days", _("Working days"), "int"),
        Column("planned", _("Planned"), "int"),
        Column("actual", _("Actual"), "int"),
        Column("deviation", _("Deviation"), "int"),
        Column("deviation_share", _("Deviation (share of plan)"), "share"),
        Column("explanation", _("Explanation")),
    ]
    table_rows = [
        {
            "iso_week": r.iso_week,
            "working_days": r.working_days,
            "planned": round(r.planned),
            "actual": None if r.actual is None else round(r.actual),
            "deviation": None if r.deviation is None else round(r.deviation),
            "deviation_share": r.deviation_share,
            "explanation": _(DEVIATION_LABELS.get(r.code, r.code)),
        }
        for r in rows
    ]
    return Table(columns, table_rows)


def goal_facts(answer: GoalAnswer) -> dict[str, Any]:
    """The figures of the goal answer, rounded as shown (the tests compare with these)."""
    g = answer.goal
    return {
        "relief_per_week": float(g.relief_per_week),
        "relief_weeks": int(g.relief_weeks),
        "relief_until": answer.case.week_start(int(g.relief_weeks)) - dt.timedelta(days=1),
        "sustainable_per_week": float(g.sustainable_per_week),
        "current_per_week": answer.current_per_week,
        "simulated_share_p50": float(g.simulated_share_p50),
        "simulated_share_p10": float(g.simulated_share_p10),
        "confirmed": bool(g.confirmed),
        "formula_method": g.formula_method,
        "plan_total": float(np.sum(g.plan)),
    }
