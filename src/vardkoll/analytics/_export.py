"""The whole indicator run — standard series and today's snapshot — as one bundle of tables.

One function computes it (:func:`indicator_bundle`), one writes it (:func:`write_bundle`) as
JSON (one document), a directory of Parquet files, or an Excel workbook, so the CLI, the API
and the monthly report share the same shape. Every table keeps its ``view`` column.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from vardkoll.analytics._capacity import ESTIMATE_METHOD
from vardkoll.analytics._definitions import CUTS, INDICATORS
from vardkoll.analytics._flows import month_index
from vardkoll.analytics._frames import month_bounds
from vardkoll.analytics._indicators import capacity_at, primary_care_in
from vardkoll.analytics._prepare import IndicatorTables
from vardkoll.analytics._series import Method, series_for_cut, series_month_ends
from vardkoll.domain import InputError

__all__ = ["IndicatorBundle", "indicator_bundle", "write_bundle"]


@dataclass(frozen=True)
class IndicatorBundle:
    """Named result tables plus what produced them."""

    as_of: dt.date
    rule_set: str
    method: str
    backend: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "rule_set": self.rule_set,
            "method": self.method,
            "backend": self.backend,
            "estimated_wait_method": ESTIMATE_METHOD,
            "indicators": [
                {
                    "name": i.name,
                    "name_sv": i.name_sv,
                    "name_en": i.name_en,
                    "table": i.table,
                    "formula": i.formula,
                    "unit": i.unit,
                }
                for i in INDICATORS
            ],
        }


def indicator_bundle(
    tables: IndicatorTables,
    as_of: dt.date,
    *,
    months: int = 36,
    cuts: Mapping[str, Sequence[str]] = CUTS,
    rule_set: str = "se-national",
    method: Method = "sweep",
) -> IndicatorBundle:
    """The standard series of every cut, plus capacity on ``as_of`` and primary care in the
    last complete month, per unit."""
    bundle = IndicatorBundle(as_of, rule_set, method, tables.backend)
    for name, by in cuts.items():
        series = series_for_cut(tables, as_of, by, months=months, rule_set=rule_set, method=method)
        bundle.tables[f"{name}_waiting"] = series.waiting
        bundle.tables[f"{name}_completed"] = series.completed
        bundle.tables[f"{name}_flows"] = series.flows
    unit = ("region_code", "provider_id", "unit_id", "entry_type")
    bundle.tables["unit_capacity"] = capacity_at(tables, as_of, unit, rule_set=rule_set)
    last = series_month_ends(as_of, 1)[0]
    first = month_bounds(month_index(last))[0]
    bundle.tables["unit_primary_care"] = primary_care_in(
        tables, first, last, ("region_code", "provider_id", "unit_id"), rule_set=rule_set
    )
    return bundle


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def write_bundle(bundle: IndicatorBundle, out: Path) -> list[Path]:
    """Write ``bundle`` by the suffix of ``out``: ``.json``, ``.xlsx``, or a directory of
    Parquet files (any other name). Returns the files written."""
    suffix = out.suffix.lower()
    if suffix == ".json":
        document = {
            **bundle.meta(),
            "tables": {
                name: [
                    {k: _json_value(v) for k, v in row.items()}
                    for row in frame.to_dict(orient="records")
                ]
                for name, frame in bundle.tables.items()
            },
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        return [out]
    if suffix == ".xlsx":
        out.parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(out, engine="openpyxl") as writer:
            pd.DataFrame([{k: v for k, v in bundle.meta().items() if k != "indicators"}]).to_excel(
                writer, sheet_name="about", index=False
            )
            for name, frame in bundle.tables.items():
                frame.to_excel(writer, sheet_name=name[:31], index=False)
        return [out]
    if suffix:
        raise InputError(
            f"--out {str(out)!r}: use a .json or .xlsx file, or a directory (no suffix) for "
            "Parquet files.",
            field="out",
        )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in bundle.tables.items():
        path = out / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written.append(path)
    meta = out / "about.json"
    meta.write_text(json.dumps(bundle.meta(), ensure_ascii=False, indent=1), encoding="utf-8")
    return [*written, meta]
