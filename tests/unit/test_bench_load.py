"""The benchmark's constant-rate load generator, against a small local HTTP server."""

from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from load import constant_rate  # noqa: E402


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the answer says otherwise
    # Headers and body go out as two writes: without this the body waits for the client's delayed
    # acknowledgement of the headers (Nagle's algorithm), 40 ms an answer.
    disable_nagle_algorithm = True
    connections: set[int] = set()
    bodies: list[bytes] = []

    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, body: bytes, **headers: str) -> None:
        Handler.connections.add(id(self.connection))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/ok":
            self._answer(200, b"fine", Content_Length="4")
        elif self.path == "/until-close":  # no length: the answer ends when the connection closes
            self.close_connection = True
            self._answer(200, b"all of it", Connection="close")
        elif self.path == "/chunked":
            self._answer(200, b"4\r\nfine\r\n0\r\n\r\n", Transfer_Encoding="chunked")
        elif self.path == "/slow":
            time.sleep(0.03)
            self._answer(200, b"late", Content_Length="4")
        elif self.path == "/moved":
            self._answer(302, b"", Location="/there", Content_Length="0")
        else:
            self._answer(500, b"broken", Content_Length="6")

    def do_POST(self) -> None:
        Handler.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self._answer(200, b"", Content_Length="0")


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Handler.connections, Handler.bodies = set(), []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def get(path: str):
    return lambda: ("GET", path, None, {})


def test_sends_at_the_rate_asked_and_times_every_answer(server):
    result = constant_rate(server, [get("/ok"), get("/ok")], rate=100, seconds=0.5)
    # two makers staggered 10 ms apart, each every 20 ms from 0 to 0.5 s inclusive
    assert len(result.latencies) in (50, 51, 52)
    assert result.errors == 0
    assert all(0 < t < 0.5 for t in result.latencies)
    assert result.throughput == pytest.approx(100, rel=0.05)


def test_keeps_connections_alive_when_the_server_does(server):
    constant_rate(server, [get("/ok"), get("/ok")], rate=100, seconds=0.3)
    assert len(Handler.connections) == 2  # one per maker, reused


@pytest.mark.parametrize("path", ["/until-close", "/chunked"])
def test_reads_answers_without_a_length(server, path):
    result = constant_rate(server, [get(path)], rate=50, seconds=0.2)
    assert result.errors == 0 and len(result.latencies) >= 10


def test_counts_error_answers_and_refused_connections(server):
    assert constant_rate(server, [get("/broken")], rate=50, seconds=0.2).errors >= 10
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    refused = constant_rate(f"http://127.0.0.1:{port}", [get("/ok")], rate=50, seconds=0.2)
    assert refused.errors >= 10 and not refused.latencies


def test_sends_bodies_and_shows_each_answer_to_its_maker(server):
    seen = []

    def make():
        return ("POST", "/form", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"})

    def moved():
        return ("GET", "/moved", None, {})

    moved.seen = lambda status, location, body: seen.append((status, location, body))
    result = constant_rate(server, [make, moved], rate=40, seconds=0.2)
    assert result.errors == 0
    assert Handler.bodies and set(Handler.bodies) == {b"a=1"}
    assert seen and set(seen) == {(302, "/there", b"")}


def test_a_late_answer_counts_from_its_scheduled_time(server):
    """A maker whose answers come late sends the next request at once, and its latency includes the
    time it waited to be sent (no coordinated omission)."""
    pause = threading.Event()

    def slow():
        pause.wait(0.05)  # the generator itself is held up 50 ms at each send
        return ("GET", "/ok", None, {})

    result = constant_rate(server, [slow], rate=100, seconds=0.1)
    assert result.errors == 0
    assert max(result.latencies) > 0.1  # 50 ms behind per request, 10 ms apart: the backlog shows


def test_the_generator_reports_its_own_delay_apart_from_the_servers(server):
    """``lags`` is how far behind its schedule the generator sent a request, counted only when the
    connection was idle at the due time: a spike with lags high is the generator's, not the server's."""
    pause = threading.Event()

    def held_up():
        pause.wait(0.05)
        return ("GET", "/ok", None, {})

    generator_late = constant_rate(server, [held_up], rate=10, seconds=0.3)
    assert generator_late.lags and min(generator_late.lags) >= 0.05

    # Each answer takes 30 ms against a send every 10 ms: the connection is busy when the next request
    # is due, so that wait is the server's and not counted as the generator's.
    server_late = constant_rate(server, [get("/slow")], rate=100, seconds=0.3)
    assert server_late.errors == 0 and len(server_late.latencies) >= 20
    assert len(server_late.lags) == 1  # the first request only
