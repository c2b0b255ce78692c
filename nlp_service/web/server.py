"""Serving the app with waitress: blocking for the CLI, in a thread for tests."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer

from . import limits as request_limits
from .channel import guarded_channel

DEFAULT_THREADS = 4
#: waitress's own body limit, past the largest route limit: the guarded parser refuses
#: first, per route, with its own message (a chunked body at the route's limit too)
BODY_LIMIT_SLACK = 2
#: a connection with no request in progress and nothing received for this long is closed
#: (waitress: 120 s, checked every 30 s, so a declared 10 MB body that never came held a
#: connection for 145 s; here it goes after 10-12 s)
CHANNEL_TIMEOUT_S = 10
CLEANUP_INTERVAL_S = 2
#: the longest a request may take to arrive, headers and body: a 10 MB upload at 1.4 Mbit/s
RECEIVE_DEADLINE_S = 60
STOP_POLL_S = 0.1  # how soon a test server notices it should stop


def make_server(app: Flask, host: str, port: int, threads: int = DEFAULT_THREADS,
                receive_deadline_s: float = RECEIVE_DEADLINE_S):
    """Bind ``host:port`` (0 = any free port); raises OSError when the port is taken."""
    limits = request_limits.of_app(app)
    server = create_server(app, host=host, port=port, threads=threads, ident="nlp-service",
                           max_request_body_size=BODY_LIMIT_SLACK * limits.largest,
                           channel_timeout=CHANNEL_TIMEOUT_S, cleanup_interval=CLEANUP_INTERVAL_S,
                           clear_untrusted_proxy_headers=True)
    channel_class = guarded_channel(limits, receive_deadline_s)
    for listener in _listeners(server):
        listener.channel_class = channel_class
    return server


def _listeners(server) -> list[BaseWSGIServer]:
    """The listening sockets of a server from ``create_server`` (one, or several for a host name)."""
    if isinstance(server, BaseWSGIServer):
        return [server]
    return [d for d in server.map.values() if isinstance(d, BaseWSGIServer)]


def server_url(server) -> str:
    """``http://host:port`` of a server from :func:`make_server` (one socket or several)."""
    listening = getattr(server, "effective_listen", None)
    host, port = listening[0] if listening else (server.effective_host, server.effective_port)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0, threads: int = DEFAULT_THREADS,
                    receive_deadline_s: float = RECEIVE_DEADLINE_S) -> Iterator[str]:
    """Run the real server in a background thread; yields its base URL, stops it on exit.

    For a one-socket server (a numeric host). The event loop runs in short
    polls so it notices the stop request itself and closes its own sockets:
    no other thread ever touches them.
    """
    server = make_server(app, host, port, threads, receive_deadline_s)
    stopping = threading.Event()
    thread = threading.Thread(target=_serve_until, args=(server, stopping), name="waitress", daemon=True)
    thread.start()
    try:
        yield server_url(server)
    finally:
        stopping.set()
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


def _serve_until(server: BaseWSGIServer, stopping: threading.Event) -> None:
    while not stopping.is_set():
        wasyncore.loop(timeout=STOP_POLL_S, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
    wasyncore.close_all(server._map)
