"""A real `ponte` server for the end-to-end suites (the Python clients, the browser tests).

The server is the release binary (``PONTE_BIN``, else
``$CARGO_TARGET_DIR/release/ponte``, else ``<repo>/target/release/ponte``),
started in memory on a free loopback port with a random write token. It is
stopped with SIGTERM at the end of the session, and the session fails unless
it shuts down gracefully (exit code 0 within 10 s).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60.0
SHUTDOWN_TIMEOUT_S = 10.0
BIND_ATTEMPTS = 3


@dataclass(frozen=True)
class Ponte:
    """A running Ponte server."""

    base_url: str
    token: str

    @property
    def sparql_url(self) -> str:
        """SPARQL 1.1 query and update endpoint."""
        return f"{self.base_url}/sparql"

    @property
    def store_url(self) -> str:
        """SPARQL 1.1 Graph Store Protocol endpoint."""
        return f"{self.base_url}/store"

    @property
    def auth_header(self) -> str:
        """Value of the Authorization header that allows writes."""
        return f"Bearer {self.token}"


def ponte_bin() -> Path:
    """The binary under test: tests/pytest-in-venv.sh names it in PONTE_BIN."""
    return Path(os.environ.get("PONTE_BIN", Path.home() / ".cache/ponte/target/release/ponte"))


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    return "\n".join(text.splitlines()[-lines:])


def wait_healthy(proc: subprocess.Popen, base_url: str, deadline: float) -> bool:
    """Polls GET /health until 200. False if the process exited first."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if requests.get(f"{base_url}/health", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def stop(proc: subprocess.Popen) -> int | None:
    """SIGTERM, then the exit code if it exits in time; kills it and returns None if not."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def serve(tmp_path_factory: pytest.TempPathFactory):
    """Starts a server, yields it, and fails unless it stops gracefully."""
    binary = ponte_bin()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(
            f"ponte binary not found or not executable: {binary} "
            "(build it with `cargo build --release`, or set PONTE_BIN)",
            pytrace=False,
        )

    token = f"test-{uuid.uuid4().hex}"
    log_dir = tmp_path_factory.mktemp("ponte")
    deadline = time.monotonic() + STARTUP_TIMEOUT_S

    proc = None
    for attempt in range(1, BIND_ATTEMPTS + 1):
        port = free_loopback_port()
        base_url = f"http://127.0.0.1:{port}"
        log_path = log_dir / f"ponte-{attempt}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [str(binary), "serve", "--memory",
                 "--bind", f"127.0.0.1:{port}", "--write-token", token],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if wait_healthy(proc, base_url, deadline):
            break
        exited_early = proc.poll() is not None
        code = stop(proc)
        # Another process may have taken the port between our probe and the bind:
        # retry on a new port if the server exited by itself early.
        if not exited_early or time.monotonic() >= deadline or attempt == BIND_ATTEMPTS:
            why = (
                f"exited with code {code} before {base_url}/health answered 200"
                if exited_early
                else f"did not answer 200 at {base_url}/health within {STARTUP_TIMEOUT_S:.0f} s"
            )
            pytest.fail(f"ponte {why}; log {log_path}:\n" + log_tail(log_path), pytrace=False)

    yield Ponte(base_url=base_url, token=token)

    code = stop(proc)
    if code != 0:
        pytest.fail(
            "ponte did not shut down gracefully on SIGTERM: "
            + ("still running after 10 s, killed" if code is None else f"exit code {code}")
            + f"; log {log_path}:\n" + log_tail(log_path),
            pytrace=False,
        )
