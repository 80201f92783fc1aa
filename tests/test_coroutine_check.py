"""The app decides once per function whether Flask must run it as a coroutine."""

from __future__ import annotations


def test_a_plain_function_is_run_as_it_is_and_decided_once(app, monkeypatch):
    import flask.app

    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction", lambda func: asked.append(func) or real(func))

    def hook():
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert asked == [hook]


def test_a_coroutine_function_is_still_refused_or_wrapped_as_flask_does(app):
    async def view():
        return "ok"

    try:
        wrapped = app.ensure_sync(view)
    except RuntimeError as error:  # without Flask's "async" extra, Flask refuses it with this message
        assert "async" in str(error)
    else:
        assert wrapped is not view


def test_an_unhashable_callable_is_asked_about_every_time(app):
    class Unhashable:
        __hash__ = None

        def __call__(self):
            return "ok"

    callable_ = Unhashable()
    assert app.ensure_sync(callable_) is callable_
