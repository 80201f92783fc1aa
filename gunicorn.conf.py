"""Gunicorn settings for production: `make serve` (or `gunicorn -c gunicorn.conf.py wsgi:app`).

Every value can be overridden by an environment variable of the same name in upper case
prefixed with GUNICORN_, e.g. GUNICORN_WORKERS=4.
"""

import gc
import multiprocessing
import os


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GUNICORN_{name.upper()}", default)


bind = _env("bind", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Two workers per core keep the CPU busy while some requests wait on the database, without
# multiplying memory (each worker stays well under 150 MB).
workers = int(_env("workers", str(multiprocessing.cpu_count() * 2)))
# Sync workers: one request at a time per worker, in the worker's only thread, and no keep-alive.
# This is gunicorn's design for a buffering proxy in front (nginx, docs/deploy.md), which reads the
# client's request and takes the answer at once, so slow phones never hold a worker, and which talks
# to gunicorn over a new connection per request anyway. Under the gthread worker (the earlier default,
# one thread) a lesson page cost about a quarter more CPU, a progress report up to a fifth more: its
# polling thread and its request thread hand the interpreter lock back and forth around database calls
# (bench/README.md, item 26). Without a buffering proxy in front, use GUNICORN_WORKER_CLASS=gthread,
# which keeps idle keep-alive connections in its poller. GUNICORN_THREADS above 1 also switches to
# gthread (a site whose database is across a network may want that): more threads only add lock
# hand-offs when the database answers in microseconds.
worker_class = _env("worker_class", "sync")
threads = int(_env("threads", "1"))
timeout = int(_env("timeout", "30"))  # a worker stuck on one request this long is replaced
graceful_timeout = int(_env("graceful_timeout", "20"))
keepalive = 5  # gthread only: seconds an idle keep-alive connection is kept
# Recycle workers now and then to bound memory growth. The app is loaded once in the master and
# workers are forked from it, so a new worker costs a fork, not a fresh import of the app, and
# workers share the app's code pages.
preload_app = _env("preload_app", "true").lower() in {"1", "true", "yes"}
max_requests = int(_env("max_requests", "10000"))
max_requests_jitter = 1000
accesslog = _env("accesslog", "-") or None  # GUNICORN_ACCESSLOG= (empty) turns it off
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
forwarded_allow_ips = _env("forwarded_allow_ips", "127.0.0.1")


def post_fork(server, worker):
    """A forked worker must not share the master's database connections: drop any it inherited."""
    flask_app = server.app.wsgi()
    db = getattr(flask_app, "extensions", {}).get("sqlalchemy")
    if db is None:
        return
    with flask_app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def pre_fork(server, worker):
    """Freeze what the master has loaded (the app, with preload_app) before forking a worker.

    The workers' garbage collector then never walks those objects: a full collection in a worker
    cost a large page (the team grid) over 100 ms of walking the app's own modules, and walking them
    would also write to their memory pages, which the workers otherwise share with the master.
    """
    gc.freeze()


def post_worker_init(worker):
    """The same in a worker that loaded the app itself (preload_app off)."""
    gc.freeze()
