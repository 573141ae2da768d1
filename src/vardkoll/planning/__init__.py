"""Production and capacity planning: queueing calculators and waiting-list simulation.

Pure computation, no I/O. **Time is in weeks** everywhere: demand and capacity per week, waits
and targets in weeks. The public surface is exactly ``__all__``; the SimPy reference model used
to check the simulation lives in ``vardkoll.planning._simpy_reference`` and needs the dev extras.
"""

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
from vardkoll.planning._result import SimulationPaths, SimulationResult
from vardkoll.planning._simulation import simulate

__all__ = [
    "GUARANTEE_WEEKS",
    "ArrivalForecast",
    "ArrivalPaths",
    "BookingRule",
    "CapacityPolicy",
    "Forecast",
    "ForecastAccuracy",
    "ForecastSet",
    "Holiday",
    "InitialList",
    "SimulationPaths",
    "SimulationResult",
    "WaitingListModel",
    "easter_sunday",
    "erlang_b",
    "erlang_c",
    "forecast_many",
    "forecast_series",
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
