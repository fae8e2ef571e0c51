"""The dummy platform's server on 127.0.0.1: a list of posts behind a bearer token."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "dummy-secret-token-0000"


class FakeDummy:
    def __init__(self, handle: str) -> None:
        self.handle = handle
        self.posts: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {TOKEN}":
                    return True
                self._answer(401, {"error": "bad token"})
                return False

            def do_GET(self) -> None:
                if not self._authorized():
                    return
                if self.path == "/api/me":
                    self._answer(200, {"id": 1, "handle": fake.handle})
                else:
                    self._answer(200, fake.posts)

            def do_POST(self) -> None:
                if not self._authorized():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                post_id = len(fake.posts) + 1
                post = {"id": post_id, "text": body["text"], "at": int(time.time()),
                        "url": f"https://dummy.example/@{fake.handle}/{post_id}"}
                fake.posts.append(post)
                self._answer(201, post)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeDummy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
