"""An OSV-style vulnerability feed answered from PyPI's project pages, for pip-audit.

pip-audit asks PyPI's per-release pages (/pypi/<name>/<version>/json) or api.osv.dev. Where a network lets neither
through but does serve PyPI's project pages (/pypi/<name>/json), this feed stands in for OSV on 127.0.0.1.

A project page lists the advisories that affect the project's latest release, from the same PyPA advisory database
that OSV serves. So for a pin on the latest release the answer is the one OSV would give. For any other pin the page
cannot tell which advisories apply, and the feed refuses to answer rather than let "no known vulnerabilities" through.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"

FetchProject = Callable[[str], dict]
# How long a pin may stay behind a new release before the audit fails for want of a feed that can check it.
GRACE = timedelta(days=14)


class CannotTell(Exception):
    """The project page cannot say whether this pin is affected; the message says what to do."""


def fetch_project(name: str, timeout: float = 15.0) -> dict:
    """PyPI's JSON page for a project."""
    url = PROJECT_PAGE.format(name=canonicalize_name(name))
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a fixed https address)
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise CannotTell(f"{name}: PyPI answered {error.code} for {url}") from error
    except OSError as error:  # refused, reset, timed out: URLError and TimeoutError are OSErrors too
        raise CannotTell(f"{name}: PyPI could not be reached ({error})") from error
    except ValueError as error:
        raise CannotTell(f"{name}: PyPI's page at {url} is not JSON ({error})") from error


def osv_answer(name: str, version: str, project: dict, now: datetime | None = None) -> dict:
    """The answer api.osv.dev's /v1/query gives for one pin, built from the project's PyPI page.

    A pin behind a release younger than GRACE gets the latest release's advisories (those it most likely shares;
    `lag_warning` says what cannot be seen): a release should not turn the audit red the day it appears.
    """
    if not _on_latest(name, version, project) and not _within_grace(project, now):
        latest, released = project["info"]["version"], _released(project)
        raise CannotTell(
            f"{name} {version} is not the latest release ({latest}, out since "
            f"{f'{released:%Y-%m-%d}' if released else 'an unknown date'}). PyPI's project page lists advisories for "
            f"the latest release only, so this pin cannot be checked from here. Pin {name}=={latest} and run make "
            "test, or audit where pypi.org's release pages or api.osv.dev can be reached."
        )
    records, seen = [], set()
    for entry in project.get("vulnerabilities") or []:
        # PyPI lists one advisory under each database's id (PYSEC and GHSA), each naming the other as an alias.
        if seen.isdisjoint([entry["id"], *(entry.get("aliases") or [])]):
            records.append(_osv_record(canonicalize_name(name), entry))
        seen.update([entry["id"], *(entry.get("aliases") or [])])
    return {"vulns": records}


def lag_warning(name: str, version: str, project: dict, now: datetime | None = None) -> str | None:
    """What a pin behind a release out for less than GRACE leaves unchecked, and by when it must move."""
    if _on_latest(name, version, project) or not _within_grace(project, now):
        return None
    released = _released(project)
    due = released + GRACE
    latest = project["info"]["version"]
    return (
        f"{name} {version} is behind {latest} (out since {released:%Y-%m-%d}): advisories fixed in between cannot be "
        f"seen from here. Pin {name}=={latest} before {due:%Y-%m-%d}, when this audit will fail."
    )


def _within_grace(project: dict, now: datetime | None) -> bool:
    released = _released(project)
    return released is not None and (now or datetime.now(UTC)) < released + GRACE


def _on_latest(name: str, version: str, project: dict) -> bool:
    try:
        return Version(version) == Version(project["info"]["version"])
    except InvalidVersion as error:
        raise CannotTell(f"{name} {version}: not a version PyPI's pages can be compared with") from error


def _released(project: dict) -> datetime | None:
    """When the latest release's first file was uploaded (the page's `urls` are that release's files)."""
    times = [file.get("upload_time_iso_8601") for file in project.get("urls") or []]
    times = [datetime.fromisoformat(time.replace("Z", "+00:00")) for time in times if time]
    return min(times) if times else None


def _osv_record(name: str, entry: dict) -> dict:
    events = [{"introduced": "0"}] + [{"fixed": fixed} for fixed in entry.get("fixed_in") or []]
    record = {
        "schema_version": "1.0.0",
        "id": entry["id"],
        "aliases": entry.get("aliases") or [],
        "details": entry.get("details") or "",
        "affected": [
            {"package": {"name": name, "ecosystem": "PyPI"}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}
        ],
    }
    for optional in ("summary", "withdrawn"):
        if entry.get(optional):
            record[optional] = entry[optional]
    return record


def serve(fetch: FetchProject = fetch_project) -> ThreadingHTTPServer:
    """Start the feed on a free port of 127.0.0.1 in a background thread; its query URL is `query_url(server)`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            try:
                query = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                name, version = query["package"]["name"], query["version"]
                body, status = osv_answer(name, version, fetch(name)), 200
            except CannotTell as error:
                # pip-audit shows only "ServiceError" for a refused query, so the reason goes to the log here.
                print(f"pypi_feed: {error}", file=sys.stderr)
                body, status = {"message": str(error)}, 409
            except (ValueError, KeyError, TypeError) as error:
                body, status = {"message": f"not an OSV query: {error}"}, 400
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's signature)
            pass  # one line per package says nothing pip-audit does not

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def query_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/v1/query"
