"""The sweep on chunks of groups, in threads, gives the one-pass numbers in canonical types."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from vardkoll.analytics import CUTS, IndicatorTables, series_for_cut
from vardkoll.analytics import _sweep_chunks as chunks
from vardkoll.analytics._frames import finish

AS_OF = dt.date(2025, 7, 15)


def _series(tables: IndicatorTables, by: list[str]) -> dict[str, pd.DataFrame]:
    series = series_for_cut(tables, AS_OF, by, months=36, method="sweep")
    return {"waiting": series.waiting, "completed": series.completed, "flows": series.flows}


@pytest.mark.parametrize("cut", ["unit", "region_priority"])
def test_many_small_chunks_equal_one_pass(
    duckdb_sets: dict[str, IndicatorTables], monkeypatch: pytest.MonkeyPatch, cut: str
) -> None:
    tables = duckdb_sets["synthetic"]
    by = list(CUTS[cut])
    one_pass = _series(tables, by)
    seen: list[int] = []
    original = chunks._split

    def counting(data: chunks.KernelInput, chunk_of_group: np.ndarray) -> list[object]:
        parts = original(data, chunk_of_group)
        seen.append(len(parts))
        return parts  # type: ignore[return-value]

    monkeypatch.setattr(chunks, "CHUNK_ROWS", 97)
    monkeypatch.setattr(chunks, "_split", counting)
    chunked = _series(tables, by)
    assert seen, "the kernels ran in chunks"
    assert seen[0] > 3, "the small chunk size must really split the groups"
    for name, frame in one_pass.items():
        assert len(frame) > 0
        pd.testing.assert_frame_equal(chunked[name], frame, check_exact=True)


def test_sweep_frames_come_in_the_types_finish_gives(
    duckdb_sets: dict[str, IndicatorTables],
) -> None:
    """The sweep builds its frames typed (``finish(typed=True)`` converts nothing); running
    the full conversions and sort over them must change nothing, dtypes included."""
    by = list(CUTS["unit"])
    for name, frame in _series(duckdb_sets["synthetic"], by).items():
        again = finish(frame, name, by)
        pd.testing.assert_frame_equal(frame, again, check_exact=True)
        categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
        assert categorical, name
        for column in categorical:
            categories = list(frame[column].cat.categories)
            assert categories == sorted(categories), (name, column)
