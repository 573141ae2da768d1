"""Vega-Lite specs of the follow-up pages: the XmR chart with translated markers, the funnel plot.

Both carry their data inline (no URL the browser would fetch from elsewhere) and fill the width
of their container; ``static/app.js`` draws them with the locally served Vega.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from vardkoll.analytics import STATUS_COLOURS, XmRChart, funnel_limits, xmr_vega_lite

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def spc_spec(
    chart: XmRChart,
    labels: Sequence[str],
    *,
    title: str,
    unit: str,
    status_labels: Mapping[str, str],
    description: str,
    percent: bool = False,
) -> dict[str, Any]:
    """The engine's XmR spec with the point statuses in the page's language; ``percent``
    shows a share (0–1) as percent on the axis and in the tooltip."""
    spec = xmr_vega_lite(chart, labels, title=title, unit=unit, percent=percent)
    for row in spec["data"]["values"]:
        row["status"] = status_labels.get(row["status"], row["status"])
    points = spec["layer"][-1]["encoding"]
    points["color"]["scale"]["domain"] = [status_labels.get(k, k) for k in STATUS_COLOURS]
    for layer in spec["layer"]:
        layer["encoding"]["x"] = {**layer["encoding"]["x"], "axis": {"labelAngle": -45}}
    spec["$schema"] = SCHEMA
    spec["width"] = "container"
    spec["description"] = description
    return spec


def funnel_spec(
    units: pd.DataFrame,
    *,
    x_title: str,
    y_title: str,
    limit_label: str,
    description: str,
    positions: Mapping[str, str] | None = None,
    legend_titles: tuple[str, str, str] = ("Funnel position", "Limit", "Region's share"),
    lang: str = "sv",
) -> dict[str, Any]:
    """Units as points (size on x, share on y) inside the 95 % and 99.8 % funnel.

    The legend says what colour, dash and line mean: a unit's place in the funnel in words
    (``positions``), the 95 % and 99.8 % limits by dash, the region's share as the solid line.
    """
    names = dict(positions or {})
    position_title, limit_title, target_title = legend_titles
    target = float(units["target"].iloc[0])
    largest = int(units["judged"].max())
    sizes = np.unique(np.geomspace(1, max(largest * 1.1, 10), 80).astype(np.int64))
    lines: list[dict[str, Any]] = []
    for level in (0.95, 0.998):
        low, high = funnel_limits(target, sizes, level=level)
        tag = f"{level * 100:g} %"
        shown_tag = tag.replace(".", ",") if lang == "sv" else tag
        for side, values in (("low", low), ("high", high)):
            lines += [
                {
                    "n": int(n),
                    "limit": float(v),
                    "series": f"{limit_label} {tag} ({side})",
                    "level": shown_tag,
                }
                for n, v in zip(sizes, values, strict=True)
            ]
    points = [
        {
            "unit": str(r["name"]),
            "n": int(r["judged"]),
            "share": float(r["share"]),
            "position": names.get(str(r["position"]), str(r["position"])),
        }
        for r in units.to_dict(orient="records")
    ]
    x = {"field": "n", "type": "quantitative", "title": x_title}
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 320,
        "layer": [
            {
                "data": {"values": lines},
                "mark": {"type": "line", "color": "#555555"},
                "encoding": {
                    "x": x,
                    "y": {"field": "limit", "type": "quantitative"},
                    "detail": {"field": "series"},
                    "strokeDash": {
                        "field": "level",
                        "type": "nominal",
                        "title": limit_title,
                        "scale": {"range": [[6, 3], [2, 2]]},
                    },
                },
            },
            {
                "data": {"values": [{"target": target, "line": target_title}]},
                "mark": {"type": "rule"},
                "encoding": {
                    "y": {"field": "target", "type": "quantitative"},
                    "stroke": {
                        "field": "line",
                        "type": "nominal",
                        "title": None,
                        "scale": {"range": ["#333333"]},
                    },
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "share",
                        "type": "quantitative",
                        "title": y_title,
                        "axis": {"format": ".0%"},
                    },
                    "color": {
                        "field": "position",
                        "type": "nominal",
                        "title": position_title,
                        "legend": {"orient": "bottom", "direction": "vertical"},
                    },
                    "tooltip": [
                        {"field": "unit"},
                        {"field": "n"},
                        {"field": "share", "format": ".1%"},
                    ],
                },
            },
        ],
    }
