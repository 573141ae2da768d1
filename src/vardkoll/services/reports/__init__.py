"""The monthly report and the indicator bundle that leave the region: tables, masking, text, PDF
and Excel.

The interfaces import from this face; the modules beside it are its implementation. The face
loads a module only when one of its names is first used, so ``vardkoll --help`` and a page
that needs one name do not pay for the whole subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vardkoll.services._faces import load_name

if TYPE_CHECKING:
    from vardkoll.services.reports.bundle import mask_bundle, mask_table
    from vardkoll.services.reports.monthly import parse_month, report_for, store_summary
    from vardkoll.services.reports.render import FORMATS, media_type, render_report, report_filename

_HOME: dict[str, str] = {
    "FORMATS": "render",
    "mask_bundle": "bundle",
    "mask_table": "bundle",
    "media_type": "render",
    "parse_month": "monthly",
    "render_report": "render",
    "report_filename": "render",
    "report_for": "monthly",
    "store_summary": "monthly",
}


def __getattr__(name: str) -> Any:
    return load_name(__name__, _HOME, name, globals())


__all__ = [
    "FORMATS",
    "mask_bundle",
    "mask_table",
    "media_type",
    "parse_month",
    "render_report",
    "report_filename",
    "report_for",
    "store_summary",
]
