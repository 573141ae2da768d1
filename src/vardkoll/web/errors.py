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

DENIAL_REASONS: tuple[str, ...] = (
    N_("Your role does not include patient waiting lists."),
    N_("Your role does not include patient records."),
    N_("Your role does not include follow-up of waiting times."),
    N_("Your role does not include the overview of waiting times."),
    N_("Your role does not include production planning."),
    N_("Your role does not include planning (aggregates)."),
    N_(
        "Planning works on one region's own queues; national follow-up of all regions is under "
        "Follow-up, where small counts are masked."
    ),
    N_("Your role does not include monthly reports; they need aggregates for a whole region."),
    N_("Only system accounts for imports (role system_import) import."),
    N_(
        "Your identity provider signed you in, but Vårdkoll has no active account "
        "for you; ask an administrator to add one."
    ),
    N_("The form has expired or came from another site; reload and retry."),
)
"""The services' access-denied reasons, marked for the catalogues: they are raised in English
(the API's ``detail``, next to its stable ``code``) and the error page translates them. A test
checks that every reason raised anywhere outside the API is in this list's catalogue."""


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
