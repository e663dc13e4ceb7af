"""A real HTTP webhook receiver for tests: verifies Mercato signatures with the secrets it knows, records
every request, and can be told to fail the next N requests or to answer slowly."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from mercato.kernel.signatures import verify


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    verified: bool


class Receiver:
    def __init__(self, now: Callable[[], int] = lambda: int(time.time())) -> None:
        self.secrets: list[str] = []
        self.received: list[Received] = []
        self.fail_next = 0
        self.delay_seconds = 0.0
        self.now = now
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get("Mercato-Signature", "")
                ok = any(verify(s, header, raw, now=receiver.now()) for s in receiver.secrets)
                receiver.received.append(Received(dict(self.headers), json.loads(raw), raw, ok))
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                if not ok:
                    status = 400
                elif receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    status = 500
                else:
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
