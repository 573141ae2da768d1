"""Schemathesis against the OpenAPI spec, with seeded data and real tokens: no server errors,
no responses outside the documented statuses, content types and schemas."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from web_support import make_world

# Schemathesis reads the schema when the module is collected, so the seeded world is built here
# (a temporary folder removed at exit) rather than in a fixture.
_FOLDER = Path(tempfile.mkdtemp(prefix="vk-schemathesis-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
WORLD = make_world(_FOLDER)
WORLD.user("vardgaranti", "care_guarantee_officer", region="19")
WORLD.user("admin", "admin")
WORLD.user("importer", "system_import", region="19")
TOKENS = {name: WORLD.token(name) for name in ("vardgaranti", "admin", "importer")}

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", WORLD.app)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case) -> None:  # type: ignore[no-untyped-def]
    username = "vardgaranti"
    if case.path.startswith("/api/v1/audit"):
        username = "admin"
    elif case.path.startswith("/api/v1/imports"):
        username = "importer"  # the only role that imports: fuzz past the role check
    # A file part is "binary" to the schema: it cannot say which bytes form a valid import, so a
    # schema-valid upload is rightly answered 422 (with every problem) — everything else holds.
    excluded = [positive_data_acceptance] if case.path == "/api/v1/imports" else []
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKENS[username]}"}, excluded_checks=excluded
    )
