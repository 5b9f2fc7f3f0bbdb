"""Serve a WSGI app on 127.0.0.1 in a background thread (after httpx's `serve_in_thread`).

The port is ephemeral; the server is shut down and its socket closed on exit. Clients must
close their own connections (keep-alive) before the block ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

HOST = "127.0.0.1"


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr; errors are still logged by werkzeug."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) of `app` served in a thread."""
    server = make_server(HOST, 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://{HOST}:{server.server_port}"
    finally:
        server.shutdown()  # serve_forever returns, and closes the listening socket
        thread.join(timeout=5)
