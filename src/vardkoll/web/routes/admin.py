"""Administration: accounts, and the audit log (integrity, sample review, patient extract).

Every action answers with post-redirect-get and a confirmation on the page it lands on. The
confirmation travels in the server-side session (``flash``: an English message id and its
values), not in the query string, so a crafted link cannot make the page confirm something that
never happened; the next page shown takes it out of the session.

Form mistakes are shown in the page's language as advice for a person at the form: the
services' own messages name the command-line flags, so each error's ``reason`` code picks a
message written for the web.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from vardkoll.domain import (
    MUNICIPALITIES,
    InputError,
    PermissionDenied,
    StoreError,
    parse_identity,
    pseudonymise,
)
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.i18n import LANGUAGES, N_
from vardkoll.services.access import (
    DEFAULT_TOKEN_DAYS,
    MAX_TOKEN_DAYS,
    ROLE_NAMES,
    acting_for_label,
    action_label,
    audit,
    column_titles,
    create_api_token,
    create_user,
    extract_pdf,
    list_tokens,
    list_users,
    purpose_label,
    readable_rows,
    revoke_token,
    set_active,
)
from vardkoll.services.followup import names
from vardkoll.web.labels import region_name, role_label
from vardkoll.web.tables import neutralise
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)


ADMIN_ONLY = N_("Only administrators manage accounts and review the audit log.")

FORM_ADVICE: dict[str, str] = {
    "unknown_role": N_("Choose one of the roles in the list."),
    "needs_region": N_(
        "The role {role} works within one region: fill in the region as its two-digit county "
        "code, for example 19 for Västmanland."
    ),
    "bad_region": N_(
        "The region is written as its two-digit county code, for example 19 for Västmanland."
    ),
    "needs_units": N_(
        "The role {role} works for its own units: fill in at least one unit id, several "
        "separated by commas."
    ),
    "needs_municipality": N_(
        "The role {role} works for one municipality: fill in its four-digit municipality code, "
        "for example 1980 for Västerås."
    ),
    "bad_username": N_("The username needs 1 to 100 characters and no blanks."),
    "short_password": N_("The password needs at least 12 characters."),
    "username_taken": N_("The username {username} is already taken; choose another."),
    "token_days": N_("A token lives from 1 to {max_days} days; choose a number in that range."),
    "token_name": N_("Say what the token is for, in 1 to 100 characters."),
    "token_disabled": N_("The account {username} is disabled; enable it before giving it a token."),
}
"""Advice per ``reason`` of the account service's input errors, for a person at the web form."""

NO_OUTCOME = N_("Choose an assessment (justified, follow up or not justified) before you save.")


def _require_admin(ctx: Ctx) -> None:
    if not ctx.scope.is_admin:
        raise PermissionDenied(ADMIN_ONLY)


def _flash(ctx: Ctx, message: str, **values: str | int) -> None:
    """Confirm an action on the page the redirect leads to (see the module docstring)."""
    ctx.remember(flash={"message": message, "values": values})


def _take_flash(ctx: Ctx) -> str:
    """The confirmation waiting in the session, translated; it is shown once."""
    if ctx.session is None:
        return ""
    waiting: Any = ctx.session.data.get("flash")
    if not isinstance(waiting, dict) or not waiting.get("message"):
        return ""
    ctx.remember(flash=None)
    stored = waiting.get("values")
    values: dict[str, Any] = stored if isinstance(stored, dict) else {}
    try:
        return ctx._(str(waiting["message"])).format(**values)
    except (KeyError, IndexError, ValueError):
        return ctx._(str(waiting["message"]))


def _advice(ctx: Ctx, exc: InputError, values: dict[str, str]) -> str:
    """The web form's advice for ``exc``, in the page's language."""
    reason = exc.context.get("reason")
    if isinstance(reason, str) and reason in FORM_ADVICE:
        return ctx._(FORM_ADVICE[reason]).format(**values)
    return ctx._(exc.message)


def _municipality_name(code: str | None) -> str:
    municipality = MUNICIPALITIES.get(code or "")
    return municipality.name if municipality is not None else (code or "")


def _users_page(ctx: Ctx, message: str = "", status: int = 200) -> Response:
    with Session(ctx.engine) as db:
        accounts = list_users(db)
    names = unit_names(ctx)
    return render(
        ctx,
        "admin_users.html",
        status=status,
        accounts=accounts,
        roles=ROLE_NAMES,
        message=message,
        notice="" if message else _take_flash(ctx),
        unit_label=lambda unit: names.get(unit, unit),
        region_label=region_name,
        municipality_label=_municipality_name,
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
        values = {"role": role_label(role, ctx.lang), "username": username.strip()}
        return _users_page(ctx, message=_advice(ctx, exc, values), status=422)
    _flash(ctx, N_("The account {username} was added."), username=username.strip())
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
        raise InputError(N_("You cannot disable your own account."), field="username")
    with Session(ctx.engine) as db, db.begin():
        set_active(db, username, active=action == "enable")
    if action == "disable":
        _flash(
            ctx,
            N_("The account {username} was disabled; its sessions have ended."),
            username=username,
        )
    else:
        _flash(ctx, N_("The account {username} can sign in again."), username=username)
    return RedirectResponse("/admin/users", status_code=303)


def _tokens_page(
    ctx: Ctx, *, message: str = "", status: int = 200, new_token: str = "", new_for: str = ""
) -> Response:
    with Session(ctx.engine) as db:
        tokens = list_tokens(db)
        accounts = [a for a in list_users(db) if a.active]
    return render(
        ctx,
        "admin_tokens.html",
        status=status,
        tokens=tokens,
        accounts=accounts,
        message=message,
        notice="" if message or new_token else _take_flash(ctx),
        new_token=new_token,
        new_for=new_for,
        default_days=DEFAULT_TOKEN_DAYS,
        max_days=MAX_TOKEN_DAYS,
    )


@router.get("/admin/tokens")
def tokens_page(ctx: CtxDep) -> Response:
    """Every API token (never the token itself), and a form to create one."""
    _require_admin(ctx)
    return _tokens_page(ctx)


@router.post("/admin/tokens")
def add_token(
    ctx: CtxDep,
    username: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    expires_days: Annotated[int, Form()] = DEFAULT_TOKEN_DAYS,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create a token and show it on this response only.

    Why no redirect here: the token is shown once and stored hashed; carrying it through the
    session to the next page would store it in plain text.
    """
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    try:
        with Session(ctx.engine) as db, db.begin():
            token = create_api_token(db, username=username, name=name, expires_days=expires_days)
    except InputError as exc:
        values = {"username": username, "max_days": str(MAX_TOKEN_DAYS)}
        return _tokens_page(ctx, message=_advice(ctx, exc, values), status=422)
    return _tokens_page(ctx, new_token=token, new_for=username)


@router.post("/admin/tokens/{token_id}/revoke")
def end_token(ctx: CtxDep, token_id: int, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Revoke a token at once."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    with Session(ctx.engine) as db, db.begin():
        ended = revoke_token(db, token_id=token_id)
    _flash(
        ctx,
        N_("The token {name} of {username} was revoked; it no longer works."),
        name=ended.name,
        username=ended.username,
    )
    return RedirectResponse("/admin/tokens", status_code=303)


@router.get("/admin/audit")
def audit_page(ctx: CtxDep) -> Response:
    """The chain's integrity, the samples drawn so far, and the extract form."""
    _require_admin(ctx)
    with Session(ctx.engine) as db:
        report = audit.verify(db)
        samples = audit.list_samples(db)
    return render(
        ctx,
        "admin_audit.html",
        report=report,
        samples=samples,
        notice=_take_flash(ctx),
        sample_kind_label=lambda kind: ctx._(SAMPLE_KIND_LABELS.get(str(kind), str(kind))),
    )


SAMPLE_KIND_LABELS: dict[str, str] = {
    "random": N_("Random"),
    "outside_unit": N_("Access outside the user's own units"),
    "protected": N_("Openings of protected identities"),
    "off_hours": N_("Evenings and weekends"),
    "user": N_("One user"),
}


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
        drawn = len(audit.sample_rows(db, sample_id))
    _flash(ctx, N_("A sample of {count} records was drawn; review each one below."), count=drawn)
    return RedirectResponse(f"/admin/audit/samples/{sample_id}", status_code=303)


@router.get("/admin/audit/samples/{sample_id}")
def sample_page(ctx: CtxDep, sample_id: str) -> Response:
    """One sample with a review form per record."""
    _require_admin(ctx)
    return _sample_page(ctx, sample_id)


def unit_names(ctx: Ctx) -> dict[str, str]:
    """Unit id to name from the analytics store (none while it is not built yet)."""
    try:
        return dict(names(ctx.settings).units)
    except StoreError:
        return {}


def _sample_page(
    ctx: Ctx, sample_id: str, *, message: str = "", failed_review: int | None = None
) -> Response:
    names = unit_names(ctx)
    lang = ctx.lang
    with Session(ctx.engine) as db:
        rows = audit.sample_rows(db, sample_id)
        return render(
            ctx,
            "admin_sample.html",
            status=422 if message else 200,
            sample_id=sample_id,
            rows=rows,
            message=message,
            failed_review=failed_review,
            notice="" if message else _take_flash(ctx),
            acting_for_label=lambda text: acting_for_label(text, lang, names),
            action_label=lambda code: action_label(code, lang),
            purpose_label=lambda text: purpose_label(text, lang),
            unit_label=lambda unit: names.get(unit, unit),
        )


@router.post("/admin/audit/reviews/{review_id}")
def review(
    ctx: CtxDep,
    review_id: int,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record the outcome of reviewing one sampled record; an assessment must be chosen."""
    _require_admin(ctx)
    ctx.check_csrf(csrf_token)
    if not outcome:
        with Session(ctx.engine) as db:
            sample_of, _ = audit.review_of(db, review_id)
        return _sample_page(ctx, sample_of, message=ctx._(NO_OUTCOME), failed_review=review_id)
    with Session(ctx.engine) as db, db.begin():
        sample_id = audit.record_review(
            db,
            review_id=review_id,
            reviewer_id=ctx.require_user().user_id,
            outcome=outcome,
            note=note,
        )
        _, record_seq = audit.review_of(db, review_id)
    _flash(ctx, N_("Your assessment of record {seq} was saved."), seq=record_seq)
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
    lang = document_language if document_language in LANGUAGES else ctx.lang
    names = unit_names(ctx)
    if file_format == "pdf":
        return Response(
            extract_pdf(rows, pseudonym=pseudonym, lang=lang, unit_names=names),
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="vardkoll-loggutdrag.pdf"'},
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(column_titles(lang))
    for row in readable_rows(rows, lang, names):
        writer.writerow([neutralise(value) for value in row])
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vardkoll-loggutdrag.csv"'},
    )
