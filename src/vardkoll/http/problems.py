"""One error envelope for the API: RFC 9457 problem details with a stable ``code``.

Every error a route raises comes from the ``VardkollError`` tree, whose classes carry ``status``
and ``code``; validation errors of the request add an ``errors`` list of
``{field, code, message}``. Clients (and the translated web pages) key on ``code``, never on the
wording of ``detail``.
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from vardkoll.http.i18n import N_

PROBLEM_TYPE_BASE = "https://vardkoll.se/problems/"

TITLES: dict[str, str] = {
    "invalid_input": N_("Invalid input"),
    "not_found": N_("Not found"),
    "permission_denied": N_("Not allowed"),
    "sign_in_required": N_("Sign-in required"),
    "sign_in_failed": N_("Sign-in failed"),
    "sign_in_throttled": N_("Too many sign-in attempts"),
    "csrf_failed": N_("Form expired"),
    "purpose_required": N_("Purpose required"),
    "store_error": N_("Data store unavailable"),
    "analytics_error": N_("Figures unavailable"),
    "method_not_allowed": N_("Method not allowed"),
    "internal_error": N_("Internal error"),
}
"""English title per code (the web error page translates them)."""


class ProblemError(BaseModel):
    """One problem with one field of the request."""

    field: str
    code: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, with Vårdkoll's ``code`` and, for validation, ``errors``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemError] = Field(default_factory=list)


def problem(
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None = None,
    request_id: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The problem document as a dict."""
    body = Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=TITLES.get(code, code.replace("_", " ").capitalize()),
        status=status,
        detail=detail,
        code=code,
        instance=instance,
        request_id=request_id,
        errors=[ProblemError(**e) for e in errors or []],
    )
    return body.model_dump()


def problem_response(
    body: dict[str, Any], *, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A ``application/problem+json`` response for ``body``."""
    return JSONResponse(
        body,
        status_code=int(body["status"]),
        media_type="application/problem+json",
        headers=headers,
    )


def validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    """FastAPI's validation errors as ``{field, code, message}`` (field without the location)."""
    out: list[dict[str, str]] = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        field = ".".join(loc[1:] if loc and loc[0] in {"query", "path", "body", "header"} else loc)
        out.append(
            {
                "field": field or "request",
                "code": str(error.get("type", "invalid")),
                "message": str(error.get("msg", "")),
            }
        )
    return out
