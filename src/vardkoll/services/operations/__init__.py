"""Operations: backup and restore, watched import folders and the demo installation.

The interfaces import from this face; the modules beside it are its implementation. The face
loads a module only when one of its names is first used, so ``vardkoll --help`` and a page
that needs one name do not pay for the whole subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vardkoll.services._faces import load_name

if TYPE_CHECKING:
    from vardkoll.services.operations.backup import create_backup, restore_backup
    from vardkoll.services.operations.demo import prepare_demo
    from vardkoll.services.operations.watched_imports import watch, watch_once

_HOME: dict[str, str] = {
    "create_backup": "backup",
    "prepare_demo": "demo",
    "restore_backup": "backup",
    "watch": "watched_imports",
    "watch_once": "watched_imports",
}


def __getattr__(name: str) -> Any:
    return load_name(__name__, _HOME, name, globals())


__all__ = [
    "create_backup",
    "prepare_demo",
    "restore_backup",
    "watch",
    "watch_once",
]
