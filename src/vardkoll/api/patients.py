"""``/api/v1/patients/{pseudonym}``: one patient's pathways (patient-level, audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from vardkoll.api._common import pathway_public, v1_router
from vardkoll.api.schemas import PatientPublic
from vardkoll.http.context import CtxDep
from vardkoll.services.followup import patient_record

router = v1_router()


@router.get("/patients/{pseudonym}", operation_id="get_patient", response_model=PatientPublic)
def get_patient(
    ctx: CtxDep,
    pseudonym: str,
    purpose: Annotated[str | None, Query(max_length=500)] = None,
) -> PatientPublic:
    """One patient's pathways (404 outside the caller's scope; ``purpose`` needed if protected)."""
    record = patient_record(
        ctx.settings,
        ctx.engine,
        ctx.scope,
        ctx.actor(),
        pseudonym,
        purpose=purpose,
        resource="/api/v1/patients",
    )
    return PatientPublic(
        pseudonym=record.pseudonym,
        identity_type=record.identity_type,
        protected=record.protected,
        identity=record.identity,
        pathways=[pathway_public(r) for r in record.pathways],
    )
