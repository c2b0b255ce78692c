"""HTTP on a bare socket, for what http.client will not send: headers without their body,
malformed requests, ``Expect: 100-continue`` on a GET, chunked bodies."""
from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class RawReply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    seconds: float  # from the last byte sent to the end of the reply
    interim: list[int] = field(default_factory=list)  # 1xx statuses before the reply

    def json(self):
        assert self.headers.get("content-type", "").startswith("application/json"), (self.status, self.body[:300])
        return json.loads(self.body)


def connect(base_url: str, timeout: float) -> socket.socket:
    url = urlsplit(base_url)
    return socket.create_connection((url.hostname, url.port), timeout=timeout)


def exchange(base_url: str, request: bytes, timeout: float = 10) -> RawReply:
    """Send ``request`` as it is and read one reply (after any 1xx); socket.timeout when none comes."""
    with connect(base_url, timeout) as sock:
        sock.sendall(request)
        return Replies(sock).next()


class Replies:
    """The replies arriving on ``sock``, one after another (pipelined ones too)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed before a reply; got {self.buffer[:200]!r}")
        self.buffer += chunk

    def next(self) -> RawReply:
        """The next final reply, timed from this call."""
        started, interim = time.monotonic(), []
        while True:
            while b"\r\n\r\n" not in self.buffer:
                self._fill()
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {name.strip().lower(): value.strip()
                       for name, _, value in (line.partition(":") for line in lines[1:])}
            if 100 <= status < 200:
                interim.append(status)
                continue
            length = int(headers.get("content-length", "0"))
            while len(self.buffer) < length:
                self._fill()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
            return RawReply(status, headers, body, time.monotonic() - started, interim)


def request_bytes(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"",
                  version: str = "HTTP/1.1") -> bytes:
    lines = [f"{method} {path} {version}", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
