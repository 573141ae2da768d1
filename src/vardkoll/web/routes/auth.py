"""Sign-in (local accounts, and OpenID Connect when configured), sign-out, and "your role".

A role whose capability has no pages yet (the municipal discharge coordinator until the
discharge board lands) gets a page that says what it will get, never an empty page or a 404.

The sign-in form has no session yet, so its CSRF token is bound to a random pre-session cookie:
``token = HMAC(secret, cookie)``. A successful sign-in starts a new server-side session (a new
token, so a planted cookie cannot be carried over).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vardkoll.domain import MUNICIPALITIES
from vardkoll.http.context import LANG_COOKIE, SESSION_COOKIE, CsrfFailed, Ctx, CtxDep
from vardkoll.http.i18n import N_
from vardkoll.services.access import (
    SignInFailed,
    SignInThrottled,
    authenticate,
    end_session,
    start_session,
)
from vardkoll.settings import Settings
from vardkoll.web.templating import render

router = APIRouter(include_in_schema=False)
PRE_COOKIE = "vk_pre"


def _login_csrf(settings: Settings, nonce: str) -> str:
    return hmac.new(
        settings.secret_key.encode(), f"login|{nonce}".encode(), hashlib.sha256
    ).hexdigest()


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect a user to another site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, max_age: int | None
) -> None:
    """Every cookie: HttpOnly, SameSite=Lax, Secure per settings."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.resolved_cookie_secure(),
        path="/",
    )


def _login_page(ctx: Ctx, *, message: str = "", username: str = "", status: int = 200) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(
        ctx,
        "login.html",
        status=status,
        login_csrf=_login_csrf(ctx.settings, nonce),
        next_path=_safe_next(ctx.request.query_params.get("next")),
        message=message,
        username=username,
        oidc_enabled=bool(ctx.settings.oidc_issuer),
    )
    set_cookie(response, ctx.settings, PRE_COOKIE, nonce, 3600)
    if "lang" in ctx.request.query_params:
        set_cookie(response, ctx.settings, LANG_COOKIE, ctx.lang, 365 * 24 * 3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(ctx: CtxDep) -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if ctx.principal is not None:
        return RedirectResponse(_safe_next(ctx.request.query_params.get("next")), status_code=303)
    return _login_page(ctx)


@router.post("/login")
def login(
    ctx: CtxDep,
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (throttled per account and address) and start a session."""
    nonce = request.cookies.get(PRE_COOKIE, "")
    if not nonce or not hmac.compare_digest(csrf_token, _login_csrf(ctx.settings, nonce)):
        raise CsrfFailed(N_("The sign-in form has expired; reload the page and sign in again."))
    failure: SignInFailed | SignInThrottled | None = None
    token = ""
    with Session(ctx.engine, expire_on_commit=False) as db, db.begin():
        try:
            user = authenticate(
                db,
                username=username,
                password=password,
                client_address=ctx.client_address,
                settings=ctx.settings,
            )
        except (SignInFailed, SignInThrottled) as exc:
            failure = exc  # caught inside the transaction, so the failure count is kept
        else:
            token = start_session(db, user, data={"lang": ctx.lang})
    if isinstance(failure, SignInThrottled):
        return _login_page(
            ctx,
            message=N_("Too many failed sign-ins. Wait a while and try again."),
            username=username,
            status=429,
        )
    if failure is not None:
        return _login_page(
            ctx, message=N_("Wrong username or password."), username=username, status=401
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(response, ctx.settings, SESSION_COOKIE, token, None)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(ctx: CtxDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session on the server and clear the cookie."""
    ctx.check_csrf(csrf_token)
    if ctx.session is not None:
        with Session(ctx.engine) as db, db.begin():
            end_session(db, ctx.session.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


COMING: dict[str, tuple[str, str]] = {
    "municipal_discharge_coordinator": (
        N_("Discharge board for your municipality"),
        N_(
            "Under the Act on cooperation at discharge from inpatient care (Lag 2017:612) the "
            "wards send your municipality an admission notice (inskrivningsmeddelande) and a "
            "ready-for-discharge notice (utskrivningsklar), and the patient's named contact "
            "invites to coordinated individual planning (SIP). The board will show these "
            "messages for the patients of your municipality: who is ready for discharge, since "
            "when, whether the SIP invitation has come, and the days that count towards the "
            "municipality's payment liability."
        ),
    ),
}
"""What a role without pages yet will get (title, description), by role name."""


def role_page(ctx: Ctx, *, status: int = 200, reason: str = "") -> Response:
    """What the user's role includes now and what is coming, in the page's language."""
    principal = ctx.require_user()
    coming = COMING.get(principal.role)
    municipality = MUNICIPALITIES.get(principal.municipality_code or "")
    return render(
        ctx,
        "role.html",
        status=status,
        reason=reason,
        coming=coming,
        municipality=municipality.name if municipality is not None else "",
    )


@router.get("/role")
def role_overview(ctx: CtxDep) -> Response:
    """Your role: what it may open, and what a role still waiting for its pages will get."""
    return role_page(ctx)


OVERVIEW_DENIED = N_("Your role does not include the overview of waiting times.")
