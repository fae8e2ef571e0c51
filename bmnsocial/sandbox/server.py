"""HTTP machinery shared by the fake platform servers.

Each fake is a ``ThreadingHTTPServer`` on 127.0.0.1 speaking HTTP/1.1 with
keep-alive. The fake records every API request it receives (``.requests``),
applies its fault plan (``.faults``) and serves a small admin API under
``/__sandbox__/`` so a test can steer a fake running in another process.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from os import PathLike
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

from bmnsocial.sandbox.faults import Fault, FaultPlan
from bmnsocial.sandbox.store import Store

__all__ = ["ApiResponse", "FakeServer", "Part", "RecordedRequest"]

log = logging.getLogger(__name__)

MAX_BODY = 600 * 1024 * 1024
_SECRET_HEADERS = {"authorization", "cookie"}


@dataclass
class Part:
    """One part of a ``multipart/form-data`` body."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


@dataclass
class RecordedRequest:
    """A request as the fake received it, plus the answer it gave.

    ``status``/``response_*`` stay ``None`` when the fake answered nothing
    (faults ``timeout``, ``reset``, ``lost_response``).
    """

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    status: int | None = None
    response_headers: dict[str, str] | None = None
    response_body: bytes | None = None
    fault: str | None = None
    _parts: list[Part] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"RecordedRequest({self.method} {self.path} -> {self.status}"
            f"{' fault=' + self.fault if self.fault else ''})"
        )

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query_string if self.query_string else "")

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    @property
    def content_type(self) -> str:
        """Media type of the body, lower-cased, without parameters."""
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query_string, keep_blank_values=True)

    def query_dict(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for key, value in self.query:
            result.setdefault(key, []).append(value)
        return result

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)

    def multipart(self) -> list[Part]:
        """Parse a multipart/form-data body; raises ``ValueError`` when malformed."""
        if self._parts is None:
            self._parts = _parse_multipart(self.header("Content-Type") or "", self.body)
        return self._parts

    def response_json(self) -> Any:
        if self.response_body is None:
            return None
        return json.loads(self.response_body.decode("utf-8"))


def _parse_multipart(content_type: str, body: bytes) -> list[Part]:
    if "boundary=" not in content_type:
        raise ValueError("multipart body without boundary")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("body is not multipart")
    parts: list[Part] = []
    for sub in message.iter_parts():
        disposition = sub.get("Content-Disposition")
        if disposition is None:
            raise ValueError("part without Content-Disposition")
        name = sub.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError("part without a name")
        payload = sub.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        ctype = sub.get("Content-Type")
        parts.append(
            Part(
                name=name,
                data=data,
                filename=sub.get_filename(),
                content_type=None if ctype is None else str(ctype),
            )
        )
    return parts


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        *,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> ApiResponse:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body, {"Content-Type": content_type, **(headers or {})})

    @classmethod
    def html(cls, status: int, text: str) -> ApiResponse:
        return cls(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


_PROXY_PAGE = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        # The default logs the request line, whose query may hold an access token.
        return

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle plus the
        # client's delayed ACK adds ~40 ms to every keep-alive exchange.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        return self.server.fake.server_header

    def date_time_string(self, timestamp: float | None = None) -> str:
        fake = self.server.fake
        return super().date_time_string(fake.clock() + fake.date_skew
                                        if timestamp is None else timestamp)

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except ValueError as exc:
            self.send_api_response(
                ApiResponse(400, str(exc).encode(), {"Content-Type": "text/plain"})
            )
            self.close_connection = True
            return
        split = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=split.path or "/",
            query_string=split.query,
            headers={k: v for k, v in self.headers.items()},
            body=body,
            received_at=time.time(),
        )
        self.server.fake._serve(self, request)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError("request body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError as exc:
            raise ValueError("bad Content-Length") from exc
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length)

    def send_api_response(self, response: ApiResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.wfile.flush()

    def drop(self) -> None:
        """Close the connection cleanly (FIN) without an answer."""
        self.close_connection = True

    def reset(self) -> None:
        """Abort the connection (RST) without an answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except OSError:
            pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeServer) -> None:
        self.fake = fake
        self._conn_lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._workers: set[threading.Thread] = set()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        worker = threading.Thread(
            target=self._work,
            args=(request, client_address),
            name=f"{self.fake.platform}-fake-conn",
            daemon=True,
        )
        with self._conn_lock:
            self._connections.add(request)
            self._workers.add(worker)
        worker.start()

    def _work(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._connections.discard(request)
                self._workers.discard(threading.current_thread())

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("fake %s: connection error", self.fake.platform, exc_info=True)

    def close_all(self, timeout: float = 5.0) -> None:
        with self._conn_lock:
            connections = list(self._connections)
            workers = list(self._workers)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))


class FakeServer:
    """Base class of the fakes: lifecycle, recording, faults and admin API.

    Subclasses implement :meth:`handle_api` (called with the fake's lock held)
    and :meth:`fault_response`.
    """

    platform: ClassVar[str] = "fake"
    server_header: str = "fake"
    #: Fault kinds of this platform alone, besides the shared ``FAULT_KINDS``.
    extra_fault_kinds: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        store_path: str | PathLike[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.clock = clock
        self.store = Store(store_path)
        self.faults = FaultPlan(self.extra_fault_kinds)
        # Seconds added to the Date header of every answer (the "skewed Date" fault): a
        # platform whose clock disagrees with ours, as a wrong local clock looks from here.
        self.date_skew = 0.0
        # Off only for audits (scripts/power-cut): a post sent twice must then show up twice.
        self.refuse_duplicates = True
        self.lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._requests_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.platform}-fake-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        httpd.close_all()
        if thread is not None:
            thread.join(5.0)
        self._httpd = None
        self._thread = None

    def close(self) -> None:
        """Stop serving and release the store."""
        self.stop()
        self.store.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- recording -------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of the API requests received so far (admin calls excluded)."""
        with self._requests_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    def published(self) -> list[dict[str, Any]]:
        return self.store.published(self.platform, now=self.clock())

    def reset(self) -> None:
        """Forget faults, recorded requests, published items and per-run state."""
        self.faults.clear()
        self.date_skew = 0.0
        self.refuse_duplicates = True
        self.clear_requests()
        with self.lock:
            self.store.clear(self.platform)
            self.reset_state()

    # -- subclass hooks --------------------------------------------------
    def reset_state(self) -> None:
        """Reset in-memory platform state (rate limits, credential state, ...)."""

    def handle_api(self, request: RecordedRequest) -> ApiResponse:
        raise NotImplementedError

    def fault_response(self, fault: Fault, request: RecordedRequest) -> ApiResponse:
        raise NotImplementedError

    def internal_error(self) -> ApiResponse:
        return ApiResponse.json(500, {"error": "internal error in fake"})

    def admin_extra(self, request: RecordedRequest, action: str) -> ApiResponse | None:
        """Platform-specific admin actions under ``/__sandbox__/``."""
        return None

    def redact_path(self, path: str) -> str:
        """``path`` as the admin API may show it (a platform that puts a secret in it hides it)."""
        return path

    # -- request flow ----------------------------------------------------
    def _serve(self, handler: _Handler, request: RecordedRequest) -> None:
        if request.path.startswith("/__sandbox__/"):
            handler.send_api_response(self._admin(request))
            return
        with self._requests_lock:
            self._requests.append(request)
        fault = self.faults.take(request.method, request.path)
        response: ApiResponse | None
        if fault is None:
            response = self._dispatch(request)
        else:
            request.fault = fault.kind
            response = self._apply_fault(fault, handler, request)
        if response is None:
            return
        request.status = response.status
        request.response_headers = dict(response.headers)
        request.response_body = response.body
        try:
            handler.send_api_response(response)
        except OSError:
            handler.close_connection = True

    def _apply_fault(
        self, fault: Fault, handler: _Handler, request: RecordedRequest
    ) -> ApiResponse | None:
        if fault.kind == "timeout":
            self._stopping.wait(fault.delay if fault.delay > 0 else None)
            handler.drop()
            return None
        if fault.kind == "reset":
            handler.reset()
            return None
        if fault.kind == "html":
            return ApiResponse.html(502, _PROXY_PAGE)
        if fault.kind == "latency":
            if self._stopping.wait(fault.delay):
                handler.drop()
                return None
            return self._dispatch(request)
        if fault.kind == "lost_response":
            self._dispatch(request)
            handler.drop()
            return None
        if fault.kind == "slow_response":
            response = self._dispatch(request)
            if self._stopping.wait(fault.delay):
                handler.drop()
                return None
            return response
        with self.lock:
            return self.fault_response(fault, request)

    def _dispatch(self, request: RecordedRequest) -> ApiResponse:
        try:
            with self.lock:
                return self.handle_api(request)
        except Exception:
            log.exception("fake %s failed on %s %s", self.platform, request.method, request.path)
            return self.internal_error()

    # -- admin API -------------------------------------------------------
    def _admin(self, request: RecordedRequest) -> ApiResponse:
        action = request.path[len("/__sandbox__/") :].strip("/")
        method = request.method
        try:
            if action == "published" and method == "GET":
                return ApiResponse.json(200, {"data": self.published()})
            if action == "faults" and method == "GET":
                return ApiResponse.json(200, {"data": [f.to_dict() for f in self.faults.pending()]})
            if action == "faults" and method == "DELETE":
                self.faults.clear()
                return ApiResponse.json(200, {"data": []})
            if action == "faults" and method == "POST":
                spec = request.json()
                if not isinstance(spec, dict):
                    raise ValueError("expected a JSON object")
                fault = self.faults.add(
                    spec.get("kind", ""),
                    times=spec.get("times", 1),
                    path=spec.get("path"),
                    method=spec.get("method"),
                    delay=spec.get("delay", 0.0),
                )
                return ApiResponse.json(201, {"data": fault.to_dict()})
            if action == "date" and method == "POST":
                spec = request.json()
                skew = spec.get("skew_seconds") if isinstance(spec, dict) else None
                if not isinstance(skew, (int, float)) or isinstance(skew, bool):
                    raise ValueError("expected {\"skew_seconds\": <number>}")
                self.date_skew = float(skew)
                return ApiResponse.json(200, {"data": {"skew_seconds": self.date_skew}})
            if action == "duplicates" and method == "POST":
                spec = request.json()
                refuse = spec.get("refuse") if isinstance(spec, dict) else None
                if not isinstance(refuse, bool):
                    raise ValueError("expected {\"refuse\": true|false}")
                self.refuse_duplicates = refuse
                return ApiResponse.json(200, {"data": {"refuse": refuse}})
            if action == "reset" and method == "POST":
                self.reset()
                return ApiResponse.json(200, {"data": {"reset": True}})
            if action == "requests" and method == "GET":
                return ApiResponse.json(
                    200, {"data": _request_summaries(self.requests, self.redact_path)})
            extra = self.admin_extra(request, action)
            if extra is not None:
                return extra
        except (ValueError, TypeError) as exc:
            return ApiResponse.json(400, {"error": str(exc)})
        return ApiResponse.json(404, {"error": f"unknown admin call {method} {request.path}"})


def _request_summaries(
    requests: Iterable[RecordedRequest], redact_path: Callable[[str], str]
) -> list[dict[str, Any]]:
    return [
        {"method": r.method, "path": redact_path(r.path), "status": r.status, "fault": r.fault}
        for r in requests
    ]


def redacted_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("<redacted>" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}
