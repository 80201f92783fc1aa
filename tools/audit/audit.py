"""Audit pinned requirements with pip-audit, against the first vulnerability feed this network lets through.

    python tools/audit/audit.py requirements.txt

In order: PyPI's per-release pages (pip-audit's default), api.osv.dev, then the stand-in OSV feed built from PyPI's
project pages (`pypi_feed.py`), which vouches only for pins on a project's latest release. Every run is `--strict`:
a dependency that could not be checked fails the audit, so "no known vulnerabilities" always means they were looked up.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pypi_feed

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")
OSV_QUERY = "https://api.osv.dev/v1/query"
PROBE_TIMEOUT = 10.0


def pins(requirements: Path) -> list[tuple[str, str]]:
    """(name, version) of every `name==version` line, extras dropped."""
    found = [PIN.match(line) for line in requirements.read_text().splitlines()]
    return [(match[1], match[2]) for match in found if match]


def answers(request: urllib.request.Request | str) -> bool:
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as response:  # noqa: S310 (fixed https addresses)
            return response.status == 200
    except OSError:  # refused, reset, timed out, or an HTTP error status
        return False


def reachable_feed(name: str, version: str) -> str:
    """Which feed answers for one known pin: "pypi", "osv" or "project pages"."""
    if answers(f"https://pypi.org/pypi/{name}/{version}/json"):
        return "pypi"
    query = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version}).encode()
    if answers(urllib.request.Request(OSV_QUERY, data=query, headers={"Content-Type": "application/json"})):
        return "osv"
    return "project pages"


def uncheckable(pinned: list[tuple[str, str]], fetch: pypi_feed.FetchProject) -> list[str]:
    """Why each pin the project pages cannot vouch for is left unchecked, all listed before pip-audit stops at one."""
    reasons = []
    for name, version in pinned:
        try:
            pypi_feed.osv_answer(name, version, fetch(name))
        except pypi_feed.CannotTell as error:
            reasons.append(str(error))
    return reasons


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    requirements = Path(argv[0])
    pinned = pins(requirements)
    if not pinned:
        print(f"{requirements}: no name==version lines to audit", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", "pip_audit", "--strict", "--progress-spinner", "off", "-r", str(requirements)]
    feed = reachable_feed(*pinned[0])
    if feed == "pypi":
        print("Vulnerability feed: PyPI's release pages", flush=True)
        return subprocess.call(command)
    if feed == "osv":
        print("Vulnerability feed: api.osv.dev", flush=True)
        return subprocess.call([*command, "--vulnerability-service", "osv"])
    print(
        "Vulnerability feed: PyPI's project pages (pypi.org's release pages and api.osv.dev do not answer here), "
        "which list advisories for a project's latest release only",
        flush=True,
    )
    fetch = functools.cache(pypi_feed.fetch_project)
    unchecked = uncheckable(pinned, fetch)
    for reason in unchecked:
        print(f"Cannot audit: {reason}", file=sys.stderr)
    if unchecked:
        return 1
    for name, version in pinned:
        if warning := pypi_feed.lag_warning(name, version, fetch(name)):
            print(f"Warning: {warning}", file=sys.stderr)
    server = pypi_feed.serve(fetch)
    try:
        return subprocess.call([*command, "--vulnerability-service", "osv", "--osv-url", pypi_feed.query_url(server)])
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
