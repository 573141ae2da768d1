"""Vega-Lite charts as images, for documents that leave the browser (PDF reports).

Why vl-convert: the browser renders the same Vega-Lite specs with the vendored Vega; for a PDF
we need the identical picture without a browser or the internet. vl-convert (BSD-3) embeds the
Vega libraries and renders locally, so a report's SPC chart is the chart the UI shows.
"""

from __future__ import annotations

import json
from typing import Any

import vl_convert

VEGA_LITE_VERSION = "6.4"


def chart_png(spec: dict[str, Any], *, scale: float = 2.0) -> bytes:
    """Render a Vega-Lite spec (with inline ``data.values``) to PNG bytes."""
    return bytes(
        vl_convert.vegalite_to_png(json.dumps(spec), vl_version=VEGA_LITE_VERSION, scale=scale)
    )


def chart_svg(spec: dict[str, Any]) -> str:
    """Render a Vega-Lite spec to an SVG string (for HTML e-mails or archived reports)."""
    return str(vl_convert.vegalite_to_svg(json.dumps(spec), vl_version=VEGA_LITE_VERSION))
