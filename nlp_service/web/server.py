"""Serving the app with waitress: blocking for the CLI, in a thread for tests."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from waitress import create_server, wasyncore
from waitress.server import BaseWSGIServer

DEFAULT_THREADS = 4
#: waitress refuses bodies past this before Flask sees them; Flask's own limit
#: (MAX_CONTENT_LENGTH) is lower, so clients normally get its JSON 413
BODY_LIMIT_SLACK = 2
STOP_POLL_S = 0.1  # how soon a test server notices it should stop


def make_server(app: Flask, host: str, port: int, threads: int = DEFAULT_THREADS):
    """Bind ``host:port`` (0 = any free port); raises OSError when the port is taken."""
    body_limit = BODY_LIMIT_SLACK * (app.config["MAX_CONTENT_LENGTH"] or 0) or 1 << 30
    return create_server(app, host=host, port=port, threads=threads, ident="nlp-service",
                         max_request_body_size=body_limit, clear_untrusted_proxy_headers=True)


def server_url(server) -> str:
    """``http://host:port`` of a server from :func:`make_server` (one socket or several)."""
    listening = getattr(server, "effective_listen", None)
    host, port = listening[0] if listening else (server.effective_host, server.effective_port)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@contextmanager
def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0,
                    threads: int = DEFAULT_THREADS) -> Iterator[str]:
    """Run the real server in a background thread; yields its base URL, stops it on exit.

    For a one-socket server (a numeric host). The event loop runs in short
    polls so it notices the stop request itself and closes its own sockets:
    no other thread ever touches them.
    """
    server = make_server(app, host, port, threads)
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
