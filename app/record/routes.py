"""The learner's own training record, its CSV and certificate; the public certificate check."""

from __future__ import annotations

from flask import Response, abort, render_template, url_for
from flask_login import current_user, login_required

from app.csv_export import csv_response
from app.database import write_intent
from app.extensions import db
from app.models import Certificate
from app.record import bp
from app.record.pdf import certificate_pdf, long_date
from app.record.service import (
    COURSE_TITLE,
    Record,
    certificate_of,
    csv_rows,
    ensure_certificate,
    find_certificate,
    format_hours,
    format_score,
    learner_record,
)

NOT_COMPLETE = (
    "Your certificate is issued when you have completed every module of the course. "
    "Your training record shows what is left."
)
NO_SUCH_CODE = (
    "No certificate was found with this verification code. Check the code printed on the certificate and try again."
)


@bp.app_template_filter("record_hours")
def hours_filter(hours: float) -> str:
    return format_hours(hours)


@bp.app_template_filter("record_score")
def score_filter(score: float | None) -> str:
    return format_score(score)


@bp.app_template_filter("record_date")
def long_date_filter(moment) -> str:
    return long_date(moment)


def _my_certificate(record: Record) -> Certificate | None:
    """The signed-in learner's certificate, issued now if they have just completed the course."""
    certificate = certificate_of(db.session, current_user.id)
    if certificate is None and record.course_complete:
        db.session.commit()  # end the read transaction; the write below begins IMMEDIATE on SQLite
        with write_intent():
            certificate = ensure_certificate(db.session, current_user, record)
            db.session.commit()
    return certificate


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/record")
@login_required
def index():
    record = learner_record(db.session, current_user.id)
    certificate = _my_certificate(record)
    return render_template("record/index.html", record=record, certificate=certificate, course_title=COURSE_TITLE)


@bp.route("/record.csv")
@login_required
def export_csv():
    record = learner_record(db.session, current_user.id)
    return _private(csv_response(csv_rows(record), "training-record.csv"))


@bp.route("/certificate.pdf")
@login_required
def certificate():
    record = learner_record(db.session, current_user.id)
    issued = _my_certificate(record)
    if issued is None:
        abort(404, NOT_COMPLETE)
    verify_url = url_for("record.verify", code=issued.code, _external=True)
    response = Response(certificate_pdf(issued, verify_url), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{issued.code}.pdf"'
    return _private(response)


@bp.route("/verify/<code>")
def verify(code: str):
    """Anyone may check a certificate: only the name, course, date and hours are shown."""
    found = find_certificate(db.session, code)
    if found is None:
        abort(404, NO_SUCH_CODE)
    return render_template("record/verify.html", certificate=found)
