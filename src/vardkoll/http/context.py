"""The request context every page and API route receives: who asks, in which language, from where.

Why one object: routes read like prose (``ctx.scope``, ``ctx._("…")``, ``ctx.actor()``), and
sign-in, language and scope are resolved once per request in :func:`get_ctx` rather than in each
route.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from babel.support import Translations
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from vardkoll.domain import PermissionDenied, StoreError, VardkollError
from vardkoll.http.i18n import LANGUAGES, pick_language, translations
from vardkoll.services.access import (
    Actor,
    Principal,
    Scope,
    SessionInfo,
    load_session,
    principal_of,
    touch_session,
    update_session_data,
    user_for_token,
)
from vardkoll.settings import Settings
from vardkoll.store import User

SESSION_COOKIE = "vk_session"
LANG_COOKIE = "vk_lang"


class SignInRequired(VardkollError):
    """The request needs a signed-in user (pages redirect to the sign-in form)."""

    status = 401
    code = "sign_in_required"


class CsrfFailed(PermissionDenied):
    """A form came without the token of this session (cross-site request forgery guard)."""

    code = "csrf_failed"


@dataclass
class Ctx:
    """One request's view of the world."""

    request: Request
    settings: Settings
    engine: Engine
    lang: str
    request_id: str
    client_address: str
    session: SessionInfo | None
    principal: Principal | None
    via_token: bool = False

    @property
    def translations(self) -> Translations:
        return translations(self.lang)

    def _(self, message: str) -> str:
        """Translate ``message`` (an English id) into the request's language."""
        return self.translations.gettext(message)

    @property
    def scope(self) -> Scope:
        """The user's scope; an anonymous request has none and gets :class:`SignInRequired`."""
        return Scope.for_principal(self.require_user())

    def require_user(self) -> Principal:
        if self.principal is None:
            raise SignInRequired("Sign in to continue.")
        return self.principal

    def actor(self) -> Actor:
        """Who the audit log records for this request."""
        p = self.require_user()
        return Actor(p.user_id, p.username, p.role, self.request_id, self.client_address)

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token if self.session else ""

    def check_csrf(self, token: str | None) -> None:
        """Refuse a form whose token is not this session's."""
        if not self.session or not token or not hmac.compare_digest(token, self.csrf_token):
            raise CsrfFailed("The form has expired or came from another site; reload and retry.")

    def remember(self, **values: Any) -> None:
        """Store choices (region, period) in the server-side session."""
        if self.session is None:
            return
        with Session(self.engine) as db, db.begin():
            update_session_data(db, self.session.session_id, **values)
        self.session.data.update(values)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def get_ctx(request: Request) -> Ctx:
    """Resolve the session or API token, the language and the request id."""
    settings: Settings = request.app.state.settings
    engine: Engine = request.app.state.engine
    info: SessionInfo | None = None
    user: User | None = None
    token = request.cookies.get(SESSION_COOKIE)
    bearer = _bearer(request)
    query_lang = request.query_params.get("lang")
    try:
        with Session(engine, expire_on_commit=False) as db, db.begin():
            if bearer:
                user = user_for_token(db, bearer)
                if user is None:
                    raise SignInRequired(
                        "The API token is unknown, expired, revoked or its account disabled."
                    )
            elif token:
                info = load_session(db, token, settings=settings)
                user = info.user if info else None
            if user is not None and query_lang in LANGUAGES and user.language != query_lang:
                user.language = query_lang
                if info is not None:
                    update_session_data(db, info.session_id, lang=query_lang)
    except DBAPIError as exc:
        raise StoreError(
            "the operational store is not ready; run `vardkoll db upgrade` and retry."
        ) from exc
    if info is not None and info.touch_due:
        try:
            with Session(engine) as db, db.begin():
                touch_session(db, info.session_id)
        except DBAPIError:  # best effort: the next request a minute on touches it instead
            pass
    lang = pick_language(
        query_lang,
        user.language if user else None,
        request.cookies.get(LANG_COOKIE),
        default=settings.default_language,
    )
    client = request.client.host if request.client else "unknown"
    return Ctx(
        request=request,
        settings=settings,
        engine=engine,
        lang=lang,
        request_id=getattr(request.state, "request_id", "") or "",
        client_address=client,
        session=info,
        principal=principal_of(user) if user is not None else None,
        via_token=bearer is not None,
    )


CtxDep = Annotated[Ctx, Depends(get_ctx)]
