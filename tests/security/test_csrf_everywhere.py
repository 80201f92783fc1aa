"""Every state-changing route refuses a request without a CSRF token (routes come from the URL map)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Module, Team
from tests.conftest import PASSWORD


def _post_routes(app) -> list[str]:
    return sorted(
        {
            rule.rule
            for rule in app.url_map.iter_rules()
            if rule.methods and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        }
    )


def _fill(app, rule: str) -> str:
    """A concrete URL for a rule: any id or slug will do, the token check comes first."""
    with app.app_context():
        team_id = db.session.scalar(select(Team.id)) or 1
        module = db.session.scalar(select(Module).order_by(Module.position))
        values = {
            "slug": module.slug if module else "x",
            "lesson_slug": module.lessons[0].slug if module and module.lessons else "x",
            "team_id": str(team_id),
        }

    def replace(match: re.Match) -> str:
        name = match.group(2)
        return values.get(name, "1")

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, rule)


def test_there_are_state_changing_routes(app):
    assert len(_post_routes(app)) >= 8


@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "admin"])
def test_every_post_route_needs_the_token(app, client, csrf_on, make_user, course, signed_in):
    make_user("supervisor", supervises="Team A")
    if signed_in:
        admin = make_user("admin")
        token = re.search(
            r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', client.get("/login").get_data(as_text=True)
        )
        client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token.group(1)})
        assert client.get("/account").status_code == 200
    failures = []
    for rule in _post_routes(app):
        url = _fill(app, rule)
        response = client.post(url, data={"anything": "1"})
        if response.status_code != 400:
            failures.append(f"POST {url}: {response.status_code}")
        json_response = client.post(url, json={"anything": 1})
        if json_response.status_code != 400:
            failures.append(f"POST {url} (JSON): {json_response.status_code}")
    assert not failures, failures
