"""A small HTTP load generator: closed-loop capacity, and constant-rate latency without coordinated omission."""

from __future__ import annotations

import http.client
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

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")


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
    so a slow server cannot hide its queueing (no coordinated omission)."""
    host = urlsplit(base).netloc
    result = Result()
    lock = threading.Lock()
    interval = len(makers) / rate  # each connection sends every `interval` seconds
    start_all = time.perf_counter() + 0.2

    def worker(index: int, make: Request) -> None:
        client = Client(host, result, lock)
        n = 0
        while True:
            scheduled = start_all + index * interval / len(makers) + n * interval
            if scheduled - start_all > seconds:
                break
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            client.send(make, scheduled)
            n += 1
        client.close()

    threads = [threading.Thread(target=worker, args=(i, m)) for i, m in enumerate(makers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = seconds
    return result
