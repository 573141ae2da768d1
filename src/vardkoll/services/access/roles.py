"""The roles of Vårdkoll and what each may see — as data, so docs and tests read the same table.

Why data: patient data law (docs/explanation/patient-data-law.md) asks for access limited by need,
per user and unit, backed by a documented analysis. This table *is* that documentation's source
(``docs/reference/roles.md`` is checked against it) and :mod:`vardkoll.services.access.scope` turns
it
into query filters. Anything not granted here is denied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Reach = Literal["none", "all", "region", "units", "municipality"]
"""How far a right reaches: nowhere, every region, the user's region, the user's units, or the
user's municipality."""


@dataclass(frozen=True)
class RoleSpec:
    """One role: which aggregates and which patient rows it reaches, and what else it may do."""

    name: str
    label_sv: str
    label_en: str
    aggregates: Reach
    waiting_list_patients: Reach
    discharge_patients: Reach
    admin: bool = False
    api_import: bool = False
    needs_region: bool = False
    needs_units: bool = False
    needs_municipality: bool = False


ROLES: dict[str, RoleSpec] = {
    spec.name: spec
    for spec in (
        RoleSpec(
            "national_analyst",
            "Nationell analytiker",
            "National analyst",
            aggregates="all",
            waiting_list_patients="none",
            discharge_patients="none",
        ),
        RoleSpec(
            "regional_coordinator",
            "Regional kapacitetssamordnare",
            "Regional capacity coordinator",
            aggregates="region",
            waiting_list_patients="region",
            discharge_patients="none",
            needs_region=True,
        ),
        RoleSpec(
            "care_guarantee_officer",
            "Handläggare vårdgaranti",
            "Care-guarantee officer",
            aggregates="region",
            waiting_list_patients="region",
            discharge_patients="none",
            needs_region=True,
        ),
        RoleSpec(
            "clinic_manager",
            "Verksamhetschef",
            "Clinic manager",
            aggregates="units",
            waiting_list_patients="units",
            discharge_patients="none",
            needs_region=True,
            needs_units=True,
        ),
        RoleSpec(
            "pks_analyst",
            "PKS-analytiker",
            "Production and capacity planning analyst",
            aggregates="units",
            waiting_list_patients="none",
            discharge_patients="none",
            needs_region=True,
            needs_units=True,
        ),
        RoleSpec(
            "municipal_discharge_coordinator",
            "Kommunal utskrivningssamordnare",
            "Municipal discharge coordinator",
            aggregates="none",
            waiting_list_patients="none",
            discharge_patients="municipality",
            needs_region=True,
            needs_municipality=True,
        ),
        RoleSpec(
            "admin",
            "Administratör",
            "Administrator",
            aggregates="none",
            waiting_list_patients="none",
            discharge_patients="none",
            admin=True,
        ),
        RoleSpec(
            "system_import",
            "Systemkonto för import",
            "System account for imports",
            aggregates="none",
            waiting_list_patients="none",
            discharge_patients="none",
            api_import=True,
            needs_region=True,
        ),
    )
}
"""Every role by name. A name not in this table has no rights at all."""

ROLE_NAMES: tuple[str, ...] = tuple(ROLES)


def role_spec(name: str) -> RoleSpec | None:
    """The role's rights, or ``None`` for an unknown name (which then gets nothing)."""
    return ROLES.get(name)
