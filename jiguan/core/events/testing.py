"""A webhook receiver for tests (jiguan/core/tests/test_events.py, jiguan/assets/tests/test_events.py):
a real HTTP server on a free local port, in a thread, that checks every request's signature and
can be switched down (answers 503, or its port closed) and up again.

    receiver = Receiver(secret)          # listening
    receiver.down()                      # 503; down(redirect=True): 302; down(closed=True): connection refused
    receiver.up()
    receiver.received                    # the accepted requests: [{"headers", "body", "event"}], in order
"""

from __future__ import annotations

import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .services import sign


class Receiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.mode = "up"
        self.received: list[dict] = []
        self.refused = 0  # requests answered 503
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.port = 0
        self._server = None
        self._start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                timestamp = self.headers.get("X-Jiguan-Timestamp", "")
                expected = "sm3=" + sign(receiver.secret, timestamp, body)
                with receiver.lock:
                    if receiver.mode in ("503", "302"):
                        receiver.refused += 1
                        status = int(receiver.mode)
                    elif not hmac.compare_digest(expected, self.headers.get("X-Jiguan-Signature", "")):
                        receiver.bad_signatures += 1
                        status = 401
                    else:
                        receiver.received.append({"headers": dict(self.headers), "body": body,
                                                  "event": json.loads(body)})
                        status = 200
                self.send_response(status)
                if status == 302:  # to itself: a delivery must not follow it (as a GET without the body)
                    self.send_header("Location", receiver.url)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def _start(self):
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, name=f"receiver-{self.port}", daemon=True).start()

    def _stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def down(self, *, closed: bool = False, redirect: bool = False) -> None:
        """Answer 503, or 302 (``redirect``), or (``closed``) stop listening: the port refuses connections."""
        if closed:
            self._stop()
        self.mode = "302" if redirect else "503"

    def up(self) -> None:
        if self._server is None:
            self._start()
        self.mode = "up"

    def close(self) -> None:
        self._stop()

    def events(self, kind: str | None = None) -> list[dict]:
        return [r["event"] for r in self.received if kind is None or r["event"]["kind"] == kind]
