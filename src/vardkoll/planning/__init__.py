"""Production and capacity planning: forecasts, queueing calculators, waiting-list simulation
and the planner built on them (scenarios, goal seeking, the production plan and its follow-up).

Pure computation, no I/O. **Time is in weeks** everywhere: demand and capacity per week, waits
and targets in weeks. The public surface is exactly ``__all__``; the SimPy reference model used
to check the simulation lives in ``vardkoll.planning._simpy_reference`` and needs the dev extras.
"""

from vardkoll.planning._booking import BlendedBooking
from vardkoll.planning._calculators import (
    queue_load,
    relief_capacity,
    target_capacity,
    target_mean_wait,
    target_queue_size,
    waiting_list_pressure,
)
from vardkoll.planning._erlang import erlang_b, erlang_c, servers_for_blocking
from vardkoll.planning._forecast import Forecast, forecast_series
from vardkoll.planning._forecast_backtest import ForecastAccuracy
from vardkoll.planning._forecast_many import ForecastSet, forecast_many
from vardkoll.planning._goal_seek import CapacityGoal, capacity_for_goal
from vardkoll.planning._handoff import (
    arrivals_from_forecast,
    arrivals_from_forecasts,
    level_cv_from_forecast,
)
from vardkoll.planning._holidays import Holiday, easter_sunday, swedish_holidays, week_calendar
from vardkoll.planning._model import (
    GUARANTEE_WEEKS,
    ArrivalForecast,
    ArrivalPaths,
    BookingRule,
    CapacityPolicy,
    InitialList,
    WaitingListModel,
)
from vardkoll.planning._patient_level import simulate_patients
from vardkoll.planning._production_plan import (
    DEVIATION_CODES,
    DeviationCode,
    PlanDeviation,
    PlanUnit,
    PlanWeek,
    plan_to_frame,
    plan_vs_actual,
    production_plan,
)
from vardkoll.planning._result import SimulationPaths, SimulationResult
from vardkoll.planning._scenarios import Scenario, ScenarioOutcome, compare_scenarios
from vardkoll.planning._simulation import simulate

__all__ = [
    "DEVIATION_CODES",
    "GUARANTEE_WEEKS",
    "ArrivalForecast",
    "ArrivalPaths",
    "BlendedBooking",
    "BookingRule",
    "CapacityGoal",
    "CapacityPolicy",
    "DeviationCode",
    "Forecast",
    "ForecastAccuracy",
    "ForecastSet",
    "Holiday",
    "InitialList",
    "PlanDeviation",
    "PlanUnit",
    "PlanWeek",
    "Scenario",
    "ScenarioOutcome",
    "SimulationPaths",
    "SimulationResult",
    "WaitingListModel",
    "arrivals_from_forecast",
    "arrivals_from_forecasts",
    "capacity_for_goal",
    "compare_scenarios",
    "easter_sunday",
    "erlang_b",
    "erlang_c",
    "forecast_many",
    "forecast_series",
    "level_cv_from_forecast",
    "plan_to_frame",
    "plan_vs_actual",
    "production_plan",
    "queue_load",
    "relief_capacity",
    "servers_for_blocking",
    "simulate",
    "simulate_patients",
    "swedish_holidays",
    "target_capacity",
    "target_mean_wait",
    "target_queue_size",
    "waiting_list_pressure",
    "week_calendar",
]
