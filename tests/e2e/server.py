"""A real HTTP server on a free loopback port, for the browser to talk to.

The server runs for the whole test session (starting one per test would cost a socket
and a thread each time); each test mounts its own freshly built app on it and unmounts
it when done. Between tests, or while nothing is mounted, it answers 503.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

LOOPBACK = "127.0.0.1"


class LiveServer:
    """werkzeug's threaded server in a background thread, serving whichever app is mounted."""

    def __init__(self, name: str = "stembus") -> None:
        self._app: WSGIApplication | None = None
        # Port 0: the kernel picks a free port, so parallel workers never collide.
        self._server = make_server(LOOPBACK, 0, self._dispatch, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"live-server-{name}", daemon=True
        )

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_port)

    def url(self, host: str = LOOPBACK) -> str:
        """The server's base URL, without a trailing slash.

        `host` may be "localhost" to reach the same server from another *site* than
        127.0.0.1 (the browser treats the two host names as unrelated sites).
        """
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Start answering requests."""
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    @contextmanager
    def mount(self, app: WSGIApplication) -> Iterator[None]:
        """Serve `app` for the duration of the block."""
        if self._app is not None:
            raise RuntimeError("an app is already mounted on this live server")
        self._app = app
        try:
            yield
        finally:
            self._app = None

    def _dispatch(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        app = self._app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no app mounted\n"]
        return app(environ, start_response)
