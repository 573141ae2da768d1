"""Generate one region: the seven files a region would send, and a report of what was made.

Randomness: one :class:`numpy.random.SeedSequence` per region (its entropy is the seed, its
spawn key the region code), spawned into one child per purpose and per chunk. The same seed
therefore gives byte-identical files, a region generated alone is the same as in a national
run, and no global random state is touched.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pyarrow as pa

from vardkoll.domain import InputError
from vardkoll.ingest import column_names
from vardkoll.synth._calendar import from_day_number
from vardkoll.synth._capacity import (
    PRODUCTION_COLUMNS,
    THEATRE_COLUMNS,
    ProductionCounter,
    theatre_sessions,
)
from vardkoll.synth._codes import ENTRY, REASON, SPECIALTY_CODES
from vardkoll.synth._events import PATHWAY_EVENT_COLUMNS, build_events
from vardkoll.synth._hospital import (
    BED_COLUMNS,
    ED_COLUMNS,
    OVERCROWDING_PER_100,
    STAY_COLUMNS,
    build_hospital_files,
)
from vardkoll.synth._organisation import Organisation, build_organisation
from vardkoll.synth._pathways import Horizon, generate_pathways, guarantee_limits
from vardkoll.synth._population import check_region
from vardkoll.synth._queues import CalibrationTargets
from vardkoll.synth._writer import CsvSink, write_csv

__all__ = [
    "CHUNK_POPULATION",
    "DEFAULT_AS_OF",
    "DEFAULT_REGION",
    "DEFAULT_SEED",
    "FILE_NAMES",
    "GenerationReport",
    "Progress",
    "RegionReport",
    "generate_region",
    "parse_as_of",
    "write_region",
]

DEFAULT_REGION = "19"
DEFAULT_SEED = 20261031
DEFAULT_AS_OF = dt.date(2026, 10, 31)
CHUNK_POPULATION = 450_000
"""Population per chunk: a chunk's pathways are generated and written before the next."""

FILE_NAMES: tuple[str, ...] = (
    "units.csv",
    "pathway_events.csv",
    "production.csv",
    "beds.csv",
    "theatre_sessions.csv",
    "ed_visits.csv",
    "inpatient_stays.csv",
)
UNIT_COLUMNS = column_names("units")

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while generating."""


@dataclass(frozen=True)
class RegionReport:
    """What was generated for one region."""

    region_code: str
    population: int
    directory: Path
    rows: Mapping[str, int]
    pathways: int
    providers: int
    units: int
    design: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationReport:
    """The outcome of a generation run: where the files are and how many rows each has."""

    out_dir: Path
    scale: str
    seed: int
    as_of: dt.date
    history_start: dt.date
    regions: tuple[RegionReport, ...]
    seconds: float

    @property
    def pathways(self) -> int:
        return sum(r.pathways for r in self.regions)

    @property
    def population(self) -> int:
        return sum(r.population for r in self.regions)

    @property
    def rows(self) -> Mapping[str, int]:
        """Rows per file name, summed over regions."""
        total: dict[str, int] = {}
        for r in self.regions:
            for name, n in r.rows.items():
                total[name] = total.get(name, 0) + n
        return MappingProxyType(total)


def _seeds(seed: int, region_code: str, n_chunks: int) -> dict[str, np.random.SeedSequence]:
    root = np.random.SeedSequence(seed, spawn_key=(int(region_code),))
    org, hospital, theatre, *chunks = root.spawn(3 + n_chunks)
    seeds = {"organisation": org, "hospital": hospital, "theatre": theatre}
    seeds.update({f"chunk{k}": s for k, s in enumerate(chunks)})
    return seeds


def _units_table(org: Organisation) -> pa.Table:
    def decimal(x: float) -> str:
        return f"{x:.4f}".replace(".", ",")

    units = org.units
    columns = {
        "provider_id": [org.providers[u.provider].provider_id for u in units],
        "provider_name": [org.providers[u.provider].name for u in units],
        "ownership": [org.providers[u.provider].ownership for u in units],
        "unit_id": [u.unit_id for u in units],
        "unit_name": [u.name for u in units],
        "region_code": [org.region_code] * len(units),
        "municipality_code": [org.places[u.municipality].code for u in units],
        "latitude": [decimal(u.latitude) for u in units],
        "longitude": [decimal(u.longitude) for u in units],
        "specialties": ["|".join(u.specialties) for u in units],
    }
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def write_region(
    directory: Path,
    region_code: str,
    *,
    seed: int,
    as_of: dt.date,
    targets: CalibrationTargets,
    progress: Progress | None = None,
) -> RegionReport:
    """Generate one region into ``directory`` (created if missing)."""
    region_code = check_region(region_code)
    directory.mkdir(parents=True, exist_ok=True)
    horizon = Horizon.ending(as_of)
    report = progress or (lambda step, done, total: None)
    seeds = _seeds(seed, region_code, 1)
    org = build_organisation(region_code, np.random.default_rng(seeds["organisation"]))
    n_chunks = max(1, math.ceil(org.population / CHUNK_POPULATION))
    seeds = _seeds(seed, region_code, n_chunks)
    total_steps = n_chunks + 3
    rows: dict[str, int] = {"units.csv": write_csv(directory / "units.csv", _units_table(org))}
    limits = guarantee_limits(region_code, as_of)
    production = ProductionCounter(org, horizon)
    operations = np.zeros((len(org.hospitals), len(SPECIALTY_CODES)), dtype=np.int64)
    hospital_of_unit = np.array([u.hospital for u in org.units], dtype=np.int64)
    n_pathways = 0
    design: dict[str, float] = {}
    with CsvSink(directory / "pathway_events.csv", PATHWAY_EVENT_COLUMNS) as sink:
        for k in range(n_chunks):
            report(f"{region_code}: pathways {k + 1}/{n_chunks}", k, total_steps)
            rng = np.random.default_rng(seeds[f"chunk{k}"])
            pw = generate_pathways(org, horizon, 1.0 / n_chunks, rng, targets)
            events = build_events(pw, org, horizon.as_of, limits, k, rng)
            sink.write(events.table)
            n_pathways += pw.size
            for name, d in pw.designs.items():
                design[f"{name}_base_days"] = d.base_days
                design[f"{name}_expected_waiting"] = (
                    design.get(f"{name}_expected_waiting", 0.0) + d.expected_stock
                )
            treated = (events.removal_unit >= 0) & (pw.reason == REASON["treated"])
            production.add(events.removal_unit[treated], pw.entry[treated], pw.removal[treated])
            ops = treated & (pw.entry == ENTRY["treatment"])
            hosp = hospital_of_unit[events.removal_unit[ops]]
            spec = pw.specialty[ops]
            np.add.at(operations, (hosp[hosp >= 0], spec[hosp >= 0]), 1)
            del pw, events
        rows["pathway_events.csv"] = sink.rows
    report(f"{region_code}: production and theatres", n_chunks, total_steps)
    rows["production.csv"] = write_csv(directory / "production.csv", production.table())
    theatre = theatre_sessions(org, horizon, operations, np.random.default_rng(seeds["theatre"]))
    rows["theatre_sessions.csv"] = write_csv(directory / "theatre_sessions.csv", theatre)
    report(f"{region_code}: beds, stays and emergency visits", n_chunks + 1, total_steps)
    rate = OVERCROWDING_PER_100.get(region_code, targets.overcrowding_per_100_beds)
    files = build_hospital_files(org, horizon, rate, np.random.default_rng(seeds["hospital"]))
    rows["beds.csv"] = write_csv(directory / "beds.csv", files.beds)
    rows["ed_visits.csv"] = write_csv(directory / "ed_visits.csv", files.ed_visits)
    rows["inpatient_stays.csv"] = write_csv(
        directory / "inpatient_stays.csv", files.inpatient_stays
    )
    report(f"{region_code}: done", total_steps, total_steps)
    _check_columns(directory)
    return RegionReport(
        region_code=region_code,
        population=org.population,
        directory=directory,
        rows=MappingProxyType({name: rows[name] for name in FILE_NAMES}),
        pathways=n_pathways,
        providers=len(org.providers),
        units=len(org.units),
        design=MappingProxyType(design),
    )


_COLUMNS = {
    "units.csv": UNIT_COLUMNS,
    "pathway_events.csv": PATHWAY_EVENT_COLUMNS,
    "production.csv": PRODUCTION_COLUMNS,
    "beds.csv": BED_COLUMNS,
    "theatre_sessions.csv": THEATRE_COLUMNS,
    "ed_visits.csv": ED_COLUMNS,
    "inpatient_stays.csv": STAY_COLUMNS,
}


def _check_columns(directory: Path) -> None:
    """Every file starts with exactly its contract header (a cheap guard against drift)."""
    for name, columns in _COLUMNS.items():
        with (directory / name).open("rb") as f:
            header = f.readline().decode("utf-8").rstrip("\n").split(";")
        if tuple(header) != columns:
            raise AssertionError(f"{name}: header {header} is not the contract {list(columns)}")


def parse_as_of(as_of: dt.date | str | None) -> dt.date:
    """The as-of date from a date, an ISO string or ``None`` (the default date)."""
    if as_of is None:
        return DEFAULT_AS_OF
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(as_of)
    except ValueError:
        raise InputError(
            f"as_of must be an ISO date such as 2026-10-31; got {as_of!r}.", field="as_of"
        ) from None


def generate_region(
    out_dir: Path | str,
    *,
    region_code: str = DEFAULT_REGION,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | str | None = None,
    targets: CalibrationTargets | None = None,
    progress: Progress | None = None,
) -> GenerationReport:
    """Generate one region's files into ``out_dir``: the same seed gives the same bytes.

    Parameters
    ----------
    out_dir:
        Directory for ``units.csv``, ``pathway_events.csv``, ``production.csv``, ``beds.csv``,
        ``theatre_sessions.csv``, ``ed_visits.csv`` and ``inpatient_stays.csv``.
    region_code:
        County code, default ``19`` (Västmanland).
    seed:
        Any non-negative integer.
    as_of:
        The last day of the three-year history (default 2026-10-31); nothing later is written
        except the appointment of a booking.
    targets:
        The calibration targets (default: docs/explanation/generated-region.md).
    progress:
        Optional ``progress(step, done, total)`` callback.
    """
    if seed < 0:
        raise InputError(f"seed must be a non-negative integer; got {seed}.", field="seed")
    day = parse_as_of(as_of)
    began = time.perf_counter()
    region = write_region(
        Path(out_dir),
        region_code,
        seed=seed,
        as_of=day,
        targets=targets or CalibrationTargets(),
        progress=progress,
    )
    horizon = Horizon.ending(day)
    return GenerationReport(
        out_dir=Path(out_dir),
        scale="region",
        seed=seed,
        as_of=day,
        history_start=from_day_number(horizon.window_start),
        regions=(region,),
        seconds=time.perf_counter() - began,
    )
