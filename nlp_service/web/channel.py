"""waitress, hardened: what its HTTP layer answers before (or instead of) the app.

waitress answers some requests itself, from its parser: a malformed request (400), a
body over ``max_request_body_size`` (413), a request line and headers over
``max_request_header_size`` (431), a Transfer-Encoding other than chunked (501) and an
app that fails past Flask (500). Its ``ErrorTask`` writes them as plain text without our
security headers; :class:`JsonErrorTask` writes them as JSON ``{"error": ...}`` under
``/api`` (and ``/health``) and as plain text elsewhere, with the security headers on both.

:class:`GuardedParser` and the channel add four things once a request's headers are in:

- a request that declares a body is checked against :class:`.limits.RequestLimits`
  before the body is read: an anonymous upload (401/403) or a body larger than its
  route takes (413) is answered at once. waitress buffers a whole body before the app
  sees the request, so the app alone could only refuse after buffering 15 MB. The
  refused body is dropped unread as it arrives (the client reads its answer, no broken
  pipe), or the connection is closed (a client waiting for "100 Continue", a body over
  MAX_DISCARD_BYTES); a chunked body is cut off as soon as it passes the route's limit;
- ``Expect: 100-continue`` on a request without a body is dropped: waitress sends
  "100 Continue" and then waits for a body that never comes, so the client got no answer;
- a request that takes longer than a deadline to arrive is dropped (:func:`guarded_channel`);
- the first bytes of the request line are kept, so an error names the right path even
  when the parser gave up (431 replaces the request by ``GET /``).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask
from waitress.utilities import Error, RequestEntityTooLarge

from .headers import SECURITY_HEADERS, is_api_path
from .limits import Refusal, RequestLimits

#: bytes of the request kept to name its path in an error
START_BYTES = 2048
#: the largest refused body discarded as it comes; past it the connection is closed
MAX_DISCARD_BYTES = 64 * 1024 * 1024
#: what each status that waitress produces itself says (its own text names its internals)
WAITRESS_MESSAGES = {
    400: "malformed HTTP request",
    413: "the request body is larger than this server accepts",
    431: "the request line and headers are larger than this server accepts (256 kB): "
         "send long queries with POST /api/search",
    501: "unsupported Transfer-Encoding: only chunked is accepted",
    500: "internal server error",
}


class RefusedRequest(Error):
    """A waitress error carrying our own status, message and headers."""

    def __init__(self, refusal: Refusal, keep_alive: bool) -> None:
        super().__init__(refusal.message)
        self.code = refusal.status
        self.reason = {401: "Unauthorized", 403: "Forbidden", 413: "Content Too Large"}.get(refusal.status, "Error")
        self.refusal = refusal
        #: the body is discarded as it comes, so the connection can stay open
        self.keep_alive = keep_alive


class GuardedParser(HTTPRequestParser):
    def __init__(self, adj, limits: RequestLimits, discard: Callable[[int], None]) -> None:
        super().__init__(adj)
        self.limits = limits
        self.discard = discard
        self.body_limit = limits.largest
        self.start_bytes = b""

    def received(self, data: bytes) -> int:
        if len(self.start_bytes) < START_BYTES:
            self.start_bytes += data[: START_BYTES - len(self.start_bytes)]
        in_headers = not self.headers_finished
        consumed = super().received(data)
        if in_headers and self.headers_finished and (self.error is None or isinstance(self.error, RequestEntityTooLarge)):
            # a missing token, or the route's own limit, says more than waitress's 413
            consumed += self._check_headers(len(data) - consumed)
        elif self.error is None and self.body_rcv is not None and self.body_bytes_received > self.body_limit:
            self.refuse(Refusal(413, self.limits.too_large_message(self.command, self.path)), keep_alive=False)
        return consumed

    def _check_headers(self, body_bytes_here: int) -> int:
        """Refuse from the headers when the limits say so; returns the body bytes of this
        chunk that were discarded with it."""
        if self.body_rcv is None:  # no body declared: nothing to continue with, nothing to refuse
            self.expect_continue = False
            return 0
        self.body_limit = self.limits.body_limit(self.command, self.path)
        refusal = self.limits.refusal(self.command, self.path, self.content_length,
                                      self.headers.get("AUTHORIZATION", ""))
        if refusal is None:
            return 0
        # A client that sends its body without waiting (no Expect) reads the answer only after
        # sending it: closing at once would reset the connection under it (a broken pipe
        # instead of the 413), so the body is discarded as it comes, unread and unbuffered.
        # A client that waits for "100 Continue" never sends it: that connection is closed.
        discard = not self.chunked and not self.expect_continue and self.content_length <= MAX_DISCARD_BYTES
        self.refuse(refusal, keep_alive=discard)
        if not discard:
            return 0
        here = min(body_bytes_here, self.content_length)
        self.discard(self.content_length - here)
        return here

    def refuse(self, refusal: Refusal, keep_alive: bool) -> None:
        """Answer now, before the body is read."""
        self.error = RefusedRequest(refusal, keep_alive)
        self.completed = True
        self.expect_continue = False  # a "100 Continue" would invite the body we refuse

    @property
    def target_path(self) -> str:
        return target_path(self.start_bytes)


def target_path(start: bytes) -> str:
    """The path of the request line at the start of ``start`` ('' when there is none)."""
    parts = start.lstrip().split(b"\r\n", 1)[0].split(b" ")
    if len(parts) < 2:
        return ""
    try:
        return urlsplit(parts[1].decode("latin-1")).path
    except ValueError:
        return ""


class JsonErrorTask(ErrorTask):
    """waitress's error answers as JSON under /api, with the security headers everywhere."""

    def execute(self) -> None:
        error = self.request.error
        path = getattr(self.request, "target_path", "") or ""
        if isinstance(error, RefusedRequest):
            message, extra = error.refusal.message, list(error.refusal.headers)
        else:
            message, extra = WAITRESS_MESSAGES.get(error.code, error.reason), []
        if is_api_path(path) or not path:
            body, content_type = json.dumps({"error": message}).encode(), "application/json"
        else:
            body, content_type = f"{error.reason}: {message}\n".encode(), "text/plain; charset=utf-8"
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", content_type), *SECURITY_HEADERS.items(), *extra])
        if not getattr(error, "keep_alive", False):
            self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def guarded_channel(limits: RequestLimits, receive_deadline_s: float) -> type[HTTPChannel]:
    """waitress's channel with :class:`GuardedParser` (over ``limits``) and :class:`JsonErrorTask`;
    a request still arriving ``receive_deadline_s`` after its first byte is dropped with its
    connection (a body trickling in at 100 bytes a second held a connection for as long as
    the client liked; waitress's channel timeout only ends silence)."""

    class GuardedChannel(HTTPChannel):
        error_task_class = JsonErrorTask
        #: bytes still to come of a refused request's body, dropped as they arrive
        discarding = 0
        #: when the request now arriving (or the refused body now dropped) began
        receiving_since = 0.0

        def parser_class(self, adj) -> GuardedParser:  # waitress calls self.parser_class(adj)
            self.receiving_since = time.monotonic()  # at a request's first byte
            return GuardedParser(adj, limits, self.discard)

        def discard(self, nbytes: int) -> None:
            self.discarding = nbytes

        def received(self, data: bytes) -> bool:
            arriving = (self.request is not None or self.discarding) and not self.requests
            if arriving and time.monotonic() - self.receiving_since > receive_deadline_s:
                self.will_close = True
                return False
            if self.discarding:
                dropped = min(len(data), self.discarding)
                self.discarding -= dropped
                data = data[dropped:]
                if not data:
                    return True
            return super().received(data)

    return GuardedChannel
