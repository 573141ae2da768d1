"""The one error handler: problem+json under ``/api``, a translated page everywhere else.

Routes raise errors of the ``VardkollError`` tree and never build HTTP errors themselves; the
status and the stable code come from the class. A page that needs sign-in redirects there. The
page itself is drawn by the web layer (it owns the templates), handed in as ``page`` so this
shared layer never imports the web package.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from vardkoll.domain import VardkollError
from vardkoll.http.context import Ctx, SignInRequired, get_ctx
from vardkoll.http.i18n import N_, pick_language
from vardkoll.http.problems import problem, problem_response, validation_errors

log = logging.getLogger("vardkoll.web")

ErrorPage = Callable[[Ctx, int, str, str], Response]
"""Draws the error page for ``(ctx, status, code, detail)``."""


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page_ctx(request: Request) -> Ctx:
    """The request's context, or an anonymous one when even that fails (store down, bad token)."""
    try:
        ctx = get_ctx(request)
    except VardkollError:
        settings = request.app.state.settings
        ctx = Ctx(
            request=request,
            settings=settings,
            engine=request.app.state.engine,
            lang=pick_language(
                request.query_params.get("lang"),
                request.cookies.get("vk_lang"),
                default=settings.default_language,
            ),
            request_id=getattr(request.state, "request_id", ""),
            client_address="",
            session=None,
            principal=None,
        )
    return ctx


def _respond(
    page: ErrorPage,
    request: Request,
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None,
    headers: dict[str, str] | None = None,
) -> Response:
    headers = dict(headers or {})
    if _is_api(request):
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return problem_response(
            problem(
                status=status,
                code=code,
                detail=detail,
                instance=request.url.path,
                request_id=getattr(request.state, "request_id", None),
                errors=errors,
            ),
            headers=headers,
        )
    response = page(_page_ctx(request), status, code, detail)
    response.headers.update(headers)
    return response


def install_error_handlers(app: FastAPI, page: ErrorPage) -> None:
    """Map every error to the envelope (API) or the translated error page (web)."""

    @app.exception_handler(VardkollError)
    async def on_vardkoll_error(request: Request, exc: VardkollError) -> Response:
        if isinstance(exc, SignInRequired) and not _is_api(request):
            target = request.url.path
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        errors = exc.context.get("errors") if isinstance(exc.context.get("errors"), list) else None
        if errors is None and "field" in exc.context:
            errors = [
                {"field": str(exc.context["field"]), "code": exc.code, "message": exc.message}
            ]
        return _respond(page, request, exc.status, exc.code, exc.message, errors)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _respond(
            page,
            request,
            422,
            "invalid_input",
            N_("The request has invalid fields."),
            validation_errors(exc),
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 401: "sign_in_required"}.get(
            exc.status_code, "invalid_input" if exc.status_code < 500 else "internal_error"
        )
        detail = N_("Nothing here.") if exc.status_code == 404 else str(exc.detail)
        headers = dict(exc.headers) if exc.headers else None
        return _respond(page, request, exc.status_code, code, detail, None, headers)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error (request %s)", getattr(request.state, "request_id", ""))
        return _respond(
            page,
            request,
            500,
            "internal_error",
            N_("Something went wrong; the error was logged."),
            None,
        )
