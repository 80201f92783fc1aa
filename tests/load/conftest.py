"""Run the app under gunicorn with two workers, on the suite's own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "30"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, log: Path, threads: int = 1) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = log.open("w")
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "load-test-" + "k" * 40,
            "APP_ENV": "development",
            "INSTANCE_PATH": str(log.parent),
            "GUNICORN_WORKERS": "2",
            # 1: the production config (sync workers); more: gthread workers with that many threads
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESSLOG": "",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(PROJECT_ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/about", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        output = self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{output}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()
        return self.log.read_text()


@pytest.fixture
def gunicorn(database_url, tmp_path):
    servers: list[Gunicorn] = []

    def start(threads: int = 1) -> Gunicorn:
        server = Gunicorn(database_url, tmp_path / f"gunicorn-{len(servers)}.log", threads)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop()
