"""The end-to-end pipeline, stage by stage: generate → import → analytics build.

Two paths are measured, each in one table row per stage:

- **national** (all 21 regions, ≥ 10 M pathways): generate the files, then build the analytics
  store straight from them (``vardkoll.store.load_analytics_direct`` with the ingest
  validation, as ``vardkoll.services.imports.workflows.load_national_files`` does: validated,
  pseudonymised, no operational store — national data never needs patient-level storage);
- **region** (the demo region): generate, import every file into the operational store
  (SQLite, the embedded default), then build the analytics store from it — the demo's path.

    uv run python benchmarks/bench_pipeline.py                  # both paths, all 21 regions
    uv run python benchmarks/bench_pipeline.py --regions 19 01  # a national subset
    uv run python benchmarks/bench_pipeline.py --skip-region \
        --national-dir /tmp/national --analytics-path /tmp/national-analytics/analytics.duckdb

``--national-dir`` and ``--analytics-path`` keep the national files and store (for the web
load test); otherwise everything is written to a temporary folder and removed. The national
build streams (``load_analytics_direct``: one file at a time, DuckDB capped at
``--memory-limit``), so the peak is about the largest file's validation plus that cap.
``--reuse-files`` builds from files already generated in ``--national-dir`` (default seed and
date) and leaves out the generate stage.

Prints a Rich table and writes ``benchmarks/out/bench_pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from vardkoll import ingest
from vardkoll.domain import REGIONS
from vardkoll.services.imports.workflows import build_analytics_store, import_files, pseudonym_key
from vardkoll.settings import Settings
from vardkoll.store import load_analytics_direct
from vardkoll.synth import DEFAULT_AS_OF, FILE_NAMES, generate_national, generate_region

OUT = Path(__file__).resolve().parent / "out"


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _stage(rows: list[dict[str, Any]], path: str, stage: str, n: int, started: float) -> None:
    seconds = time.perf_counter() - started
    rows.append(
        {
            "path": path,
            "stage": stage,
            "rows": n,
            "seconds": round(seconds, 2),
            "rows_per_second": round(n / seconds) if seconds > 0 else None,
            "peak_rss_gib_so_far": round(_peak_gib(), 2),
        }
    )


def _data_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1


def run_region(work: Path, rows: list[dict[str, Any]]) -> None:
    settings = Settings(data_dir=work / "region-store", secret_key="b" * 48)
    started = time.perf_counter()
    report = generate_region(work / "region-files")
    n_files = sum(report.regions[0].rows.values())
    _stage(rows, "region", "generate", n_files, started)
    started = time.perf_counter()
    results = import_files([work / "region-files" / name for name in FILE_NAMES], settings=settings)
    stored = sum(r.report.rows_read for r in results if r.report is not None)
    _stage(rows, "region", "import (SQLite)", stored, started)
    started = time.perf_counter()
    built = build_analytics_store(settings=settings, as_of=report.as_of)
    _stage(rows, "region", "analytics build", built.rows["pathways"], started)


def run_national(
    work: Path,
    regions: list[str] | None,
    rows: list[dict[str, Any]],
    *,
    files_dir: Path | None = None,
    analytics_path: Path | None = None,
    memory_limit: str = "3GB",
    reuse_files: bool = False,
) -> None:
    folder = files_dir or work / "national-files"
    if reuse_files:
        codes = regions or sorted(REGIONS)
        files = [folder / f"region-{code}" / name for code in codes for name in FILE_NAMES]
        n_files = sum(_data_lines(f) for f in files)
        as_of = DEFAULT_AS_OF
    else:
        started = time.perf_counter()
        report = generate_national(folder, regions=regions)
        n_files = sum(sum(r.rows.values()) for r in report.regions)
        _stage(rows, "national", "generate", n_files, started)
        files = [
            folder / f"region-{r.region_code}" / name for r in report.regions for name in FILE_NAMES
        ]
        as_of = report.as_of
    started = time.perf_counter()
    built = load_analytics_direct(
        files,
        analytics_path or work / "national-store" / "analytics.duckdb",
        key=pseudonym_key(Settings(data_dir=work / "national-store", secret_key="a" * 48)),
        read=ingest.read_and_validate,
        as_of=as_of,
        memory_limit=memory_limit,
    )
    _stage(rows, "national", "validate + pseudonymise + analytics build", n_files, started)
    rows[-1]["pathways"] = built.rows["pathways"]
    rows[-1]["patients"] = built.patients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="*", help="county codes (default: all 21)")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-region", action="store_true")
    parser.add_argument("--national-dir", type=Path, help="generate the national files here (kept)")
    parser.add_argument("--analytics-path", type=Path, help="build the national store here (kept)")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB's cap in the build")
    parser.add_argument(
        "--reuse-files",
        action="store_true",
        help="build from the files already in --national-dir (default seed and date; no generate)",
    )
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="vk-pipeline-"))
    try:
        if not args.skip_region:
            run_region(work, rows)
        if not args.skip_national:
            run_national(
                work,
                args.regions or None,
                rows,
                files_dir=args.national_dir,
                analytics_path=args.analytics_path,
                memory_limit=args.memory_limit,
                reuse_files=args.reuse_files,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = Table(title="End-to-end pipeline (2 vCPU)")
    for column in ("path", "stage", "rows", "seconds", "rows/s", "peak RSS GiB"):
        table.add_column(column, justify="right" if column not in ("path", "stage") else "left")
    for row in rows:
        table.add_row(
            row["path"],
            row["stage"],
            f"{row['rows']:,}",
            f"{row['seconds']:.1f}",
            f"{row['rows_per_second']:,}",
            f"{row['peak_rss_gib_so_far']:.2f}",
        )
    Console().print(table)
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_pipeline.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
