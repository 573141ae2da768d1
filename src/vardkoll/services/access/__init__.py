"""Who may see what: sign-in, sessions, accounts, tokens, roles, scope (default deny), the audit
log, retention and the patient log extract.

The interfaces import from this face; the modules beside it are its implementation. The face
loads a module only when one of its names is first used, so ``vardkoll --help`` and a page
that needs one name do not pay for the whole subpackage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vardkoll.services._faces import load_name

if TYPE_CHECKING:
    from vardkoll.services.access.accounts import (
        create_user,
        get_user,
        list_users,
        principal_of,
        set_active,
        user_for_token,
    )
    from vardkoll.services.access.audit import Actor
    from vardkoll.services.access.auth import (
        SessionInfo,
        SignInFailed,
        SignInThrottled,
        authenticate,
        end_session,
        load_session,
        start_session,
        touch_session,
        update_session_data,
    )
    from vardkoll.services.access.log_extract import (
        acting_for_label,
        action_label,
        column_titles,
        extract_pdf,
        purpose_label,
        readable_rows,
    )
    from vardkoll.services.access.retention import run_retention
    from vardkoll.services.access.roles import ROLE_NAMES, ROLES, role_spec
    from vardkoll.services.access.scope import Principal, Scope
    from vardkoll.services.access.tokens import (
        DEFAULT_TOKEN_DAYS,
        MAX_TOKEN_DAYS,
        create_api_token,
        list_tokens,
        revoke_token,
    )

_HOME: dict[str, str] = {
    "Actor": "audit",
    "DEFAULT_TOKEN_DAYS": "tokens",
    "MAX_TOKEN_DAYS": "tokens",
    "Principal": "scope",
    "ROLES": "roles",
    "ROLE_NAMES": "roles",
    "Scope": "scope",
    "SessionInfo": "auth",
    "SignInFailed": "auth",
    "SignInThrottled": "auth",
    "acting_for_label": "log_extract",
    "action_label": "log_extract",
    "authenticate": "auth",
    "column_titles": "log_extract",
    "create_api_token": "tokens",
    "create_user": "accounts",
    "end_session": "auth",
    "extract_pdf": "log_extract",
    "get_user": "accounts",
    "list_tokens": "tokens",
    "list_users": "accounts",
    "load_session": "auth",
    "principal_of": "accounts",
    "purpose_label": "log_extract",
    "readable_rows": "log_extract",
    "revoke_token": "tokens",
    "role_spec": "roles",
    "run_retention": "retention",
    "set_active": "accounts",
    "start_session": "auth",
    "touch_session": "auth",
    "update_session_data": "auth",
    "user_for_token": "accounts",
}


def __getattr__(name: str) -> Any:
    return load_name(__name__, _HOME, name, globals())


__all__ = [
    "DEFAULT_TOKEN_DAYS",
    "MAX_TOKEN_DAYS",
    "ROLES",
    "ROLE_NAMES",
    "Actor",
    "Principal",
    "Scope",
    "SessionInfo",
    "SignInFailed",
    "SignInThrottled",
    "acting_for_label",
    "action_label",
    "authenticate",
    "column_titles",
    "create_api_token",
    "create_user",
    "end_session",
    "extract_pdf",
    "get_user",
    "list_tokens",
    "list_users",
    "load_session",
    "principal_of",
    "purpose_label",
    "readable_rows",
    "revoke_token",
    "role_spec",
    "run_retention",
    "set_active",
    "start_session",
    "touch_session",
    "update_session_data",
    "user_for_token",
]
