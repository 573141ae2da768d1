"""Imports: files through `vardkoll import`, files posted to the API, and the analytics build.

The interfaces import from this face; the modules beside it are its implementation. The face
loads a module only when one of its names is first used, so ``vardkoll --help`` and a page
that needs one name do not pay for the whole subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vardkoll.services._faces import load_name

if TYPE_CHECKING:
    from vardkoll.services.imports.api_imports import (
        ACCEPTED_SUFFIXES,
        MAX_FILES,
        ImportOperation,
        Upload,
        get_operation,
        require_import_right,
        run_import,
    )
    from vardkoll.services.imports.workflows import (
        FileImportResult,
        build_analytics_store,
        import_files,
        load_national_files,
    )

_HOME: dict[str, str] = {
    "ACCEPTED_SUFFIXES": "api_imports",
    "FileImportResult": "workflows",
    "ImportOperation": "api_imports",
    "MAX_FILES": "api_imports",
    "Upload": "api_imports",
    "build_analytics_store": "workflows",
    "get_operation": "api_imports",
    "import_files": "workflows",
    "load_national_files": "workflows",
    "require_import_right": "api_imports",
    "run_import": "api_imports",
}


def __getattr__(name: str) -> Any:
    return load_name(__name__, _HOME, name, globals())


__all__ = [
    "ACCEPTED_SUFFIXES",
    "MAX_FILES",
    "FileImportResult",
    "ImportOperation",
    "Upload",
    "build_analytics_store",
    "get_operation",
    "import_files",
    "load_national_files",
    "require_import_right",
    "run_import",
]
