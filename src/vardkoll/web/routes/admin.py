"""Administration: accounts, and the audit log (integrity, sample review, patient extract)."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from vardkoll.domain import InputError, PermissionDenied, parse_identity, pseudonymise
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.i18n import LANGUAGES
from vardkoll.services.access import audit
from vardkoll.services.access.accounts import create_user, list_users, set_active
from vardkoll.services.access.log_extract import extract_pdf
from vardkoll.services.access.roles import ROLE_NAMES
from vardkoll.web.tables import neutralise
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


def _require_admin(ctx: Ctx) -> None:
    if not ctx.scope.is_admin:
        raise PermissionDenied("Only administrators manage accounts and review the audit log.")


def _users_page(ctx: Ctx, message: str = "", status: int = 200) -> Response:
    with Session(ctx.engine) as db:
        accounts = list_users(db)
    return render(
        ctx, "admin_users.html", status=status, accounts=accounts, roles=ROLE_NAMES, message=message
    )


@router.get("/admin/users")
def users_page(ctx: CtxDep) -> Response:
    """Every account, and a form to add one."""
    _require_admin(ctx)
    return _users_page(ctx)


@router.post("/admin/users")
def add_user(
    ctx: CtxDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    unit_ids: Annotated[str, Form()] = "",
    municipality_code: Annotated[str, Form()] = "",
) -> Response:
    """Add an account; a mistake is shown on the page with what to fix."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    try:
        with Session(ctx.engine) as db, db.begin():
            create_user(
                db,
                username=username,
                role=role,
                password=password,
                region_code=region_code or None,
                unit_ids=[u for u in unit_ids.split(",") if u.strip()],
                municipality_code=municipality_code or None,
            )
    except InputError as exc:
        return _users_page(ctx, message=exc.message, status=422)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/{action}")
def toggle_user(
    ctx: CtxDep, username: str, action: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Disable or enable an account (a disabled account's sessions stop at once)."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    if action not in ("disable", "enable"):
        raise InputError(f"action must be disable or enable; got {action!r}.", field="action")
    if action == "disable" and username == ctx.require_user().username:
        raise InputError("You cannot disable your own account.", field="username")
    with Session(ctx.engine) as db, db.begin():
        set_active(db, username, active=action == "enable")
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/audit")
def audit_page(ctx: CtxDep) -> Response:
    """The chain's integrity, the samples drawn so far, and the extract form."""
    _require_admin(ctx)
    with Session(ctx.engine) as db:
        report = audit.verify(db)
        samples = audit.list_samples(db)
    return render(ctx, "admin_audit.html", report=report, samples=samples)


@router.post("/admin/audit/samples")
def draw(
    ctx: CtxDep,
    kind: Annotated[str, Form()],
    size: Annotated[int, Form()] = 20,
    days: Annotated[int, Form()] = 30,
    username: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Draw a random or targeted sample for review."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    now = datetime.now(UTC)
    if kind not in audit.SAMPLE_KINDS:
        raise InputError(f"kind must be one of {', '.join(audit.SAMPLE_KINDS)}.", field="kind")
    with Session(ctx.engine) as db, db.begin():
        sample_id = audit.draw_sample(
            db,
            kind=kind,  # checked just above
            size=size,
            since=now - timedelta(days=max(1, days)),
            until=now + timedelta(seconds=1),
            rng=random.SystemRandom(),
            username=username or None,
            timezone=ctx.settings.timezone,
        )
    return RedirectResponse(f"/admin/audit/samples/{sample_id}", status_code=303)


@router.get("/admin/audit/samples/{sample_id}")
def sample_page(ctx: CtxDep, sample_id: str) -> Response:
    """One sample with a review form per record."""
    _require_admin(ctx)
    with Session(ctx.engine) as db:
        rows = audit.sample_rows(db, sample_id)
        return render(ctx, "admin_sample.html", sample_id=sample_id, rows=rows)


@router.post("/admin/audit/reviews/{review_id}")
def review(
    ctx: CtxDep,
    review_id: int,
    outcome: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record the outcome of reviewing one sampled record."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    with Session(ctx.engine) as db, db.begin():
        sample_id = audit.record_review(
            db,
            review_id=review_id,
            reviewer_id=ctx.require_user().user_id,
            outcome=outcome,
            note=note,
        )
    return RedirectResponse(f"/admin/audit/samples/{sample_id}", status_code=303)


def _pseudonym_of(ctx: Ctx, text: str) -> str:
    candidate = text.strip().lower()
    if len(candidate) == 32 and all(c in "0123456789abcdef" for c in candidate):
        return candidate
    identity = parse_identity(text)
    return pseudonymise(identity.canonical, ctx.settings.pseudonym_key())


EXTRACT_FORMATS = ("csv", "pdf")


@router.post("/admin/audit/extract")
def extract(
    ctx: CtxDep,
    patient: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    file_format: Annotated[str, Form()] = "csv",
    document_language: Annotated[str, Form()] = "",
) -> Response:
    """The patient's log extract as CSV or PDF; producing it is itself logged."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    if file_format not in EXTRACT_FORMATS:
        raise InputError(
            f"file_format must be csv or pdf; got {file_format!r}.", field="file_format"
        )
    pseudonym = _pseudonym_of(ctx, patient)
    with Session(ctx.engine) as db, db.begin():
        audit.reserve(db)
        records = audit.patient_extract(db, pseudonym)
        rows = audit.extract_rows(records, ctx.settings.timezone)
        audit.write(
            db,
            ctx.actor(),
            audit.AuditEntry(
                action="log_extract",
                resource="/admin/audit/extract",
                acting_for="audit:log extract",
                purpose="patient log extract" + (" (PDF)" if file_format == "pdf" else ""),
                patient_pseudonym=pseudonym,
            ),
        )
    if file_format == "pdf":
        lang = document_language if document_language in LANGUAGES else ctx.lang
        return Response(
            extract_pdf(rows, pseudonym=pseudonym, lang=lang),
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="vardkoll-loggutdrag.pdf"'},
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(audit.EXTRACT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(str(row[c])) for c in audit.EXTRACT_COLUMNS])
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vardkoll-loggutdrag.csv"'},
    )
