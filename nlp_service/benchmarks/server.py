"""The HTTP server alone in a process, for the benchmark: ``python -m nlp_service.benchmarks.server HOME THREADS``.

Loads the index and the model first, then prints its URL (a free loopback port)
on stdout and serves until terminated.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

from ..config import apply_process_settings, load_settings
from ..service import Service
from ..web import create_app
from ..web.server import make_server, server_url


def main(argv: list[str]) -> None:
    home, threads = Path(argv[0]), int(argv[1])
    # 8 clients on fewer threads queue by design; waitress would warn on every request
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    settings = load_settings(home=home)
    apply_process_settings(settings)
    service = Service(settings)
    service.warm_up()
    server = make_server(create_app(service), "127.0.0.1", 0, threads=threads)
    print(server_url(server), flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1:])
