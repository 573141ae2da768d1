"""``vardkoll indicators`` end to end: DuckDB file, Parquet directory, Spark, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import require, spark_available

from vardkoll.cli.main import main


@pytest.fixture
def store(tmp_path: Path, arrow_tables: dict[str, dict[str, pa.Table]]) -> Path:
    path = tmp_path / "analytics.duckdb"
    con = duckdb.connect(str(path))
    for name, table in arrow_tables["synthetic"].items():
        con.register("incoming", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM incoming")
        con.unregister("incoming")
    con.close()
    return path


@pytest.fixture
def parquet_dir(tmp_path: Path, arrow_tables: dict[str, dict[str, pa.Table]]) -> Path:
    root = tmp_path / "national"
    for name, table in arrow_tables["synthetic"].items():
        (root / name).mkdir(parents=True)
        pq.write_table(table, root / name / "part-0.parquet")
    return root


def test_duckdb_file_to_json(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "indicators.json"
    main(
        [
            "indicators",
            "--source",
            str(store),
            "--as-of",
            "2025-07-15",
            "--months",
            "3",
            "--out",
            str(out),
            "--unmasked",
        ]
    )
    printed = capsys.readouterr().out
    assert "still waiting 2025-06-30" in printed
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["as_of"] == "2025-07-15"
    assert document["method"] == "sweep"
    assert {"unit_waiting", "unit_capacity"} <= set(document["tables"])
    rows = document["tables"]["region_sex_flows"]
    assert {r["period_end"] for r in rows} == {"2025-04-30", "2025-05-31", "2025-06-30"}
    for r in rows:
        assert r["queue_start"] + r["inflow"] - r["outflow"] == r["queue_end"]
    assert {i["name"] for i in document["indicators"]} >= {"waiting_count", "estimated_wait_days"}


def test_parquet_dir_to_parquet_files(parquet_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tables"
    main(
        [
            "indicators",
            "--source",
            str(parquet_dir),
            "--as-of",
            "2025-06-30",
            "--months",
            "2",
            "--cut",
            "region_sex",
            "--out",
            str(out),
        ]
    )
    waiting = pd.read_parquet(out / "region_sex_waiting.parquet")
    assert set(waiting.view) == {"national", "pause_adjusted"}
    assert (out / "about.json").exists()


def test_bad_input_is_one_line_not_a_traceback(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["indicators", "--source", str(store), "--as-of", "30/6/2025"])
    assert done.value.code == 2
    assert "--as-of must be an ISO date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["indicators", "--source", str(store), "--backend", "oracle"])
    assert done.value.code == 2


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_spark_backend_gives_the_duckdb_numbers(
    spark_con: object, parquet_dir: Path, tmp_path: Path
) -> None:
    require(spark_available(), "PySpark with a Java runtime is needed for the spark backend")
    results = {}
    for backend in ("spark", "duckdb"):
        out = tmp_path / f"{backend}.json"
        main(
            [
                "indicators",
                "--backend",
                backend,
                "--source",
                str(parquet_dir),
                "--as-of",
                "2025-06-30",
                "--months",
                "2",
                "--cut",
                "region_sex",
                "--master",
                "local[1]",
                "--out",
                str(out),
            ]
        )
        results[backend] = json.loads(out.read_text(encoding="utf-8"))
    assert results["spark"]["method"] == "portable"
    for name in ("region_sex_waiting", "region_sex_flows", "unit_capacity"):
        spark_rows, duckdb_rows = (
            results["spark"]["tables"][name],
            results["duckdb"]["tables"][name],
        )
        assert len(spark_rows) == len(duckdb_rows) > 0
        for ours, theirs in zip(spark_rows, duckdb_rows, strict=True):
            assert ours.keys() == theirs.keys()
            for key, value in ours.items():
                if isinstance(value, float):
                    assert value == pytest.approx(theirs[key], rel=1e-9), (name, key)
                else:
                    assert value == theirs[key], (name, key)
