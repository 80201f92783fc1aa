"""Every route, as people of ANOTHER team: their learner and their supervisor (tests/test_access.py walks
the same routes as anonymous, learner, supervisor, author and admin). The routes come from the URL map.

Expectations are derived from tests/test_access.py: another team's learner gets what a learner gets;
another team's supervisor gets what a supervisor gets, except that Team A's objects (its team pages,
its learners, its assignments) do not exist for them (404), whatever the page.
"""

from __future__ import annotations

import pytest

from tests.test_access import EXPECTED, LOGIN, ROLES, _url

OBJECT_PLACEHOLDERS = {"own", "own_learner", "own_assignment"}


def _is_team_a_object(args: dict) -> bool:
    return any(value in OBJECT_PLACEHOLDERS for value in args.values())


def expected_for(persona: str, args: dict, expected: tuple) -> object:
    if persona == "other_learner":
        return expected[ROLES.index("learner")]
    want = expected[ROLES.index("supervisor")]
    if _is_team_a_object(args) and want not in (403, LOGIN):
        return 404
    return want


@pytest.fixture
def personas(make_user, course):
    make_user("learner", team="Team A")  # Team A's people and objects exist...
    make_user("supervisor", supervises="Team A")
    return {  # ...and these two belong to Team B
        "other_learner": make_user("learner", team="Team B"),
        "other_supervisor": make_user("supervisor", supervises="Team B"),
    }


@pytest.mark.parametrize("persona", ["other_learner", "other_supervisor"])
def test_another_teams_people_get_nothing_of_team_a(app, client, auth, personas, persona):
    auth.login(personas[persona])
    failures = []
    for endpoint, (method, args, expected) in EXPECTED.items():
        want = expected_for(persona, args, expected)
        response = client.open(_url(app, endpoint, args), method=method)
        response.close()
        ok = (
            (response.status_code == 302 and "/login" in response.headers.get("Location", ""))
            if want == LOGIN
            else (response.status_code == want)
        )
        if not ok:
            failures.append(f"{method} {endpoint}: got {response.status_code}, expected {want}")
        if endpoint == "auth.logout":
            auth.login(personas[persona])
    assert not failures, failures
