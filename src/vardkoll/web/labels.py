"""Display names of codes (entry types, specialties, roles, regions, units) in the UI language.

Why here: a person reads "Region Västmanland" and "Ortopedmottagningen Västerås", never ``19``
or an HSA id; every page takes its names from these functions so none of them shows a code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from vardkoll.domain import REGIONS, SPECIALTIES
from vardkoll.http.i18n import N_
from vardkoll.services.access import ROLES
from vardkoll.services.followup import names
from vardkoll.settings import Settings

ENTRY_TYPE_LABELS: dict[str, str] = {
    "primary_contact": N_("Primary care contact"),
    "primary_assessment": N_("Primary care assessment"),
    "first_visit": N_("First visit"),
    "examination": N_("Examination"),
    "treatment": N_("Operation or treatment"),
}
"""English message ids; the catalogues translate them."""

OUTCOME_LABELS: dict[str, str] = {
    "ok": N_("Justified"),
    "follow_up": N_("Follow up"),
    "violation": N_("Not justified"),
}


def entry_label(code: str, gettext: Callable[[str], str]) -> str:
    """The entry type's name (the code itself when unknown)."""
    return gettext(ENTRY_TYPE_LABELS[code]) if code in ENTRY_TYPE_LABELS else code


def specialty_label(code: str, lang: str) -> str:
    """The specialty's name in ``lang`` (the code itself when unknown)."""
    spec = SPECIALTIES.get(code)
    if spec is None:
        return code
    return spec.name_sv if lang == "sv" else spec.name_en


def role_label(name: str, lang: str) -> str:
    """The role's name in ``lang``."""
    spec = ROLES.get(name)
    if spec is None:
        return name
    return spec.label_sv if lang == "sv" else spec.label_en


def region_label(code: str | None) -> str:
    """The region's short name (``Västmanland``)."""
    if not code:
        return ""
    region = REGIONS.get(code)
    return region.short_name if region is not None else code


def region_name(code: str | None) -> str:
    """The name of the region that runs the care (``Region Västmanland``); a proper name, the
    same in every language."""
    if not code:
        return ""
    region = REGIONS.get(code)
    return f"Region {region.short_name}" if region is not None else code


def unit_name(settings: Settings, unit_id: str) -> str:
    """The unit's name from the analytics store (the id only when the store has no name)."""
    return names(settings).of("unit_id", unit_id) or unit_id


def unit_names(settings: Settings, unit_ids: Iterable[str]) -> str:
    """The units' names, comma-separated, in the order given."""
    known = names(settings)
    return ", ".join(known.of("unit_id", u) or u for u in unit_ids)
