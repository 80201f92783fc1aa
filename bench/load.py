"""A small HTTP load generator: closed-loop capacity, and constant-rate latency without coordinated omission."""

from __future__ import annotations

import http.client
import selectors
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# A request maker: () -> (method, path, body, headers). A maker that follows a flow (the quiz: start an
# attempt, open its form, submit it) also has ``seen(status, location, body)``, called with each answer.
Request = Callable[[], tuple[str, str, bytes | None, dict[str, str]]]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    # Constant rate only: how far behind its schedule the generator sent each request. A latency spike
    # with these high is the generator's (or the machine's) and not the server's.
    lags: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return _percentile(self.latencies, p)

    def lag_percentile(self, p: float) -> float:
        return _percentile(self.lags, p)

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


STALE_AFTER_SECONDS = 4.5  # just under the server's keep-alive timeout (5 s)


class Client:
    """One keep-alive connection that records each request's latency (from ``since``) or its failure."""

    def __init__(self, host: str, result: Result, lock: threading.Lock) -> None:
        self.host, self.result, self.lock = host, result, lock
        self.conn = http.client.HTTPConnection(host, timeout=30)
        self.used = time.perf_counter()

    def send(self, make: Request, since: float) -> None:
        method, path, body, headers = make()
        if time.perf_counter() - self.used > STALE_AFTER_SECONDS:
            # The server closes a keep-alive connection idle this long (gunicorn.conf.py's keepalive); a
            # browser opens a new one rather than send on it, so do the same instead of counting a
            # broken pipe.
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, timeout=30)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            answer = response.read()
            ok = response.status < 400
            seen = getattr(make, "seen", None)
            if seen is not None:
                seen(response.status, response.getheader("Location"), answer)
        except (OSError, http.client.HTTPException):
            ok = False
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, timeout=30)
        self.used = time.perf_counter()
        with self.lock:
            if ok:
                self.result.latencies.append(time.perf_counter() - since)
            else:
                self.result.errors += 1

    def close(self) -> None:
        self.conn.close()


def capacity(base: str, makers: list[Request], seconds: float) -> Result:
    """As many requests as the server answers: one connection per maker, back to back."""
    host = urlsplit(base).netloc
    result = Result()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(make: Request) -> None:
        client = Client(host, result, lock)
        while time.perf_counter() < deadline:
            client.send(make, time.perf_counter())
        client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(m,)) for m in makers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.perf_counter() - started
    return result


def constant_rate(base: str, makers: list[Request], rate: float, seconds: float) -> Result:
    """Send ``rate`` requests per second on a fixed schedule; latency counts from the scheduled time,
    so a slow server cannot hide its queueing (no coordinated omission).

    Each maker sends every ``len(makers) / rate`` seconds, the makers staggered evenly; a maker whose
    previous answer is late sends its next request as soon as that answer is in. One thread drives
    every connection through non-blocking sockets. On a small machine the generator shares the cores
    with the server it measures: a thread per connection (http.client, the interpreter lock handed
    between them) used 1.6 times the CPU per request, and at 2,400 requests a second fell up to
    hundreds of milliseconds behind its own schedule, which the table showed as the server's latency
    (bench/README.md, item 31)."""
    return _Schedule(base, makers, rate, seconds).run()


class _Exchange:
    """One request on a non-blocking socket: its bytes, how many are sent, and the answer so far."""

    def __init__(self, sock: socket.socket, data: bytes, scheduled: float) -> None:
        self.sock, self.data, self.scheduled = sock, data, scheduled
        self.sent = 0
        self.received = bytearray()

    def answer(self, closed: bool) -> tuple[int, dict[str, str], bytes] | None:
        """The status, headers and body once the whole answer is in, else None. ``closed``: the server
        has closed the connection, which ends an answer that gives no length."""
        head, found, body = bytes(self.received).partition(b"\r\n\r\n")
        if not found:
            return None
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            complete = len(body) >= int(headers["content-length"])
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            complete = body.endswith(b"0\r\n\r\n")
        else:
            complete = closed
        return (int(lines[0].split()[1]), headers, body) if complete else None


class _Schedule:
    def __init__(self, base: str, makers: list[Request], rate: float, seconds: float) -> None:
        url = urlsplit(base)
        self.address, self.host = (url.hostname, url.port or 80), url.netloc
        self.makers, self.seconds = makers, seconds
        self.interval = len(makers) / rate  # each maker sends every `interval` seconds
        self.result = Result()
        self.selector = selectors.DefaultSelector()
        self.kept: list[tuple[socket.socket, float] | None] = [None] * len(makers)  # idle keep-alive, last use
        self.busy: list[_Exchange | None] = [None] * len(makers)
        self.sent = [0] * len(makers)
        self.freed = [0.0] * len(makers)  # when each connection's last answer came in

    def _due(self, index: int) -> float:
        return self.start + index * self.interval / len(self.makers) + self.sent[index] * self.interval

    def run(self) -> Result:
        self.start = time.perf_counter() + 0.2
        end = self.start + self.seconds
        while True:
            now = time.perf_counter()
            waiting = False
            next_due = float("inf")
            for index in range(len(self.makers)):
                if self.busy[index] is not None:
                    waiting = True
                    continue
                due = self._due(index)
                if due - self.start > self.seconds:
                    continue
                if due <= now:
                    self._send(index, due)
                    waiting = True
                else:
                    next_due = min(next_due, due)
            if not waiting and next_due == float("inf"):
                break
            timeout = max(0.0, next_due - time.perf_counter()) if next_due != float("inf") else 1.0
            for key, _events in self.selector.select(min(timeout, 1.0)):
                self._step(key.data)
            if time.perf_counter() > end + 30:  # answers still missing half a minute after the end
                for index, exchange in enumerate(self.busy):
                    if exchange is not None:
                        self._finish(index, exchange, ok=False)
                break
        for kept in self.kept:
            if kept is not None:
                kept[0].close()
        self.selector.close()
        self.result.seconds = self.seconds
        return self.result

    def _send(self, index: int, scheduled: float) -> None:
        method, path, body, headers = self.makers[index]()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        kept, self.kept[index] = self.kept[index], None
        if kept is not None and time.perf_counter() - kept[1] < STALE_AFTER_SECONDS:
            sock = kept[0]
        else:
            if kept is not None:  # the server closes a connection idle this long; a browser opens a new one
                kept[0].close()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            sock.connect_ex(self.address)
        self.sent[index] += 1
        if self.freed[index] <= scheduled:  # idle when due, so any delay is the generator's own
            self.result.lags.append(time.perf_counter() - scheduled)
        self.busy[index] = _Exchange(sock, data, scheduled)
        self.selector.register(sock, selectors.EVENT_WRITE, index)

    def _step(self, index: int) -> None:
        exchange = self.busy[index]
        try:
            if exchange.sent < len(exchange.data):
                exchange.sent += exchange.sock.send(exchange.data[exchange.sent :])
                if exchange.sent == len(exchange.data):
                    self.selector.modify(exchange.sock, selectors.EVENT_READ, index)
                return
            chunk = exchange.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            self._finish(index, exchange, ok=False)
            return
        exchange.received += chunk
        try:
            answer = exchange.answer(closed=not chunk)
        except (ValueError, IndexError):  # not an HTTP answer
            answer = None
            chunk = b""
        if answer is None:
            if not chunk:  # closed before the answer was complete
                self._finish(index, exchange, ok=False)
            return
        status, headers, body = answer
        seen = getattr(self.makers[index], "seen", None)
        if seen is not None:
            seen(status, headers.get("location"), body)
        keep = bool(chunk) and headers.get("connection", "").lower() != "close"
        self._finish(index, exchange, ok=status < 400, keep=keep)

    def _finish(self, index: int, exchange: _Exchange, ok: bool, keep: bool = False) -> None:
        done = time.perf_counter()
        self.selector.unregister(exchange.sock)
        if keep:
            self.kept[index] = (exchange.sock, done)
        else:
            exchange.sock.close()
        self.busy[index] = None
        self.freed[index] = done
        if ok:
            self.result.latencies.append(done - exchange.scheduled)
        else:
            self.result.errors += 1
