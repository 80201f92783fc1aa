"""Capacity measured by wrk (a C load generator), when installed: it needs a fraction of the CPU a Python
generator does, so on a small machine more of it is left for the server being measured.

wrk replays a fixed list of requests (method, path, body, headers) round-robin through a Lua script.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

Fixed = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers

LUA = """
local requests = {
%s
}
local i = 0
request = function()
  i = i %% #requests + 1
  local r = requests[i]
  return wrk.format(r[1], r[2], r[4], r[3])
end
done = function(summary, latency, _)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%.0f %%.0f %%.0f %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class WrkResult:
    throughput: float
    p50: float  # seconds; closed loop, so these are service times, not latency under a set rate
    p95: float
    p99: float
    errors: int


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(value: str | bytes | None) -> str:
    """A Lua string literal: every byte outside plain letters and digits written as a decimal escape."""
    data = b"" if value is None else value if isinstance(value, bytes) else value.encode()
    return '"' + "".join(chr(b) if chr(b).isalnum() and b < 128 else f"\\{b:03d}" for b in data) + '"'


def _lua_request(fixed: Fixed) -> str:
    method, path, body, headers = fixed
    pairs = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    return f"  {{{_lua_string(method)}, {_lua_string(path)}, {_lua_string(body)}, {{{pairs}}}}},"


def capacity(base: str, requests: list[Fixed], seconds: float, connections: int) -> WrkResult:
    """Requests per second with ``connections`` keep-alive connections sending back to back."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % "\n".join(_lua_request(r) for r in requests))
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", script.name, base + "/"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        Path(script.name).unlink()
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if found is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    done, micros, p50, p95, p99, status, socket = (int(g) for g in found.groups())
    return WrkResult(done / (micros / 1e6), p50 / 1e6, p95 / 1e6, p99 / 1e6, status + socket)
