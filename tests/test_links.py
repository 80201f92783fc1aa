"""Links worked out once (app.links): the same URLs url_for builds, kept per mount point."""

from __future__ import annotations

from flask import render_template_string, url_for

from app.links import MAX_LINKS


def test_link_is_what_url_for_builds(app):
    with app.test_request_context("/"):
        for endpoint, values in [
            ("learn.home", {}),
            ("static", {"filename": "css/app.css"}),
            ("learn.lesson", {"slug": "a module", "lesson_slug": "l-1"}),
        ]:
            built = render_template_string("{{ link(endpoint, **values) }}", endpoint=endpoint, values=values)
            assert built == url_for(endpoint, **values)


def test_links_follow_the_mount_point(app):
    with app.test_request_context("/", base_url="http://example.test/training/"):
        assert render_template_string("{{ link('learn.about') }}") == "/training/about"
    with app.test_request_context("/"):
        assert render_template_string("{{ link('learn.about') }}") == "/about"


def test_the_kept_links_stay_bounded(app):
    with app.test_request_context("/"):
        for n in range(MAX_LINKS + 10):
            assert render_template_string("{{ link('learn.module', slug=s) }}", s=f"m{n}") == f"/modules/m{n}"
    assert 0 < len(app.extensions["links"]) <= MAX_LINKS


def test_the_layout_links_are_rendered(client):
    page = client.get("/about").get_data(as_text=True)
    assert 'href="/login"' in page and 'href="/static/css/app.css"' in page
