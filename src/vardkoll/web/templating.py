"""Jinja2 templates with translation and formatting helpers, and the capability navigation.

The navigation shows only what exists *and* what the user's role may use, so a page is never
offered to someone who would get a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from vardkoll import __version__
from vardkoll.http.context import Ctx
from vardkoll.http.i18n import N_, fmt_date, fmt_datetime, fmt_int, fmt_share
from vardkoll.services.access import Scope
from vardkoll.web.labels import OUTCOME_LABELS, entry_label, role_label, specialty_label

TEMPLATES = Path(__file__).resolve().parent / "templates"

_ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates ship with the package; checking their mtimes costs ~9 % a page
)


@dataclass(frozen=True)
class NavItem:
    """One entry of the capability navigation."""

    path: str
    label: str  # English message id
    active: bool


def nav_items(ctx: Ctx) -> list[NavItem]:
    if ctx.principal is None:
        return []
    scope = Scope.for_principal(ctx.principal)
    path = ctx.request.url.path
    items: list[tuple[str, str, bool]] = [
        ("/overview", N_("Overview"), scope.allows("aggregates")),
        ("/waiting-lists", N_("Waiting lists"), scope.allows("waiting_list")),
        ("/followup", N_("Follow-up"), scope.allows("aggregates")),
        ("/planning", N_("Planning"), scope.plans),
        ("/reports", N_("Reports"), scope.reach("aggregates") in ("region", "all")),
        ("/admin/users", N_("Accounts"), scope.is_admin),
        ("/admin/audit", N_("Audit log"), scope.is_admin),
    ]
    return [NavItem(p, label, path.startswith(p)) for p, label, ok in items if ok]


def lang_url(ctx: Ctx, lang: str) -> str:
    """The current page in another language."""
    params = dict(ctx.request.query_params)
    params["lang"] = lang
    return f"{ctx.request.url.path}?{urlencode(params)}"


def render(ctx: Ctx, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """Render template ``name`` for this request (full page or HTMX fragment)."""
    template = _ENV.get_template(name)
    tr = ctx.translations
    lang = ctx.lang
    html = template.render(
        _=tr.gettext,
        ngettext=tr.ngettext,
        lang=lang,
        other_lang="en" if lang == "sv" else "sv",
        lang_url=lambda code: lang_url(ctx, code),
        user=ctx.principal,
        nav=nav_items(ctx),
        csrf_token=ctx.csrf_token,
        fmt_int=lambda v: fmt_int(v, lang),
        fmt_share=lambda v: fmt_share(v, lang),
        fmt_date=fmt_date,
        fmt_datetime=lambda v: fmt_datetime(v, ctx.settings.timezone),
        role_label=lambda name: role_label(name, lang),
        entry_label=lambda code: entry_label(code, tr.gettext),
        specialty_label=lambda code: specialty_label(code, lang),
        outcome_label=lambda code: tr.gettext(OUTCOME_LABELS.get(str(code), str(code))),
        version=__version__,
        path=ctx.request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status)
