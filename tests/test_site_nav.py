"""The main menu, kept per (roles, page): what each visitor sees, and their own sign-out token in it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

MENU = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)


def _menu(client, path: str) -> str:
    return MENU.search(client.get(path).get_data(as_text=True)).group(1)


def _items(menu: str) -> list[str]:
    return re.findall(r">([^<>]+)</(?:a|button)>", menu)


@pytest.mark.parametrize(
    ("roles", "items"),
    [
        ((), ["My course", "My training record", "Account", "Sign out", "About"]),
        (("supervisor",), ["My course", "My training record", "My teams", "Account", "Sign out", "About"]),
        (("author",), ["My course", "My training record", "Course content", "Account", "Sign out", "About"]),
        (("admin",), ["My course", "My training record", "My teams", "Course content", "People &amp; teams",
                      "Account", "Sign out", "About"]),
    ],
)  # fmt: skip
def test_each_role_sees_its_own_menu(client, auth, make_user, roles, items):
    auth.login(make_user(*roles))
    for path in ("/about", "/account", "/about"):  # the second /about comes from what the worker kept
        assert _items(_menu(client, path)) == items


def test_a_signed_out_visitor_sees_sign_in_links(client):
    assert _items(_menu(client, "/about")) == ["Sign in", "Join a team", "About"]


def test_the_current_page_is_marked_and_only_it(client, auth, make_user):
    auth.login(make_user("admin"))
    for path, label in [("/about", "About"), ("/account", "Account"), ("/", "My course"),
                        ("/supervise/", "My teams"), ("/admin/", "People &amp; teams")]:  # fmt: skip
        current = re.findall(r'aria-current="page">([^<]+)<', _menu(client, path))
        assert current == [label], path


def test_each_visitor_signs_out_with_their_own_token(app, make_user, csrf_on):
    tokens = []
    for _ in range(2):
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"email": make_user().email, "password": PASSWORD,
                                    "csrf_token": token})  # fmt: skip
        menu = _menu(client, "/about")
        tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', menu).group(1))
        assert client.post("/logout", data={"csrf_token": tokens[-1]}).status_code == 302
        assert client.get("/account").status_code == 302  # signed out
    assert tokens[0] != tokens[1]
