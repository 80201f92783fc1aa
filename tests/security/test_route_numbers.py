"""A number in a URL larger than any id is not found (404) on every route that takes one, never a 500:
SQLite cannot bind an integer past 64 bits, and PostgreSQL refuses one past its column's range."""

from __future__ import annotations

import re

import pytest

from app.untrusted import LARGEST_ID

PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
SLUGS = {"slug": "what-is-infant-mental-health", "lesson_slug": "watch-the-video"}


def _numbered_routes(app) -> list[tuple[str, str]]:
    """(method, URL pattern) of every route with an ``<int:...>`` part."""
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if "<int:" in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def _filled(pattern: str, number: int) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.groups()
        return str(number) if converter == "int" else SLUGS.get(name, "x")

    return PLACEHOLDER.sub(value, pattern)


@pytest.mark.parametrize("number", [LARGEST_ID + 1, 10**20])
def test_a_number_no_id_can_have_is_not_found_on_any_route(app, client, auth, make_user, course, number):
    auth.login(make_user("learner", "supervisor", "author", "admin"))  # past every role check
    routes = _numbered_routes(app)
    assert len(routes) > 20  # attempts, teams, learners, assignments, modules, lessons, media...
    answers = {
        f"{method} {pattern}": client.open(_filled(pattern, number), method=method) for method, pattern in routes
    }
    wrong = {route: answer.status_code for route, answer in answers.items() if answer.status_code != 404}
    assert wrong == {}


def test_the_largest_id_still_reaches_the_page(client, auth, make_user, course):
    auth.login(make_user("learner"))
    page = client.get(f"/modules/what-is-infant-mental-health/quiz/attempts/{LARGEST_ID}")
    assert page.status_code == 403  # the quiz's own answer (its lessons are not done), not the router's
    assert "The quiz opens when" in page.get_data(as_text=True)
    assert client.get("/modules/what-is-infant-mental-health/quiz/attempts/-1").status_code == 404
