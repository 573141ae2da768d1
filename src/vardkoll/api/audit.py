"""``/api/v1/audit/verify``: lets an administrator's monitoring check the audit log's chain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vardkoll.api._common import v1_router
from vardkoll.api.schemas import AuditVerifyPublic
from vardkoll.domain import PermissionDenied
from vardkoll.http.context import CtxDep
from vardkoll.services.access import audit

router = v1_router()


@router.get("/audit/verify", operation_id="verify_audit_log", response_model=AuditVerifyPublic)
def verify_audit_log(ctx: CtxDep) -> AuditVerifyPublic:
    """Recompute the audit log's hash chain (administrators)."""
    if not ctx.scope.is_admin:
        raise PermissionDenied("Only administrators verify the audit log.")
    with Session(ctx.engine) as db:
        report = audit.verify(db)
    return AuditVerifyPublic(
        ok=report.ok,
        checked=report.checked,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_bad_seq=report.first_bad_seq,
        problem=report.problem,
    )
