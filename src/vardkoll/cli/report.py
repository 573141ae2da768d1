"""``vardkoll report monthly``: one region's monthly report as PDF or Excel, masked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from vardkoll.cli._options import REPORT_FORMATS
from vardkoll.cli.console import console
from vardkoll.domain import InputError
from vardkoll.settings import get_settings

report_app = typer.Typer(help="Reports that leave the region (small cells masked).")

_STEPS = ("waiting", "flows", "completed", "comparison", "trends")
_LABELS = {
    "waiting": "Väntande / still waiting",
    "flows": "Inflöde och utflöde / inflow and outflow",
    "completed": "Avslutade / completed",
    "comparison": "Jämförelser / comparisons",
    "trends": "SPC-trender / SPC trends",
    "render": "Skriver / writing",
}


@report_app.command()
def monthly(
    region: Annotated[str, typer.Option(help="County code of the region, e.g. 19.")],
    month: Annotated[str, typer.Option(help="The calendar month, YYYY-MM.")],
    fmt: Annotated[str, typer.Option("--format", help="pdf or xlsx.")] = "pdf",
    lang: Annotated[str, typer.Option(help="Language of the report: sv or en.")] = "sv",
    out: Annotated[
        Path | None,
        typer.Option(help="Output file; default vardkoll-manadsrapport-REGION-MONTH.FORMAT."),
    ] = None,
) -> None:
    """Write the monthly report of one region: indicators, SPC trends, fair comparisons and
    what changed, with cells under VARDKOLL_SMALL_CELL_THRESHOLD masked."""
    if fmt not in REPORT_FORMATS:
        raise InputError(f"--format must be pdf or xlsx; got {fmt!r}.", field="format")
    if lang not in ("sv", "en"):
        raise InputError(f"--lang must be sv or en; got {lang!r}.", field="lang")
    from vardkoll.services.reports import render_report, report_filename, report_for

    settings = get_settings()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(_LABELS["waiting"], total=len(_STEPS) + 1)

        def advance(step: str) -> None:
            done = _STEPS.index(step) if step in _STEPS else 0
            bar.update(task, completed=done, description=_LABELS.get(step, step))

        report = report_for(settings, region, month, progress=advance)
        bar.update(task, completed=len(_STEPS), description=_LABELS["render"])
        body = render_report(report, fmt, lang)
        bar.update(task, completed=len(_STEPS) + 1)
    target = out or Path(report_filename(report, fmt))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    console.print(
        f"Wrote the monthly report of {report.region_name} {report.label} to [bold]{target}[/] "
        f"(cells under {report.threshold} masked)."
    )


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll report`` to the root app."""
    app.add_typer(report_app, name="report")
