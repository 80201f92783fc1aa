"""Composing, checking and grading quiz attempts (pure functions: no app, no database)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import PROJECT_ROOT
from app.course.problems import Problems
from app.quiz import (
    KINDS,
    Choice,
    Pair,
    QuestionSpec,
    QuizSettings,
    QuizSpec,
    Review,
    ShownQuestion,
    answers_may_be_shown,
    can_start_attempt,
    compose_attempt,
    grade_attempt,
    grade_question,
    load_quiz,
    new_seed,
    next_attempt_at,
    normalize_text,
    public_view,
    question_from_snapshot,
    restore_attempt,
    result_view,
    snapshot,
    snapshot_attempt,
    snapshot_digest,
    validate_answers,
)

REVIEW = Review(42, 65, "watch-the-video")
SINGLE = QuestionSpec(
    id="single",
    kind="single",
    prompt="Pick one.",
    explanation="Because A.",
    choices=(
        Choice("A", True, "Yes, A."),
        Choice("B", False, "Not B."),
        Choice("C", False),
        Choice("D", False),
    ),
    review=REVIEW,
)
MULTIPLE = QuestionSpec(
    id="multiple",
    kind="multiple",
    prompt="Pick some.",
    explanation="A and C.",
    choices=(Choice("A", True), Choice("B", False, "Not B."), Choice("C", True), Choice("D", False)),
)
TRUE_FALSE = QuestionSpec(
    id="true-false",
    kind="true_false",
    prompt="Is it?",
    explanation="It is not.",
    answer=False,
    feedback_true="No.",
    feedback_false="Right.",
)
SHORT = QuestionSpec(
    id="short",
    kind="short",
    prompt="Type it.",
    explanation="Self-regulation.",
    accept=("self-regulation", "don't know"),
    review=Review(1, 5, "watch-the-video"),
)
MATCHING = QuestionSpec(
    id="matching",
    kind="matching",
    prompt="Match.",
    explanation="L1-R1, L2-R2, L3-R3.",
    pairs=(Pair("L1", "R1"), Pair("L2", "R2"), Pair("L3", "R3")),
)
QUESTIONS = (SINGLE, MULTIPLE, TRUE_FALSE, SHORT, MATCHING)
FIXED = QuizSettings(shuffle_questions=False, shuffle_choices=False)


def make_quiz(questions=QUESTIONS, **settings) -> QuizSpec:
    return QuizSpec(Path("quiz.yml"), tuple(questions), QuizSettings(**settings))


def shown_question(question: QuestionSpec, seed: int = 7) -> ShownQuestion:
    return compose_attempt(make_quiz([question]), seed)[0]


def right_form(shown: ShownQuestion) -> dict[str, list[str]]:
    """The form a learner who knows every answer would send (uses what the page does not carry)."""
    question = shown.question
    if question.kind in ("single", "multiple"):
        return {shown.field: [o.id for o in shown.options if question.choices[o.index].correct]}
    if question.kind == "true_false":
        return {shown.field: ["true" if question.answer else "false"]}
    if question.kind == "short":
        return {shown.field: [question.accept[0]]}
    rights = {o.index: o.id for o in shown.options}
    return {shown.left_field(left): [rights[left.index]] for left in shown.lefts}


def option_id(shown: ShownQuestion, text: str) -> str:
    return next(o.id for o in shown.options if o.text == text)


def check(shown: ShownQuestion, form: dict):
    answers, errors = validate_answers([shown], form)
    return answers, [str(error) for error in errors]


# --------------------------------------------------------------------------------------------------
# normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Self-Regulation", "self regulation"),
        ("  SELF   regulation. ", "self regulation"),
        ("self\u2014regulation", "self regulation"),
        ("self\u2013regulation!", "self regulation"),
        ("Self\tregulation\n", "self regulation"),
        ("don't", "dont"),
        ("don\u2019t", "dont"),
        ("\u201cTools\u201d", "tools"),
        ('"tools"', "tools"),
        ("'tools'", "tools"),
        ("Families\u2019", "families"),
        ("Caf\u00e9", "caf\u00e9"),
        ("Cafe\u0301", "caf\u00e9"),
        ("\uff26\uff35\uff2c\uff2c width", "full width"),
        ("Stra\u00dfe", "strasse"),
        ("0-5 years", "0 5 years"),
        ("9", "9"),
        ("?!", ""),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalize_text(text, expected):
    assert normalize_text(text) == expected


@given(st.text())
def test_normalize_text_is_idempotent_and_tidy(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip() and "  " not in once


# --------------------------------------------------------------------------------------------------
# Each kind: right, wrong, blank, malformed


def test_single_right_and_wrong():
    shown = shown_question(SINGLE)
    answers, errors = check(shown, {shown.field: option_id(shown, "A")})
    assert errors == []
    result = grade_question(shown, answers["single"])
    assert (result.correct, result.score, result.review) == (True, 1.0, None)
    assert result.feedback == ("Yes, A.",) and result.given == ("A",) and result.correct_answer == ("A",)

    answers, errors = check(shown, {shown.field: [option_id(shown, "B")]})
    result = grade_question(shown, answers["single"])
    assert (result.correct, result.score, result.answered) == (False, 0.0, True)
    assert result.feedback == ("Not B.",)
    assert result.review == REVIEW and result.review.link_text == "Rewatch 0:42\u20131:05"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        pytest.param({}, "Question 1: choose one answer.", id="missing"),
        pytest.param({"q-single": ""}, "Question 1: choose one answer.", id="blank"),
        pytest.param({"q-single": ["", "  "]}, "Question 1: choose one answer.", id="blanks"),
        pytest.param(
            {"q-single": "c0"},
            "Question 1: that answer is not one of the choices. Please choose again.",
            id="unknown-id",
        ),
        pytest.param({"q-single": 3}, "Question 1: that answer could not be read. Please answer again.", id="number"),
        pytest.param(
            {"q-single": [None]}, "Question 1: that answer could not be read. Please answer again.", id="none-in-list"
        ),
    ],
)
def test_single_blank_and_malformed(form, message):
    answers, errors = check(shown_question(SINGLE), form)
    assert answers == {} and errors == [message]


def test_single_with_two_answers():
    shown = shown_question(SINGLE)
    _answers, errors = check(shown, {shown.field: [option_id(shown, "A"), option_id(shown, "B")]})
    assert errors == ["Question 1: choose only one answer."]


def test_multiple_is_all_or_nothing():
    shown = shown_question(MULTIPLE)
    ids = {text: option_id(shown, text) for text in "ABCD"}
    cases = {("A", "C"): True, ("C", "A"): True, ("A",): False, ("A", "B", "C"): False, ("B", "D"): False}
    for picked, expected in cases.items():
        answers, errors = check(shown, {shown.field: [ids[t] for t in picked]})
        assert errors == []
        result = grade_question(shown, answers["multiple"])
        assert result.correct is expected and result.score == (1.0 if expected else 0.0), picked
    answers, _ = check(shown, {shown.field: [ids["A"], ids["B"], ids["C"]]})
    assert grade_question(shown, answers["multiple"]).feedback == ("Not B.",)
    assert grade_question(shown, answers["multiple"]).correct_answer == ("A", "C")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param([], "Question 1: choose at least one answer.", id="blank"),
        pytest.param(
            ["nope"],
            "Question 1: one of those answers is not one of the choices. Please choose again.",
            id="unknown-id",
        ),
    ],
)
def test_multiple_blank_and_malformed(values, message):
    shown = shown_question(MULTIPLE)
    assert check(shown, {shown.field: values}) == ({}, [message])


def test_multiple_with_one_good_and_one_unknown_id_is_malformed():
    shown = shown_question(MULTIPLE)
    _answers, errors = check(shown, {shown.field: [option_id(shown, "A"), "forged"]})
    assert errors == ["Question 1: one of those answers is not one of the choices. Please choose again."]


def test_true_false():
    shown = shown_question(TRUE_FALSE)
    assert [(o.id, o.text) for o in shown.options] == [("true", "True"), ("false", "False")]
    answers, errors = check(shown, {shown.field: "false"})
    result = grade_question(shown, answers["true-false"])
    assert errors == [] and result.correct and result.feedback == ("Right.",) and result.given == ("False",)
    answers, _ = check(shown, {shown.field: "true"})
    result = grade_question(shown, answers["true-false"])
    assert not result.correct and result.feedback == ("No.",) and result.correct_answer == ("False",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param([], "Question 1: choose True or False.", id="blank"),
        pytest.param(["maybe"], "Question 1: answer True or False.", id="other-word"),
        pytest.param(["True"], "Question 1: answer True or False.", id="wrong-case-value"),
        pytest.param(["true", "false"], "Question 1: answer True or False.", id="both"),
    ],
)
def test_true_false_blank_and_malformed(values, message):
    shown = shown_question(TRUE_FALSE)
    assert check(shown, {shown.field: values}) == ({}, [message])


@pytest.mark.parametrize(
    ("typed", "correct"),
    [
        ("self-regulation", True),
        ("Self Regulation", True),
        ("  SELF-REGULATION. ", True),
        ("self\u2014regulation!", True),
        ("\u201cself regulation\u201d", True),
        ("Don\u2019t know", True),
        ("dont know", True),
        ("selfregulation", False),
        ("regulation", False),
        ("self-regulations", False),
    ],
)
def test_short_answers_ignore_case_spacing_and_punctuation(typed, correct):
    shown = shown_question(SHORT)
    answers, errors = check(shown, {shown.field: typed})
    assert errors == []
    assert answers["short"] == typed.strip()
    result = grade_question(shown, answers["short"])
    assert result.correct is correct
    assert result.review == (None if correct else SHORT.review)
    assert result.correct_answer == ("self-regulation",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param([], "Question 1: type an answer.", id="missing"),
        pytest.param(["   "], "Question 1: type an answer.", id="spaces"),
        pytest.param(["?!"], "Question 1: type an answer using letters or numbers.", id="punctuation-only"),
        pytest.param(["x" * 501], "Question 1: keep your answer under 500 characters.", id="too-long"),
        pytest.param(["one", "two"], "Question 1: type one answer.", id="two-answers"),
        pytest.param([b"bytes"], "Question 1: that answer could not be read. Please answer again.", id="bytes"),
    ],
)
def test_short_blank_and_malformed(values, message):
    shown = shown_question(SHORT)
    assert check(shown, {shown.field: values}) == ({}, [message])


def test_matching_right_and_wrong():
    shown = shown_question(MATCHING)
    form = right_form(shown)
    answers, errors = check(shown, form)
    assert errors == []
    result = grade_question(shown, answers["matching"])
    assert result.correct and result.score == 1.0
    assert sorted(result.given) == ["L1 \u2192 R1", "L2 \u2192 R2", "L3 \u2192 R3"]
    # Swap two matches: all or nothing, so the question is wrong.
    first, second = shown.lefts[0], shown.lefts[1]
    form[shown.left_field(first)], form[shown.left_field(second)] = (
        form[shown.left_field(second)],
        form[shown.left_field(first)],
    )
    answers, errors = check(shown, form)
    assert errors == [] and not grade_question(shown, answers["matching"]).correct


def test_matching_the_same_right_item_twice_is_wrong_not_malformed():
    shown = shown_question(MATCHING)
    same = shown.options[0].id
    answers, errors = check(shown, {shown.left_field(left): same for left in shown.lefts})
    assert errors == [] and not grade_question(shown, answers["matching"]).correct


def test_matching_blank_and_malformed():
    shown = shown_question(MATCHING)
    assert check(shown, {}) == ({}, ["Question 1: match each item on the left with one on the right."])
    partial = right_form(shown)
    del partial[shown.left_field(shown.lefts[0])]
    assert check(shown, partial) == ({}, ["Question 1: match every item (1 of 3 not matched yet)."])
    forged = right_form(shown)
    forged[shown.left_field(shown.lefts[1])] = ["forged"]
    left = shown.lefts[1].text
    assert check(shown, forged) == (
        {},
        [f"Question 1: the match for \u201c{left}\u201d is not one of the options. Please choose again."],
    )


def test_errors_are_numbered_as_shown_and_other_fields_are_ignored():
    shown = compose_attempt(make_quiz(), seed=3)
    form = {"csrf_token": "x", **right_form(shown[0]), **right_form(shown[2])}
    answers, errors = validate_answers(shown, form)
    assert set(answers) == {shown[0].id, shown[2].id}
    assert [e.number for e in errors] == [2, 4, 5]
    assert [e.question_id for e in errors] == [shown[1].id, shown[3].id, shown[4].id]
    assert all(str(e).startswith(f"Question {e.number}: ") for e in errors)


@pytest.mark.parametrize(
    "answer",
    [None, "", "x", 1, True, frozenset(), frozenset({"x"}), {}, {"a": "b"}, ["x"], {"x"}, object()],
    ids=repr,
)
@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.kind)
def test_grading_never_fails_on_an_odd_answer(question, answer):
    result = grade_question(shown_question(question), answer)
    if question.kind != "true_false" or not isinstance(answer, bool):
        assert not result.correct
    assert result.score in (0.0, 1.0)


# --------------------------------------------------------------------------------------------------
# Grading an attempt


def test_grade_attempt_all_right():
    shown = compose_attempt(make_quiz(), seed=11)
    form = {k: v for q in shown for k, v in right_form(q).items()}
    answers, errors = validate_answers(shown, form)
    assert errors == []
    result = grade_attempt(shown, answers)
    assert (result.score_percent, result.passed, result.correct_count, result.total) == (100.0, True, 5, 5)
    assert [r.question_id for r in result.results] == [q.id for q in shown]


def test_grade_attempt_counts_missing_answers_as_wrong():
    shown = compose_attempt(make_quiz(), seed=11)
    answers, _ = validate_answers(shown, right_form(shown[0]))
    result = grade_attempt(shown, answers)
    assert (result.score_percent, result.passed, result.correct_count) == (20.0, False, 1)
    assert [r.answered for r in result.results] == [True, False, False, False, False]


@pytest.mark.parametrize(
    ("right", "total", "pass_mark", "percent", "passed"),
    [
        (4, 5, 80, 80.0, True),
        (3, 4, 80, 75.0, False),
        (2, 3, 66.7, 66.7, False),
        (2, 3, 66, 66.7, True),
        (0, 3, 0, 0.0, True),
        (5, 5, 100, 100.0, True),
        (4, 5, 100, 80.0, False),
        (1, 3, 80, 33.3, False),
    ],
)
def test_score_and_pass_mark(right, total, pass_mark, percent, passed):
    questions = [dataclasses.replace(TRUE_FALSE, id=f"q{n}") for n in range(total)]
    shown = compose_attempt(make_quiz(questions), seed=1)
    answers = {q.id: (n >= right) for n, q in enumerate(shown)}  # the answer is False
    result = grade_attempt(shown, answers, pass_mark)
    assert (result.score_percent, result.passed, result.correct_count) == (percent, passed, right)


def test_result_view_reveals_only_when_allowed():
    shown = shown_question(SINGLE)
    wrong = grade_question(shown, option_id(shown, "B"))
    hidden = result_view(wrong, reveal=False)
    assert hidden == {
        "number": 1,
        "id": "single",
        "answered": True,
        "correct": False,
        "given": ["B"],
        "review": {
            "lesson": "watch-the-video",
            "start": 42,
            "end": 65,
            "label": "0:42\u20131:05",
            "text": "Rewatch 0:42\u20131:05",
        },
    }
    shown_all = result_view(wrong, reveal=True)
    assert shown_all["correct_answer"] == ["A"]
    assert shown_all["explanation"] == "Because A." and shown_all["feedback"] == ["Not B."]
    right = result_view(grade_question(shown, option_id(shown, "A")), reveal=False)
    assert "review" not in right and right["correct"] is True


@pytest.mark.parametrize(
    ("setting", "passed", "expected"),
    [
        ("after_attempt", False, True),
        ("after_attempt", True, True),
        ("once_passed", False, False),
        ("once_passed", True, True),
        ("never", False, False),
        ("never", True, False),
    ],
)
def test_answers_may_be_shown(setting, passed, expected):
    assert answers_may_be_shown(setting, passed) is expected


# --------------------------------------------------------------------------------------------------
# Attempts allowed and the wait between them

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("attempts", "wait", "so_far", "last", "expected"),
    [
        pytest.param(None, 0, 0, None, (True, ""), id="first-attempt"),
        pytest.param(None, 0, 50, NOW, (True, ""), id="unlimited"),
        pytest.param(3, 0, 2, NOW, (True, ""), id="one-left"),
        pytest.param(3, 0, 3, NOW, (False, "You have used all 3 attempts at this quiz."), id="all-used"),
        pytest.param(1, 0, 1, NOW, (False, "You have used your one attempt at this quiz."), id="one-used"),
        pytest.param(None, 10, 1, NOW - timedelta(minutes=5), (False, "You can try again in 5 minutes."), id="wait"),
        pytest.param(
            None,
            10,
            1,
            NOW - timedelta(minutes=5, seconds=30),
            (False, "You can try again in 5 minutes."),
            id="wait-rounds-up",
        ),
        pytest.param(
            None,
            10,
            1,
            NOW - timedelta(minutes=9, seconds=30),
            (False, "You can try again in 1 minute."),
            id="wait-under-a-minute",
        ),
        pytest.param(None, 10, 1, NOW - timedelta(minutes=10), (True, ""), id="wait-over"),
        pytest.param(None, 10, 0, None, (True, ""), id="no-wait-before-the-first"),
        pytest.param(
            None, 0.5, 1, NOW - timedelta(seconds=10), (False, "You can try again in 1 minute."), id="half-minute"
        ),
        pytest.param(
            2,
            10,
            2,
            NOW - timedelta(minutes=1),
            (False, "You have used all 2 attempts at this quiz."),
            id="used-up-beats-wait",
        ),
    ],
)
def test_can_start_attempt(attempts, wait, so_far, last, expected):
    rules = QuizSettings(attempts=attempts, wait_minutes=wait)
    assert can_start_attempt(so_far, last, NOW, rules) == expected


def test_next_attempt_at():
    assert next_attempt_at(None, QuizSettings(wait_minutes=5)) is None
    assert next_attempt_at(NOW, QuizSettings()) is None
    assert next_attempt_at(NOW, QuizSettings(wait_minutes=5)) == NOW + timedelta(minutes=5)


# --------------------------------------------------------------------------------------------------
# Composing an attempt


def order(shown):
    return [(q.id, [o.id for o in q.options], [o.id for o in q.lefts]) for q in shown]


def test_composition_is_the_same_for_the_same_seed():
    quiz = make_quiz()
    assert compose_attempt(quiz, 12345) == compose_attempt(quiz, 12345)
    assert order(compose_attempt(quiz, 12345)) == order(compose_attempt(quiz, 12345))


def test_composition_differs_with_another_seed():
    quiz = make_quiz()
    first = order(compose_attempt(quiz, 1))
    assert first != order(compose_attempt(quiz, 2))
    question_orders = {tuple(q.id for q in compose_attempt(quiz, seed)) for seed in range(40)}
    assert len(question_orders) > 10


def test_choice_ids_are_stable_for_a_seed_and_change_with_it():
    one = shown_question(SINGLE, seed=5)
    again = shown_question(SINGLE, seed=5)
    other = shown_question(SINGLE, seed=6)
    ids = {o.index: o.id for o in one.options}
    assert ids == {o.index: o.id for o in again.options}
    assert set(ids.values()).isdisjoint(o.id for o in other.options)
    assert len(set(ids.values())) == 4
    assert not any(value in {"0", "1", "2", "3", "a", "b", "c", "d"} for value in ids.values())


def test_without_shuffling_the_source_order_is_kept():
    quiz = make_quiz(shuffle_questions=False, shuffle_choices=False)
    for seed in range(10):
        shown = compose_attempt(quiz, seed)
        assert [q.id for q in shown] == [q.id for q in QUESTIONS]
        assert [q.number for q in shown] == [1, 2, 3, 4, 5]
        assert [o.text for o in shown[0].options] == ["A", "B", "C", "D"]
        assert [left.text for left in shown[4].lefts] == ["L1", "L2", "L3"]


def test_choices_are_shuffled_when_asked():
    orders = {tuple(o.text for o in shown_question(SINGLE, seed).options) for seed in range(30)}
    assert len(orders) > 5
    assert {order[0] for order in orders} == {"A", "B", "C", "D"}, "the correct choice is not always first"


def test_matching_right_hand_items_are_shuffled_even_without_choice_shuffling():
    quiz = make_quiz([MATCHING], shuffle_choices=False)
    rights = [tuple(o.text for o in compose_attempt(quiz, seed)[0].options) for seed in range(40)]
    assert len(set(rights)) == 6, "every order of three items turns up"
    assert sum(1 for r in rights if r != ("R1", "R2", "R3")) > 20, "mostly not in the left's order"


@pytest.mark.parametrize("draw", [1, 3, 5])
def test_draw_n_questions_from_the_pool(draw):
    quiz = make_quiz(draw=draw)
    drawn = [tuple(q.id for q in compose_attempt(quiz, seed)) for seed in range(30)]
    assert all(len(ids) == draw == len(set(ids)) for ids in drawn)
    assert all(set(ids) <= {q.id for q in QUESTIONS} for ids in drawn)
    if draw < 5:
        assert len({frozenset(ids) for ids in drawn}) > 1, "different attempts draw different questions"


def test_drawn_questions_keep_the_source_order_without_question_shuffling():
    quiz = make_quiz(draw=3, shuffle_questions=False)
    position = {q.id: n for n, q in enumerate(QUESTIONS)}
    for seed in range(20):
        ids = [q.id for q in compose_attempt(quiz, seed)]
        assert ids == sorted(ids, key=position.get)


@settings(max_examples=200, deadline=None)
@given(
    pool=st.integers(min_value=1, max_value=12),
    data=st.data(),
    shuffle_questions=st.booleans(),
    shuffle_choices=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**63 - 1),
)
def test_composition_is_a_permutation_of_a_subset_of_size_n(pool, data, shuffle_questions, shuffle_choices, seed):
    draw = data.draw(st.none() | st.integers(min_value=1, max_value=pool))
    kinds = data.draw(st.lists(st.sampled_from(QUESTIONS), min_size=pool, max_size=pool))
    questions = [dataclasses.replace(q, id=f"q{n}") for n, q in enumerate(kinds)]
    quiz = make_quiz(questions, draw=draw, shuffle_questions=shuffle_questions, shuffle_choices=shuffle_choices)
    shown = compose_attempt(quiz, seed)
    ids = [q.id for q in shown]
    assert len(ids) == (draw or pool) == len(set(ids))
    assert set(ids) <= {q.id for q in questions}
    assert [q.number for q in shown] == list(range(1, len(shown) + 1))
    for q in shown:
        source = q.question
        if source.kind in ("single", "multiple"):
            assert sorted(o.index for o in q.options) == list(range(len(source.choices)))
            assert len({o.id for o in q.options}) == len(q.options)
        if source.kind == "matching":
            assert sorted(o.index for o in q.options) == sorted(o.index for o in q.lefts) == [0, 1, 2]
    assert compose_attempt(quiz, seed) == shown


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63 - 1), data=st.data())
def test_grading_score_is_between_0_and_100(seed, data):
    shown = compose_attempt(make_quiz(), seed)
    answers = {}
    for q in shown:
        if data.draw(st.booleans(), label=f"skip {q.id}"):
            continue
        if q.kind == "single":
            answers[q.id] = data.draw(st.sampled_from([o.id for o in q.options]))
        elif q.kind == "multiple":
            answers[q.id] = frozenset(data.draw(st.sets(st.sampled_from([o.id for o in q.options]), min_size=1)))
        elif q.kind == "true_false":
            answers[q.id] = data.draw(st.booleans())
        elif q.kind == "short":
            answers[q.id] = data.draw(st.sampled_from(["self regulation", "nope", "DON'T KNOW"]))
        else:
            answers[q.id] = {left.id: data.draw(st.sampled_from([o.id for o in q.options])) for left in q.lefts}
    pass_mark = data.draw(st.floats(min_value=0, max_value=100))
    result = grade_attempt(shown, answers, pass_mark)
    assert 0 <= result.score_percent <= 100
    assert result.correct_count == sum(r.score for r in result.results)
    assert result.passed == (result.correct_count * 100 >= pass_mark * result.total)


# --------------------------------------------------------------------------------------------------
# The page never carries which answer is right

FORBIDDEN_KEYS = {
    "correct",
    "accept",
    "answer",
    "pairs",
    "explanation",
    "feedback",
    "feedback_true",
    "feedback_false",
    "review",
    "index",
    "choices",
}


def keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.kind)
def test_public_view_of_every_kind_has_no_correctness_data(question):
    shown = shown_question(question)
    view = public_view(shown)
    json.dumps(view)  # JSON-able
    assert not keys(view) & FORBIDDEN_KEYS, keys(view) & FORBIDDEN_KEYS
    assert {"number", "id", "kind", "prompt", "field"} <= set(view)
    text = json.dumps(view)
    assert question.explanation not in text
    if question.kind == "short":
        assert "self-regulation" not in text.lower() and "know" not in text


def test_public_view_is_the_same_whichever_choice_is_right():
    """Move the right answer: the page is byte-for-byte the same, so it cannot tell which is right."""
    other = dataclasses.replace(
        SINGLE, choices=tuple(dataclasses.replace(c, correct=(c.text == "C"), feedback=None) for c in SINGLE.choices)
    )
    other_tf = dataclasses.replace(TRUE_FALSE, answer=True)
    other_multi = dataclasses.replace(
        MULTIPLE, choices=tuple(dataclasses.replace(c, correct=not c.correct, feedback=None) for c in MULTIPLE.choices)
    )
    other_matching = dataclasses.replace(MATCHING, pairs=(Pair("L1", "R2"), Pair("L2", "R3"), Pair("L3", "R1")))
    for seed in range(20):
        for a, b in [(SINGLE, other), (TRUE_FALSE, other_tf), (MULTIPLE, other_multi)]:
            assert public_view(shown_question(a, seed)) == public_view(shown_question(b, seed))
        left_texts = [item["text"] for item in public_view(shown_question(MATCHING, seed))["lefts"]]
        assert left_texts == [item["text"] for item in public_view(shown_question(other_matching, seed))["lefts"]]


def test_public_view_of_matching_shuffles_the_right_hand_options():
    views = [public_view(shown_question(MATCHING, seed)) for seed in range(30)]
    orders = {tuple(o["text"] for o in view["options"]) for view in views}
    assert len(orders) > 1
    for view in views:
        assert [left["field"] for left in view["lefts"]] == [f"q-matching-{left['id']}" for left in view["lefts"]]
        assert sorted(o["text"] for o in view["options"]) == ["R1", "R2", "R3"]


def test_new_seeds_are_random():
    assert len({new_seed() for _ in range(20)}) == 20


def test_a_seed_has_too_many_values_to_try():
    """The option ids on an attempt's page are a public function of its seed: with 31 bits, trying
    every seed against them took minutes on one core and gave away the order of the choices in
    quiz.yml and the matching pairs. 128 random bits cannot be tried."""
    seeds = [new_seed() for _ in range(200)]
    assert all(len(seed) == 32 and int(seed, 16) >= 0 for seed in seeds)
    assert max(int(seed, 16) for seed in seeds) > 2**120  # all 128 bits are used


# --------------------------------------------------------------------------------------------------
# Snapshots: later edits never change a past attempt


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.kind)
def test_snapshot_round_trips_through_json(question):
    data = json.loads(json.dumps(snapshot(question)))
    assert question_from_snapshot(data) == question
    assert snapshot_digest(data) == snapshot_digest(snapshot(question))


def test_snapshot_digest_changes_with_the_question():
    edited = dataclasses.replace(SINGLE, prompt="Pick one, please.")
    assert snapshot_digest(snapshot(edited)) != snapshot_digest(snapshot(SINGLE))


def test_a_stored_attempt_is_graded_as_shown_after_the_quiz_is_edited():
    quiz = make_quiz()
    shown = compose_attempt(quiz, seed=99)
    stored = json.loads(json.dumps(snapshot_attempt(shown)))
    form = {k: v for q in shown for k, v in right_form(q).items()}

    # The author edits the quiz: the right answer moves, a choice is added, a question is reworded.
    edited_single = dataclasses.replace(
        SINGLE,
        choices=(Choice("New", False),) + tuple(dataclasses.replace(c, correct=not c.correct) for c in SINGLE.choices),
    )
    edited = make_quiz([edited_single, dataclasses.replace(MULTIPLE, prompt="Changed?")] + list(QUESTIONS[2:]))
    assert order(compose_attempt(edited, seed=99)) != order(shown)

    restored = restore_attempt(stored)
    assert restored == shown
    assert [public_view(q) for q in restored] == [public_view(q) for q in shown]
    answers, errors = validate_answers(restored, form)
    assert errors == []
    assert grade_attempt(restored, answers).score_percent == 100.0


# --------------------------------------------------------------------------------------------------
# The seed course's quizzes, end to end


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "modules").glob("*/quiz.yml")), ids=lambda p: p.parent.name)
def test_seed_quizzes_can_be_taken(path):
    problems = Problems(PROJECT_ROOT)
    quiz = load_quiz(path, problems)
    assert quiz is not None, [str(p) for p in problems]
    for seed in (1, 2, 3):
        shown = compose_attempt(quiz, seed)
        views = [public_view(q) for q in shown]
        assert not keys(views) & FORBIDDEN_KEYS
        answers, errors = validate_answers(shown, {k: v for q in shown for k, v in right_form(q).items()})
        assert errors == []
        result = grade_attempt(shown, answers, quiz.settings.pass_mark)
        assert result.passed and result.score_percent == 100.0
        nothing = grade_attempt(shown, {}, quiz.settings.pass_mark)
        assert not nothing.passed and nothing.score_percent == 0.0
        assert all(r.review is not None for r in nothing.results if quiz.question(r.question_id).review)


def test_every_kind_is_covered_here():
    assert {q.kind for q in QUESTIONS} == set(KINDS)
