"""The real API server for a benchmark: `mercato serve` in its own process, over loopback HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import TracebackType

import httpx

from bench.database import ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ApiServer:
    """`mercato serve --workers N` on DATABASE_URL; started on enter, stopped (SIGINT, then kill) on exit."""

    def __init__(self, database_url: str, *, workers: int = 1, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.workers = workers
        self.extra_env = env or {}
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server process's id (the uvicorn supervisor when it runs several workers)."""
        assert self._process is not None, "the server is not running"
        return self._process.pid

    @property
    def command(self) -> str:
        return f"mercato serve --workers {self.workers}"

    def argv(self) -> list[str]:
        """The server's command line."""
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)]
        return [sys.executable, "-m", "mercato.cli", "serve", *args]

    def __enter__(self) -> ApiServer:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "MERCATO_DATA_DIR": str(ROOT / "var" / "bench-data"),
            "MERCATO_LOG_LEVEL": "WARNING",
            "MERCATO_ENV": "development",
            **self.extra_env,
        }
        self._process = subprocess.Popen(self.argv(), env=env)
        try:
            self._wait_until_healthy()
        except BaseException:
            self.__exit__()  # a server that never came up must not outlive the benchmark
            raise
        return self

    def _wait_until_healthy(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"mercato serve exited with {self._process.returncode}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("mercato serve did not become healthy in time")

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
