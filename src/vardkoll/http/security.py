"""Security headers and request ids on every response.

The Content-Security-Policy allows scripts and styles only from the app itself — no inline
code, no ``eval`` (Vega runs with its expression interpreter) — and no framing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from vardkoll.settings import Settings

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def install_security(app: FastAPI, settings: Settings) -> None:
    """Add the request-id and security-header middleware."""
    hsts = settings.resolved_cookie_secure()

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = uuid.uuid4().hex
        response = await call_next(request)
        headers = response.headers
        headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["X-Request-ID"] = request.state.request_id
        if not request.url.path.startswith("/static/"):
            # Pages may hold patient data: never keep them in a shared or browser cache.
            headers["Cache-Control"] = "no-store"
        if hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
