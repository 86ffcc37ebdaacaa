"""gunicorn's settings for the web container (`gunicorn -c python:imhcpd.gunicorn_conf`).

Sized for the production shape: sync workers (each request is short and Python-bound; PDFs
and emails go to Celery), two per core plus one unless GUNICORN_WORKERS says otherwise. Every
value can be overridden from the environment; the README's production section explains them.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
# Threads only help while a worker waits on the network; the pages wait on the database briefly.
threads = _int("GUNICORN_THREADS", 1)
# The slowest legitimate request is a 200 MB portfolio import over a slow line; the proxy
# buffers the body, so gunicorn sees it arrive at local speed.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never grows without bound; the jitter keeps them
# from restarting together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Headers: a request line and header fields no browser needs are refused early (400). The
# body limit is the proxy's (client_max_body_size) and Django's (imhcpd.upload_limits).
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 100)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)
# The proxy in front says who the client is; gunicorn trusts only the address it names.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# The application, its URLconf and everything they import are loaded once in the master and
# shared by the workers it forks: a worker recycled by max_requests starts at once instead of
# importing everything again on its first request (seconds of CPU each time under load, the
# load benchmark's profile). No database or broker connection is opened before the fork.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server: object) -> None:
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module before forking
    connections.close_all()  # a connection opened while importing must not be shared
