"""The dependency audit's stand-in OSV feed, built from PyPI's project pages, and pip-audit reading it."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "audit"))

import audit  # noqa: E402
import pypi_feed  # noqa: E402

ADVISORY = {
    "id": "PYSEC-2099-1",
    "aliases": ["GHSA-aaaa-bbbb-cccc", "CVE-2099-1"],
    "details": "Crafted input runs code.",
    "summary": "Code execution",
    "fixed_in": ["2.0.1"],
    "withdrawn": None,
}
SAME_ADVISORY_UNDER_GHSA = {**ADVISORY, "id": "GHSA-aaaa-bbbb-cccc", "aliases": ["PYSEC-2099-1", "CVE-2099-1"]}


def project(latest: str, *advisories: dict) -> dict:
    return {"info": {"version": latest}, "vulnerabilities": list(advisories)}


def test_a_pin_on_the_latest_release_gets_its_advisories_in_osv_form():
    answer = pypi_feed.osv_answer("Demo_Package", "2.0", project("2.0", ADVISORY, SAME_ADVISORY_UNDER_GHSA))

    assert answer == {
        "vulns": [
            {
                "schema_version": "1.0.0",
                "id": "PYSEC-2099-1",
                "aliases": ["GHSA-aaaa-bbbb-cccc", "CVE-2099-1"],
                "details": "Crafted input runs code.",
                "summary": "Code execution",
                "affected": [
                    {
                        "package": {"name": "demo-package", "ecosystem": "PyPI"},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}],
                    }
                ],
            }
        ]
    }


def test_a_pin_with_no_advisories_gets_an_empty_list():
    assert pypi_feed.osv_answer("demo", "2.0.0", project("2.0")) == {"vulns": []}


def test_a_withdrawn_advisory_stays_marked_so_pip_audit_drops_it():
    withdrawn = {**ADVISORY, "withdrawn": "2099-02-01T00:00:00Z"}

    (record,) = pypi_feed.osv_answer("demo", "2.0", project("2.0", withdrawn))["vulns"]

    assert record["withdrawn"] == "2099-02-01T00:00:00Z"


@pytest.mark.parametrize("pinned", ["1.9", "2.1.dev1", "not-a-version"])
def test_a_pin_off_the_latest_release_is_refused_not_passed(pinned):
    with pytest.raises(pypi_feed.CannotTell, match=f"demo {pinned}"):
        pypi_feed.osv_answer("demo", pinned, project("2.0"))


def test_the_refusal_says_which_release_to_pin():
    with pytest.raises(pypi_feed.CannotTell) as refused:
        pypi_feed.osv_answer("demo", "1.9", project("2.0"))

    assert "not the latest release (2.0, out since" in str(refused.value)
    assert "Pin demo==2.0" in str(refused.value)


@pytest.fixture
def pypi_answering(monkeypatch):
    """Point the feed at a local server that answers every page with one status and body."""
    servers = []

    def answering(status: int, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setattr(
            pypi_feed, "PROJECT_PAGE", f"http://127.0.0.1:{server.server_address[1]}/pypi/{{name}}/json"
        )

    yield answering
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "body", "reason"), [(404, b"", "PyPI answered 404"), (200, b"<html>", "not JSON")])
def test_a_project_page_that_cannot_be_read_is_a_reason_not_a_crash(pypi_answering, status, body, reason):
    pypi_answering(status, body)

    with pytest.raises(pypi_feed.CannotTell, match=reason):
        pypi_feed.fetch_project("demo", timeout=5)


def test_pypi_out_of_reach_is_a_reason_not_a_crash(monkeypatch):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed again below: nothing listens there
    monkeypatch.setattr(pypi_feed, "PROJECT_PAGE", f"http://127.0.0.1:{port}/pypi/{{name}}/json")

    with pytest.raises(pypi_feed.CannotTell, match="could not be reached"):
        pypi_feed.fetch_project("demo", timeout=5)


def released(on: str, latest: str = "2.0", *advisories: dict) -> dict:
    """A project page whose latest release's files were uploaded on that day."""
    return {**project(latest, *advisories), "urls": [{"upload_time_iso_8601": f"{on}T12:00:00.000000Z"}]}


NOW = datetime(2099, 3, 20, tzinfo=UTC)


def test_a_pin_behind_a_new_release_gets_its_advisories_and_a_warning_with_a_date():
    page = released("2099-03-17", "2.0", ADVISORY)

    assert [record["id"] for record in pypi_feed.osv_answer("demo", "1.9", page, now=NOW)["vulns"]] == ["PYSEC-2099-1"]
    warning = pypi_feed.lag_warning("demo", "1.9", page, now=NOW)
    assert warning == (
        "demo 1.9 is behind 2.0 (out since 2099-03-17): advisories fixed in between cannot be seen from here. "
        "Pin demo==2.0 before 2099-03-31, when this audit will fail."
    )


def test_a_pin_behind_a_release_out_for_two_weeks_is_refused():
    page = released("2099-03-05")

    assert pypi_feed.lag_warning("demo", "1.9", page, now=NOW) is None
    with pytest.raises(pypi_feed.CannotTell, match=r"\(2.0, out since 2099-03-05\)\."):
        pypi_feed.osv_answer("demo", "1.9", page, now=NOW)


def test_a_pin_on_the_latest_release_has_no_warning():
    assert pypi_feed.lag_warning("demo", "2.0", released("2099-03-19"), now=NOW) is None


def test_every_pin_that_cannot_be_checked_is_listed_at_once():
    pages = {"old-one": project("2.0"), "current": project("1.0"), "old-two": project("5.0")}

    reasons = audit.uncheckable([("old-one", "1.0"), ("current", "1.0"), ("old-two", "4.0")], pages.__getitem__)

    assert [reason.split(" is ")[0] for reason in reasons] == ["old-one 1.0", "old-two 4.0"]


def test_pins_are_read_with_extras_dropped_and_other_lines_ignored(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# a comment\n-r base.txt\npsycopg[binary]==3.3.9\nFlask == 3.1.3  # why\nrequests>=2\n\nzope.interface==7.2\n"
    )

    assert audit.pins(requirements) == [("psycopg", "3.3.9"), ("Flask", "3.1.3"), ("zope.interface", "7.2")]


@pytest.mark.parametrize(
    ("release_pages", "osv", "expected"),
    [(True, True, "pypi"), (False, True, "osv"), (False, False, "project pages")],
)
def test_the_first_feed_that_answers_is_used(monkeypatch, release_pages, osv, expected):
    def answers(request):
        url = request if isinstance(request, str) else request.full_url
        return release_pages if url.startswith("https://pypi.org/") else osv

    monkeypatch.setattr(audit, "answers", answers)

    assert audit.reachable_feed("flask", "3.1.3") == expected


def run_pip_audit(feed_pages: dict, requirement: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """pip-audit itself, reading the stand-in feed: what `make audit` runs where OSV cannot be reached."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(requirement + "\n")
    server = pypi_feed.serve(feed_pages.__getitem__)
    try:
        return subprocess.run(
            [sys.executable, "-m", "pip_audit", "--strict", "--no-deps", "--disable-pip", "--progress-spinner", "off"]
            + ["--vulnerability-service", "osv", "--osv-url", pypi_feed.query_url(server), "-r", str(requirements)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.shutdown()
        server.server_close()


def test_pip_audit_fails_on_an_advisory_from_the_feed(tmp_path):
    result = run_pip_audit({"demo-package": project("2.0", ADVISORY)}, "demo-package==2.0", tmp_path)

    assert result.returncode == 1, result.stderr
    assert "Found 1 known vulnerability in 1 package" in result.stderr
    assert "PYSEC-2099-1" in result.stdout and "2.0.1" in result.stdout


def test_pip_audit_passes_a_pin_with_no_advisories(tmp_path):
    result = run_pip_audit({"demo-package": project("2.0")}, "demo-package==2.0", tmp_path)

    assert result.returncode == 0, result.stderr
    assert "No known vulnerabilities found" in result.stderr


def test_pip_audit_fails_when_the_feed_cannot_tell(tmp_path, capfd):
    result = run_pip_audit({"demo-package": project("2.0", ADVISORY)}, "demo-package==1.0", tmp_path)

    assert result.returncode != 0
    assert "No known vulnerabilities found" not in result.stdout + result.stderr
    assert "demo-package 1.0 is not the latest release (2.0," in capfd.readouterr().err
