"""API schemas: ``…Public`` for one resource, ``…sPublic{data, count}`` for a page of them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class UserPublic(BaseModel):
    """The signed-in account (or the token's account) and its scope."""

    username: str
    role: str
    region_code: str | None
    unit_ids: list[str]
    municipality_code: str | None
    rights: dict[str, str] = Field(description="How far each right reaches: none/all/region/units.")


class OverviewCellPublic(BaseModel):
    """Still waiting on the date, for one entry type and specialty."""

    entry_type: str
    specialty: str
    waiting: int | None = Field(description="null when masked (the figures leave the region)")
    within_limit: int | None
    beyond_limit: int | None
    share_within: float | None
    limit_days: int | None
    masked: bool = Field(
        False, description="Numbers withheld: a small cell, or one that would reveal it."
    )


class OverviewPublic(BaseModel):
    """The overview on ``as_of`` for the caller's scope (``count`` cells in ``data``)."""

    as_of: dt.date
    view: str = Field(description="Which clock: 'pause_adjusted' (PVV/MOV pauses not counted).")
    rule_set: str
    region: str | None
    masked_below: int | None = Field(
        None, description="Counts under this are masked (national view); null inside the region."
    )
    data: list[OverviewCellPublic]
    count: int


class TrendPointPublic(BaseModel):
    """Still waiting at one month end, for one entry type."""

    month_end: dt.date
    entry_type: str
    waiting: int | None = Field(description="null when masked (the figures leave the region)")
    within_limit: int | None
    share_within: float | None


class TrendPublic(BaseModel):
    """The monthly trend (``count`` points in ``data``)."""

    view: str
    data: list[TrendPointPublic]
    count: int


class PathwayPublic(BaseModel):
    """One pathway of a patient list (pseudonym only)."""

    pathway_key: str
    patient_pseudonym: str
    identity_type: str
    unit_id: str
    specialty: str
    entry_type: str
    priority: int | None
    clock_start: dt.date
    removed_on: dt.date | None
    days_waited: int
    limit_days: int | None
    days_to_breach: int | None


class PathwaysPublic(BaseModel):
    """A page of pathways: ``data`` holds at most ``limit`` of ``count`` in all."""

    view: str
    data: list[PathwayPublic]
    count: int


class PatientPublic(BaseModel):
    """One patient's pathways in the caller's scope; no identity when protected."""

    pseudonym: str
    identity_type: str
    protected: bool
    identity: str | None
    pathways: list[PathwayPublic]


class AuditVerifyPublic(BaseModel):
    """The outcome of verifying the audit log's hash chain."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str


class ImportFilePublic(BaseModel):
    """What happened to one posted file (a FHIR file may report one entry per kind)."""

    file: str
    kind: str
    status: str = Field(description="'stored', 'rejected', or 'not_stored' (another file failed).")
    rows_read: int
    rows_new: int
    rows_superseded: int
    rows_unchanged: int


class ImportErrorPublic(BaseModel):
    """One problem of a posted file: which file, row (1 = header), field, value and why."""

    file: str
    row: int
    field: str
    value: str | None
    code: str
    reason: str


class ImportPublic(BaseModel):
    """One import request and its outcome; ``id`` is stable for the same account and files."""

    id: str
    status: str = Field(description="'stored' (every file stored) or 'rejected'.")
    created_at: dt.datetime
    files: list[ImportFilePublic]
    rows_read: int
    rows_new: int
    rows_superseded: int
    rows_unchanged: int
    errors: list[ImportErrorPublic]


class ImportProblemErrorPublic(BaseModel):
    """A problem of an import, in the envelope's ``errors``: ``field/code/message`` plus where."""

    field: str
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    value: str | None = None


class ImportProblemPublic(BaseModel):
    """The problem document of a rejected import (RFC 9457; ``instance`` is the import)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[ImportProblemErrorPublic] = Field(default_factory=list)
