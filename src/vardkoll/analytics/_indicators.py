"""Any cut at any single date or period: the indicator tables as pandas frames.

Each function builds the Ibis expression (so it runs inside DuckDB, PostgreSQL or Spark),
executes it and returns the canonical frame of :mod:`._frames`. The expressions themselves
are available from the ``*_expr`` builders for callers that want to compose or inspect SQL.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from vardkoll.analytics._capacity import capacity_expr, primary_care_expr
from vardkoll.analytics._flows import flows_expr
from vardkoll.analytics._frames import finish
from vardkoll.analytics._prepare import IndicatorTables
from vardkoll.analytics._waiting import check_cut, completed_expr, waiting_expr
from vardkoll.domain import AnalyticsError

__all__ = [
    "capacity_at",
    "completed_in",
    "execute",
    "flows_between",
    "primary_care_in",
    "to_arrow",
    "waiting_at",
]


def execute(expr: ir.Table) -> pd.DataFrame:
    """Run an expression on its backend, turning a backend failure into an AnalyticsError."""
    frame: pd.DataFrame = to_arrow(expr).to_pandas()
    return frame


def to_arrow(expr: ir.Table) -> pa.Table:
    """Run an expression and return Arrow; a backend failure becomes an AnalyticsError."""
    try:
        with warnings.catch_warnings():
            # PySpark and Ibis call pandas and DuckDB APIs that warn of their own deprecations;
            # the user can do nothing about those.
            warnings.simplefilter("ignore", DeprecationWarning)
            table = expr.to_pyarrow()
    except Exception as exc:  # the backends raise their own families of errors
        raise AnalyticsError(
            f"The indicator query failed on the backend: {type(exc).__name__}: {exc}"
        ) from exc
    return table


def waiting_at(
    tables: IndicatorTables, on: dt.date, by: Sequence[str], *, rule_set: str = "se-national"
) -> pd.DataFrame:
    """Still waiting at the end of day ``on`` (both views), per cut."""
    keys = check_cut(by)
    return finish(execute(waiting_expr(tables, on, keys, rule_set=rule_set)), "waiting", keys)


def _period_result(
    frame: pd.DataFrame, name: str, keys: Sequence[str], start: dt.date, end: dt.date
) -> pd.DataFrame:
    """Stamp a period indicator's rows with the period they cover, then finish them."""
    frame["period_start"], frame["period_end"] = start, end
    return finish(frame, name, keys)


def completed_in(
    tables: IndicatorTables,
    start: dt.date,
    end: dt.date,
    by: Sequence[str],
    *,
    rule_set: str = "se-national",
) -> pd.DataFrame:
    """Completed in ``start … end`` (both views, treated and removed for other reasons apart)."""
    keys = check_cut(by)
    return _period_result(
        execute(completed_expr(tables, start, end, keys, rule_set=rule_set)),
        "completed",
        keys,
        start,
        end,
    )


def flows_between(
    tables: IndicatorTables, start: dt.date, end: dt.date, by: Sequence[str]
) -> pd.DataFrame:
    """Queue at both ends of ``start … end`` and the inflow and outflow between."""
    keys = check_cut(by)
    return _period_result(execute(flows_expr(tables, start, end, keys)), "flows", keys, start, end)


def primary_care_in(
    tables: IndicatorTables,
    start: dt.date,
    end: dt.date,
    by: Sequence[str],
    *,
    rule_set: str = "se-national",
) -> pd.DataFrame:
    """Primary-care assessments within the limit and same-day contacts in ``start … end``."""
    keys = check_cut(by)
    return _period_result(
        execute(primary_care_expr(tables, start, end, keys, rule_set=rule_set)),
        "primary_care",
        keys,
        start,
        end,
    )


def capacity_at(
    tables: IndicatorTables, on: dt.date, by: Sequence[str], *, rule_set: str = "se-national"
) -> pd.DataFrame:
    """Estimated current wait, spare capacity, demand, capacity, load and pressure on ``on``."""
    keys = check_cut(by)
    frame = execute(capacity_expr(tables, on, keys, rule_set=rule_set))
    frame["on"] = on
    return finish(frame, "capacity", keys)
