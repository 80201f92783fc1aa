"""The course certificate as a PDF, drawn with fpdf2 (no Flask).

The built-in Helvetica font keeps the file small and needs no font files on the server; it can
only print Latin-1, so typographic punctuation is turned into its plain form and any other
character into its closest unaccented letter (or "?").
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from fpdf import FPDF

from app.models import Certificate
from app.record.service import format_hours

PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "*",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        # Letters that Unicode does not decompose into a base letter and an accent
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0126": "H",
        "\u0127": "h",
        "\u0131": "i",
        "\u0152": "OE",
        "\u0153": "oe",
        "\u0166": "T",
        "\u0167": "t",
    }
)


def latin1(text: str) -> str:
    """``text`` as the core PDF fonts can print it."""
    out = []
    for char in text.translate(PLAIN):
        if ord(char) < 256:
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(plain or "?")
    return "".join(out)


def long_date(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def certificate_pdf(certificate: Certificate, verify_url: str, *, compress: bool = True) -> bytes:
    """A one-page landscape A4 certificate."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_title(latin1(f"Certificate of completion - {certificate.course_title}"))
    pdf.set_author(latin1(certificate.course_title))
    pdf.set_creator("Infant Mental Health for Home Visitors")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()

    pdf.set_draw_color(31, 78, 121)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, pdf.w - 28, pdf.h - 28)

    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: float, style: str = "", height: float = 10, gap: float = 0) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, height, latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")
        if gap:
            pdf.ln(gap)

    pdf.set_y(38)
    pdf.set_text_color(31, 78, 121)
    line("Certificate of completion", 30, "B", 14, 14)
    pdf.set_text_color(30, 30, 30)
    line("This certifies that", 14)
    line(certificate.name, 26, "B", 14)
    line("completed the course", 14)
    line(certificate.course_title, 18, "B", 12, 10)
    line(f"Completed on {long_date(certificate.completed_on)}", 13, "", 8)
    line(f"Continuing-education hours: {format_hours(certificate.hours)}", 13, "", 8, 10)
    pdf.set_text_color(80, 80, 80)
    line(f"Verification code: {certificate.code}", 11, "", 6)
    line(f"Check this certificate at {verify_url}", 10, "", 6)
    return bytes(pdf.output())
