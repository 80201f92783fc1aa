"""The site's main navigation, rendered once per kind of visitor and page, and kept.

Every page shows the same menu to everyone with the same roles on the same page; only the sign-out
form's CSRF token is the visitor's own. Rendering the menu's links and checks on every request
cost about as much as the rest of a light page, so a worker renders it once per (mount point,
roles, page), with a marker where the token goes, and fills in the token per request.
"""

from __future__ import annotations

from flask import Flask, get_template_attribute, request
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app.models import Role

MAX_KEPT = 1024  # (mount point, roles, page) combinations: a few hundred at most
_TOKEN_MARK = "\x00csrf\x00"  # cannot occur in a rendered page: the menu's text is ours


def register_site_nav(app: Flask) -> None:
    kept: dict[tuple, tuple[str, str]] = {}

    @app.template_global()
    @pass_context
    def site_nav(context: Context) -> Markup:
        person = current_user._get_current_object()
        signed_in = person.is_authenticated
        roles = tuple(role for role in Role if person.has_role(role)) if signed_in else None
        key = (request.script_root, roles, request.endpoint, request.blueprint)
        halves = kept.get(key)
        if halves is None:
            macro = get_template_attribute("_nav.html", "site_nav")
            html = str(macro(person, request.endpoint, request.blueprint, _TOKEN_MARK))
            before, _, after = html.partition(_TOKEN_MARK)
            if len(kept) >= MAX_KEPT:
                kept.clear()
            halves = kept[key] = (before, after)
        if not signed_in:
            return Markup(halves[0])  # no sign-out form, so no token
        token = context["csrf_token"]()  # the page's own token function (``app.kept_pages`` gives a marker)
        return Markup(halves[0] + str(escape(token)) + halves[1])
