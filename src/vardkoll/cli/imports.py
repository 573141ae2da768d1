"""``vardkoll import FILE…``: validate and store files, show what happened, report every problem.

Exit codes: 0 when every row of every file was stored (or already there); 1 when any row was
rejected — the file as a whole, or rows quarantined with ``--accept-valid``; 2 for bad usage
or input (from the root's error handler).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vardkoll.cli._options import FILE_KINDS
from vardkoll.cli.console import console, err_console
from vardkoll.domain import InputError
from vardkoll.settings import Settings, get_settings

if TYPE_CHECKING:
    from vardkoll.services.imports import FileImportResult

SHOWN_PROBLEMS = 20

_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Import",
        "file": "Fil",
        "kind": "Typ",
        "read": "Lästa",
        "new": "Nya",
        "superseded": "Ersatta",
        "unchanged": "Oförändrade",
        "quarantined": "I karantän",
        "status": "Status",
        "stored": "lagrad",
        "with_quarantine": "lagrad, rader i karantän",
        "rejected": "avvisad — inget lagrat",
        "reasons": "Karantän per orsak",
        "reason": "Orsak",
        "rows": "Rader",
        "problems": "Problem (de första {n} av {total})",
        "row": "Rad",
        "field": "Fält",
        "value": "Värde",
        "report": "Felrapport (alla {n} problem): {path}",
        "hint": "Rätta raderna, eller importera med --accept-valid för att lagra de giltiga.",
    },
    "en": {
        "title": "Import",
        "file": "File",
        "kind": "Kind",
        "read": "Read",
        "new": "New",
        "superseded": "Superseded",
        "unchanged": "Unchanged",
        "quarantined": "Quarantined",
        "status": "Status",
        "stored": "stored",
        "with_quarantine": "stored, rows quarantined",
        "rejected": "rejected — nothing stored",
        "reasons": "Quarantined by reason",
        "reason": "Reason",
        "rows": "Rows",
        "problems": "Problems (the first {n} of {total})",
        "row": "Row",
        "field": "Field",
        "value": "Value",
        "report": "Error report (all {n} problems): {path}",
        "hint": "Correct the rows, or import with --accept-valid to store the valid ones.",
    },
}


def _summary(results: list[FileImportResult], t: dict[str, str]) -> Table:
    table = Table(title=t["title"])
    for col in ("file", "kind", "read", "new", "superseded", "unchanged", "quarantined"):
        table.add_column(t[col], justify="left" if col in {"file", "kind"} else "right")
    table.add_column(t["status"])
    for r in results:
        name = Path(r.source).name
        if r.report is None:
            table.add_row(name, r.kind, str(r.rows_read), "0", "0", "0", "0", t["rejected"])
            continue
        rep = r.report
        table.add_row(
            name,
            r.kind,
            str(rep.rows_read),
            str(rep.rows_new),
            str(rep.rows_superseded),
            str(rep.rows_unchanged),
            str(rep.rows_quarantined),
            t["with_quarantine"] if rep.rows_quarantined else t["stored"],
        )
    return table


def _reasons(results: list[FileImportResult], t: dict[str, str]) -> Table | None:
    counts: dict[str, int] = {}
    for r in results:
        for code, n in (r.report.quarantined_by_reason if r.report else {}).items():
            counts[code] = counts.get(code, 0) + n
    if not counts:
        return None
    table = Table(title=t["reasons"])
    table.add_column(t["reason"])
    table.add_column(t["rows"], justify="right")
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(code, str(n))
    return table


def _problems_table(results: list[FileImportResult], t: dict[str, str], lang: str) -> Table:
    problems = [p for r in results for p in r.problems]
    table = Table(
        title=t["problems"].format(n=min(SHOWN_PROBLEMS, len(problems)), total=len(problems))
    )
    for col in ("file", "row", "field", "value", "reason"):
        table.add_column(t[col], overflow="fold")
    for p in problems[:SHOWN_PROBLEMS]:
        table.add_row(
            Path(p.file).name,
            str(p.row),
            p.field,
            "" if p.value is None else p.value,
            p.message("en" if lang == "en" else "sv"),
        )
    return table


def _default_report(settings: Settings, first: str) -> Path:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(first).stem) or "import"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.data_dir / "error-reports" / f"{stem}-{stamp}.csv"


def register(app: typer.Typer) -> None:
    """Attach ``vardkoll import`` and ``vardkoll imports watch`` to the root app."""
    app.add_typer(imports, name="imports")

    @app.command("import")
    def import_command(
        files: Annotated[
            list[Path], typer.Argument(help="CSV, XLSX, or FHIR (.json/.ndjson) files.")
        ],
        accept_valid: Annotated[
            bool,
            typer.Option(
                "--accept-valid", help="Store the valid rows; quarantine the invalid ones."
            ),
        ] = False,
        kind: Annotated[
            str | None,
            typer.Option(
                help=f"File kind, when the header does not tell: {', '.join(FILE_KINDS)}."
            ),
        ] = None,
        lang: Annotated[str, typer.Option(help="Language of messages: sv or en.")] = "sv",
        error_report: Annotated[
            Path | None,
            typer.Option(help="Where to write the CSV error report (default: in the data dir)."),
        ] = None,
    ) -> None:
        """Validate and store files, one transaction per file; report every problem."""
        from vardkoll.ingest import write_error_report
        from vardkoll.services.imports import import_files

        if lang not in _TEXT:
            raise InputError(f"--lang must be sv or en; got {lang!r}.")
        if kind is not None and kind not in FILE_KINDS:
            raise InputError(f"--kind must be one of {', '.join(FILE_KINDS)}; got {kind!r}.")
        t = _TEXT[lang]
        settings = get_settings()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            tasks: dict[str, Any] = {}

            def progress(source: str, done: int, total: int) -> None:
                if source not in tasks:
                    tasks[source] = bar.add_task(Path(source).name, total=total)
                bar.update(tasks[source], completed=done, total=total)

            results = import_files(
                files,
                settings=settings,
                accept_valid=accept_valid,
                kind=kind,
                lang=lang,
                progress=progress,
            )
        console.print(_summary(results, t))
        reasons = _reasons(results, t)
        if reasons is not None:
            console.print(reasons)
        problems = [p for r in results for p in r.problems]
        if problems:
            console.print(_problems_table(results, t, lang))
            first = next(r.source for r in results if r.problems)
            path = error_report or _default_report(settings, first)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_error_report(cast(Any, problems), path, lang=lang)
            console.print(t["report"].format(n=len(problems), path=path), highlight=False)
        if any(r.rejected for r in results):
            err_console.print(t["hint"])
        if problems:
            raise typer.Exit(1)


imports = typer.Typer(help="Imports on a schedule: a watched folder.", no_args_is_help=True)


@imports.command("watch")
def watch_command(
    directory: Annotated[Path, typer.Argument(help="The folder producers drop file sets into.")],
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then exit (for cron or a systemd timer).")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between passes in long-running mode.")
    ] = 60.0,
    settle: Annotated[
        float | None,
        typer.Option(
            help="No .ready markers: take a set once its files were unchanged this many seconds."
        ),
    ] = None,
    accept_valid: Annotated[
        bool,
        typer.Option("--accept-valid", help="Store the valid rows; quarantine the invalid ones."),
    ] = False,
    lang: Annotated[str, typer.Option(help="Language of error reports: sv or en.")] = "sv",
) -> None:
    """Import complete file sets from DIRECTORY; move each to done/ or failed/ with a report."""
    import logging
    import signal
    import threading

    from vardkoll.services.operations import watch, watch_once

    if lang not in _TEXT:
        raise InputError(f"--lang must be sv or en; got {lang!r}.")
    if settle is not None and settle < 0:
        raise InputError(f"--settle must be zero or more seconds; got {settle}.")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = get_settings()
    if once:
        outcomes = watch_once(
            directory,
            settings=settings,
            accept_valid=accept_valid,
            settle_seconds=settle,
            lang=lang,
        )
        failed = [o for o in outcomes if o.status == "failed"]
        console.print(
            f"{len(outcomes)} set(s): {len(outcomes) - len(failed)} done, {len(failed)} failed",
            highlight=False,
        )
        if failed:
            raise typer.Exit(1)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    watch(
        directory,
        settings=settings,
        interval=interval,
        stop=stop,
        accept_valid=accept_valid,
        settle_seconds=settle,
        lang=lang,
    )
