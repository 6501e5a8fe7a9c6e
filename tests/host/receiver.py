"""
A stand-in for the survey report endpoint: an HTTP server on loopback that keeps what it receives.

edx-platform's report task POSTs the report as JSON to ``SURVEY_REPORT_ENDPOINT``. The integration
tests and ``make demo`` point that setting here, so what a real Celery worker sends can be read
back: in tests through :meth:`ReportReceiver.wait_for`, in the demo on the receiver's own page
(``GET /``, or ``GET /payloads.json``) and on the console.

Only the standard library: it runs in the test process (or the demo's), on a daemon thread.
"""

import html
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPORT_PATH = "/survey_report/"


class ReportReceiver:
    """
    Receive survey reports on ``http://127.0.0.1:<port>/survey_report/`` and remember them.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. ``on_payload`` (optional)
    is called with each received payload (a dict), e.g. to print it.
    """

    def __init__(self, host="127.0.0.1", port=0, on_payload=None, status=200):
        self.status = status
        # What a POST is answered with, besides ``status``: a body of the test's choosing (bytes; by
        # default a short JSON), and a ``Location`` header (with a 3xx status: a redirect).
        self.answer = None
        self.location = None
        self.on_payload = on_payload
        self._received = []
        self._changed = threading.Condition()
        self._answering = threading.Event()
        self._answering.set()
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = None

    @property
    def port(self):
        """The TCP port the receiver listens on (chosen by the OS when created with ``port=0``)."""
        return self._server.server_address[1]

    @property
    def url(self):
        """The receiver's home page, listing what it received."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def endpoint(self):
        """The URL to give the report task as ``SURVEY_REPORT_ENDPOINT``."""
        return self.url.rstrip("/") + REPORT_PATH

    def start(self):
        """Serve on a daemon thread."""
        # A short poll interval: stop() (every test's teardown) waits for one poll to end.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="report-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def payloads(self):
        """Copies of the payloads received so far, oldest first."""
        with self._changed:
            return [entry["payload"] for entry in self._received]

    @property
    def requests(self):
        """Everything received so far: path, headers, payload and time of each POST."""
        with self._changed:
            return list(self._received)

    def clear(self):
        """Forget what was received (between tests); answer normally again."""
        with self._changed:
            self._received.clear()
        self.status = 200
        self.resume()

    def pause(self):
        """Keep POSTs waiting for their answer (after recording them) until :meth:`resume`: a slow endpoint."""
        self._answering.clear()

    def resume(self):
        """Answer waiting and future POSTs."""
        self._answering.set()

    def wait_for(self, count=1, timeout=30.0):
        """
        Block until at least ``count`` payloads arrived; return them all.

        Raises ``TimeoutError`` (with what did arrive) when ``timeout`` seconds pass first.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout=timeout):
                raise TimeoutError(
                    f"The report receiver got {len(self._received)} payload(s) in {timeout:g}s, expected {count}."
                )
            return [entry["payload"] for entry in self._received]

    def _record(self, path, headers, payload):
        entry = {
            "path": path,
            "headers": headers,
            "payload": payload,
            "received_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        with self._changed:
            self._received.append(entry)
            self._changed.notify_all()
        if self.on_payload is not None:
            self.on_payload(payload)


def _handler_for(receiver):
    class Handler(BaseHTTPRequestHandler):
        """POST stores a JSON payload; GET shows what was stored (HTML at /, JSON at /payloads.json)."""

        server_version = "SurveyReportReceiver/1.0"

        def do_POST(self):  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                self._send(400, "application/json", b'{"error": "the body is not JSON"}')
                return
            receiver._record(self.path, dict(self.headers), payload)  # pylint: disable=protected-access
            receiver._answering.wait(timeout=60)  # pylint: disable=protected-access
            answer = receiver.answer if receiver.answer is not None else json.dumps({"received": True}).encode()
            extra = {"Location": receiver.location} if receiver.location else {}
            self._send(receiver.status, "application/json", answer, extra)

        def do_GET(self):  # noqa: N802
            if self.path.rstrip("/") == "/payloads.json":
                self._send(200, "application/json", json.dumps(receiver.requests, indent=2).encode())
            elif self.path in ("/", ""):
                self._send(200, "text/html; charset=utf-8", _page(receiver.requests).encode())
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status, content_type, body, extra_headers=None):
            try:
                self.send_response(status)
                for name, value in (extra_headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # The sender gave up waiting (a deadline): nobody is left to answer.

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            """Quiet: the demo prints payloads itself, and tests read them."""

    return Handler


def _page(entries):
    rows = "".join(
        f"<li><p><strong>{html.escape(entry['received_at'])}</strong> POST {html.escape(entry['path'])}</p>"
        f"<pre>{html.escape(json.dumps(entry['payload'], indent=2, sort_keys=True))}</pre></li>"
        for entry in reversed(entries)
    ) or "<li>Nothing yet. Click <em>Send report</em> in the admin banner, then reload this page.</li>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='refresh' content='5'>"
        "<title>Survey report receiver</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem}"
        "pre{background:#f4f4f4;padding:.75rem;overflow:auto}li{margin-bottom:1rem}"
        "@media (prefers-color-scheme:dark){body{background:#121212;color:#eee}pre{background:#222}}</style>"
        "</head><body><h1>Survey report receiver</h1>"
        f"<p>{len(entries)} report(s) received, newest first. This page reloads every 5 seconds; "
        "the same data is at <a href='/payloads.json'>/payloads.json</a>.</p>"
        f"<ol reversed>{rows}</ol></body></html>"
    )
