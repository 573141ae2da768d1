"""OpenID Connect sign-in against the region's identity provider (authlib), when configured.

The identity provider proves who the person is; what they may see stays local: the ID token's
``oidc_username_claim`` must name an active local account (created by an administrator with its
role and scope). Authlib keeps its ``state`` and ``nonce`` in ``request.session``; here that is a
short-lived HMAC-signed cookie, so no server-side session exists before sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from authlib.integrations.starlette_client import OAuth
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from vardkoll.domain import PermissionDenied
from vardkoll.http.context import SESSION_COOKIE
from vardkoll.services.access import start_session
from vardkoll.settings import Settings
from vardkoll.store import User
from vardkoll.web.routes.auth import set_cookie

OIDC_COOKIE = "vk_oidc"
CLIENT_NAME = "region"


def oidc_registry(settings: Settings) -> OAuth | None:
    """The authlib registry with the region's provider, or ``None`` when OIDC is not configured."""
    if not settings.oidc_issuer:
        return None
    oauth = OAuth()
    oauth.register(
        name=CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile"},
    )
    return oauth


def _sign(settings: Settings, payload: bytes) -> str:
    return hmac.new(settings.secret_key.encode(), payload, hashlib.sha256).hexdigest()


def _load_state(request: Request, settings: Settings) -> dict[str, Any]:
    raw = request.cookies.get(OIDC_COOKIE, "")
    body, _, signature = raw.rpartition(".")
    if not body or not hmac.compare_digest(signature, _sign(settings, body.encode())):
        return {}
    try:
        value = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _store_state(response: Response, settings: Settings, state: dict[str, Any]) -> None:
    body = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
    set_cookie(response, settings, OIDC_COOKIE, f"{body}.{_sign(settings, body.encode())}", 600)


def install_oidc(app: FastAPI, settings: Settings) -> None:
    """Add ``/login/oidc`` and its callback when an issuer is configured."""
    registry = oidc_registry(settings)
    app.state.oidc = registry
    if registry is None:
        return
    client = registry.create_client(CLIENT_NAME)

    @app.get("/login/oidc", include_in_schema=False)
    async def oidc_start(request: Request) -> Response:
        request.scope["session"] = {}
        redirect_uri = str(request.url_for("oidc_callback"))
        response: Response = await client.authorize_redirect(request, redirect_uri)
        _store_state(response, settings, request.scope["session"])
        return response

    @app.get("/login/oidc/callback", name="oidc_callback", include_in_schema=False)
    async def oidc_callback(request: Request) -> Response:
        request.scope["session"] = _load_state(request, settings)
        token = await client.authorize_access_token(request)
        claims = token.get("userinfo") or {}
        username = str(claims.get(settings.oidc_username_claim, ""))
        engine = request.app.state.engine
        with Session(engine, expire_on_commit=False) as db, db.begin():
            user = db.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                raise PermissionDenied(
                    "Your identity provider signed you in, but Vårdkoll has no active account "
                    "for you; ask an administrator to add one."
                )
            session_token = start_session(db, user, data={})
        response = RedirectResponse("/", status_code=303)
        set_cookie(response, settings, SESSION_COOKIE, session_token, None)
        response.delete_cookie(OIDC_COOKIE, path="/")
        return response
