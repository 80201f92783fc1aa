"""Quizzes in the browser: settings, every kind of question, the review moment, order, GIFT import, access."""

from __future__ import annotations

import io
import re
from dataclasses import asdict

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.config import PROJECT_ROOT
from app.course.transcript import read_cues
from app.extensions import db
from app.models import ContentChange, Lesson, LessonProgress, Module, Quiz, QuizAttempt, QuizQuestion, utcnow
from app.quiz.spec import QuizSettings
from tests.conftest import PASSWORD
from tests.test_quiz_pages import answers_for

M1 = "what-is-infant-mental-health"
CUES = read_cues(PROJECT_ROOT / "media" / M1 / "captions.vtt")


@pytest.fixture
def author(auth, make_user, course):
    user = make_user("author")
    auth.login(user)
    return user


@pytest.fixture
def m1(app, course) -> int:
    with app.app_context():
        return db.session.scalar(select(Module.id).where(Module.slug == M1))


def _base(module_id: int) -> str:
    return f"/author/modules/{module_id}/quiz"


def _questions(app, module_id: int, archived: bool = False) -> list[QuizQuestion]:
    with app.app_context():
        rows = db.session.scalars(
            select(QuizQuestion)
            .join(Quiz)
            .where(Quiz.module_id == module_id, QuizQuestion.archived.is_(archived))
            .order_by(QuizQuestion.position, QuizQuestion.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def _changes(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(ContentChange.what).order_by(ContentChange.id)))


def _text(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')


def _without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)  # the token is signed with the time


def _cue(text: str) -> str:
    return str(next(i for i, cue in enumerate(CUES) if cue.text.startswith(text)))


BASIC = {"prompt": "What does Denise Webb say it is about?", "explanation": "She says so at 0:12."}
CHOICES = {
    "choices-0-text": "Promoting good emotional development",
    "choices-0-correct": "y",
    "choices-0-feedback": "Yes.",
    "choices-1-text": "Finding mental illness",
    "choices-2-text": "",  # blank rows are ignored
}
RIGHT = {"text": "Promoting good emotional development", "correct": True, "feedback": "Yes."}
WRONG = {"text": "Finding mental illness", "correct": False, "feedback": None}
PAIRS = {"pairs-0-left": "Heidi", "pairs-0-right": "relationship", "pairs-1-left": "Denise", "pairs-1-right": "care"}
KIND_FORMS = {
    "single": ({**BASIC, **CHOICES}, {"choices": [RIGHT, WRONG]}),
    "multiple": (
        {**BASIC, **CHOICES, "choices-1-correct": "y", "choices-3-text": "Neither"},
        {"choices": [RIGHT, {**WRONG, "correct": True}, {"text": "Neither", "correct": False, "feedback": None}]},
    ),
    "true_false": (
        {**BASIC, "answer": "false", "feedback_true": "Listen."},
        {"answer": False, "feedback_true": "Listen.", "feedback_false": None},
    ),
    "short": (
        {**BASIC, "accept": "self-regulate\n\n  selfregulate  \n"},
        {"accept": ["self-regulate", "selfregulate"]},
    ),
    "matching": (
        {**BASIC, **PAIRS},
        {"pairs": [{"left": "Heidi", "right": "relationship"}, {"left": "Denise", "right": "care"}]},
    ),
}
TF = {**BASIC, "answer": "true"}


@pytest.mark.parametrize("kind", list(KIND_FORMS))
def test_author_adds_a_question_of_each_kind(app, client, author, m1, kind):
    form, expected = KIND_FORMS[kind]
    page = client.get(f"{_base(m1)}/questions/new?kind={kind}")
    assert page.status_code == 200
    before = len(_questions(app, m1))
    response = client.post(f"{_base(m1)}/questions/new?kind={kind}", data=form)
    assert response.status_code == 302, _text(response)
    added = _questions(app, m1)[-1]
    assert len(_questions(app, m1)) == before + 1
    assert added.key == "what-does-denise-webb-say-it"
    assert added.data == {"format": 1, "id": added.key, "kind": kind, **BASIC, **expected}
    assert _changes(app)[-1] == f"added quiz question '{added.key}'"
    assert BASIC["prompt"] in _text(client.get(_base(m1)))
    # the same prompt again gets a key of its own
    assert client.post(f"{_base(m1)}/questions/new?kind={kind}", data=form).status_code == 302
    assert _questions(app, m1)[-1].key == "what-does-denise-webb-say-it-2"


@pytest.mark.parametrize(
    ("kind", "form", "message"),
    [
        ("single", {**BASIC, **CHOICES, "choices-1-correct": "y"}, "needs exactly one correct choice (found 2)"),
        ("single", {**BASIC, "choices-0-text": "Only one", "choices-0-correct": "y"}, "at least 2 choices (found 1)"),
        ("single", {**BASIC, **CHOICES, "choices-1-text": "promoting GOOD emotional development!"}, "duplicate choice"),
        ("single", {**BASIC, **CHOICES, "choices-3-feedback": "orphan"}, "Choice 4: type the choice, or clear"),
        ("multiple", {**BASIC, "choices-0-text": "A", "choices-1-text": "B"}, "needs at least one correct choice"),
        ("true_false", BASIC, "a true_false question needs 'answer: true' or 'answer: false'"),
        ("short", {**BASIC, "accept": "!!!"}, "accepted answer '!!!' is empty once case, spacing and punctuation go"),
        ("short", BASIC, "a short question needs at least 1 accepted answer"),
        ("matching", {**BASIC, "pairs-0-left": "A", "pairs-0-right": "B"}, "at least 2 pairs (found 1)"),
        ("matching", {**BASIC, "pairs-0-left": "A", "pairs-1-right": "B"}, "Pair 1: fill in both sides"),
        ("true_false", {"prompt": " ", "explanation": "E", "answer": "true"}, "'prompt' cannot be empty"),
        ("true_false", {"prompt": "P", "explanation": "", "answer": "true"}, "'explanation' cannot be empty"),
        ("true_false", {**TF, "review": "soon"}, "'review' must be a range of times"),
        ("true_false", {**TF, "review": "0:20-0:10"}, "must start before it ends"),
        ("true_false", {**TF, "review": "1:30-1:40"}, "ends after the video does (1:35"),
        ("true_false", {**TF, "review_end": "3"}, "choose the cue the moment starts at"),
        ("true_false", {**TF, "review_start": "9999"}, "that cue is not in the transcript"),
        ("true_false", {**TF, "review_start": "²"}, "that cue is not in the transcript"),  # "²".isdigit()
    ],
)
def test_the_quiz_rules_are_enforced_and_nothing_is_saved(app, client, author, m1, kind, form, message):
    before = _questions(app, m1)
    response = client.post(f"{_base(m1)}/questions/new?kind={kind}", data=form)
    assert response.status_code == 422
    page = _text(response)
    assert message in page
    assert "nothing was saved" in page
    assert [q.id for q in _questions(app, m1)] == [q.id for q in before]
    for value in form.values():  # what was typed is still there
        if value.strip() and value not in ("y", "true", "false", "3", "9999", "²"):  # cues: a list to pick from
            assert value.strip() in page


def test_review_moment_is_picked_from_the_transcript(app, client, author, m1):
    page = _text(client.get(f"{_base(m1)}/questions/new?kind=true_false"))
    assert "0:12 Denise Webb: But with infant mental health," in page
    form = {**TF, "review_start": _cue("But with infant"), "review_end": _cue("what we're thinking")}
    assert client.post(f"{_base(m1)}/questions/new?kind=true_false", data=form).status_code == 302
    assert _questions(app, m1)[-1].data["review"] == {"start": 12, "end": 18, "lesson": "watch-the-video"}
    # one cue alone: from its start to its end; typed text is used only when no cue is chosen
    form = {**TF, "review_start": _cue("Infant mental health concerns"), "review": "0:01-0:02"}
    client.post(f"{_base(m1)}/questions/new?kind=true_false", data=form)
    assert _questions(app, m1)[-1].data["review"] == {"start": 18, "end": 23, "lesson": "watch-the-video"}
    client.post(f"{_base(m1)}/questions/new?kind=true_false", data={**form, "review_start": ""})
    assert _questions(app, m1)[-1].data["review"] == {"start": 1, "end": 2, "lesson": "watch-the-video"}


def test_editing_a_question_keeps_its_id_and_shows_what_it_holds(app, client, author, m1):
    question = _questions(app, m1)[0]
    url = f"{_base(m1)}/questions/{question.id}"
    page = _text(client.get(url))
    assert question.data["prompt"] in page and question.data["explanation"] in page
    assert 'value="0:12-0:18"' in page  # the review moment, ready to change
    assert client.post(url, data={"prompt": ""}).status_code == 422  # a blank form is refused, not a 500
    form = {
        "prompt": "Rewritten prompt?",
        "explanation": question.data["explanation"],
        "review": "0:12-0:18",
        **{f"choices-{i}-{k}": v for i, c in enumerate(question.data["choices"]) for k, v in c.items() if v},
    }
    form = {k: ("y" if v is True else v) for k, v in form.items()}
    assert client.post(url, data=form).status_code == 302
    edited = _questions(app, m1)[0]
    assert edited.key == question.key and edited.data["prompt"] == "Rewritten prompt?"
    assert edited.data["choices"] == question.data["choices"]
    assert _changes(app)[-1] == f"edited quiz question '{question.key}'"
    client.post(url, data=form)  # the same again: nothing to record
    assert _changes(app).count(f"edited quiz question '{question.key}'") == 1


def test_editing_after_a_graded_attempt_leaves_the_result_unchanged(app, client, author, m1, make_user):
    learner = make_user("learner")
    with app.app_context():
        for lesson in db.session.scalars(select(Lesson).where(Lesson.module_id == m1)):
            db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id, completed_at=utcnow()))
        db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": learner.email, "password": PASSWORD})
    url = other.post(f"/modules/{M1}/quiz/start").headers["Location"]
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == learner.id))
        db.session.expunge(attempt)
    assert other.post(url, data=answers_for(attempt)).status_code == 302
    before = _without_token(other.get(url + "/result").get_data(as_text=True))
    for question in _questions(app, m1):
        if question.data["kind"] == "true_false":
            form = {"prompt": "Rewritten?", "explanation": "Rewritten.", "answer": str(not question.data["answer"])}
            response = client.post(
                f"{_base(m1)}/questions/{question.id}", data={**form, "answer": form["answer"].lower()}
            )
            assert response.status_code == 302
    after = _without_token(other.get(url + "/result").get_data(as_text=True))
    assert "Rewritten" not in after and "Your result: 100%" in after
    assert before == after


def test_questions_move_and_are_removed_with_confirmation(app, client, author, m1):
    first, second, *_ = _questions(app, m1)
    page = _text(client.get(_base(m1)))
    assert 'data-confirm="Remove this question from the quiz?' in page
    assert client.post(f"{_base(m1)}/questions/{second.id}/move/up").status_code == 302
    assert [q.id for q in _questions(app, m1)[:2]] == [second.id, first.id]
    client.post(f"{_base(m1)}/questions/{second.id}/move/down")
    assert [q.id for q in _questions(app, m1)[:2]] == [first.id, second.id]
    client.post(f"{_base(m1)}/questions/{first.id}/move/up")  # already first: nothing changes
    assert [q.id for q in _questions(app, m1)[:2]] == [first.id, second.id]
    assert client.post(f"{_base(m1)}/questions/{first.id}/move/sideways").status_code == 404
    assert client.post(f"{_base(m1)}/questions/{first.id}/remove").status_code == 302
    assert first.id in [q.id for q in _questions(app, m1, archived=True)]
    assert client.get(f"{_base(m1)}/questions/{first.id}").status_code == 404
    for question in _questions(app, m1):
        client.post(f"{_base(m1)}/questions/{question.id}/remove")
    with app.app_context():
        assert db.session.scalar(select(Quiz).where(Quiz.module_id == m1)).archived, "an empty quiz would pass everyone"
    assert f"removed quiz question '{first.key}'" in _changes(app)


def test_settings_are_checked_by_the_quiz_rules(app, client, author, m1):
    count = len(_questions(app, m1))
    bad = {"pass_mark": "150", "attempts": "0", "wait_minutes": "soon", "draw": "99", "show_answers": "always"}
    response = client.post(_base(m1), data=bad)
    assert response.status_code == 422
    page = _text(response)
    for message in (
        "'pass_mark' is a percentage between 0 and 100",
        "'attempts' must be 1 or more (or null for unlimited)",
        "'wait_minutes' must be a number",
        f"'draw' is 99 but the quiz has only {count} question(s)",
        "unknown show_answers 'always'",
    ):
        assert message in page
    assert 'value="150"' in page
    good = {
        "title": "Check",
        "pass_mark": "75.5",
        "attempts": "3",
        "wait_minutes": "10",
        "draw": "2",
        "shuffle_choices": "y",
        "show_answers": "once_passed",
        "review_lesson": "watch-the-video",
    }
    assert client.post(_base(m1), data=good).status_code == 302
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == m1))
        assert quiz.title == "Check" and quiz.review_lesson == "watch-the-video"
        assert quiz.settings == asdict(QuizSettings(75.5, 3, 10, False, True, 2, "once_passed"))
    assert _changes(app)[-1] == "changed the quiz settings"
    assert "not a video lesson" in _text(client.post(_base(m1), data={**good, "review_lesson": "key-ideas"}))


def test_a_module_without_a_quiz_gets_one_hidden_until_it_has_a_question(app, client, author, course):
    with app.app_context():
        module = Module(slug="new-module", title="New module", position=9)
        db.session.add(module)
        db.session.commit()
        module_id = module.id
    page = _text(client.get(_base(module_id)))
    assert "This module has no quiz yet." in page
    assert client.post(_base(module_id), data={"pass_mark": "90"}).status_code == 302
    with app.app_context():
        quiz = db.session.scalar(select(Quiz).where(Quiz.module_id == module_id))
        assert quiz.archived and quiz.settings["pass_mark"] == 90
    form, _expected = KIND_FORMS["true_false"]
    response = client.post(f"{_base(module_id)}/questions/new?kind=true_false", data={**form, "review": "0:01-0:02"})
    assert "needs 'review_lesson'" in _text(response)  # no review lesson: no review moment
    assert client.post(f"{_base(module_id)}/questions/new?kind=true_false", data=form).status_code == 302
    with app.app_context():
        assert not db.session.scalar(select(Quiz).where(Quiz.module_id == module_id)).archived


GIFT = """// Module 1, from Moodle
::Good one:: Denise Webb says infant mental health is about... {
  =promoting good emotional development #Yes.
  ~finding mental illness #No.
  ####Denise Webb at 0:12.}

Explain your view. {}

True or false: relationships come first. {T####Heidi Maderia at 0:18.}

Pick one {=a ~b}
"""


def test_gift_import_takes_the_good_names_the_bad_and_leaves_them_to_fix(app, client, author, m1):
    before = len(_questions(app, m1))
    response = client.post(f"{_base(m1)}/import", data={"gift": GIFT})
    assert response.status_code == 200
    page = _text(response)
    assert "2 question(s) imported" in page
    assert "Question 2 (line 7): essay questions ({}) are not supported" in page
    assert "Question 4 (line 11): no explanation: add ####general feedback to explain the answer" in page
    assert "Explain your view. {}\n\nPick one {=a ~b}</textarea>" in page
    added = _questions(app, m1)[before:]
    assert [q.key for q in added] == ["good-one", "true-or-false-relationships-come-first"]
    assert added[0].data["choices"][0] == {
        "text": "promoting good emotional development",
        "correct": True,
        "feedback": "Yes.",
    }
    assert _changes(app)[-1] == "imported 2 quiz question(s) from GIFT"


def test_gift_import_with_nothing_valid_imports_nothing(app, client, author, m1):
    before = _questions(app, m1)
    response = client.post(f"{_base(m1)}/import", data={"gift": "Pick one {=a ~b}\n\nDescription only."})
    assert response.status_code == 422
    page = _text(response)
    assert "Question 2 (line 3): a description" in page and "Nothing was imported" in page
    assert "Pick one {=a ~b}" in page
    assert len(_questions(app, m1)) == len(before)
    assert client.post(f"{_base(m1)}/import", data={"gift": "  "}).status_code == 422


def test_gift_import_is_one_transaction(app, client, author, m1, monkeypatch):
    before = len(_questions(app, m1))

    def failing_commit():
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(db.session, "commit", failing_commit)
    response = client.post(f"{_base(m1)}/import", data={"gift": GIFT})
    editor = client.post(f"{_base(m1)}/questions/new?kind=true_false", data=TF)
    monkeypatch.undo()
    assert editor.status_code == 503 and "Nothing was saved: the database refused" in _text(editor)
    assert response.status_code == 422
    assert "Nothing was imported: the database refused the change" in _text(response)
    assert len(_questions(app, m1)) == before
    assert "imported 2 quiz question(s) from GIFT" not in _changes(app)


def test_gift_file_upload(app, client, author, m1):
    def upload(content: bytes, name: str):
        return client.post(
            f"{_base(m1)}/import", data={"upload": (io.BytesIO(content), name)}, content_type="multipart/form-data"
        )

    good = "\ufeffA statement. {F#No, it is false.####Because.}".encode()
    assert upload(good, "quiz.gift").status_code == 200
    assert _questions(app, m1)[-1].data["feedback_true"] == "No, it is false."
    assert "Upload a .gift or .txt file." in _text(upload(good, "quiz.pdf"))
    assert "not UTF-8 text" in _text(upload("Caf\u00e9 {T####x}".encode("latin-1"), "quiz.txt"))


def test_people_who_are_not_authors_are_refused_and_ids_stay_in_their_module(app, client, auth, make_user, m1):
    question = _questions(app, m1)[0]
    auth.login(make_user("learner"))
    for url in (
        _base(m1),
        f"{_base(m1)}/questions/new?kind=single",
        f"{_base(m1)}/questions/{question.id}",
        f"{_base(m1)}/import",
    ):
        assert client.get(url).status_code == 403
    assert client.post(f"{_base(m1)}/questions/{question.id}/remove").status_code == 403
    auth.logout()
    auth.login(make_user("author"))
    with app.app_context():
        other = db.session.scalar(select(Module.id).where(Module.id != m1).order_by(Module.position))
    for url in (f"{_base(other)}/questions/{question.id}", f"{_base(m1)}/questions/999999"):
        assert client.get(url).status_code == 404
    assert client.post(f"{_base(other)}/questions/{question.id}/remove").status_code == 404
    assert client.post(f"{_base(other)}/questions/{question.id}/move/up").status_code == 404
    assert client.get(f"{_base(m1)}/questions/new?kind=essay").status_code == 404
    assert client.get("/author/modules/999999/quiz").status_code == 404
    assert not _questions(app, m1, archived=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ContentChange)) == 0
