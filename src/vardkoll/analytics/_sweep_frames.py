"""Output frames of the ``sweep`` method, built straight in :func:`._frames.finish`'s shape.

The kernels hand back flat integer columns per chunk of groups. Copying millions of rows is
the dominant cost once the arithmetic is vectorised, so each output column is written once:
straight from the chunks' arrays to its row in canonical order (a scatter through the
inverse of one integer sort), already in its final type — ``Int64`` with a mask, ``float64``,
categoricals with sorted categories built from codes, dates as ``datetime.date`` objects
picked from a handful. No text is made per row and :func:`finish` has nothing left to
convert (``typed=True``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["GroupFrame", "Placement", "dates", "integers", "labels", "shares"]

I64 = npt.NDArray[np.int64]


class Placement:
    """Where every entry of every chunk lands in the output: ordered by (month, group rank,
    ``after``). ``take`` writes one column in that order, in one pass."""

    def __init__(
        self,
        gid: Sequence[npt.NDArray[Any]],
        month: Sequence[npt.NDArray[Any]],
        after: Sequence[npt.NDArray[Any]],
        kinds: int,
        groups: int,
    ) -> None:
        sizes = [g.size for g in gid]
        self.size = int(sum(sizes))
        key = np.concatenate(
            [
                (m.astype(np.int64) * groups + g) * kinds + a
                for g, m, a in zip(gid, month, after, strict=True)
            ]
        )
        order = np.argsort(key, kind="stable")
        target = np.empty(self.size, dtype=np.int64)
        target[order] = np.arange(self.size, dtype=np.int64)
        offsets = np.cumsum([0, *sizes])
        self._targets = [target[offsets[i] : offsets[i + 1]] for i in range(len(sizes))]

    def take(self, parts: Sequence[npt.NDArray[Any]], dtype: Any) -> npt.NDArray[Any]:
        """The chunks' arrays of one column, in output order."""
        out = np.empty(self.size, dtype=dtype)
        for target, part in zip(self._targets, parts, strict=True):
            out[target] = part
        return out


class GroupFrame:
    """The cut's columns for rows given by group rank.

    The groups are ranked once (Arrow sort, nulls first, as :func:`finish` sorts); text
    columns become categoricals whose categories are sorted, from codes per group.
    """

    def __init__(self, groups: pa.Table, by: Sequence[str]) -> None:
        self.by = list(by)
        groups = groups.sort_by("gid")
        n = groups.num_rows
        self.size = n
        self.rank = np.arange(n, dtype=np.int32)
        if self.by:
            order = pc.sort_indices(groups, sort_keys=[(k, "ascending", "at_start") for k in by])
            self.rank[np.asarray(order)] = np.arange(n, dtype=np.int32)
            groups = groups.take(order)
        self._columns: dict[str, tuple[I64, Any]] = {}
        for k in self.by:
            column = groups.column(k).combine_chunks()
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                encoded = pc.dictionary_encode(column)
                names = encoded.dictionary.to_pylist()
                ranked = np.argsort(np.array(names, dtype=object), kind="stable")
                recode = np.empty(len(names) + 1, dtype=np.int64)
                recode[ranked] = np.arange(len(names))
                recode[-1] = -1  # a null stays a null
                codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(), dtype=np.int64)
                self._columns[k] = (recode[codes], sorted(names))
            else:
                self._columns[k] = (np.arange(n, dtype=np.int64), column.to_pandas())

    def columns(self, gid: npt.NDArray[Any]) -> dict[str, Any]:
        """The cut's columns for rows of group ranks ``gid``."""
        out: dict[str, Any] = {}
        for k, (codes, values) in self._columns.items():
            if isinstance(values, list):
                categories: pd.Index[str] = pd.Index(values, dtype="str")
                out[k] = pd.Categorical.from_codes(codes[gid], categories=categories)
            else:
                out[k] = values.iloc[gid].to_numpy()
        return out


def labels(names: Sequence[str], codes: npt.NDArray[Any]) -> pd.Categorical[str]:
    """Text column from small integer codes into ``names`` (which may repeat); categories
    sorted."""
    categories = sorted(set(names))
    lookup = np.array([categories.index(n) for n in names], dtype=np.int8)
    labelled: pd.Categorical[str] = pd.Categorical.from_codes(
        lookup[codes], categories=pd.Index(categories, dtype="str")
    )
    return labelled


def dates(days: Sequence[dt.date], codes: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """``datetime.date`` objects by index into ``days``."""
    picked: npt.NDArray[np.object_] = np.array(list(days), dtype=object)[codes]
    return picked


def integers(values: npt.NDArray[Any], missing: npt.NDArray[np.bool_] | None = None) -> Any:
    """A nullable ``Int64`` array without a further copy when ``values`` is already int64."""
    values = np.asarray(values, dtype=np.int64)
    mask = np.zeros(values.size, dtype=bool) if missing is None else missing
    return pd.arrays.IntegerArray(values, mask)


def shares(within: I64, limited: I64) -> tuple[npt.NDArray[np.float64], Any]:
    """Share within the limit (NaN without any judged) and count beyond (NA likewise)."""
    none = limited == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = within / limited
    share[none] = np.nan
    return share, integers(limited - within, none)
