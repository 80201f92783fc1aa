"""What confuses a team: the statistics and the chart on their own, then the page."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from markupsafe import Markup

from app.course.states import ModuleFacts
from app.supervise import charts
from app.supervise.insights import (
    AttemptFacts,
    DayCount,
    QuestionStats,
    completion_times,
    cumulative_by_day,
    first_attempts,
    first_passes,
    hardest_first,
    question_stats,
)
from tests.test_supervise_learner import (  # noqa: F401 - importing the autouse fixture applies it here too
    M1,
    M2,
    WRONG_M1,
    complete_lessons,
    take_quiz,
    team_id,
)

SVG = "{http://www.w3.org/2000/svg}"


def result(qid: str, correct: bool, *given: str) -> dict:
    return {"id": qid, "number": 1, "correct": correct, "given": list(given)}


def attempt(user: int, number: int, *results: dict, quiz: int = 1, passed: bool = False, when=None) -> AttemptFacts:
    return AttemptFacts(user, quiz, number, passed, when or datetime(2025, 3, number), tuple(results))


# Statistics --------------------------------------------------------------------------------------


def test_first_attempts_are_the_lowest_submitted_number():
    later = attempt(1, 2, result("q", True))
    first = attempt(1, 1, result("q", False, "x"))
    unsubmitted = AttemptFacts(2, 1, 1, False, None, ())
    other_quiz = attempt(1, 1, quiz=2)
    assert first_attempts([later, first, unsubmitted, other_quiz]) == [first, other_quiz]


def test_first_passes_are_the_earliest_passing_submission():
    attempts = [
        attempt(1, 1, passed=False, when=datetime(2025, 3, 1)),
        attempt(1, 3, passed=True, when=datetime(2025, 3, 9)),
        attempt(1, 2, passed=True, when=datetime(2025, 3, 5)),
    ]
    assert first_passes(attempts) == {(1, 1): datetime(2025, 3, 5)}


def test_question_stats_count_first_attempts_and_the_most_chosen_wrong_answer():
    attempts = [
        attempt(1, 1, result("a", False, "Nine"), result("b", False, "B", "A"), result("gone", False, "x")),
        attempt(1, 2, result("a", True, "9"), result("b", True, "A")),  # a second attempt never counts
        attempt(2, 1, result("a", False, "nine!"), result("b", False, "A", "B")),
        attempt(3, 1, result("a", False, "ten"), result("b", True, "A")),
        attempt(4, 1, result("a", True, "9"), result("b", False, "C")),
    ]
    a, b, c = question_stats([(1, "a"), (1, "b"), (1, "c")], attempts)
    assert (a.answered, a.correct, a.wrong, a.percent) == (4, 1, 3, 25)
    assert (a.top_wrong, a.top_wrong_count) == ("Nine", 2)  # "Nine" and "nine!" are the same answer
    assert (b.answered, b.correct, b.top_wrong, b.top_wrong_count) == (4, 1, "B; A", 2)  # order does not matter
    assert (c.answered, c.share, c.percent, c.top_wrong) == (0, None, None, None)


def test_a_tie_between_wrong_answers_goes_to_the_first_alphabetically():
    attempts = [attempt(1, 1, result("a", False, "Zebra")), attempt(2, 1, result("a", False, "Apple"))]
    (stats,) = question_stats([(1, "a")], attempts)
    assert (stats.top_wrong, stats.top_wrong_count) == ("Apple", 1)


def test_a_wrong_result_with_nothing_chosen_counts_as_wrong_but_names_no_answer():
    (stats,) = question_stats([(1, "a")], [attempt(1, 1, result("a", False))])
    assert (stats.answered, stats.wrong, stats.top_wrong) == (1, 1, None)


def test_hardest_first_then_more_answers_then_the_order_given():
    stats = [
        QuestionStats(1, "easy", 4, 4),
        QuestionStats(1, "unanswered", 0, 0),
        QuestionStats(1, "half-of-two", 2, 1),
        QuestionStats(1, "none-of-one", 1, 0),
        QuestionStats(1, "half-of-four", 4, 2),
        QuestionStats(1, "none-of-three", 3, 0),
        QuestionStats(1, "also-half-of-four", 4, 2),
    ]
    assert [s.key for s in hardest_first(stats)] == [
        "none-of-three",
        "none-of-one",
        "half-of-four",
        "also-half-of-four",
        "half-of-two",
        "easy",
        "unanswered",
    ]


def test_completion_times_follow_the_module_rules():
    facts = [
        ModuleFacts(1, frozenset(), frozenset({11, 12}), frozenset({11, 12, 13}), quiz_id=100),
        ModuleFacts(2, frozenset({1}), frozenset({21}), frozenset({21})),
        ModuleFacts(3, frozenset(), frozenset({31}), frozenset({31}), quiz_id=300),
    ]
    lessons = {11: datetime(2025, 3, 1), 12: datetime(2025, 3, 4), 21: datetime(2025, 3, 2), 31: datetime(2025, 3, 9)}
    passed = {100: datetime(2025, 3, 3)}  # module 3's quiz is not passed
    assert completion_times(facts, lessons, passed) == {1: datetime(2025, 3, 4), 2: datetime(2025, 3, 2)}
    passed[100] = datetime(2025, 3, 6)  # a pass after the last lesson dates the module
    assert completion_times(facts, lessons, passed)[1] == datetime(2025, 3, 6)
    del lessons[12]  # an optional lesson does not matter, a missing required one does
    assert completion_times(facts, lessons, passed) == {2: datetime(2025, 3, 2)}


def test_cumulative_by_day():
    moments = [datetime(2025, 3, 3, 23), datetime(2025, 3, 1, 8), datetime(2025, 3, 3, 1), date(2025, 3, 5)]
    assert cumulative_by_day(moments) == [
        DayCount(date(2025, 3, 1), 1, 1),
        DayCount(date(2025, 3, 3), 2, 3),
        DayCount(date(2025, 3, 5), 1, 4),
    ]
    assert cumulative_by_day([]) == []


# The chart ---------------------------------------------------------------------------------------


def draw(points, **labels) -> ET.Element:
    svg = charts.cumulative_chart(
        points,
        title=labels.get("title", "Completions"),
        description=labels.get("description", "A running total."),
        x_label=labels.get("x_label", "Date"),
        y_label=labels.get("y_label", "Total"),
        chart_id=labels.get("chart_id", "c"),
    )
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))  # well-formed XML, or this raises


def points_of(root: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]


def test_the_chart_is_accessible_svg():
    root = draw([(date(2025, 3, 1), 1), (date(2025, 3, 4), 3)], title="Team completions", description="Up to 3.")
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    title, desc = list(root)[:2]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "c-title", "Team completions")
    assert (desc.tag, desc.get("id"), desc.text) == (f"{SVG}desc", "c-desc", "Up to 3.")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Date" in texts and "Total" in texts  # axis labels
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"] == ["1", "3"]
    tips = [t.text for c in root.iter(f"{SVG}circle") for t in c.iter(f"{SVG}title")]
    assert tips == ["1 Mar 2025: 1", "4 Mar 2025: 3"]


def test_the_chart_has_no_inline_styles():
    root = draw([(date(2025, 3, d), d) for d in range(1, 30)])
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag != f"{SVG}style"
        assert element.tag != f"{SVG}script"


def test_the_chart_escapes_its_labels():
    nasty = '<script>alert("x")</script> & Co\'s team'
    root = draw([(date(2025, 3, 1), 2)], title=nasty, description=nasty, x_label=nasty, y_label=nasty, chart_id='a"b')
    assert root.find(f"{SVG}title").text == nasty
    assert root.find(f"{SVG}desc").text == nasty
    assert sum(1 for t in root.iter(f"{SVG}text") if t.text == nasty) == 2
    assert not list(root.iter(f"{SVG}script"))
    assert root.find(f"{SVG}title").get("id") == 'a"b-title'


def test_the_chart_scales_time_and_totals_onto_the_plot():
    root = draw([(date(2025, 3, 11), 5), (date(2025, 3, 1), 1), (date(2025, 3, 6), 3)])  # any order
    (x0, y0), (x1, y1), (x2, y2) = points_of(root)
    left, right = charts.MARGIN_LEFT, charts.WIDTH - charts.MARGIN_RIGHT
    top, bottom = charts.MARGIN_TOP, charts.HEIGHT - charts.MARGIN_BOTTOM
    assert (x0, x2) == (left, right)  # first and last day at the ends
    assert x1 == pytest.approx((left + right) / 2)  # time is to scale: the 6th is halfway
    assert y2 == top  # 5 is the top of a 0-5 axis
    assert y0 == pytest.approx(bottom - (bottom - top) / 5)
    assert y1 == pytest.approx(bottom - 3 * (bottom - top) / 5)
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ticks[:6] == ["0", "1", "2", "3", "4", "5"]
    assert ticks[6:] == ["1 Mar 2025", "6 Mar 2025", "11 Mar 2025"]


def test_a_single_day_sits_in_the_middle_and_an_empty_chart_still_draws():
    ((x, y),) = points_of(draw([(date(2025, 3, 1), 1)]))
    assert x == pytest.approx((charts.MARGIN_LEFT + charts.WIDTH - charts.MARGIN_RIGHT) / 2)
    assert y == charts.MARGIN_TOP
    assert points_of(draw([])) == []


@pytest.mark.parametrize(
    ("largest", "step", "top"), [(0, 1, 1), (1, 1, 1), (5, 1, 5), (6, 2, 6), (9, 2, 10), (23, 5, 25), (180, 50, 200)]
)
def test_value_axis_steps_are_whole_and_few(largest, step, top):
    assert charts.nice_step(largest) == step
    got_top, ticks = charts.y_axis(largest)
    assert got_top == top and ticks[0] == 0 and ticks[-1] == top and len(ticks) <= 6


def test_long_series_label_a_spread_of_points_and_ticks():
    root = draw([(date(2025, 1, 1) + timedelta(days=i), i + 1) for i in range(60)])
    values = [t for t in root.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    assert len(values) <= charts.MAX_POINT_LABELS and values[-1].text == "60"
    assert len(list(root.iter(f"{SVG}circle"))) == 60


# The page ----------------------------------------------------------------------------------------


@pytest.fixture
def team_a(app, make_user, course):
    """Three learners in Team A with first attempts that disagree, and a supervisor."""
    one = make_user("learner", team="Team A", name="One")
    two = make_user("learner", team="Team A", name="Two")
    three = make_user("learner", team="Team A", name="Three")
    supervisor = make_user("supervisor", supervises="Team A")
    # One: two wrong at first (fails), right the second time (which must not count).
    complete_lessons(app, one, M1, when=datetime(2025, 3, 1, 9))
    take_quiz(
        app, one, choose={"not-about-illness": WRONG_M1, "relationship-first": "false"}, when=datetime(2025, 3, 1, 10)
    )
    take_quiz(app, one, when=datetime(2025, 3, 3, 10))
    # Two: the same wrong choice, passes at once.
    complete_lessons(app, two, M1, when=datetime(2025, 3, 2, 9))
    take_quiz(app, two, choose={"not-about-illness": WRONG_M1}, when=datetime(2025, 3, 2, 10))
    # Three: another wrong choice; passes the quiz before finishing the lessons (the later date counts).
    take_quiz(app, three, choose={"not-about-illness": "Teaching babies to behave well"}, when=datetime(2025, 3, 1, 11))
    complete_lessons(app, three, M1, when=datetime(2025, 3, 4, 9))
    # One alone takes module 2's quiz with one wrong answer (0 of 1: as hard, but fewer answers).
    take_quiz(app, one, slug=M2, choose={"whole-development": "true"}, when=datetime(2025, 3, 5))
    return supervisor


def rows_of(page: str, table_class: str) -> list[str]:
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', page, re.S).group(1)
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S)


def test_hardest_questions_first_with_the_most_chosen_wrong_answer(app, client, auth, team_a):
    auth.login(team_a)
    response = client.get(f"/supervise/teams/{team_id(app, 'Team A')}/insights")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = rows_of(page, "insights-table")
    first, second, third = rows[:3]
    assert "What does she say infant mental health is really about?" in first
    assert "0 of 3 (0%)" in first
    assert f'{WRONG_M1} <span class="meta">(2 of 3 wrong)</span>' in first
    assert 'href="/modules/what-is-infant-mental-health/watch-the-video?t=12">Rewatch 0:12–0:18</a>' in first
    assert "0 of 1 (0%)" in second and "True <span" in second and "No video moment" in second  # module 2
    assert "Heidi Maderia says infant mental health concerns the relationship" in third
    assert "2 of 3 (67%)" in third and "False <span" in third
    assert all("3 of 3 (100%)" in row or "1 of 1 (100%)" in row for row in rows[3:])
    assert "None: everyone was right" in rows[3]
    assert len(rows) == 9 + 7  # every question of both quizzes someone has answered
    assert "3 people so far" in page


def test_the_completions_chart_and_table_give_the_same_numbers(app, client, auth, team_a):
    auth.login(team_a)
    page = client.get(f"/supervise/teams/{team_id(app, 'Team A')}/insights").get_data(as_text=True)
    table = [re.findall(r">(\d[^<]*)<", row) for row in rows_of(page, "completions-table")]
    assert table == [["02 Mar 2025", "1", "1"], ["03 Mar 2025", "1", "2"], ["04 Mar 2025", "1", "3"]]
    svg = ET.fromstring(re.search(r"<svg xmlns=.*?</svg>", page, re.S).group(0))
    assert svg.get("role") == "img" and svg.find(f"{SVG}title").text == "Module completions by Team A over time"
    values = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-value"]
    tips = [t.text for c in svg.iter(f"{SVG}circle") for t in c.iter(f"{SVG}title")]
    assert values == [total for _, _, total in table]
    assert tips == ["2 Mar 2025: 1", "3 Mar 2025: 2", "4 Mar 2025: 3"]
    assert 'style="' not in page


def test_an_empty_team_gets_an_empty_state(app, client, auth, make_user, course):
    make_user("learner", team="Team A")
    auth.login(make_user("supervisor", supervises="Team A"))
    page = client.get(f"/supervise/teams/{team_id(app, 'Team A')}/insights").get_data(as_text=True)
    assert "No one in this team has submitted a quiz yet." in page
    assert "No one in this team has completed a module yet." in page
    assert "<svg" not in page


def test_another_teams_supervisor_gets_404(app, client, auth, make_user, team_a):
    make_user("supervisor", supervises="Team B")
    auth.login(make_user("supervisor", supervises="Team C"))
    assert client.get(f"/supervise/teams/{team_id(app, 'Team A')}/insights").status_code == 404


def test_the_insights_page_takes_a_fixed_number_of_queries(app, client, auth, make_user, course):
    from tests.test_supervise_learner import count_queries

    make_user("learner", team="Team A")
    auth.login(make_user("supervisor", supervises="Team A"))
    url = f"/supervise/teams/{team_id(app, 'Team A')}/insights"
    few = count_queries(app, client, url)
    for n in range(3):
        learner = make_user("learner", team="Team A")
        complete_lessons(app, learner, M1, when=datetime(2025, 3, 1 + n, 9))
        take_quiz(app, learner, right=False)
        take_quiz(app, learner, when=datetime(2025, 3, 1 + n, 10))
    assert count_queries(app, client, url) == few
