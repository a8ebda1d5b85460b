"""Load generation with wrk: a Lua script picks a random token per request and reports the
figures (requests, errors, latency percentiles including p99.9) as one JSON line."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

MISSING = (
    "the benchmark needs wrk, the HTTP load generator, on PATH: install it with "
    "`apt-get install wrk` (`python3 run.py test` installs it when run as root)"
)
THREADS = 1
CONNECTIONS = 32
# wrk's own default: the latency of the reads is also measured at this lighter load
DEFAULT_CONNECTIONS = 10
MARK = "BENCH_JSON "
SCRIPT = """
local tokens = {}
init = function(args)
  if args[1] then
    for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  end
  math.randomseed(os.time())
end
request = function()
  if #tokens == 0 then return wrk.format("GET") end
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", nil, {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%s{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d}\\n',
    "MARK", summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9)))
end
""".replace("MARK", MARK)


@dataclass(frozen=True)
class Load:
    """One wrk run's figures."""

    rps: float
    p50_ms: float
    p99_ms: float
    p999_ms: float
    errors: int
    requests: int
    bytes_per_response: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def find() -> str | None:
    return shutil.which("wrk")


def script(directory: Path) -> Path:
    path = directory / "bench.lua"
    path.write_text(SCRIPT)
    return path


def run(
    url: str, seconds: float, lua: Path, tokens: Path | None = None, *,
    threads: int = THREADS, connections: int = CONNECTIONS,
) -> Load:  # fmt: skip
    """Drive ``url`` for ``seconds`` with wrk; ``tokens`` (one per line) become Bearer headers."""
    binary = find()
    if binary is None:
        raise RuntimeError(MISSING)
    argv = [
        binary, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
        "--timeout", "5s", "-s", str(lua), url,
    ]  # fmt: skip
    if tokens is not None:
        argv += ["--", str(tokens)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARK)), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures:\n{done.stdout}\n{done.stderr}")
    f = json.loads(line[len(MARK) :])
    requests = int(f["requests"])
    errors = sum(int(f[k]) for k in ("connect", "read", "write", "status", "timeout"))
    return Load(
        rps=requests / (f["duration_us"] / 1e6),
        p50_ms=f["p50_us"] / 1000,
        p99_ms=f["p99_us"] / 1000,
        p999_ms=f["p999_us"] / 1000,
        errors=errors,
        requests=requests,
        bytes_per_response=f["bytes"] / requests if requests else 0.0,
    )
