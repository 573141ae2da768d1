"""The one place where a user's reach becomes query filters (default deny).

Every query that returns rows a user may or may not see goes through :meth:`Scope.apply`
(SQLAlchemy ``Select``) or :meth:`Scope.duckdb_where` (DuckDB SQL). Routes never write their own
region or unit filter, so a new page cannot forget one: without a scope there is no query.

Reaches come from :data:`vardkoll.services.access.roles.ROLES`. A role without a right, an unknown
role,
a disabled account or a role missing its region/units/municipality gets a filter that is always
false — the query runs and returns nothing.

>>> s = Scope.for_principal(Principal(1, "anna", "clinic_manager", "19", ("U1", "U2"), None))
>>> s.duckdb_where("waiting_list", table="p")
('(p.region_code = ? AND p.unit_id IN (?, ?))', ['19', 'U1', 'U2'])
>>> Scope.for_principal(Principal(2, "nils", "national_analyst", None, (), None)).duckdb_where(
...     "waiting_list", table="p")
('FALSE', [])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, false, true

from vardkoll.services.access.roles import Reach, RoleSpec, role_spec

Right = Literal["aggregates", "waiting_list", "discharge"]
"""What the rows are for: aggregate counts, waiting-list patients, discharge-workflow patients."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account's identity and its assignment (region, units, municipality)."""

    user_id: int
    username: str
    role: str
    region_code: str | None
    unit_ids: tuple[str, ...] = ()
    municipality_code: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Scope:
    """A principal's reach per right, ready to filter queries."""

    principal: Principal
    spec: RoleSpec | None = field(default=None)

    @classmethod
    def for_principal(cls, principal: Principal) -> Scope:
        """The scope of ``principal``; an unknown role or a disabled account reaches nothing."""
        spec = role_spec(principal.role) if principal.active else None
        return cls(principal=principal, spec=spec)

    # --- what the role may do -------------------------------------------------------------
    def reach(self, right: Right) -> Reach:
        """How far ``right`` reaches, with missing assignments turning it into ``"none"``."""
        if self.spec is None:
            return "none"
        reach: Reach = {
            "aggregates": self.spec.aggregates,
            "waiting_list": self.spec.waiting_list_patients,
            "discharge": self.spec.discharge_patients,
        }[right]
        p = self.principal
        if reach in ("region", "units", "municipality") and not p.region_code:
            return "none"
        if reach == "units" and not p.unit_ids:
            return "none"
        if reach == "municipality" and not p.municipality_code:
            return "none"
        return reach

    def allows(self, right: Right) -> bool:
        """True when ``right`` reaches at least some rows."""
        return self.reach(right) != "none"

    @property
    def plans(self) -> bool:
        """May plan production: aggregates of one region or of own units, never national.

        The planner shows a unit's weekly counts unmasked; a national role sees regions it does
        not belong to, whose small cells must stay masked, so it follows up instead of planning.
        """
        return self.reach("aggregates") in ("region", "units")

    @property
    def is_admin(self) -> bool:
        """May manage accounts and review the audit log."""
        return self.spec is not None and self.spec.admin and self.principal.active

    def visible_regions(self, all_regions: list[str]) -> list[str]:
        """The regions whose aggregates this user may pick between."""
        reach = self.reach("aggregates")
        if reach == "all":
            return list(all_regions)
        if reach == "none":
            return []
        return [self.principal.region_code] if self.principal.region_code else []

    # --- filters ---------------------------------------------------------------------------
    def condition(
        self,
        right: Right,
        *,
        region: ColumnElement[Any],
        unit: ColumnElement[Any] | None = None,
        municipality: ColumnElement[Any] | None = None,
    ) -> ColumnElement[bool]:
        """The SQLAlchemy condition that keeps exactly the rows in reach.

        A reach that needs a column the caller did not name is denied (a query over a table
        without unit ids cannot be narrowed to units, so it returns nothing).
        """
        reach = self.reach(right)
        p = self.principal
        if reach == "all":
            return true()
        if reach == "region":
            return region == p.region_code
        if reach == "units" and unit is not None:
            return and_(region == p.region_code, unit.in_(p.unit_ids))
        if reach == "municipality" and municipality is not None:
            return and_(region == p.region_code, municipality == p.municipality_code)
        return false()

    def apply(
        self,
        query: Select[Any],
        right: Right,
        *,
        region: ColumnElement[Any],
        unit: ColumnElement[Any] | None = None,
        municipality: ColumnElement[Any] | None = None,
    ) -> Select[Any]:
        """``query`` narrowed to the rows this user may see for ``right``."""
        return query.where(
            self.condition(right, region=region, unit=unit, municipality=municipality)
        )

    def duckdb_where(
        self,
        right: Right,
        *,
        table: str,
        region: str = "region_code",
        unit: str | None = "unit_id",
        municipality: str | None = None,
    ) -> tuple[str, list[Any]]:
        """A DuckDB ``WHERE`` fragment and its parameters for rows of ``table`` in reach.

        Column and table names come from code, never from users; values go as parameters.
        """
        reach = self.reach(right)
        p = self.principal
        if reach == "all":
            return "TRUE", []
        if reach == "region":
            return f"{table}.{region} = ?", [p.region_code]
        if reach == "units" and unit is not None:
            marks = ", ".join("?" for _ in p.unit_ids)
            return (
                f"({table}.{region} = ? AND {table}.{unit} IN ({marks}))",
                [p.region_code, *p.unit_ids],
            )
        if reach == "municipality" and municipality is not None:
            return (
                f"({table}.{region} = ? AND {table}.{municipality} = ?)",
                [p.region_code, p.municipality_code],
            )
        return "FALSE", []

    def acting_for(self, process: str) -> str:
        """What the audit log records as the unit or process this user acts for."""
        p = self.principal
        if p.unit_ids:
            return f"{process}:{','.join(p.unit_ids)}"[:200]
        if p.municipality_code:
            return f"{process}:kommun {p.municipality_code}"
        if p.region_code:
            return f"{process}:region {p.region_code}"
        return process
