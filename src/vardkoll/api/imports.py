"""``POST /api/v1/imports`` and ``GET /api/v1/imports/{import_id}``: imports by system accounts.

Only a bearer token of an account whose role may import (``system_import``) gets in; a browser
session never does, so a signed-in page cannot be tricked into posting files (no CSRF surface).
The body is ``multipart/form-data`` with one or more ``files`` parts in the import format (CSV,
XLSX) or FHIR R4 (a ``.json`` bundle or ``.ndjson``). The body is counted while it is read and
refused with 413 past :data:`MAX_UPLOAD_BYTES`, before anything is parsed or stored.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from vardkoll.api.schemas import (
    ImportErrorPublic,
    ImportFilePublic,
    ImportProblemPublic,
    ImportPublic,
)
from vardkoll.domain import InputError, PermissionDenied
from vardkoll.http.context import Ctx, CtxDep
from vardkoll.http.problems import Problem, problem, problem_response
from vardkoll.services.imports import (
    ACCEPTED_SUFFIXES,
    MAX_FILES,
    ImportOperation,
    Upload,
    get_operation,
    require_import_right,
    run_import,
)

MAX_UPLOAD_BYTES = 64 * 1024 * 1024
"""The largest request body accepted (64 MiB); split bigger exports into several requests."""


class UploadTooLarge(InputError):
    """The request body is larger than :data:`MAX_UPLOAD_BYTES`."""

    status = 413
    code = "payload_too_large"


def _doc(model: Any, description: str) -> dict[str, Any]:
    return {
        "model": model,
        "description": description,
        "content": {"application/problem+json": {}},
    }


router = APIRouter(
    prefix="/api/v1",
    tags=["v1"],
    responses={
        401: _doc(Problem, "No token, or an unknown, revoked or expired one."),
        403: _doc(Problem, "The account's role may not import, or no bearer token was used."),
        404: _doc(Problem, "No such import of this account."),
        422: _doc(ImportProblemPublic, "Invalid request or files: `errors` lists each problem."),
        503: _doc(Problem, "The store is unavailable; nothing was stored."),
    },
)

_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_FILES,
                        "items": {"type": "string", "format": "binary"},
                        "description": "Files of the import format ("
                        + ", ".join(ACCEPTED_SUFFIXES)
                        + "); the name's ending tells the format.",
                    }
                },
            }
        }
    },
}


def _public(op: ImportOperation) -> ImportPublic:
    return ImportPublic(
        id=op.id,
        status=op.status,
        created_at=op.created_at,
        files=[ImportFilePublic(**vars(f)) for f in op.files],
        rows_read=sum(f.rows_read for f in op.files),
        rows_new=sum(f.rows_new for f in op.files),
        rows_superseded=sum(f.rows_superseded for f in op.files),
        rows_unchanged=sum(f.rows_unchanged for f in op.files),
        errors=[ImportErrorPublic(**vars(e)) for e in op.errors],
    )


def _importer(ctx: Ctx) -> None:
    """Default deny: a bearer token, of an account whose role imports."""
    principal = ctx.require_user()
    if not ctx.via_token:
        raise PermissionDenied("Imports need an API token (Authorization: Bearer …).")
    require_import_right(principal)


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise UploadTooLarge(
                f"The request is larger than {limit // (1024 * 1024)} MiB; "
                "send the files in several requests."
            )
        yield chunk


async def _uploads(request: Request) -> list[Upload]:
    """The ``files`` parts of a multipart body, read within the size limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            f"The request is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB; "
            "send the files in several requests."
        )
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InputError(
            "Send the files as multipart/form-data, one `files` part per file.", field="files"
        )
    parser = MultiPartParser(
        request.headers,
        _limited(request, MAX_UPLOAD_BYTES),
        max_files=MAX_FILES + 1,
        max_fields=100,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError(
            f"The multipart body cannot be read: {exc.message}", field="files"
        ) from None
    uploads: list[Upload] = []
    try:
        for value in form.getlist("files"):
            if isinstance(value, UploadFile):
                uploads.append(Upload(value.filename or "", await value.read()))
    finally:
        await form.close()
    return uploads


def _rejected(ctx: Ctx, op: ImportOperation) -> Response:
    body = problem(
        status=422,
        code="import_rejected",
        detail=f"{len(op.errors)} problem(s); nothing of this request was stored"
        if not any(f.status == "stored" for f in op.files)
        else f"{len(op.errors)} problem(s); the files marked stored were stored, the rest not",
        instance=f"/api/v1/imports/{op.id}",
        request_id=ctx.request_id or None,
    )
    body["errors"] = [
        {
            "field": e.field,
            "code": e.code,
            "message": e.reason,
            "file": e.file,
            "row": e.row,
            "value": e.value,
        }
        for e in op.errors
    ]
    return problem_response(body)


@router.post(
    "/imports",
    operation_id="create_import",
    status_code=201,
    response_model=ImportPublic,
    responses={
        200: {"model": ImportPublic, "description": "The same files again: the earlier result."},
        413: _doc(Problem, f"The body is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB."),
    },
    openapi_extra={"requestBody": _BODY},
)
async def create_import(ctx: CtxDep, request: Request) -> Response:
    """Validate every file, then store them all (system accounts); a re-post returns the result."""
    _importer(ctx)
    uploads = await _uploads(request)
    op, replay = await run_in_threadpool(
        run_import,
        settings=ctx.settings,
        engine=ctx.engine,
        principal=ctx.require_user(),
        uploads=uploads,
        lang=ctx.lang,
    )
    if op.status == "rejected":
        return _rejected(ctx, op)
    return JSONResponse(
        _public(op).model_dump(mode="json"),
        status_code=200 if replay else 201,
        headers={"Location": f"/api/v1/imports/{op.id}"},
    )


@router.get("/imports/{import_id}", operation_id="get_import", response_model=ImportPublic)
def get_import(
    ctx: CtxDep,
    import_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
) -> ImportPublic:
    """The outcome of an earlier import request of this account."""
    _importer(ctx)
    return _public(get_operation(ctx.settings, ctx.require_user(), import_id))
