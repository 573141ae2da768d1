"""``vardkoll generate``: write a generated region (or all 21) in the import format.

The files are what a region would send, so they go through the real import path
(``vardkoll import``). Exit codes: 0 on success; 2 for bad input (from the root's handler).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vardkoll.cli.console import console
from vardkoll.domain import InputError


class Scale(StrEnum):
    """How much to generate."""

    region = "region"
    national = "national"


def _as_of(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--as-of must be an ISO date such as 2026-10-31; got {text!r}.", field="as_of"
        ) from None


def register(app: typer.Typer) -> None:
    """Attach the generate command to the root app."""

    @app.command()
    def generate(
        region: Annotated[
            str, typer.Option(help="County code of the region (scale region), e.g. 19.")
        ] = "19",
        scale: Annotated[
            Scale, typer.Option(help="One region, or all 21 regions (≥ 10 million pathways).")
        ] = Scale.region,
        seed: Annotated[int, typer.Option(min=0, help="Random seed: same seed, same files.")] = (
            20261031
        ),
        out: Annotated[
            Path | None,
            typer.Option(
                help="Output folder (default: generated-region-CODE or generated-national)."
            ),
        ] = None,
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of", help="Last day of the 3-year history, ISO (default 2026-10-31)."
            ),
        ] = None,
    ) -> None:
        """Generate a calibrated Swedish region's files (the demo, tests and benchmarks use it)."""
        from vardkoll.synth import generate_national, generate_region

        day = _as_of(as_of)
        target = out or Path(
            f"generated-region-{region}" if scale is Scale.region else "generated-national"
        )
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("Genererar / Generating", total=1)

            def progress(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            if scale is Scale.region:
                report = generate_region(
                    target, region_code=region, seed=seed, as_of=day, progress=progress
                )
            else:
                report = generate_national(target, seed=seed, as_of=day, progress=progress)

        def number(n: int) -> str:
            return f"{n:,}".replace(",", " ")

        table = Table(title=f"Genererat / Generated: {report.out_dir}")
        table.add_column("Fil / File")
        table.add_column("Rader / Rows", justify="right")
        for name, rows in report.rows.items():
            table.add_row(name, number(rows))
        console.print(table)
        console.print(
            f"{len(report.regions)} region(er), {number(report.pathways)} förlopp / pathways, "
            f"{report.history_start} … {report.as_of}, seed {report.seed}, "
            f"{report.seconds:.1f} s"
        )
