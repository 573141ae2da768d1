"""The end-to-end pipeline, stage by stage: generate → import → analytics build.

Two paths are measured, each in one table row per stage:

- **national** (all 21 regions, ≥ 10 M pathways): generate the files, then build the analytics
  store straight from them (``vardkoll.services.imports.load_national_files``: validated,
  pseudonymised, no operational store — national data never needs patient-level storage);
- **region** (the demo region): generate, import every file into the operational store
  (SQLite, the embedded default), then build the analytics store from it — the demo's path.

    uv run python benchmarks/bench_pipeline.py                  # both paths, all 21 regions
    uv run python benchmarks/bench_pipeline.py --regions 19 01  # a national subset

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

from vardkoll.services.imports import build_analytics_store, import_files, load_national_files
from vardkoll.settings import Settings
from vardkoll.synth import FILE_NAMES, generate_national, generate_region

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


def run_national(work: Path, regions: list[str] | None, rows: list[dict[str, Any]]) -> None:
    settings = Settings(data_dir=work / "national-store", secret_key="a" * 48)
    started = time.perf_counter()
    report = generate_national(work / "national-files", regions=regions)
    n_files = sum(sum(r.rows.values()) for r in report.regions)
    _stage(rows, "national", "generate", n_files, started)
    files = [
        work / "national-files" / f"region-{r.region_code}" / name
        for r in report.regions
        for name in FILE_NAMES
    ]
    started = time.perf_counter()
    built = load_national_files(files, settings=settings, as_of=report.as_of)
    _stage(rows, "national", "validate + pseudonymise + analytics build", n_files, started)
    rows[-1]["pathways"] = built.rows["pathways"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="*", help="county codes (default: all 21)")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--skip-region", action="store_true")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    work = Path(tempfile.mkdtemp(prefix="vk-pipeline-"))
    try:
        if not args.skip_region:
            run_region(work, rows)
        if not args.skip_national:
            run_national(work, args.regions or None, rows)
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
