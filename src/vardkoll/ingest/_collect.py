"""Turn the validator's row masks into :class:`RowProblem` records.

Checks run over whole columns and yield masks; only the failing rows become Python objects,
so a clean file of ten million rows costs no per-row work here, and a dirty one still gets
every problem named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from vardkoll.ingest._problems import RowProblem

__all__ = ["Collector"]


class Collector:
    """Collects problems for one file and remembers which rows were rejected."""

    def __init__(self, source: str, rows: npt.NDArray[np.int64], raw: Mapping[str, pa.Array]):
        self.source = source
        self.rows = rows
        self.raw = raw
        self.problems: list[RowProblem] = []
        self.bad = np.zeros(len(rows), np.bool_)

    def header(self, row: int, field: str, value: str | None, code: str, **params: str) -> None:
        """A problem with the header row: the file cannot be used as it stands."""
        self.problems.append(RowProblem(self.source, row, field, value, code, params))

    def add(
        self,
        where: npt.NDArray[np.bool_] | npt.NDArray[np.int64],
        field: str,
        code: str,
        params: Mapping[str, str] | None = None,
        per_row: Mapping[str, Sequence[object]] | None = None,
        values: Sequence[object] | None = None,
    ) -> None:
        """One problem per selected row (a bool mask or row indices).

        ``per_row`` gives parameters that differ by row (aligned with the selection);
        ``values`` overrides the shown value, which is otherwise the cell as written.
        """
        idx = np.flatnonzero(where) if where.dtype == np.bool_ else np.asarray(where, np.int64)
        if idx.size == 0:
            return
        self.bad[idx] = True
        if values is None:
            column = self.raw.get(field)
            if column is None:
                shown: Sequence[object] = [None] * idx.size
            else:
                shown = column.take(pa.array(idx, pa.int64())).to_pylist()
        else:
            shown = values
        fixed = dict(params or {})
        extra = {k: list(v) for k, v in (per_row or {}).items()}
        rows = self.rows[idx].tolist()
        for j, row in enumerate(rows):
            these = dict(fixed)
            for key, column_values in extra.items():
                these[key] = _text(column_values[j])
            value = shown[j]
            self.problems.append(
                RowProblem(
                    self.source,
                    int(row),
                    field,
                    None if value is None else _text(value),
                    code,
                    these,
                )
            )


def _text(value: object) -> str:
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
