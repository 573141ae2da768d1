"""Pure domain rules: identities, the care guarantee, pathways, organisation, capacity.

No I/O and no imports of higher layers. The public surface is exactly ``__all__``.
"""

from vardkoll.domain._errors import (
    AnalyticsError,
    DomainRuleError,
    Infeasible,
    InputError,
    NotFound,
    OptimisationError,
    PermissionDenied,
    SimulationError,
    SolverTimeout,
    StoreError,
    VardkollError,
)

__all__ = [
    "AnalyticsError",
    "DomainRuleError",
    "Infeasible",
    "InputError",
    "NotFound",
    "OptimisationError",
    "PermissionDenied",
    "SimulationError",
    "SolverTimeout",
    "StoreError",
    "VardkollError",
]
