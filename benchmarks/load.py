"""HTTP measurements: uvicorn (one worker and several) and nginx, loaded from loopback only.

The load comes from Debian's `wrk` when it is installed (a bounded run: fixed duration and
connections), else from a Python client with a fixed number of requests. Every server listens
on 127.0.0.1, is started here, and is stopped here, whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_pids(pid: int) -> list[int]:
    """The processes that serve: uvicorn's workers, or the process itself when it has none."""
    return _children(pid) or [pid]


def peak_memory_mb(pid: int) -> list[float]:
    """Peak resident memory (VmHWM) of each serving process, in MiB."""
    return [_status_kb(p, "VmHWM") / 1024 for p in worker_pids(pid)]


def _wait_idle(pid: int, timeout: float) -> None:
    """Until every worker has stopped working on its start-up (below 5% of a core for a second)."""
    deadline = time.monotonic() + timeout
    hz = os.sysconf("SC_CLK_TCK")
    while time.monotonic() < deadline:
        pids = worker_pids(pid)
        before = {p: _cpu_ticks(p) for p in pids}
        time.sleep(1.0)
        if all((_cpu_ticks(p) - before[p]) / hz < 0.05 for p in pids):
            return
    raise RuntimeError(f"the server {pid} was still busy after {timeout:.0f} s")


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            if httpx.head(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the group this module started (start_new_session)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def uvicorn_server(workers: int, env: dict[str, str], timeout: float = 1800) -> Iterator[tuple[str, int]]:
    """uvicorn serving `benchmarks.asgi:app` with `workers` workers; yields (base URL, pid)."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "benchmarks.asgi:app", "--factory", "--host", LOOPBACK,
        "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]
    process = subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True)
    base = f"http://{LOOPBACK}:{port}"
    try:
        _wait_ready(base + "/calendar.ics", process, timeout)
        _wait_idle(process.pid, timeout)
        yield base, process.pid
    finally:
        _stop(process)


def nginx_path() -> str | None:
    """nginx's executable, if installed (Debian puts it in /usr/sbin, not always on PATH)."""
    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@contextmanager
def nginx_server(files: dict[str, bytes], workers: int) -> Iterator[tuple[str, int]]:
    """nginx serving `files` (name -> bytes; `x.gz` beside `x` is sent to clients that take gzip)."""
    nginx = nginx_path() or "nginx"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="calendar-bench-nginx-") as tmp:
        root = Path(tmp) / "www"
        root.mkdir()
        for name, data in files.items():
            (root / name).write_bytes(data)
            (root / name).chmod(0o644)
        for folder in (Path(tmp), root):
            folder.chmod(0o755)  # nginx's workers read as an unprivileged user
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(
            f"""
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    gzip_static on;
    types {{ text/calendar ics; }}
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen {LOOPBACK}:{port};
        root {root};
    }}
}}
""",
            encoding="utf-8",
        )
        process = subprocess.Popen([nginx, "-c", str(conf), "-p", tmp, "-e", "stderr"], start_new_session=True)
        base = f"http://{LOOPBACK}:{port}"
        try:
            _wait_ready(base + "/" + next(iter(files)), process, 30)
            yield base, process.pid
        finally:
            _stop(process)


# --- load clients ------------------------------------------------------------------------------

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk time {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(url: str, connections: int, duration: float, headers: dict[str, str]) -> dict[str, float]:
    """One bounded wrk run: requests per second, p50 and p99 latency (seconds), errors."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if rps is None or "50" not in percentiles:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    return {
        "rps": float(rps.group(1)),
        "p50": _seconds(percentiles["50"]),
        "p99": _seconds(percentiles["99"]),
        "errors": float(errors.group(1) if errors else 0) + float(sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def run_python_client(url: str, connections: int, requests: int, headers: dict[str, str]) -> dict[str, float]:
    """A fixed number of requests over `connections` keep-alive connections, timed one by one."""

    async def main() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        errors = 0
        remaining = iter(range(requests))
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30, headers=headers) as client:

            async def worker() -> None:
                nonlocal errors
                for _ in remaining:
                    start = time.perf_counter()
                    response = await client.get(url)
                    await response.aread()
                    latencies.append(time.perf_counter() - start)
                    errors += response.status_code >= 400

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(connections)))
            return latencies, errors, time.perf_counter() - started

    latencies, errors, elapsed = asyncio.run(main())
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": float(errors),
    }


def load(url: str, connections: int, duration: float, headers: dict[str, str], requests: int) -> dict[str, Any]:
    if shutil.which("wrk"):
        return {"tool": "wrk", **run_wrk(url, connections, duration, headers)}
    return {"tool": "python", **run_python_client(url, connections, requests, headers)}
