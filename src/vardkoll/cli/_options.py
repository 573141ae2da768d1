"""Values the CLI's help texts and defaults need before any command runs.

Why copies: ``vardkoll --help`` should answer at once, so the command modules must not import
the engines (DuckDB, pandas, Ibis, ReportLab) just to print a list of choices or a default.
These few values are repeated here and ``tests/test_cli_smoke.py`` checks that each equals its
source, so they cannot drift.
"""

from __future__ import annotations

FILE_KINDS: tuple[str, ...] = (
    "units",
    "pathway_events",
    "production",
    "beds",
    "theatre_sessions",
    "ed_visits",
    "inpatient_stays",
)
"""= :data:`vardkoll.ingest.FILE_KINDS`."""

ERROR_REPORT_DAYS = 90
"""= :data:`vardkoll.services.access.retention.ERROR_REPORT_DAYS`."""

IMPORT_FILES_DAYS = 30
"""= :data:`vardkoll.services.access.retention.IMPORT_FILES_DAYS`."""

REPORT_FORMATS: tuple[str, ...] = ("pdf", "xlsx")
"""= :data:`vardkoll.services.reports.render.FORMATS`."""

BACKENDS: tuple[str, ...] = ("duckdb", "postgres", "spark")
"""= :data:`vardkoll.analytics.BACKENDS`."""

CUT_NAMES: tuple[str, ...] = ("unit", "region_priority", "region_age_band", "region_sex")
"""= the names of :data:`vardkoll.analytics.CUTS`."""

DEFAULT_TOKEN_DAYS = 90
"""= :data:`vardkoll.services.access.tokens.DEFAULT_TOKEN_DAYS`."""

MAX_TOKEN_DAYS = 730
"""= :data:`vardkoll.services.access.tokens.MAX_TOKEN_DAYS`."""
