"""With CSRF on (as in production), state-changing requests need the page's token."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    return match.group(1)


def test_sign_in_without_token_is_refused(client, csrf_on, make_user):
    user = make_user("learner")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)


def test_sign_in_with_the_real_token_works(client, csrf_on, make_user):
    user = make_user("learner")
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_post_buttons_carry_tokens_and_need_them(client, csrf_on, make_user, course):
    user = make_user("learner")
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    lesson_url = "/modules/what-is-infant-mental-health/key-ideas"
    page = client.get(lesson_url).get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert client.post(lesson_url + "/complete").status_code == 400
    assert client.post("/logout").status_code == 400  # refused: still signed in
    assert client.get("/account").status_code == 200
    response = client.post(lesson_url + "/complete", data={"csrf_token": _token(page)})
    assert response.status_code == 302


def test_a_session_keeps_one_signed_token_across_pages(client, csrf_on, make_user, course):
    """The worker signs a session's token once; every page and form of that session carries it, and it works."""
    user = make_user("learner")
    client.post("/login", data={"email": user.email, "password": PASSWORD,
                                "csrf_token": _token(client.get("/login").get_data(as_text=True))})  # fmt: skip
    reading = client.get("/modules/what-is-infant-mental-health/key-ideas").get_data(as_text=True)
    video = client.get("/modules/what-is-infant-mental-health/watch-the-video").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', reading))
    tokens.add(_token(client.get("/about").get_data(as_text=True)))
    tokens.add(re.search(r'data-csrf="([^"]+)"', video).group(1))
    assert len(tokens) == 1
    report = client.post(
        "/modules/what-is-infant-mental-health/watch-the-video/progress",
        json={"ranges": [], "position": 0, "speed": 1},
        headers={"X-CSRFToken": tokens.pop()},
    )
    assert report.status_code == 200


def test_another_session_gets_another_token(app, csrf_on, make_user):
    tokens = set()
    for _ in range(2):
        client = app.test_client()
        client.post("/login", data={"email": make_user("learner").email, "password": PASSWORD,
                                    "csrf_token": _token(client.get("/login").get_data(as_text=True))})  # fmt: skip
        tokens.add(_token(client.get("/about").get_data(as_text=True)))
    assert len(tokens) == 2


REPORT = "/modules/what-is-infant-mental-health/watch-the-video/progress"


def _signed_in_with_token(app, make_user, base_url="http://localhost"):
    client = app.test_client()
    login = client.get("/login", base_url=base_url).get_data(as_text=True)
    form = {"email": make_user("learner").email, "password": PASSWORD, "csrf_token": _token(login)}
    client.post("/login", base_url=base_url, headers={"Referer": f"{base_url}/login"}, data=form)
    return client, _token(client.get("/about", base_url=base_url).get_data(as_text=True))


def _report(client, token, **kwargs):
    body = {"ranges": [], "position": 0, "speed": 1}
    return client.post(REPORT, json=body, headers={"X-CSRFToken": token, **kwargs.pop("headers", {})}, **kwargs)


def test_a_token_checked_once_still_must_match_the_session(app, csrf_on, make_user, course):
    mine, my_token = _signed_in_with_token(app, make_user)
    theirs, their_token = _signed_in_with_token(app, make_user)
    for _ in range(2):  # the second time, the worker knows the pair
        assert _report(mine, my_token).status_code == 200
        assert _report(theirs, their_token).status_code == 200
    assert _report(mine, their_token).status_code == 400  # a valid token, but another session's
    assert _report(mine, my_token[:-2] + "xx").status_code == 400  # tampered
    assert _report(mine, "").status_code == 400


def test_over_https_a_known_token_still_needs_a_same_site_referrer(app, csrf_on, make_user, course):
    base = "https://training.example"
    client, token = _signed_in_with_token(app, make_user, base_url=base)
    good = {"Referer": f"{base}/modules/what-is-infant-mental-health/watch-the-video"}
    assert _report(client, token, base_url=base, headers=good).status_code == 200
    assert _report(client, token, base_url=base, headers=good).status_code == 200
    assert _report(client, token, base_url=base, headers={"Referer": "https://evil.example/"}).status_code == 400
    assert _report(client, token, base_url=base).status_code == 400  # no referrer


def test_a_form_post_may_carry_its_token_in_the_field_or_the_header(app, csrf_on, make_user, course):
    """The header is looked at first only for bodies that cannot hold the field (JSON); a form's field still counts."""
    client, token = _signed_in_with_token(app, make_user)
    path = REPORT
    payload = '{"ranges": [[0, 1]], "position": 1, "speed": 1}'
    assert client.post(path, data={"payload": payload, "csrf_token": token}).status_code == 200
    assert client.post(path, data={"payload": payload}, headers={"X-CSRFToken": token}).status_code == 200
    assert client.post(path, data={"payload": payload}).status_code == 400
    assert client.post(path, data=payload, content_type="application/json").status_code == 400
