"""The translated error page the shared error handler shows outside ``/api``.

The handler (:mod:`vardkoll.http.errors`) decides status and code; this module only adds what a
person needs on a page: the translated title and a next step per code.
"""

from __future__ import annotations

from fastapi.responses import Response

from vardkoll.http.context import Ctx
from vardkoll.http.i18n import N_
from vardkoll.http.problems import TITLES
from vardkoll.web.templating import render

HINTS: dict[str, str] = {
    "not_found": N_("It does not exist, or it is outside what your role may see."),
    "permission_denied": N_(
        "Your role does not include this. Ask an administrator if you need it."
    ),
    "csrf_failed": N_("Reload the page and try again."),
    "store_error": N_("An administrator needs to prepare the data store."),
    "analytics_error": N_("An administrator needs to rebuild the analytics store."),
    "invalid_input": N_("Correct the input and try again."),
}
"""A translated next step per error code, shown under the message."""


def error_page(ctx: Ctx, status: int, code: str, detail: str) -> Response:
    """The error page in the request's language, with the request id for support."""
    return render(
        ctx,
        "error.html",
        status=status,
        code=code,
        title=TITLES.get(code, "Error"),
        detail=detail,
        hint=HINTS.get(code, ""),
        request_id=ctx.request_id,
    )
