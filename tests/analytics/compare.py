"""Compare an engine table with the reference's, cell by cell, and say where they differ."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from vardkoll.analytics._frames import finish


def assert_same(
    actual: pd.DataFrame, expected: pd.DataFrame, table: str, by: Sequence[str]
) -> None:
    """Same rows, same keys, equal counts and texts, floats equal to 1e-9."""
    expected = finish(expected, table, by)
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected), (
        f"{table}: {len(actual)} rows, reference {len(expected)}\n"
        f"{actual.head(10)}\n{expected.head(10)}"
    )
    for column in actual.columns:
        a, e = actual[column], expected[column]
        if a.dtype == "float64":
            ok = np.isclose(
                a.to_numpy(float), e.to_numpy(float), rtol=1e-9, atol=1e-9, equal_nan=True
            )
        else:
            ok = np.array(
                [
                    bool(pd.isna(x) and pd.isna(y))
                    or (not pd.isna(x) and not pd.isna(y) and x == y)
                    for x, y in zip(a.tolist(), e.tolist(), strict=True)
                ],
                dtype=bool,
            )
        if not ok.all():
            bad = np.flatnonzero(~ok)[:5]
            raise AssertionError(
                f"{table}.{column} differs in {int((~ok).sum())} rows, e.g.\n"
                f"engine:\n{actual.iloc[bad]}\nreference:\n{expected.iloc[bad]}"
            )
