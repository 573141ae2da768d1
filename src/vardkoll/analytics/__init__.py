"""Engine: the waiting-time indicators, the monthly series, SPC, masking and fair comparisons.

Indicators are Ibis expressions, so one definition runs on DuckDB (embedded), PostgreSQL and
Apache Spark; see docs/explanation/indicators.md. The public surface is exactly ``__all__``.
"""

from vardkoll.analytics._alerts import (
    BETTER_DIRECTION,
    Alert,
    alerts_from_series,
    queue_growing,
    share_falling,
)
from vardkoll.analytics._backends import BACKENDS, Backend, open_tables, spark_session, tables_from
from vardkoll.analytics._capacity import (
    ESTIMATE_METHOD,
    RECENT_WEEKS,
    SPARE_CAPACITY_SHARE,
    capacity_expr,
    primary_care_expr,
)
from vardkoll.analytics._definitions import (
    CUTS,
    DIMENSIONS,
    INDICATORS,
    OUTCOMES,
    VIEWS,
    WAIT_GROUPS,
    Indicator,
    get_indicator,
)
from vardkoll.analytics._export import IndicatorBundle, indicator_bundle, write_bundle
from vardkoll.analytics._flows import flows_expr, monthly_flows_expr
from vardkoll.analytics._frames import COLUMNS as TABLE_COLUMNS
from vardkoll.analytics._funnel import (
    LEVELS,
    binomial_cdf,
    funnel,
    funnel_limits,
    proportion_interval,
)
from vardkoll.analytics._indicators import (
    capacity_at,
    completed_in,
    flows_between,
    primary_care_in,
    waiting_at,
)
from vardkoll.analytics._masking import MaskedTable, mask_small_cells, suppress
from vardkoll.analytics._overview import (
    Overview,
    OverviewCell,
    TrendPoint,
    analytics_as_of,
    analytics_regions,
    limits_cte,
    overview,
    trend_dates,
)
from vardkoll.analytics._prepare import IndicatorTables, pause_pieces, prepared_pathways
from vardkoll.analytics._series import (
    Method,
    StandardSeries,
    series_for_cut,
    series_month_ends,
    standard_series,
)
from vardkoll.analytics._spc import RULES, Signal, XmRChart, xmr
from vardkoll.analytics._spc_chart import STATUS_COLOURS, xmr_vega_lite
from vardkoll.analytics._waiting import completed_expr, waiting_expr

__all__ = [
    "BACKENDS",
    "BETTER_DIRECTION",
    "CUTS",
    "DIMENSIONS",
    "ESTIMATE_METHOD",
    "INDICATORS",
    "LEVELS",
    "OUTCOMES",
    "RECENT_WEEKS",
    "RULES",
    "SPARE_CAPACITY_SHARE",
    "STATUS_COLOURS",
    "TABLE_COLUMNS",
    "VIEWS",
    "WAIT_GROUPS",
    "Alert",
    "Backend",
    "Indicator",
    "IndicatorBundle",
    "IndicatorTables",
    "MaskedTable",
    "Method",
    "Overview",
    "OverviewCell",
    "Signal",
    "StandardSeries",
    "TrendPoint",
    "XmRChart",
    "alerts_from_series",
    "analytics_as_of",
    "analytics_regions",
    "binomial_cdf",
    "capacity_at",
    "capacity_expr",
    "completed_expr",
    "completed_in",
    "flows_between",
    "flows_expr",
    "funnel",
    "funnel_limits",
    "get_indicator",
    "indicator_bundle",
    "limits_cte",
    "mask_small_cells",
    "monthly_flows_expr",
    "open_tables",
    "overview",
    "pause_pieces",
    "prepared_pathways",
    "primary_care_expr",
    "primary_care_in",
    "proportion_interval",
    "queue_growing",
    "series_for_cut",
    "series_month_ends",
    "share_falling",
    "spark_session",
    "standard_series",
    "suppress",
    "tables_from",
    "trend_dates",
    "waiting_at",
    "waiting_expr",
    "write_bundle",
    "xmr",
    "xmr_vega_lite",
]
