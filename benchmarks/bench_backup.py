"""Backup and restore speed of the operational store, on SQLite and PostgreSQL.

Fills a store with ``--rows`` pathway events (the generator of ``bench_import.py``, imported
through the ordinary path), then times ``create_backup`` and ``restore_backup`` into an empty
store of the same kind, and checks the restored ``store_checksum``. Prints a Rich table and
writes ``benchmarks/out/bench_backup.json``.

    uv run python benchmarks/bench_backup.py --rows 200000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import make_csv

from vardkoll.services.imports.workflows import import_files
from vardkoll.services.operations.backup import create_backup, restore_backup
from vardkoll.settings import Settings
from vardkoll.store import make_engine, store_checksum

OUT = Path(__file__).resolve().parent / "out"
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _schema(base: str) -> tuple[str, str]:
    name = f"vk_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    return name, f"{base}?options=-csearch_path%3D{name}"


def _drop(base: str, names: list[str]) -> None:
    admin = make_engine(base)
    with admin.begin() as conn:
        for name in names:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    admin.dispose()


def _checksum(url: str) -> str:
    engine = make_engine(url)
    try:
        return store_checksum(engine)
    finally:
        engine.dispose()


def run(kind: str, csv_path: Path, work: Path) -> dict[str, float | int | str]:
    schemas: list[str] = []
    if kind == "sqlite":
        source_url = f"sqlite:///{work / kind / 'source.sqlite3'}"
        target_url = f"sqlite:///{work / kind / 'target.sqlite3'}"
        quick_url = f"sqlite:///{work / kind / 'quick.sqlite3'}"
    else:
        name, source_url = _schema(PG)
        name2, target_url = _schema(PG)
        name3, quick_url = _schema(PG)
        schemas += [name, name2, name3]
    try:
        source = Settings(data_dir=work / kind / "s", database_url=source_url)
        target = Settings(data_dir=work / kind / "t", database_url=target_url)
        import_files([csv_path], settings=source)
        archive = work / kind / "backup.tar.gz"
        t0 = time.perf_counter()
        report = create_backup(archive, settings=source, include_analytics=False)
        t_backup = time.perf_counter() - t0
        t0 = time.perf_counter()
        restore_backup(archive, settings=target)
        t_restore = time.perf_counter() - t0
        same = _checksum(target_url) == report.manifest.store_checksum
        # Without store_checksum: the copy itself, checked by row counts on restore.
        quick = work / kind / "quick.tar.gz"
        t0 = time.perf_counter()
        create_backup(quick, settings=source, include_analytics=False, checksum=False)
        t_quick = time.perf_counter() - t0
        fresh = Settings(data_dir=work / kind / "q", database_url=quick_url)
        t0 = time.perf_counter()
        restore_backup(quick, settings=fresh)
        t_quick_restore = time.perf_counter() - t0
        rows = sum(report.manifest.rows.values())
        return {
            "backend": kind,
            "rows_all_tables": rows,
            "archive_mb": round(report.bytes / 1e6, 2),
            "backup_s": round(t_backup, 2),
            "restore_s": round(t_restore, 2),
            "backup_rows_per_s": round(rows / t_backup),
            "restore_rows_per_s": round(rows / t_restore),
            "checksum_equal": str(same),
            "no_checksum_backup_s": round(t_quick, 2),
            "no_checksum_restore_s": round(t_quick_restore, 2),
        }
    finally:
        if schemas:
            _drop(PG, schemas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        csv_path = work / "pathway_events.csv"
        make_csv(csv_path, args.rows)
        results = [run(kind, csv_path, work) for kind in ("sqlite", "postgresql")]
    table = Table(title=f"backup / restore, {args.rows} pathway events")
    table.add_column("measure")
    for row in results:
        table.add_column(str(row["backend"]), justify="right")
    for key in results[0]:
        if key != "backend":
            table.add_row(key, *(str(row[key]) for row in results))
    Console().print(table)
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_backup.json").write_text(
        json.dumps({"rows": args.rows, "results": results}, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
