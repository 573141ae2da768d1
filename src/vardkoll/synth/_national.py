"""Generate all 21 regions: the national scale, for benchmarks and national follow-up.

Each region is written to its own folder (``region-01`` … ``region-25``) exactly as it would
send its files, with the same seed-per-region rule as :func:`generate_region` — so
``region-19`` of a national run equals a region-scale run of Västmanland with the same seed.
Large regions are generated in chunks of about 450 000 inhabitants, each written before the
next is drawn, so memory stays bounded whatever the population.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path

from vardkoll.domain import REGIONS, InputError
from vardkoll.synth._calendar import from_day_number
from vardkoll.synth._pathways import Horizon
from vardkoll.synth._queues import CalibrationTargets
from vardkoll.synth._region import (
    DEFAULT_SEED,
    GenerationReport,
    Progress,
    parse_as_of,
    write_region,
)

__all__ = ["generate_national", "region_directory"]


def region_directory(out_dir: Path, region_code: str) -> Path:
    """Where a national run writes one region's files: ``out_dir/region-XX``."""
    return out_dir / f"region-{region_code}"


def generate_national(
    out_dir: Path | str,
    *,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | str | None = None,
    regions: Sequence[str] | None = None,
    targets: CalibrationTargets | None = None,
    progress: Progress | None = None,
) -> GenerationReport:
    """Generate every region (or the given ``regions``) into ``out_dir/region-XX``.

    Deterministic for a seed; about 11 million pathways for all 21 regions.
    """
    if seed < 0:
        raise InputError(f"seed must be a non-negative integer; got {seed}.", field="seed")
    codes = tuple(regions) if regions is not None else tuple(REGIONS)
    unknown = [c for c in codes if c not in REGIONS]
    if unknown:
        raise InputError(
            f"Unknown region codes {unknown}; use the 2-digit county codes, e.g. '01', '19'.",
            field="regions",
        )
    day = parse_as_of(as_of)
    root = Path(out_dir)
    began = time.perf_counter()
    reports = []
    for i, code in enumerate(codes):

        def step(text: str, done: int, total: int, i: int = i) -> None:
            if progress is not None:
                progress(text, i * total + done, len(codes) * total)

        reports.append(
            write_region(
                region_directory(root, code),
                code,
                seed=seed,
                as_of=day,
                targets=targets or CalibrationTargets(),
                progress=step,
            )
        )
    return GenerationReport(
        out_dir=root,
        scale="national",
        seed=seed,
        as_of=day,
        history_start=from_day_number(Horizon.ending(day).window_start),
        regions=tuple(reports),
        seconds=time.perf_counter() - began,
    )
