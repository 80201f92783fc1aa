"""The training record page, its CSV, the certificate PDF and the public certificate check."""

from __future__ import annotations

import csv
import io
import re
import zlib
from datetime import datetime

from sqlalchemy import event, func, select

from app.extensions import db
from app.models import Certificate, Lesson, LessonProgress, Module, Quiz, QuizAttempt, User
from app.record.pdf import latin1
from app.record.service import (
    COURSE_TITLE,
    CSV_HEADER,
    ensure_certificate,
    learner_record,
    normalize_code,
)

M1 = "what-is-infant-mental-health"
M2 = "signs-of-good-infant-mental-health"
M3 = "trauma-and-resilience-in-infancy"
CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0)


def complete_module(
    app,
    user: User,
    slug: str,
    lessons_on: datetime | list[datetime] | None = None,
    scores: tuple[tuple[float, datetime], ...] | None = None,
    pass_mark: float = 80.0,
) -> None:
    """Lessons completed and quiz attempts submitted, straight into the database."""
    lessons_on = at(1) if lessons_on is None else lessons_on
    scores = ((90.0, at(2)),) if scores is None else scores
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        lessons = module.active_lessons
        dates = lessons_on if isinstance(lessons_on, list) else [lessons_on] * len(lessons)
        for lesson, done in zip(lessons, dates, strict=False):
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, started_at=done, completed_at=done))
        quiz = module.active_quiz
        for number, (score, submitted) in enumerate(scores, start=1):
            db.session.add(
                QuizAttempt(
                    user_id=user.id,
                    quiz_id=quiz.id,
                    number=number,
                    seed=str(number),
                    questions=[],
                    pass_mark=pass_mark,
                    show_answers="after_pass",
                    answers={},
                    score=score,
                    passed=score >= pass_mark,
                    started_at=submitted,
                    submitted_at=submitted,
                )
            )
        db.session.commit()


def complete_course(app, user: User) -> None:
    complete_module(app, user, M1, at(1), ((90.0, at(2)),))
    complete_module(app, user, M2, at(3), ((85.0, at(4)),))
    complete_module(app, user, M3, at(5), ((100.0, at(6, 15)),))


def pdf_text(data: bytes) -> bytes:
    """Every content stream of a PDF, inflated."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1)
        try:  # a decompressor object ignores the end-of-line bytes after the compressed data
            parts.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            parts.append(raw)
    return b"\n".join(parts)


def read_csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def certificates(app) -> list[Certificate]:
    with app.app_context():
        found = db.session.scalars(select(Certificate)).all()
        for certificate in found:
            db.session.expunge(certificate)
        return list(found)


# The page ------------------------------------------------------------------------------------


def test_record_needs_sign_in_and_has_a_nav_link(client, auth, make_user, course):
    assert "/login" in client.get("/record").headers["Location"]
    assert "/login" in client.get("/record.csv").headers["Location"]
    assert "/login" in client.get("/certificate.pdf").headers["Location"]
    auth.login(make_user("learner"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/record"' in home and "My training record" in home


def test_empty_record_says_what_to_do(client, auth, make_user, course):
    auth.login(make_user("learner"))
    response = client.get("/record")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>My training record</h1>" in page
    assert "Nothing completed yet" in page
    assert "0 of 3 modules complete" in page
    assert 'class="table-scroll"' in page
    assert "Still to do" in page and "Download my certificate" not in page
    assert re.search(r"Total continuing-education hours</th>\s*<td[^>]*><strong>0</strong>", page)


def test_record_with_no_course_published(client, auth, make_user):
    auth.login(make_user("learner"))
    page = client.get("/record").get_data(as_text=True)
    assert "No modules yet" in page
    assert client.get("/certificate.pdf").status_code == 404


def test_completed_module_shows_its_date_best_score_and_hours(app, client, auth, make_user, course):
    user = make_user("learner")
    # Lessons done on 1 and 2 March; failed on the 2nd, first passed on the 3rd, a better score on the 5th.
    complete_module(app, user, M1, [at(1), at(2)], ((50.0, at(2, 12)), (90.0, at(3)), (100.0, at(5))), pass_mark=80.0)
    auth.login(user)
    page = client.get("/record").get_data(as_text=True)
    assert "Nothing completed yet" not in page
    assert "1 of 3 modules complete" in page
    row = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"/modules/what-is-infant-mental-health\">.*?</tr>", page, re.S)
    assert row, page
    cells = row.group(0)
    assert "✓" in cells and "Complete" in cells
    assert '<time datetime="2026-03-03">3 March 2026</time>' in cells  # the first pass, not the later attempt
    assert "100%" in cells  # the best score
    assert ">0.25<" in cells
    assert re.search(r"Total continuing-education hours</th>\s*<td[^>]*><strong>0.25</strong>", page)
    # A module not finished earns no hours yet.
    assert "0 of 0.5" in page


def test_completion_date_is_the_later_of_lessons_and_quiz(app, make_user, course):
    user = make_user("learner")
    complete_module(app, user, M1, [at(1), at(9)], ((95.0, at(4)),))  # a lesson redone after the quiz
    with app.app_context():
        record = learner_record(db.session, user.id)
    first = record.rows[0]
    assert first.complete and first.completed_at == at(9)
    assert first.best_score == 95.0 and first.hours == 0.25
    assert [row.complete for row in record.rows] == [True, False, False]
    assert record.total_hours == 0.25 and not record.course_complete and record.completed_at is None


def test_a_failed_quiz_shows_its_score_but_no_completion(app, make_user, course):
    user = make_user("learner")
    complete_module(app, user, M1, at(1), ((40.0, at(2)), (70.0, at(3))))
    with app.app_context():
        row = learner_record(db.session, user.id).rows[0]
    assert not row.complete and row.state.value == "in progress"
    assert row.completed_at is None and row.best_score == 70.0 and row.hours == 0


def test_draft_modules_are_left_out(app, make_user, course):
    user = make_user("learner")
    with app.app_context():
        db.session.scalar(select(Module).where(Module.slug == M3)).published = False
        db.session.commit()
    complete_module(app, user, M1)
    complete_module(app, user, M2, at(3), ((85.0, at(4)),))
    with app.app_context():
        record = learner_record(db.session, user.id)
    assert [row.slug for row in record.rows] == [M1, M2]
    assert record.course_complete and record.total_hours == 0.75


# CSV -----------------------------------------------------------------------------------------


def test_csv_has_a_header_and_a_row_per_module(app, client, auth, make_user, course):
    user = make_user("learner")
    complete_module(app, user, M1, at(1), ((90.0, at(2)),))
    auth.login(user)
    response = client.get("/record.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    rows = read_csv(response)
    assert rows[0] == list(CSV_HEADER) == ["Module", "Status", "Completed on", "Best quiz score", "CE hours"]
    assert rows[1] == ["What is Infant Mental Health?", "Complete", "2026-03-02", "90%", "0.25"]
    assert rows[2][0] == "Signs of good infant mental health (birth to five)"
    assert rows[2][1:] == ["Available", "", "", "0"]
    assert rows[3][1:] == ["Locked", "", "", "0"]
    assert len(rows) == 4


def test_csv_neutralizes_formulas_in_author_text(app, client, auth, make_user, course):
    with app.app_context():
        db.session.scalar(select(Module).where(Module.slug == M1)).title = '=HYPERLINK("http://evil.test","Click")'
        db.session.scalar(select(Module).where(Module.slug == M2)).title = "@SUM(A1:A2)"
        db.session.scalar(select(Module).where(Module.slug == M3)).title = "-1+2 “quoted” é"
        db.session.commit()
    auth.login(make_user("learner"))
    rows = read_csv(client.get("/record.csv"))
    assert rows[1][0] == '\'=HYPERLINK("http://evil.test","Click")'
    assert rows[2][0] == "'@SUM(A1:A2)"
    assert rows[3][0] == "'-1+2 “quoted” é"  # UTF-8 kept


# Certificate ---------------------------------------------------------------------------------


def test_no_certificate_until_every_module_is_complete(app, client, auth, make_user, course):
    user = make_user("learner")
    complete_module(app, user, M1)
    complete_module(app, user, M2, at(3), ((85.0, at(4)),))
    auth.login(user)
    page = client.get("/record").get_data(as_text=True)
    assert "Still to do" in page and "Trauma and resilience in infancy" in page
    response = client.get("/certificate.pdf")
    assert response.status_code == 404
    assert "issued when you have completed every module" in response.get_data(as_text=True)
    assert certificates(app) == []


def test_completing_the_course_issues_one_certificate(app, client, auth, make_user, course):
    user = make_user("learner", name="Zoë O’Brien-Łukasiewicz")
    complete_course(app, user)
    auth.login(user)
    page = client.get("/record").get_data(as_text=True)
    issued = certificates(app)
    assert len(issued) == 1
    certificate = issued[0]
    assert CODE.fullmatch(certificate.code)
    assert certificate.name == "Zoë O’Brien-Łukasiewicz" and certificate.course_title == COURSE_TITLE
    assert certificate.hours == 1.25 and certificate.completed_on == at(6, 15)
    assert certificate.code in page and "Download my certificate (PDF)" in page
    assert f'href="/verify/{certificate.code}"' in page
    assert "3 of 3 modules complete" in page

    # Visiting again, or downloading, never issues another.
    client.get("/record")
    response = client.get("/certificate.pdf")
    assert [c.code for c in certificates(app)] == [certificate.code]

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_data()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert latin1("Zoë O’Brien-Łukasiewicz") == "Zoë O'Brien-Lukasiewicz"  # what the core PDF font can print
    assert "Zoë O'Brien-Lukasiewicz".encode("latin-1") in text
    for expected in (
        "This certifies that",
        "completed the course",
        COURSE_TITLE,
        "Completed on 6 March 2026",
        "Continuing-education hours: 1.25",
        f"Verification code: {certificate.code}",
        f"http://localhost/verify/{certificate.code}",
    ):
        assert expected.encode("latin-1") in text, expected


def test_ensure_certificate_is_idempotent(app, make_user, course):
    user = make_user("learner")
    complete_course(app, user)
    with app.app_context():
        person = db.session.get(User, user.id)
        record = learner_record(db.session, user.id)
        first = ensure_certificate(db.session, person, record)
        db.session.commit()
        second = ensure_certificate(db.session, person, learner_record(db.session, user.id))
        db.session.commit()
        assert first.code == second.code
        assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_the_certificate_route_issues_it_too(app, client, auth, make_user, course):
    user = make_user("learner")
    complete_course(app, user)
    auth.login(user)
    assert client.get("/certificate.pdf").status_code == 200
    assert len(certificates(app)) == 1


def test_another_learner_never_gets_my_certificate(app, client, auth, make_user, course):
    me = make_user("learner", name="Amara First")
    other = make_user("learner", name="Bea Second")
    complete_course(app, me)
    auth.login(me)
    client.get("/record")
    mine = certificates(app)[0]
    auth.logout()

    auth.login(other)
    page = client.get("/record").get_data(as_text=True)
    assert mine.code not in page and "Amara First" not in page
    assert client.get("/certificate.pdf").status_code == 404

    complete_course(app, other)
    pdf = pdf_text(client.get("/certificate.pdf").get_data())
    assert b"Bea Second" in pdf and b"Amara First" not in pdf and mine.code.encode() not in pdf
    codes = {c.user_id: c.code for c in certificates(app)}
    assert len(set(codes.values())) == 2 and codes[me.id] == mine.code


# Public check --------------------------------------------------------------------------------


def test_verify_works_signed_out_and_shows_only_the_certificate(app, client, auth, make_user, course):
    user = make_user("learner", name="Dana Verified", email="dana.private@example.test")
    complete_course(app, user)
    auth.login(user)
    client.get("/record")
    auth.logout()
    code = certificates(app)[0].code

    for typed in (code, code.lower(), code.replace("-", ""), code.replace("-", "").lower()):
        response = client.get(f"/verify/{typed}")
        assert response.status_code == 200, typed
        page = response.get_data(as_text=True)
        assert "Certificate verified" in page
        assert "Dana Verified" in page and COURSE_TITLE in page
        assert "6 March 2026" in page and "1.25" in page
        assert "dana.private@example.test" not in page and "@" not in page.split("<main")[1]
        assert "90%" not in page and "Best quiz score" not in page
        assert 'name="robots" content="noindex"' in page


def test_unknown_code_is_not_found(client, make_user):
    for code in ("ABCD-EFGH-JKLM", "not-a-code", "x" * 300):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        assert "No certificate was found with this verification code" in response.get_data(as_text=True)


def test_normalize_code():
    assert normalize_code("abcd efgh-jkLM") == "ABCD-EFGH-JKLM"
    assert normalize_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"
    assert normalize_code("ABCD-EFGH-JKL") is None
    assert normalize_code("ABCD-EFGH-JKL0") is None  # 0 is not in the alphabet
    assert normalize_code("A" * 100) is None


# Queries -------------------------------------------------------------------------------------


def _make_course(app, modules: int) -> None:
    with app.app_context():
        for n in range(1, modules + 1):
            module = Module(slug=f"m{n}", title=f"Module {n}", position=n, ce_hours=0.5, published=True)
            module.lessons = [Lesson(slug=f"l{i}", title=f"Lesson {i}", kind="reading", position=i) for i in (1, 2)]
            module.quiz = Quiz(title=f"Quiz {n}", settings={})
            db.session.add(module)
        db.session.commit()


def _count_statements(app, action) -> int:
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            action()
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
            db.session.remove()
    return len(statements)


def _record_queries(app, make_user, modules: int, client, auth) -> tuple[int, int]:
    _make_course(app, modules)
    user = make_user("learner")
    for n in range(1, modules + 1):
        # Every module complete but one; every quiz tried twice.
        complete_module(app, user, f"m{n}", at(1), ((50.0, at(2)), (90.0 if n > 1 else 60.0, at(3))))
    service = _count_statements(app, lambda: learner_record(db.session, user.id))
    auth.login(user)
    page = _count_statements(app, lambda: client.get("/record"))
    auth.logout()
    return service, page


def test_the_record_takes_a_fixed_number_of_queries(app, client, auth, make_user):
    small = _record_queries(app, make_user, 1, client, auth)
    with app.app_context():
        db.session.execute(Module.__table__.delete())
        db.session.commit()
    large = _record_queries(app, make_user, 3, client, auth)
    assert small == large, (small, large)
    assert small[0] <= 8, small
