"""Pages measured in-process: what bounds a page that misses its target (bench/analysis.md).

Usage, on a database seeded by `make bench`:
    DATABASE_URL=sqlite:////tmp/locallibrary-bench-10000.sqlite3 DJANGO_DEBUG=0 \\
    DJANGO_SECRET_KEY=x DJANGO_SETTINGS_MODULE=locallibrary.settings \\
    DJANGO_ALLOWED_HOSTS=127.0.0.1 .venv/bin/python bench/in_process.py [--cpu | --calls] \\
    [--cookie 'sessionid=...'] /catalog/books/ /catalog/

Each page is requested through the production WSGI application, as gunicorn calls it but
without HTTP, by a returning visitor (a session from a home page visit) unless `--cookie`
gives another Cookie header (bench/visitors.py prints a librarian's and a patron's) or a
path starts with `!` (no cookie: the session is not read). By default a pyinstrument
profile; `--cpu` prints CPU ms per request (the figure the analysis compares with
gunicorn's), `--calls` Python function calls per request (steady on a busy machine, where
CPU time is not).
"""

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, not bench/
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

REQUESTS = 300
WARM_UP = 20

application = get_wsgi_application()


def environ(path, cookie=None):
    """A GET of `path` as gunicorn hands it over, behind the PaaS router (HTTPS)."""
    path, _, query = path.partition("?")
    request = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    if cookie:
        request["HTTP_COOKIE"] = cookie
    return request


def get(path, cookie=None):
    """(status, headers, body) of one GET of `path`."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=status, headers=headers)

    body = b"".join(application(environ(path, cookie), start_response))
    return answer["status"], answer["headers"], body


def returning_visitor():
    """The session cookie that a first visit of the home page leaves."""
    _, headers, _ = get("/catalog/")
    for name, value in headers:
        if name == "Set-Cookie" and value.strip().startswith("sessionid="):
            return value.strip().split(";")[0]
    raise RuntimeError("the home page set no session cookie")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--cookie", help="the Cookie header to send (default: a returning visitor)")
    measure = parser.add_mutually_exclusive_group()
    measure.add_argument("--cpu", action="store_true", help="CPU ms per request")
    measure.add_argument("--calls", action="store_true", help="function calls per request")
    options = parser.parse_args()
    cookie = options.cookie or returning_visitor()
    for given in options.paths:
        path = given.removeprefix("!")
        sent = None if given.startswith("!") else cookie
        for _ in range(WARM_UP):
            status, _, body = get(path, sent)
        label = f"{given} ({status}, {len(body):,} bytes)"
        if options.cpu:
            began = time.process_time()
            for _ in range(REQUESTS):
                get(path, sent)
            spent = time.process_time() - began
            print(f"{label}: {1000 * spent / REQUESTS:.2f} CPU ms per request")
        elif options.calls:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(REQUESTS):
                get(path, sent)
            profile.disable()
            calls = pstats.Stats(profile).total_calls / REQUESTS
            print(f"{label}: {calls:,.0f} function calls per request")
        else:
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(REQUESTS):
                    get(path, sent)
            duration = 1000 * profiler.last_session.duration / REQUESTS
            print(f"# {label}: {duration:.2f} ms per request")
            print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
