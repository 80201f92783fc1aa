"""Moodle GIFT → quiz questions: each kind, feedback, comments, escapes, and a clear message per question refused."""

from __future__ import annotations

import pytest

from app.quiz.gift import NO_EXPLANATION, make_key, parse_gift
from app.quiz.spec import Choice, Pair


def one(text: str):
    results = parse_gift(text)
    assert len(results) == 1, results
    assert results[0].error is None, results[0].error
    return results[0].question


def error(text: str) -> str:
    results = parse_gift(text)
    assert len(results) == 1 and results[0].question is None, results
    return results[0].error


def test_single_choice_with_title_feedback_and_general_feedback():
    q = one("::Grant's tomb:: Who is buried in Grant's tomb? {~Grant #No. =no one #Yes. ~Jefferson ####Nobody is.}")
    assert q.id == "grant-s-tomb"
    assert q.kind == "single"
    assert q.prompt == "Who is buried in Grant's tomb?"
    assert q.explanation == "Nobody is."
    assert q.choices == (Choice("Grant", False, "No."), Choice("no one", True, "Yes."), Choice("Jefferson", False))


def test_answers_over_several_lines():
    q = one("What is it\nabout?\n{\n  =emotional development\n  ~illness\n  ####She says so.\n}")
    assert q.prompt == "What is it about?"
    assert [c.text for c in q.choices] == ["emotional development", "illness"]


def test_weights_any_positive_weight_is_right_and_two_make_multiple():
    result = parse_gift("Pick all. {~%50%one ~%50%two ~%-100%three ####Both.}")[0]
    q = result.question
    assert q.kind == "multiple"
    assert [(c.text, c.correct) for c in q.choices] == [("one", True), ("two", True), ("three", False)]
    assert any("all or nothing" in note for note in result.notes)
    assert one("Pick. {~%100%one ~%0%two ####Why.}").kind == "single"


@pytest.mark.parametrize(
    ("answer", "expected", "feedback_true", "feedback_false"),
    [
        ("T", True, None, None),
        ("TRUE", True, None, None),
        ("F", False, None, None),
        ("FALSE", False, None, None),
        ("true", True, None, None),
        # GIFT: the first feedback is for a wrong answer, the second for a right one
        ("T#Not so.#Right!", True, "Right!", "Not so."),
        ("F#Not so.#Right!", False, "Not so.", "Right!"),
        ("FALSE#Only for a wrong answer", False, "Only for a wrong answer", None),
    ],
)
def test_true_false(answer, expected, feedback_true, feedback_false):
    q = one(f"The sky is green. {{{answer}####Look up.}}")
    assert (q.kind, q.answer, q.feedback_true, q.feedback_false) == (
        "true_false",
        expected,
        feedback_true,
        feedback_false,
    )
    assert q.explanation == "Look up."


def test_short_answer():
    result = parse_gift("What lets a child explore? {=a secure base =secure base#close =%50%safety =%0%no ####Why.}")[0]
    q = result.question
    assert q.kind == "short"
    assert q.accept == ("a secure base", "secure base", "safety")
    assert any("feedback on short answers" in note for note in result.notes)
    assert any("'safety' had partial credit" in note for note in result.notes)
    assert one("Name it. {=joy ####Why.}").accept == ("joy",)


def test_matching():
    q = one(
        "Match who said it. {=Heidi -> relationship =Denise -> emotional development =Anne -> earliest days ####Why.}"
    )
    assert q.kind == "matching"
    assert q.pairs == (
        Pair("Heidi", "relationship"),
        Pair("Denise", "emotional development"),
        Pair("Anne", "earliest days"),
    )


def test_missing_word_becomes_a_blank():
    q = one("Grant is {~buried =entombed ~living####Entombed.} in Grant's tomb.")
    assert q.prompt == "Grant is _____ in Grant's tomb."


def test_comments_categories_and_blank_lines_separate_questions():
    text = (
        "\ufeff// a comment\n$CATEGORY: $course$/Module 1\n\n"
        "First? {T####A.}\n// a comment inside\n\n\n"
        "Second? {F####B.}\r\n\r\n"
        "Third? {=x ~y ####C.}\n"
    )
    results = parse_gift(text)
    assert [(r.number, r.line, r.question.prompt) for r in results] == [
        (1, 4, "First?"),
        (2, 8, "Second?"),
        (3, 10, "Third?"),
    ]


def test_escapes():
    q = one(
        r"Escaped \{braces\}, \~tilde, \= equals, \# hash, a\: colon and a \\ backslash. {=a\=b #x\#y ~c\}####one\ntwo}"
    )
    assert q.prompt == "Escaped {braces}, ~tilde, = equals, # hash, a: colon and a \\ backslash."
    assert q.choices == (Choice("a=b", True, "x#y"), Choice("c}", False))
    assert q.explanation == "one\ntwo"
    assert one(r"::A\:B:: Title with colon {T####x}").id == "a-b"


def test_html_format_marker_is_dropped():
    assert one("[html]Is it? {T####Yes.}").prompt == "Is it?"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Tell us about it. {}", "essay questions ({}) are not supported"),
        ("How many? {#3:1}", "numerical questions ({#...}) are not supported"),
        ("Just some text.", "a description (text with no answers in { }) is not a question"),
        ("Open {=a ~b", "the { of the answers is never closed with }"),
        ("Closed } before {=a}", "a } comes before the { of the answers"),
        ("Two {=a ~b} blocks {=c ~d}", "only one { } block of answers"),
        ("::Unclosed title {T####x}", "the title is not closed"),
        ("Pick {a ~b ####x}", "'a' is not an answer: each answer starts with = (right) or ~ (wrong)"),
        ("Match {=a -> b =c ####x}", "every answer is written = left -> right"),
        ("Match {=a -> b =c -> d = -> extra ####x}", "nothing on the left (extra wrong answers) are not supported"),
        ("Pick {=a ~b}", NO_EXPLANATION),
        ("Pick {=a ~b ####}", NO_EXPLANATION),
        # the quiz.yml rules, with their own words
        ("Pick {~a ~b ####x}", "a single question needs exactly one correct choice (found 0)"),
        ("Pick {=same ~Same! ####x}", "duplicate choice 'Same!'"),
        ("Pick {=only ~ ####x}", "'text' cannot be empty"),
        ("Match {=a -> b ####x}", "a matching question needs at least 2 pairs (found 1)"),
        ("Type {=!!! ####x}", "accepted answer '!!!' is empty once case, spacing and punctuation go"),
    ],
)
def test_questions_that_cannot_be_imported_say_why(text, message):
    assert error(text).startswith("Question 1 (line 1): ")
    assert message in error(text)


def test_errors_name_the_question_and_its_line_and_good_ones_still_come_through():
    text = "Good? {T####x}\n\n// note\nEssay. {}\n\n\nAlso good? {=a ~b ####y}\n\nNo answers here.\n"
    results = parse_gift(text)
    assert [r.error for r in results if r.error] == [
        "Question 2 (line 4): essay questions ({}) are not supported: answers here are graded automatically",
        "Question 4 (line 9): a description (text with no answers in { }) is not a question: not imported",
    ]
    assert [r.question.prompt for r in results if r.question] == ["Good?", "Also good?"]
    assert results[1].source == "Essay. {}"


def test_keys_are_unique_in_the_batch_and_among_taken():
    results = parse_gift("Same? {T####x}\n\nSame? {F####x}\n\n::Ça va:: Fine? {T####x}", taken={"same"})
    assert [r.question.id for r in results] == ["same-2", "same-3", "ca-va"]
    assert make_key("", set()) == "question"
    assert make_key("One two three four five six seven eight", set()) == "one-two-three-four-five-six"
    assert len(make_key("x" * 200, set())) <= 60
