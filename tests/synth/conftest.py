"""One generated region for the whole synth test session (Västmanland, fixed seed).

Generating takes seconds, so it happens once per session; every test that reads it is in the
``synth-region`` xdist group so a parallel run generates it on one worker only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from vardkoll.synth import GenerationReport, generate_region

SEED = 20261031


@pytest.fixture(scope="session")
def region(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    """Region 19 at the default as-of date, written to a session temporary folder."""
    return generate_region(tmp_path_factory.mktemp("region-19"), seed=SEED)


@pytest.fixture(scope="session")
def region_dir(region: GenerationReport) -> Path:
    return region.out_dir


@pytest.fixture(scope="session")
def loaded(region_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with one all-text table per generated file (named as the file).

    Loaded once: each test then queries the files' contents, not the generator's state.
    """
    connection = duckdb.connect()
    for path in sorted(region_dir.glob("*.csv")):
        connection.execute(
            f"CREATE TABLE {path.stem} AS SELECT * FROM read_csv('{path}', delim=';', "
            "header=true, all_varchar=true)"
        )
    yield connection
    connection.close()


@pytest.fixture
def con(loaded: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return loaded.cursor()
