"""Run by the fault tests (fault_server.py): the production WSGI application
(parindex.wsgi) in one process and one thread on 127.0.0.1, at a free port printed on the
first line. Like a gunicorn sync worker it keeps its database connection between requests
(CONN_MAX_AGE), so a connection the database dropped must be noticed (CONN_HEALTH_CHECKS)."""

from __future__ import annotations

from wsgiref.simple_server import WSGIRequestHandler, make_server

from parindex.wsgi import application


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


if __name__ == "__main__":
    server = make_server("127.0.0.1", 0, application, handler_class=QuietHandler)
    print(server.server_port, flush=True)
    server.serve_forever()
