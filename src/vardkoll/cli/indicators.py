"""``vardkoll indicators``: the standard series on DuckDB, PostgreSQL or Spark."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated, cast
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from vardkoll.cli._options import BACKENDS, CUT_NAMES
from vardkoll.cli.console import console
from vardkoll.domain import InputError
from vardkoll.settings import get_settings


def _parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.datetime.now(ZoneInfo("Europe/Stockholm")).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--as-of must be an ISO date like 2025-06-30; got {text!r}.", field="as_of"
        ) from None


def _percent(value: object) -> str:
    if isinstance(value, str):  # a masking marker
        return value
    return "–" if value is None or value != value else f"{float(value):.0%}"  # type: ignore[arg-type]


def _number(value: object, spec: str) -> str:
    if isinstance(value, str):  # a masking marker
        return value
    if value is None or value != value:
        return "–"
    return format(value, spec)


def register(app: typer.Typer) -> None:
    """Attach the indicators command to the root app."""

    @app.command()
    def indicators(
        source: Annotated[
            str,
            typer.Option(
                help="DuckDB analytics file or Parquet directory; a postgresql:// URL; for "
                "spark a directory with pathways/ and pauses/ Parquet data."
            ),
        ],
        backend: Annotated[
            str, typer.Option(help=f"Where to compute: {', '.join(BACKENDS)}.")
        ] = "duckdb",
        as_of: Annotated[
            str | None, typer.Option(help="Date of the run (ISO); default today.")
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option(help="Write all tables: .json, .xlsx, or a directory for Parquet."),
        ] = None,
        months: Annotated[int, typer.Option(help="Month ends in the series.")] = 36,
        cut: Annotated[
            list[str] | None,
            typer.Option(help=f"Standard cut(s) to compute: {', '.join(CUT_NAMES)}; default all."),
        ] = None,
        method: Annotated[
            str | None,
            typer.Option(
                help="Month-end method: sweep (fast, default) or portable (stays in "
                "the backend; default for spark)."
            ),
        ] = None,
        rule_set: Annotated[str, typer.Option(help="Care-guarantee rule set.")] = "se-national",
        schema: Annotated[
            str | None, typer.Option(help="PostgreSQL schema holding the tables.")
        ] = None,
        master: Annotated[
            str | None,
            typer.Option(help="Spark master URL (default VARDKOLL_SPARK_MASTER or local[2])."),
        ] = None,
        unmasked: Annotated[
            bool,
            typer.Option(
                "--unmasked",
                help="Internal use only: do not mask counts under VARDKOLL_SMALL_CELL_THRESHOLD "
                "in the output. Never for figures that leave the region.",
            ),
        ] = False,
    ) -> None:
        """Compute the standard monthly indicator series and today's capacity snapshot.

        Output (the table printed and the files written) masks small cells like everything
        that leaves the region; ``--unmasked`` is for internal analysis only."""
        from vardkoll.analytics import (
            CUTS,
            Method,
            indicator_bundle,
            open_tables,
            series_month_ends,
            waiting_at,
            write_bundle,
        )
        from vardkoll.services.reports import mask_bundle, mask_table

        day = _parse_date(as_of)
        chosen = method or ("portable" if backend == "spark" else "sweep")
        if chosen not in ("sweep", "portable"):
            raise InputError(f"--method must be sweep or portable; got {chosen!r}.", field="method")
        unknown = [c for c in cut or [] if c not in CUTS]
        if unknown:
            raise InputError(f"Unknown --cut {unknown}; use {', '.join(CUTS)}.", field="cut")
        cuts = {name: CUTS[name] for name in (cut or list(CUTS))}
        started = time.perf_counter()
        tables = open_tables(backend, source, database=schema, master=master)
        bundle = indicator_bundle(
            tables,
            day,
            months=months,
            cuts=cuts,
            rule_set=rule_set,
            method=cast(Method, chosen),
        )
        seconds = time.perf_counter() - started
        last = series_month_ends(day, 1)[0]
        summary = waiting_at(tables, last, ["region_code", "entry_type"], rule_set=rule_set)
        summary = summary[summary.view == "pause_adjusted"]
        threshold = get_settings().small_cell_threshold
        if not unmasked:
            summary = mask_table(summary, "waiting", ("region_code", "entry_type"), threshold)
        table = Table(title=f"Väntande / still waiting {last.isoformat()} (pause-adjusted)")
        for header in ("Region", "Entry type", "Waiting", "Within limit", "Median d", "P90 d"):
            table.add_column(
                header, justify="left" if header in ("Region", "Entry type") else "right"
            )
        for row in summary.itertuples():
            table.add_row(
                str(row.region_code),
                str(row.entry_type),
                _number(row.waiting_count, ","),
                _percent(row.waiting_within_limit_share),
                _number(row.waiting_median_days, ".0f"),
                _number(row.waiting_p90_days, ".0f"),
            )
        console.print(table)
        rows = sum(len(f) for f in bundle.tables.values())
        console.print(
            f"{len(bundle.tables)} tables, {rows:,} rows on {backend} ({chosen}) in "
            f"{seconds:.1f} s."
        )
        if out is not None:
            if not unmasked:
                bundle = mask_bundle(bundle, threshold, markers=bool(out.suffix))
            written = write_bundle(bundle, out)
            state = "UNMASKED, internal use only" if unmasked else f"cells under {threshold} masked"
            console.print(f"Wrote {len(written)} file(s) to [bold]{out}[/] ({state}).")
