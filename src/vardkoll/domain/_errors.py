"""The one exception tree of Vårdkoll.

Callers catch by phase; every input error is still a ``ValueError``::

    VardkollError
    ├── InputError(ValueError)        bad data or arguments from outside; message says the fix
    │   └── ImportRejected            a file failed validation (carries the row problems)
    ├── DomainRuleError               a rule of the care guarantee or a pathway was broken
    ├── StoreError                    the operational or analytics store could not do its job
    ├── AnalyticsError                an indicator could not be computed
    ├── SimulationError               a simulation could not run
    ├── OptimisationError
    │   ├── Infeasible
    │   └── SolverTimeout
    ├── PermissionDenied              the user may not do this (403)
    └── NotFound                      nothing there, or nothing the user may see (404)

Each class carries an HTTP ``status`` and a stable ``code`` so the interfaces can map errors
once, and translated messages can key on the code rather than the wording.
"""

from __future__ import annotations

from typing import Any, ClassVar


class VardkollError(Exception):
    """Root of every error Vårdkoll raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = dict(context)

    def with_context(self, **context: Any) -> VardkollError:
        """Attach context (region, file, scenario id …) on the way up, then re-raise."""
        self.context.update(context)
        return self


class InputError(VardkollError, ValueError):
    status = 422
    code = "invalid_input"


class DomainRuleError(VardkollError):
    status = 422
    code = "domain_rule"


class StoreError(VardkollError):
    status = 503
    code = "store_error"


class AnalyticsError(VardkollError):
    status = 500
    code = "analytics_error"


class SimulationError(VardkollError):
    status = 500
    code = "simulation_error"


class OptimisationError(VardkollError):
    status = 500
    code = "optimisation_error"


class Infeasible(OptimisationError):
    status = 422
    code = "infeasible"


class SolverTimeout(OptimisationError):
    status = 504
    code = "solver_timeout"


class PermissionDenied(VardkollError):
    status = 403
    code = "permission_denied"


class NotFound(VardkollError):
    status = 404
    code = "not_found"
