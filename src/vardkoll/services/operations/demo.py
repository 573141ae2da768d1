"""Preparing the demo installation: the workflow behind ``vardkoll demo``.

The demo must exercise the real product path, not a shortcut: a region is generated as the
files a region would send, imported through the same validation and store code as
``vardkoll import``, and the analytics store is built from the operational store. The first
run does all that once (about a minute on a 2-core machine); later runs find the marker
file and start in seconds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vardkoll.domain import StoreError
from vardkoll.services.access.accounts import DemoAccount, create_demo_accounts
from vardkoll.services.imports.workflows import build_analytics_store, import_files
from vardkoll.settings import Settings
from vardkoll.store import make_engine, upgrade
from vardkoll.synth import DEFAULT_REGION, FILE_NAMES, generate_region

__all__ = ["DemoProgress", "DemoReport", "demo_is_ready", "prepare_demo"]

DemoProgress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages are ``generate``, ``import:<file>``, ``analytics``."""

MARKER = "demo-ready.json"


@dataclass(frozen=True)
class DemoReport:
    """What the demo consists of: where its files are and who can sign in."""

    region_code: str
    as_of: dt.date
    files_dir: Path
    rows_imported: int
    accounts: tuple[DemoAccount, ...]
    prepared_now: bool


def demo_is_ready(settings: Settings) -> bool:
    """True when a previous run finished preparing the demo (and its stores still exist)."""
    marker = settings.data_dir / MARKER
    return marker.is_file() and settings.resolved_analytics_path().is_file()


def _read_marker(settings: Settings) -> DemoReport:
    data = json.loads((settings.data_dir / MARKER).read_text(encoding="utf-8"))
    return DemoReport(
        region_code=str(data["region_code"]),
        as_of=dt.date.fromisoformat(data["as_of"]),
        files_dir=Path(data["files_dir"]),
        rows_imported=int(data["rows_imported"]),
        accounts=tuple(_account(a) for a in data["accounts"]),
        prepared_now=False,
    )


def _account(item: list[str]) -> DemoAccount:
    username, password, role, scope = (str(v) for v in item)
    return (username, password, role, scope)


def prepare_demo(
    settings: Settings,
    *,
    region_code: str = DEFAULT_REGION,
    progress: DemoProgress | None = None,
) -> DemoReport:
    """Generate, import and build the demo region unless an earlier run already did.

    Raises ``StoreError`` when a generated file is rejected by the import — that would be a
    bug in the generator or the validator, and the demo must not pretend otherwise.
    """
    if demo_is_ready(settings):
        return _read_marker(settings)

    def tell(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    files_dir = settings.data_dir / f"region-{region_code}"
    generated = generate_region(
        files_dir,
        region_code=region_code,
        progress=lambda step, done, total: tell("generate", done, total),
    )
    upgrade(settings.resolved_database_url())
    rows = 0
    for name in FILE_NAMES:

        def step(source: str, done: int, total: int, name: str = name) -> None:
            tell(f"import:{name}", done, total)

        results = import_files([files_dir / name], settings=settings, progress=step)
        for result in results:
            if result.rejected:
                raise StoreError(
                    f"The generated file {name} was rejected by the import "
                    f"({len(result.problems)} problems); run "
                    f"'vardkoll import {files_dir / name}' to see them."
                )
            assert result.report is not None
            rows += result.report.rows_read
    tell("analytics", 0, 1)
    build_analytics_store(settings=settings, as_of=generated.as_of)
    tell("analytics", 1, 1)
    engine = make_engine(settings.resolved_database_url())
    try:
        accounts = tuple(create_demo_accounts(engine, region_code=region_code))
    finally:
        engine.dispose()
    report = DemoReport(
        region_code=region_code,
        as_of=generated.as_of,
        files_dir=files_dir,
        rows_imported=rows,
        accounts=accounts,
        prepared_now=True,
    )
    marker = {
        "region_code": region_code,
        "as_of": generated.as_of.isoformat(),
        "files_dir": str(files_dir),
        "rows_imported": rows,
        "accounts": [list(a) for a in accounts],
    }
    tmp = settings.data_dir / (MARKER + ".tmp")
    tmp.write_text(json.dumps(marker, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(settings.data_dir / MARKER)
    return report
