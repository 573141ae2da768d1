"""Vega-Lite charts as images, for documents that leave the browser (PDF reports).

Why vl-convert: the browser renders the same Vega-Lite specs with the vendored Vega; for a PDF
we need the identical picture without a browser or the internet. vl-convert (BSD-3) embeds the
Vega libraries and renders locally, so a report's SPC chart is the chart the UI shows.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import vl_convert

VEGA_LITE_VERSION = "6.4"


FORMAT_LOCALES: dict[str, Literal["sv-SE", "en-GB"]] = {"sv": "sv-SE", "en": "en-GB"}
"""d3-format locales, so a Swedish chart's axes read "0,5" and "18 000" like its text."""


def chart_png(spec: dict[str, Any], *, scale: float = 2.0, lang: str = "en") -> bytes:
    """Render a Vega-Lite spec (with inline ``data.values``) to PNG bytes, numbers in
    ``lang``'s format."""
    return bytes(
        vl_convert.vegalite_to_png(
            json.dumps(spec),
            vl_version=VEGA_LITE_VERSION,
            scale=scale,
            format_locale=FORMAT_LOCALES.get(lang, "en-GB"),
        )
    )


def chart_svg(spec: dict[str, Any]) -> str:
    """Render a Vega-Lite spec to an SVG string (for HTML e-mails or archived reports)."""
    return str(vl_convert.vegalite_to_svg(json.dumps(spec), vl_version=VEGA_LITE_VERSION))
