"""Small-cell masking of the indicator bundle (``vardkoll indicators --out``) before it leaves.

The rule is the engine's (:func:`vardkoll.analytics.mask_long_table`, shared with the
indicator API); this module only finds each table's kind and cut from its name.
"""

from __future__ import annotations

from dataclasses import replace

from vardkoll.analytics import CUTS, LONG_TABLE_KINDS, IndicatorBundle, mask_long_table

__all__ = ["mask_bundle", "mask_table"]

mask_table = mask_long_table
"""The engine's rule under the name the command line knows."""


def _kind(name: str) -> str:
    for kind in LONG_TABLE_KINDS:
        if name.endswith(f"_{kind}") or name == kind:
            return kind
    return ""


def _cut_of(name: str, kind: str) -> tuple[str, ...]:
    cut = name[: -len(kind) - 1] if name.endswith(f"_{kind}") else ""
    if cut in CUTS:
        return CUTS[cut]
    if name == "unit_capacity":
        return ("region_code", "provider_id", "unit_id", "entry_type")
    if name == "unit_primary_care":
        return ("region_code", "provider_id", "unit_id")
    return ()


def mask_bundle(
    bundle: IndicatorBundle, threshold: int, *, markers: bool = True
) -> IndicatorBundle:
    """A copy of ``bundle`` with small cells masked in every table (see :func:`mask_table`)."""
    tables = {
        name: mask_table(frame, _kind(name), _cut_of(name, _kind(name)), threshold, markers=markers)
        for name, frame in bundle.tables.items()
    }
    return replace(bundle, tables=tables)
